"""Where the agent may stand, and how far it is to walk anywhere: the house world's floor model.

The agent is a vertical cylinder (AI2-THOR's capsule seen from above) of radius ``radius``. We raster
the floor at ``cell`` metres and mark every cell whose *centre* the agent's centre may not occupy:
outside every room, closer than ``radius`` to a solid wall piece, or closer than ``radius`` to the
footprint of a floor object. A move is legal when every sample along its path lies in a free cell,
so collision costs a few array look-ups per step instead of geometry tests.

Closed doors are kept apart from the static raster (one mask per openable door), because opening or
closing a door must not rebuild anything. Geodesic distances (for SPL, shaped reward and the oracle)
are 8-connected Dijkstra fields on the same raster, computed by a numba kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from embodied_gym.procgen.house import geometry
from embodied_gym.procgen.house.navgrid import build_navgrid


@dataclass(eq=False)
class FloorModel:
    """The rasterised floor of one house for an agent of one radius.

    Compared and hashed by identity: caches of per-house fields are keyed by the floor model itself.
    """

    origin: tuple[float, float]  # (x, z) of cell (0, 0)'s lower corner
    cell: float
    radius: float
    static_blocked: np.ndarray  # (nx, nz) bool
    door_masks: dict[str, np.ndarray] = field(default_factory=dict)  # door id -> (nx, nz) bool
    room_index: np.ndarray | None = None  # (nx, nz) int16: index into room_ids, -1 outside
    room_ids: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        return self.static_blocked.shape  # type: ignore[return-value]

    def blocked(self, closed_doors: tuple[str, ...] | list[str] = ()) -> np.ndarray:
        """The full blocked raster with the given doors closed."""
        out = self.static_blocked.copy()
        for door_id in closed_doors:
            out |= self.door_masks[door_id]
        return out

    def to_cell(self, x: float, z: float) -> tuple[int, int]:
        return (int(math.floor((x - self.origin[0]) / self.cell)), int(math.floor((z - self.origin[1]) / self.cell)))

    def cell_centre(self, i: int, j: int) -> tuple[float, float]:
        return (self.origin[0] + (i + 0.5) * self.cell, self.origin[1] + (j + 0.5) * self.cell)

    def is_free(self, blocked: np.ndarray, x: float, z: float) -> bool:
        i, j = self.to_cell(x, z)
        nx, nz = blocked.shape
        return 0 <= i < nx and 0 <= j < nz and not blocked[i, j]

    def path_is_free(self, blocked: np.ndarray, x0: float, z0: float, x1: float, z1: float) -> bool:
        """True when the straight move from (x0, z0) to (x1, z1) stays in free cells (sampled at cell/2)."""
        n = max(1, int(math.ceil(math.hypot(x1 - x0, z1 - z0) / (self.cell * 0.5))))
        # is_free / to_cell inlined (the same arithmetic): a move's ~10 samples run every step
        dx, dz = x1 - x0, z1 - z0
        ox, oz = self.origin
        cell = self.cell
        nx, nz = blocked.shape
        floor = math.floor
        for k in range(1, n + 1):
            t = k / n
            i = int(floor((x0 + dx * t - ox) / cell))
            j = int(floor((z0 + dz * t - oz) / cell))
            if not (0 <= i < nx and 0 <= j < nz) or blocked[i, j]:
                return False
        return True

    def room_at(self, x: float, z: float) -> str | None:
        """The id of the room whose floor holds (x, z), or None outside every room."""
        if self.room_index is None:
            return None
        i, j = self.to_cell(x, z)
        nx, nz = self.room_index.shape
        if not (0 <= i < nx and 0 <= j < nz):
            return None
        k = int(self.room_index[i, j])
        return self.room_ids[k] if k >= 0 else None


def _cell_centres(origin: tuple[float, float], cell: float, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    xs = origin[0] + (np.arange(shape[0]) + 0.5) * cell
    zs = origin[1] + (np.arange(shape[1]) + 0.5) * cell
    return xs, zs


def _near_segment(xs: np.ndarray, zs: np.ndarray, seg: np.ndarray, r: float, out: np.ndarray) -> None:
    """Mark cells whose centre lies within ``r`` of segment (x0, z0, x1, z1)."""
    x0, z0, x1, z1 = (float(v) for v in seg)
    lo_i = np.searchsorted(xs, min(x0, x1) - r)
    hi_i = np.searchsorted(xs, max(x0, x1) + r)
    lo_j = np.searchsorted(zs, min(z0, z1) - r)
    hi_j = np.searchsorted(zs, max(z0, z1) + r)
    if hi_i <= lo_i or hi_j <= lo_j:
        return
    px = xs[lo_i:hi_i][:, None]
    pz = zs[lo_j:hi_j][None, :]
    dx, dz = x1 - x0, z1 - z0
    L2 = dx * dx + dz * dz
    t = np.clip(((px - x0) * dx + (pz - z0) * dz) / L2, 0.0, 1.0) if L2 > 0 else 0.0
    d2 = (px - (x0 + t * dx)) ** 2 + (pz - (z0 + t * dz)) ** 2
    out[lo_i:hi_i, lo_j:hi_j] |= d2 < r * r


def _near_rect(xs: np.ndarray, zs: np.ndarray, rect: tuple[float, float, float, float], r: float, out: np.ndarray) -> None:
    """Mark cells whose centre lies within ``r`` of the axis-aligned rectangle (x0, z0, x1, z1)."""
    x0, z0, x1, z1 = rect
    lo_i, hi_i = np.searchsorted(xs, x0 - r), np.searchsorted(xs, x1 + r)
    lo_j, hi_j = np.searchsorted(zs, z0 - r), np.searchsorted(zs, z1 + r)
    if hi_i <= lo_i or hi_j <= lo_j:
        return
    px = xs[lo_i:hi_i][:, None]
    pz = zs[lo_j:hi_j][None, :]
    dx = np.maximum(np.maximum(x0 - px, px - x1), 0.0)
    dz = np.maximum(np.maximum(z0 - pz, pz - z1), 0.0)
    out[lo_i:hi_i, lo_j:hi_j] |= dx * dx + dz * dz < r * r


def build_floor_model(house: dict, radius: float = 0.2, cell: float = 0.05) -> FloorModel:
    """Raster the house's floor for an agent of ``radius`` metres.

    The static part is the house generator's reachability raster (:func:`build_navgrid`) at a finer
    cell, so the env and the generator's validation agree on what is walkable.
    """
    nav = build_navgrid(house, resolution=cell, agent_radius=radius)
    blocked = np.ascontiguousarray(~nav.free.T)  # navgrid is (z, x); the floor model is (x, z)
    room_index = np.ascontiguousarray(nav.room_index.T)
    origin = (float(nav.origin[0]), float(nav.origin[1]))
    xs, zs = _cell_centres(origin, cell, blocked.shape)
    door_masks = {}
    openable = {d["id"] for d in house.get("doors", []) if d.get("openable", False)}
    for opening in geometry.door_openings(house):
        if opening.opening_id not in openable:
            continue
        mask = np.zeros(blocked.shape, bool)
        _near_segment(xs, zs, np.array([*opening.a, *opening.b]), radius, mask)
        door_masks[opening.opening_id] = mask
    return FloorModel(origin, cell, radius, blocked, door_masks, room_index, tuple(nav.room_ids))


def geodesic_distance(blocked: np.ndarray, sources: np.ndarray, cell: float) -> np.ndarray:
    """Shortest walking distance (m) from every free cell to the nearest source cell; inf if cut off.

    ``sources`` is a boolean raster (source cells that are blocked are ignored).
    """
    from embodied_gym.envs.house._nav_kernels import dijkstra8

    seeds = np.flatnonzero(sources.ravel() & ~blocked.ravel()).astype(np.int64)
    dist = dijkstra8(np.ascontiguousarray(blocked), seeds, float(cell))
    return dist


def cells_within(model: FloorModel, points: np.ndarray, distance: float) -> np.ndarray:
    """Boolean raster of cells whose centre lies within ``distance`` (m) of any (x, z) point."""
    out = np.zeros(model.shape, bool)
    xs, zs = _cell_centres(model.origin, model.cell, model.shape)
    for x, z in np.asarray(points, float).reshape(-1, 2):
        _near_segment(xs, zs, np.array([x, z, x, z]), distance, out)
    return out
