"""One batched, headless CPU renderer (numba) that draws both worlds: a brick-map ray caster, and for
static scenes (houses) a faster raster path over the scene's visible voxels merged into boxes;
``render_batch(method=...)`` picks (default ``"auto"``), both share one shading code path.

Public API (see ``api.py`` for the full contract)::

    from embodied_gym.envs.render import Cameras, SceneBatch, VoxelScene, render_batch

Importing this package is cheap: the numba kernels are compiled/loaded from the on-disk cache only on
the first :func:`render_batch` call.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Cameras",
    "EntityBatch",
    "PartTable",
    "RenderError",
    "SceneBatch",
    "SceneStyle",
    "VoxelScene",
    "material_id",
    "render_batch",
]

_LAZY = {
    "Cameras": "types",
    "EntityBatch": "types",
    "PartTable": "types",
    "RenderError": "types",
    "SceneBatch": "batch",
    "SceneStyle": "types",
    "VoxelScene": "types",
    "material_id": "materials",
    "render_batch": "api",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
