"""Scene, camera and entity descriptions the renderer consumes: plain numpy data, no numba.

A scene is *data*: a voxel grid of part ids stored as a brick map (a coarse grid whose cells are
either empty, holding the Chebyshev distance in bricks to the nearest non-empty brick, or point to a
B x B x B brick of fine voxels), plus a part table that says which material, semantic class and
instance each part id draws as. The coarse distances let a ray jump over empty space in a few steps;
only bricks that hold something are walked voxel by voxel. Houses use 5 cm voxels in 8^3 bricks
(40 cm), block worlds 1 m voxels in 4^3 bricks.

Coordinates follow AI2-THOR (Unity): metres, y up; a camera with yaw 0 looks along +z and +x is to
its right; yaw 90 looks along +x. Pitch is positive looking *down* (AI2-THOR's ``horizon``, Minecraft's
pitch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


class RenderError(ValueError):
    """Bad input to the renderer (shapes, ranges, unknown names); the message says what is accepted."""


@dataclass(frozen=True)
class SceneStyle:
    """Lighting, sky and range of one scene.

    ``sun_direction`` points *towards* the sun. Surfaces open to the sky (nothing opaque above the
    air voxel in front of them) get ``sun_strength * max(0, n . sun)``; all surfaces get ``ambient``
    plus the scene's light map (room lights), both scaled by a fixed per-face factor.
    ``ground_y``: an infinite ground plane drawn with ``ground_part`` wherever the ray leaves the voxel
    grid downwards (None: no plane, such rays see sky). ``view_distance`` (metres, along the ray)
    ends every ray; fog rises linearly from ``fog_start`` to full sky-horizon colour at it.
    """

    view_distance: float = 40.0
    fog_start: float = 20.0
    sky_zenith: tuple[float, float, float] = (0.36, 0.56, 0.90)
    sky_horizon: tuple[float, float, float] = (0.72, 0.82, 0.94)
    sun_direction: tuple[float, float, float] = (0.35, 0.85, 0.40)
    sun_strength: float = 0.55
    ambient: float = 0.55
    ground_y: float | None = None
    ground_part: int = 0

    def validate(self, n_parts: int) -> None:
        if not (np.isfinite(self.view_distance) and self.view_distance > 0):
            raise RenderError(f"view_distance must be a positive number of metres, got {self.view_distance}")
        if not (0 <= self.fog_start <= self.view_distance):
            raise RenderError(
                f"fog_start must lie in [0, view_distance={self.view_distance}], got {self.fog_start}"
            )
        for name in ("sky_zenith", "sky_horizon", "sun_direction"):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.shape != (3,) or not np.all(np.isfinite(value)):
                raise RenderError(f"{name} must be 3 finite numbers, got {getattr(self, name)!r}")
        if np.linalg.norm(self.sun_direction) == 0:
            raise RenderError("sun_direction must not be the zero vector")
        if self.ground_y is not None and not (0 <= self.ground_part < n_parts):
            raise RenderError(f"ground_part must be a part id in [0, {n_parts}), got {self.ground_part}")


@dataclass
class PartTable:
    """What each voxel value (part id) draws as. Row 0 is "empty" and is never drawn.

    ``class_id`` fills the semantic mask, ``instance_id`` the instance mask (0 = sky/nothing).
    ``tint`` multiplies the material's colours (e.g. an AI2-THOR wall colour).
    """

    material: np.ndarray  # (P,) int32
    class_id: np.ndarray  # (P,) int32
    instance_id: np.ndarray  # (P,) int32
    tint: np.ndarray  # (P, 3) float32

    @classmethod
    def build(
        cls,
        material: Sequence[int],
        class_id: Sequence[int],
        instance_id: Sequence[int],
        tint: Sequence[Sequence[float]] | None = None,
    ) -> PartTable:
        n = len(material)
        if tint is None:
            tint = np.ones((n, 3), np.float32)
        table = cls(
            np.asarray(material, np.int32),
            np.asarray(class_id, np.int32),
            np.asarray(instance_id, np.int32),
            np.asarray(tint, np.float32).reshape(n, 3),
        )
        table.validate()
        return table

    def __len__(self) -> int:
        return int(self.material.shape[0])

    def validate(self) -> None:
        from .materials import MATERIAL_NAMES

        n = len(self)
        if n < 1 or n > 65535:
            raise RenderError(f"a part table needs 1..65535 rows (row 0 = empty), got {n}")
        for name in ("class_id", "instance_id"):
            if getattr(self, name).shape != (n,):
                raise RenderError(f"PartTable.{name} must have shape ({n},), got {getattr(self, name).shape}")
        if self.tint.shape != (n, 3):
            raise RenderError(f"PartTable.tint must have shape ({n}, 3), got {self.tint.shape}")
        bad = (self.material < 0) | (self.material >= len(MATERIAL_NAMES))
        if bad.any():
            raise RenderError(
                f"PartTable.material holds ids outside [0, {len(MATERIAL_NAMES)}): "
                f"{sorted(set(self.material[bad].tolist()))[:5]}"
            )


@dataclass
class VoxelScene:
    """One static world as a brick map. Build it with :meth:`from_dense`.

    Voxel (i, j, k) covers ``origin + voxel_size * [i, i+1) x [j, j+1) x [k, k+1)``.
    """

    coarse: np.ndarray  # (cx, cy, cz) int32: >= 0 brick index, < 0 minus the empty distance in bricks
    octant: np.ndarray  # (cx, cy, cz, 8) uint8: per ray-direction octant, the empty distance in bricks
    bricks: np.ndarray  # (n_bricks, B**3) uint16 part ids, index ((x*B)+y)*B+z inside a brick
    top: np.ndarray  # (nx, nz) int16: 1 + highest opaque voxel y of each column (0: none)
    light: np.ndarray  # (cx, cz) float32 additive light (room lights) per brick column
    parts: PartTable
    origin: tuple[float, float, float]
    voxel_size: float
    brick: int
    style: SceneStyle = field(default_factory=SceneStyle)
    class_names: tuple[str, ...] = ()
    instance_names: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int, int]:
        """Fine grid size in voxels (a multiple of ``brick`` on every axis)."""
        c = self.coarse.shape
        return (c[0] * self.brick, c[1] * self.brick, c[2] * self.brick)

    @classmethod
    def from_dense(
        cls,
        grid: np.ndarray,
        parts: PartTable,
        *,
        origin: Sequence[float] = (0.0, 0.0, 0.0),
        voxel_size: float = 1.0,
        brick: int = 4,
        style: SceneStyle | None = None,
        light: np.ndarray | None = None,
        class_names: Sequence[str] = (),
        instance_names: Sequence[str] = (),
    ) -> VoxelScene:
        """Build from a dense (nx, ny, nz) array of part ids (0 = empty).

        The grid is padded with empty voxels up to a multiple of ``brick``. ``light`` is the additive
        room-light map over brick columns, shape (ceil(nx/brick), ceil(nz/brick)); default zeros.
        """
        grid = np.asarray(grid)
        if grid.ndim != 3 or min(grid.shape) < 1:
            raise RenderError(f"grid must be a non-empty 3-D array of part ids, got shape {grid.shape}")
        if not np.issubdtype(grid.dtype, np.integer):
            raise RenderError(f"grid must hold integer part ids, got dtype {grid.dtype}")
        if brick not in (2, 4, 8, 16):
            raise RenderError(f"brick must be one of 2, 4, 8, 16 voxels, got {brick}")
        if not (np.isfinite(voxel_size) and voxel_size > 0):
            raise RenderError(f"voxel_size must be a positive number of metres, got {voxel_size}")
        parts.validate()
        if grid.size and (grid.min() < 0 or grid.max() >= len(parts)):
            raise RenderError(
                f"grid holds part ids outside [0, {len(parts)}) (the part table's rows): "
                f"min {grid.min()}, max {grid.max()}"
            )
        style = style or SceneStyle()
        style.validate(len(parts))
        from .kernel import gather_bricks_kernel, occupancy_and_tops_kernel

        b = brick
        cdims = tuple(-(-s // b) for s in grid.shape)
        # one pass for brick occupancy and column tops, one over the occupied bricks only (numba: the
        # numpy form -- pad, 6-D transpose copy, opaque lookup over every voxel -- took ~13 ms a house)
        grid16 = np.ascontiguousarray(grid, np.uint16)
        occupied = np.zeros(cdims, np.bool_)
        top = np.zeros((cdims[0] * b, cdims[2] * b), np.int16)
        occupancy_and_tops_kernel(grid16, b, _opaque_parts(parts), occupied, top)
        coarse = -chebyshev_distance(occupied)
        octant = octant_distance(occupied)
        index = np.flatnonzero(occupied.ravel())
        coarse.ravel()[index] = np.arange(index.size, dtype=np.int32)
        bricks = np.zeros((index.size, b**3), np.uint16)
        gather_bricks_kernel(grid16, b, index, cdims[1], cdims[2], bricks)
        if light is None:
            light = np.zeros((cdims[0], cdims[2]), np.float32)
        light = np.asarray(light, np.float32)
        if light.shape != (cdims[0], cdims[2]):
            raise RenderError(f"light must have shape {(cdims[0], cdims[2])} (brick columns), got {light.shape}")
        return cls(
            coarse=coarse,
            octant=octant,
            bricks=bricks,
            top=top,
            light=light,
            parts=parts,
            origin=tuple(float(o) for o in origin),
            voxel_size=float(voxel_size),
            brick=b,
            style=style,
            class_names=tuple(class_names),
            instance_names=tuple(instance_names),
        )

    def to_dense(self) -> np.ndarray:
        """The fine grid as a dense (nx, ny, nz) uint16 array (for tests and editing tools)."""
        b = self.brick
        cx, cy, cz = self.coarse.shape
        blocks = np.zeros((cx * cy * cz, b**3), np.uint16)
        flat = self.coarse.ravel()
        has = flat >= 0
        blocks[has] = self.bricks[flat[has]]
        blocks = blocks.reshape(cx, cy, cz, b, b, b).transpose(0, 3, 1, 4, 2, 5)
        return np.ascontiguousarray(blocks.reshape(cx * b, cy * b, cz * b))


MAX_EMPTY_DISTANCE = 32


def chebyshev_distance(occupied: np.ndarray, cap: int = MAX_EMPTY_DISTANCE) -> np.ndarray:
    """Per cell, the Chebyshev distance (in cells) to the nearest occupied cell, capped; 0 where occupied.

    Cells outside the grid count as empty, so distances may reach past the border (rays leave the
    grid there anyway).
    """
    dist = np.full(occupied.shape, cap, np.int32)
    reached = occupied.copy()
    dist[reached] = 0
    for k in range(1, cap):
        if reached.all():
            break
        grown = reached.copy()
        for axis in range(3):
            step = grown.copy()
            lo = [slice(None)] * 3
            hi = [slice(None)] * 3
            lo[axis], hi[axis] = slice(0, -1), slice(1, None)
            step[tuple(lo)] |= grown[tuple(hi)]
            step[tuple(hi)] |= grown[tuple(lo)]
            grown = step
        dist[grown & ~reached] = k
        reached = grown
    return dist


def octant_distance(occupied: np.ndarray, cap: int = MAX_EMPTY_DISTANCE) -> np.ndarray:
    """For each cell and each of the 8 direction octants, the Chebyshev distance to the nearest
    occupied cell *in that octant* (0 where occupied), capped; shape (cx, cy, cz, 8) uint8.

    Octant ``o = 4*(dx > 0) + 2*(dy > 0) + (dz > 0)``. A ray travelling in octant ``o`` from a cell
    with distance ``k`` can skip the k x k x k box of cells ahead of it: what lies behind or beside
    it does not shorten its jumps (an isotropic distance would stop at the floor under the camera).
    """
    from .kernel import octant_distance_kernel

    out = np.empty(occupied.shape + (8,), np.uint8)
    octant_distance_kernel(np.ascontiguousarray(occupied), cap, out)
    return out


def _opaque_parts(parts: PartTable) -> np.ndarray:
    """Per part, whether it hides what is behind it (material alpha >= 1); part 0 (empty) never."""
    from .materials import material_array

    opaque_part = material_array()[parts.material, 8] >= 1.0
    opaque_part[0] = False
    return opaque_part


@dataclass
class Cameras:
    """N pinhole cameras, one per rendered image (struct of arrays).

    ``position`` (N, 3) metres is the eye; ``yaw_deg`` 0 looks along +z, 90 along +x; ``pitch_deg``
    positive looks down; ``fov_deg`` is the *vertical* field of view; ``scene_index`` picks the scene
    of the :class:`~embodied_gym.envs.render.batch.SceneBatch` each camera looks into.
    """

    position: np.ndarray
    yaw_deg: np.ndarray
    pitch_deg: np.ndarray
    fov_deg: np.ndarray
    scene_index: np.ndarray

    @classmethod
    def make(
        cls,
        position: Sequence[Sequence[float]] | np.ndarray,
        yaw_deg: float | Sequence[float] | np.ndarray = 0.0,
        pitch_deg: float | Sequence[float] | np.ndarray = 0.0,
        fov_deg: float | Sequence[float] | np.ndarray = 90.0,
        scene_index: int | Sequence[int] | np.ndarray = 0,
    ) -> Cameras:
        """Broadcast scalars to N cameras; ``position`` may be one (3,) point or an (N, 3) array."""
        pos = np.asarray(position, np.float32)
        if pos.ndim == 1:
            pos = pos[None, :]
        if pos.ndim != 2 or pos.shape[1] != 3:
            raise RenderError(f"camera position must be (3,) or (N, 3), got shape {pos.shape}")
        n = pos.shape[0]

        def vec(value, dtype, name):
            arr = np.asarray(value, dtype)
            if arr.ndim == 0:
                arr = np.full(n, arr, dtype)
            if arr.shape != (n,):
                raise RenderError(f"camera {name} must be a scalar or shape ({n},), got {arr.shape}")
            return np.ascontiguousarray(arr)

        cams = cls(
            np.ascontiguousarray(pos),
            vec(yaw_deg, np.float32, "yaw_deg"),
            vec(pitch_deg, np.float32, "pitch_deg"),
            vec(fov_deg, np.float32, "fov_deg"),
            vec(scene_index, np.int32, "scene_index"),
        )
        cams.validate()
        return cams

    def __len__(self) -> int:
        return int(self.position.shape[0])

    def validate(self, n_scenes: int | None = None) -> None:
        if not np.all(np.isfinite(self.position)):
            raise RenderError("camera positions must be finite")
        for name in ("yaw_deg", "pitch_deg", "fov_deg"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise RenderError(f"camera {name} must be finite")
        if np.any(np.abs(self.pitch_deg) > 89.9):
            raise RenderError(f"camera pitch_deg must lie in [-89.9, 89.9], got {self.pitch_deg.min()}..{self.pitch_deg.max()}")
        if np.any((self.fov_deg < 1.0) | (self.fov_deg > 170.0)):
            raise RenderError(f"camera fov_deg (vertical) must lie in [1, 170], got {self.fov_deg.min()}..{self.fov_deg.max()}")
        if n_scenes is not None and np.any((self.scene_index < 0) | (self.scene_index >= n_scenes)):
            raise RenderError(f"camera scene_index must lie in [0, {n_scenes}) (scenes in the batch)")


@dataclass
class EntityBatch:
    """Movable boxes (mobs, held items, moved objects), grouped by scene.

    ``box`` (M, 7) float32 rows ``[cx, cy, cz, hx, hy, hz, yaw_deg]``: centre, half sizes (metres)
    and yaw about +y (same sense as the camera yaw). Entities of scene ``s`` are rows
    ``offsets[s]:offsets[s+1]``. Build with :meth:`build`.
    """

    box: np.ndarray
    material: np.ndarray
    class_id: np.ndarray
    instance_id: np.ndarray
    tint: np.ndarray
    offsets: np.ndarray

    @classmethod
    def empty(cls, n_scenes: int) -> EntityBatch:
        return cls.build(n_scenes, np.zeros(0, np.int32), np.zeros((0, 3)), np.zeros((0, 3)))

    @classmethod
    def build(
        cls,
        n_scenes: int,
        scene_index: Sequence[int] | np.ndarray,
        center: np.ndarray,
        half_size: np.ndarray,
        yaw_deg: float | np.ndarray = 0.0,
        material: int | np.ndarray = 0,
        class_id: int | np.ndarray = 0,
        instance_id: int | np.ndarray = 0,
        tint: np.ndarray | None = None,
    ) -> EntityBatch:
        """Entities in any order; they are grouped by ``scene_index`` (stable)."""
        from .materials import MATERIAL_NAMES

        scene = np.asarray(scene_index, np.int64).reshape(-1)
        m = scene.size
        center = np.asarray(center, np.float32).reshape(m, 3)
        half = np.asarray(half_size, np.float32).reshape(m, 3)
        if np.any(half <= 0) or not np.all(np.isfinite(center)) or not np.all(np.isfinite(half)):
            raise RenderError("entity centres must be finite and half sizes positive")
        if m and (scene.min() < 0 or scene.max() >= n_scenes):
            raise RenderError(f"entity scene_index must lie in [0, {n_scenes})")
        yaw = np.broadcast_to(np.asarray(yaw_deg, np.float32), (m,))
        mat = np.broadcast_to(np.asarray(material, np.int32), (m,))
        if m and (mat.min() < 0 or mat.max() >= len(MATERIAL_NAMES)):
            raise RenderError(f"entity material must be a material id in [0, {len(MATERIAL_NAMES)})")
        order = np.argsort(scene, kind="stable")
        box = np.concatenate([center, half, yaw[:, None]], axis=1)[order]
        tint_arr = np.ones((m, 3), np.float32) if tint is None else np.asarray(tint, np.float32).reshape(m, 3)
        offsets = np.zeros(n_scenes + 1, np.int64)
        np.add.at(offsets, scene + 1, 1)
        return cls(
            np.ascontiguousarray(box, np.float32),
            np.ascontiguousarray(mat[order]),
            np.ascontiguousarray(np.broadcast_to(np.asarray(class_id, np.int32), (m,))[order]),
            np.ascontiguousarray(np.broadcast_to(np.asarray(instance_id, np.int32), (m,))[order]),
            np.ascontiguousarray(tint_arr[order]),
            np.cumsum(offsets),
        )
