"""A 2-D reachability grid for a disc-shaped agent in any house dict.

Grid points sit at the centres of ``resolution``-sized cells (0.25 m by default, AI2-THOR's grid
size). A point is free when it lies inside a room, is at least ``agent_radius`` (0.2 m) from every
solid piece of wall (door holes are passable, windows are not) and from the footprint of every
floor object. Reachability is 4-connected flood fill over free points, the same moves an agent
doing MoveAhead/RotateLeft/RotateRight on that grid can make.

The house env reuses :func:`build_navgrid` for navigation and shortest paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..catalog.assets import get_asset
from .geometry import object_footprint, room_polygons, solid_wall_pieces

__all__ = ["NavGrid", "build_navgrid", "obstacle_rects"]


@dataclass
class NavGrid:
    origin: tuple[float, float]  # (x, z) of the corner of cell (0, 0)
    resolution: float
    agent_radius: float
    room_ids: list[str]
    room_index: np.ndarray  # (nz, nx) int16, index into room_ids, -1 outside
    free: np.ndarray  # (nz, nx) bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.free.shape  # type: ignore[return-value]

    def point(self, i: int, j: int) -> tuple[float, float]:
        """(x, z) of grid point row i (along z), column j (along x)."""
        return (self.origin[0] + (j + 0.5) * self.resolution, self.origin[1] + (i + 0.5) * self.resolution)

    def index(self, x: float, z: float) -> tuple[int, int]:
        """Grid point nearest to (x, z); may lie outside the grid's bounds."""
        return (int(math.floor((z - self.origin[1]) / self.resolution)), int(math.floor((x - self.origin[0]) / self.resolution)))

    def in_bounds(self, i: int, j: int) -> bool:
        return 0 <= i < self.free.shape[0] and 0 <= j < self.free.shape[1]

    def reachable_from(self, x: float, z: float) -> np.ndarray:
        """Boolean mask of points reachable from the grid point at (x, z) (empty if that is blocked)."""
        from ._navkernels import flood

        i, j = self.index(x, z)
        if not self.in_bounds(i, j):
            return np.zeros_like(self.free)
        return flood(self.free, i, j)

    def room_at(self, x: float, z: float) -> str | None:
        i, j = self.index(x, z)
        if not self.in_bounds(i, j) or self.room_index[i, j] < 0:
            return None
        return self.room_ids[int(self.room_index[i, j])]


def obstacle_rects(house: dict, max_bottom: float = 1.8) -> np.ndarray:
    """(m, 4) floor footprints of top-level objects whose bottom is below ``max_bottom`` metres."""
    rects = []
    for obj in house.get("objects", []):
        size = get_asset(obj["assetId"]).size
        if float(obj["position"]["y"]) - size[1] / 2 >= max_bottom:
            continue
        rects.append(object_footprint(obj, size))
    return np.array(rects, dtype=np.float64).reshape(-1, 4)


def build_navgrid(house: dict, resolution: float = 0.25, agent_radius: float = 0.2, include_objects: bool = True,
                  wall_pieces: np.ndarray | None = None) -> NavGrid:
    """Rasterise ``house`` for a disc agent. ``wall_pieces`` may pass :func:`solid_wall_pieces` of
    this house when only its objects changed since (saves recomputing the walls)."""
    from ._navkernels import rasterise

    polys = room_polygons(house)
    room_ids = list(polys)
    if not room_ids:
        raise ValueError("house has no rooms")
    allp = np.concatenate([polys[r] for r in room_ids])
    off = np.zeros(len(room_ids) + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(polys[r]) for r in room_ids])
    ox = math.floor(allp[:, 0].min() / resolution) * resolution
    oz = math.floor(allp[:, 1].min() / resolution) * resolution
    nx = int(math.ceil((allp[:, 0].max() - ox) / resolution))
    nz = int(math.ceil((allp[:, 1].max() - oz) / resolution))
    walls = solid_wall_pieces(house) if wall_pieces is None else np.ascontiguousarray(wall_pieces, dtype=np.float64)
    rects = obstacle_rects(house) if include_objects else np.zeros((0, 4))
    room, free = rasterise(nx, nz, float(ox), float(oz), float(resolution), float(agent_radius),
                           np.ascontiguousarray(allp, dtype=np.float64), off, walls, rects)
    return NavGrid((ox, oz), resolution, agent_radius, room_ids, room, free)
