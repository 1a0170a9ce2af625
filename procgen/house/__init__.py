"""ProcTHOR-style procedural houses in AI2-THOR's house format (schema 1.0.0).

Public API (imported lazily so ``import embodied_gym`` stays fast):

- :func:`generate_house` / :func:`generate_houses`: one house / a dataset (all cores or Ray)
- :func:`validate_house`, :class:`HouseValidationError`
- :func:`load_house` (also real ProcTHOR houses; schema 0.0.1 is upgraded), :func:`load_houses`
- geometry helpers in :mod:`.geometry` and the reachability grid in :mod:`.navgrid`
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "generate_house": ".generate",
    "HouseGenerationError": ".generate",
    "SPLITS": ".generate",
    "validate_house": ".validate",
    "HouseValidationError": ".validate",
    "load_house": ".io",
    "load_houses": ".io",
    "upgrade_house": ".io",
    "write_houses": ".io",
    "generate_houses": ".dataset",
    "write_house_dataset": ".dataset",
    "draw_house": ".draw",
    "build_navgrid": ".navgrid",
    "NavGrid": ".navgrid",
    "ROOM_SPECS": ".specs",
    "RoomSpec": ".specs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
