"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DATA = REPO_ROOT.parent / "shared" / "reference-data"


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """The original projects' data at ../shared/reference-data (CI has it there too).

    A test that needs it fails loudly when it is missing rather than skipping silently.
    """
    if not REFERENCE_DATA.is_dir():
        pytest.fail(
            f"reference data not found at {REFERENCE_DATA}; tests that check against the original "
            "projects need ../shared/reference-data beside the repository"
        )
    return REFERENCE_DATA
