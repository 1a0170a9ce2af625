"""Lazy access to the compact house catalog JSON shipped in ``data/house_catalog.json``.

The file is built by ``scripts/build_house_catalog.py`` from ProcTHOR's databases. It is read once,
on first use, so importing the package costs nothing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOG_PATH = Path(__file__).resolve().parent / "data" / "house_catalog.json"


@lru_cache(maxsize=1)
def raw_catalog() -> dict[str, Any]:
    """The whole catalog as parsed JSON (cached; treat it as read-only)."""
    with open(CATALOG_PATH, encoding="utf-8") as f:
        return json.load(f)
