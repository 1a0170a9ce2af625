"""Registers every gym id of the package with Gymnasium.

Each world keeps its ids in its own ``ids.py`` with a ``register()`` function that calls
``gymnasium.register`` with entry-point *strings* only, so registration imports no simulator, no numba
kernel and no torch. This module just calls them in order; it runs once, on ``import embodied_gym``.
"""

from __future__ import annotations

import importlib

# One module per world. Each must define ``register() -> None``.
WORLD_ID_MODULES: tuple[str, ...] = (
    "embodied_gym.envs.voxel.ids",
    "embodied_gym.envs.voxel.open_ids",
    "embodied_gym.envs.tiles.ids",
    "embodied_gym.envs.house.ids",
)

_registered = False


def register_all() -> None:
    """Register the ids of every world (idempotent)."""
    global _registered
    if _registered:
        return
    for name in WORLD_ID_MODULES:
        importlib.import_module(name).register()
    _registered = True
