"""``render_batch``: the one call every env renders through.

Example (N envs, each with its own world)::

    from embodied_gym.envs.render import Cameras, SceneBatch, render_batch

    batch = SceneBatch([scene_0, scene_1, ...])          # pack once; batch.replace_scene(i, s) on reset
    cams = Cameras.make(positions, yaw_deg=yaws, pitch_deg=pitches, fov_deg=90.0,
                        scene_index=np.arange(N))         # camera i looks into scene i
    out = render_batch(batch, cams, 64, 64, outputs=("rgb", "depth"))
    out["rgb"]    # (N, 64, 64, 3) uint8
    out["depth"]  # (N, 64, 64) float32 planar depth in metres

Several cameras may share a scene (``scene_index`` repeats). One camera renders on the calling
thread (no thread-pool hand-off); several spread their image rows over numba's threads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .batch import SceneBatch
from .types import Cameras, EntityBatch, RenderError, VoxelScene

OUTPUTS = ("rgb", "depth", "semantic", "instance")
METHODS = ("auto", "raycast", "raster")
MIN_SIZE, MAX_SIZE = 32, 512
_EMPTY: tuple = ()


def render_batch(
    scenes: SceneBatch | VoxelScene | Sequence[VoxelScene],
    cameras: Cameras,
    width: int,
    height: int,
    outputs: Sequence[str] = ("rgb", "depth"),
    entities: EntityBatch | None = None,
    out: dict[str, np.ndarray] | None = None,
    parallel: bool | None = None,
    method: str = "auto",
) -> dict[str, np.ndarray]:
    """Render one image per camera; returns batch-first arrays keyed by output name.

    - ``rgb``: (N, H, W, 3) uint8
    - ``depth``: (N, H, W) float32, planar depth in metres (along the camera's forward axis, like
      AI2-THOR); rays that hit nothing read the scene's ``view_distance``. The first surface counts,
      glass and water included.
    - ``semantic``: (N, H, W) int32 class ids from the part table / entities (0 = sky)
    - ``instance``: (N, H, W) int32 instance ids (0 = sky)

    ``scenes``: a packed :class:`SceneBatch` (fastest: pack once, reuse), or scenes to pack now.
    ``out``: optional preallocated arrays of the shapes above (reused across steps, no allocation);
    any strides, e.g. ``rgb`` as ``chw.transpose(0, 2, 3, 1)`` of an (N, 3, H, W) buffer to draw
    channel-first frames without a copy.
    ``parallel``: spread rows over numba's threads; default: when there is more than one camera and
    more than one numba thread. One camera renders on the calling thread (no pool start-up cost).
    ``method``: how each pixel's first hit is found; the shading is the same code either way.
    ``"raycast"`` walks the brick map per pixel (any scene, edits included). ``"raster"`` draws the
    front faces of the scene's voxels merged into boxes, grouped by chunk (built once per scene on
    first use, see ``boxes.py``; after an edit only the chunks it touched are re-merged, on the next
    render). ``"auto"`` (default) rasters the cameras whose scene has at most ``MAX_RASTER_BOXES``
    boxes (edited scenes included: their boxes are brought up to date first), and ray casts the rest.
    The two agree except on pixels a surface edge crosses.
    """
    import numba

    from .kernel import (
        empty_outputs,
        entity_rects,
        raster_parallel,
        raster_serial,
        render_parallel,
        render_serial,
    )

    global _EMPTY
    if not _EMPTY:
        _EMPTY = empty_outputs()

    batch = scenes if isinstance(scenes, SceneBatch) else SceneBatch(
        [scenes] if isinstance(scenes, VoxelScene) else scenes
    )
    if not isinstance(cameras, Cameras):
        raise RenderError(f"cameras must be a Cameras (use Cameras.make), got {type(cameras).__name__}")
    n = len(cameras)
    if n == 0:
        raise RenderError("cameras must hold at least one camera")
    if int(cameras.scene_index.min()) < 0 or int(cameras.scene_index.max()) >= len(batch):
        raise RenderError(f"camera scene_index must lie in [0, {len(batch)}) (scenes in the batch)")
    for name, size in (("width", width), ("height", height)):
        if not isinstance(size, int | np.integer) or not (MIN_SIZE <= size <= MAX_SIZE):
            raise RenderError(f"{name} must be an int in [{MIN_SIZE}, {MAX_SIZE}], got {size!r}")
    if method not in METHODS:
        raise RenderError(f"method must be one of {METHODS}, got {method!r}")
    wanted = tuple(outputs)
    unknown = [o for o in wanted if o not in OUTPUTS]
    if unknown or not wanted:
        raise RenderError(f"outputs must be a non-empty subset of {OUTPUTS}, got {wanted}")
    if entities is None:
        entities = batch._no_entities
    elif entities.offsets.shape != (len(batch) + 1,):
        raise RenderError(
            f"entities were built for {entities.offsets.shape[0] - 1} scenes, the batch has {len(batch)}"
        )
    shapes = {
        "rgb": ((n, height, width, 3), np.uint8),
        "depth": ((n, height, width), np.float32),
        "semantic": ((n, height, width), np.int32),
        "instance": ((n, height, width), np.int32),
    }
    result: dict[str, np.ndarray] = {}
    dummy = dict(zip(OUTPUTS, _EMPTY, strict=True))
    arrays = []
    for name in OUTPUTS:
        if name in wanted:
            shape, dtype = shapes[name]
            arr = None if out is None else out.get(name)
            if arr is None:
                arr = np.empty(shape, dtype)
            elif arr.shape != shape or arr.dtype != dtype:
                raise RenderError(f"out[{name!r}] must be a {dtype.__name__} array of shape {shape}")
            result[name] = arr
            arrays.append(arr)
        else:
            arrays.append(dummy[name])

    if entities.box.shape[0] == 0:
        vis_n, vis_idx, vis_rect = batch._no_visible(n)
    else:
        per_scene = np.diff(entities.offsets)
        cap = max(1, int(per_scene.max()))
        vis_n = np.zeros(n, np.int32)
        vis_idx = np.zeros((n, cap), np.int32)
        vis_rect = np.zeros((n, cap, 4), np.int32)
        entity_rects(cameras.position, cameras.yaw_deg, cameras.pitch_deg, cameras.fov_deg,
                     cameras.scene_index, entities.box, entities.offsets, height, width,
                     vis_n, vis_idx, vis_rect)
    use_parallel = (n > 1 and numba.get_num_threads() > 1) if parallel is None else bool(parallel)
    use_boxes = None if method == "raycast" else batch.boxes_ready(
        cameras.scene_index, budget=None if method == "raster" else -1)
    scene_args = (batch.scene_int, batch.scene_float, batch.words, batch.pool_flat, batch.top, batch.light,
                  batch.part_material, batch.part_class, batch.part_instance, batch.part_tint, batch.materials)
    view_args = (cameras.position, cameras.yaw_deg, cameras.pitch_deg, cameras.fov_deg, cameras.scene_index,
                 entities.box, entities.material, entities.class_id, entities.instance_id, entities.tint,
                 vis_n, vis_idx, vis_rect,
                 int(height), int(width), "rgb" in wanted, "depth" in wanted, "semantic" in wanted, "instance" in wanted,
                 arrays[0], arrays[1], arrays[2], arrays[3])
    if use_boxes is not None and use_boxes[cameras.scene_index].any():
        kernel = raster_parallel if use_parallel else raster_serial
        kernel(use_boxes, *scene_args, batch.boxes, batch.chunks, *view_args)
    else:
        kernel = render_parallel if use_parallel else render_serial
        kernel(*scene_args, *view_args)
    return result
