"""Navigation-relevant geometry of a house dict: room polygons, wall segments, door openings.

Works on any AI2-THOR house dict (generated or a real ProcTHOR house), in the floor plane
(x, z) in metres. The house env reuses these helpers for collision and room lookup, so they only
depend on the dict, never on how the house was generated.

Conventions: a wall's polygon runs from ``p0 = polygon[0]`` to ``p1 = polygon[1]`` at floor level
(y == 0); a door or window hole's x range in ``holePolygon`` is measured along the wall from ``p0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "WallSegment",
    "Opening",
    "room_polygons",
    "wall_segments",
    "door_openings",
    "window_openings",
    "solid_wall_pieces",
    "points_in_polygon",
    "point_in_polygon",
    "object_footprint",
    "rect_inside_polygon",
    "grid_region_polygon",
]

EPS = 1e-6


@dataclass(frozen=True)
class WallSegment:
    wall_id: str
    room_id: str
    p0: tuple[float, float]  # (x, z)
    p1: tuple[float, float]
    height: float
    exterior: bool  # the outside face of an exterior wall (id "wall|exterior|...")

    @property
    def length(self) -> float:
        return math.hypot(self.p1[0] - self.p0[0], self.p1[1] - self.p0[1])

    def point_at(self, t: float) -> tuple[float, float]:
        """The floor point ``t`` metres from p0 along the wall."""
        L = self.length or 1.0
        return (self.p0[0] + (self.p1[0] - self.p0[0]) * t / L, self.p0[1] + (self.p1[1] - self.p0[1]) * t / L)


@dataclass(frozen=True)
class Opening:
    """A door or window: the hole's end points on the floor plane and its vertical extent."""

    opening_id: str
    asset_id: str
    room0: str
    room1: str
    wall0: str
    wall1: str
    a: tuple[float, float]  # hole start (x, z) on the wall line
    b: tuple[float, float]  # hole end
    y0: float
    y1: float

    @property
    def width(self) -> float:
        return math.hypot(self.b[0] - self.a[0], self.b[1] - self.a[1])

    @property
    def center(self) -> tuple[float, float]:
        return ((self.a[0] + self.b[0]) / 2, (self.a[1] + self.b[1]) / 2)


def room_polygons(house: dict) -> dict[str, np.ndarray]:
    """room id -> (k, 2) float array of the floor polygon's (x, z) vertices."""
    return {
        room["id"]: np.array([[p["x"], p["z"]] for p in room["floorPolygon"]], dtype=float)
        for room in house.get("rooms", [])
    }


def wall_segments(house: dict) -> list[WallSegment]:
    out = []
    for wall in house.get("walls", []):
        poly = wall["polygon"]
        ys = [p["y"] for p in poly]
        out.append(
            WallSegment(
                wall_id=wall["id"],
                room_id=wall.get("roomId", ""),
                p0=(float(poly[0]["x"]), float(poly[0]["z"])),
                p1=(float(poly[1]["x"]), float(poly[1]["z"])),
                height=float(max(ys) - min(ys)),
                exterior=wall["id"].startswith("wall|exterior"),
            )
        )
    return out


def _openings(house: dict, key: str) -> list[Opening]:
    walls = {w.wall_id: w for w in wall_segments(house)}
    out = []
    for item in house.get(key, []):
        wall = walls.get(item.get("wall0"))
        if wall is None:
            continue  # validation reports it; geometry just skips it
        hole = item["holePolygon"]
        x0, x1 = sorted((float(hole[0]["x"]), float(hole[1]["x"])))
        y0, y1 = sorted((float(hole[0]["y"]), float(hole[1]["y"])))
        out.append(
            Opening(
                opening_id=item["id"],
                asset_id=item.get("assetId", ""),
                room0=item.get("room0", ""),
                room1=item.get("room1", ""),
                wall0=item.get("wall0", ""),
                wall1=item.get("wall1", ""),
                a=wall.point_at(x0),
                b=wall.point_at(x1),
                y0=y0,
                y1=y1,
            )
        )
    return out


def door_openings(house: dict) -> list[Opening]:
    """Every door (and open doorway) as an opening on its wall0."""
    return _openings(house, "doors")


def window_openings(house: dict) -> list[Opening]:
    return _openings(house, "windows")


def _key(p0: tuple[float, float], p1: tuple[float, float]) -> tuple[int, int, int, int]:
    a = (round(p0[0] * 1000), round(p0[1] * 1000))
    b = (round(p1[0] * 1000), round(p1[1] * 1000))
    return a + b if a <= b else b + a


def solid_wall_pieces(house: dict) -> np.ndarray:
    """(n, 4) array of wall pieces (x0, z0, x1, z1) an agent cannot cross at floor level.

    Both faces of a wall collapse to one line; door holes are cut out (windows are not: they start
    above the floor).
    """
    lines: dict[tuple[int, int, int, int], list[float]] = {}
    key_of: dict[str, tuple[int, int, int, int]] = {}
    for w in wall_segments(house):
        k = _key(w.p0, w.p1)
        key_of[w.wall_id] = k
        if k not in lines:
            lines[k] = []
    cuts: dict[tuple[int, int, int, int], list[tuple[float, float]]] = {}
    for d in door_openings(house):
        if d.y0 > 0.05:
            continue
        k = key_of.get(d.wall0)
        if k is None:
            k = _find_line(lines, d.a, d.b)
        if k is not None:
            cuts.setdefault(k, []).append((d.a, d.b))  # type: ignore[arg-type]
    pieces = []
    for k in lines:
        x0, z0, x1, z1 = (v / 1000 for v in k)
        L = math.hypot(x1 - x0, z1 - z0)
        if L < EPS:
            continue
        intervals = []
        for a, b in cuts.get(k, []):
            ta = ((a[0] - x0) * (x1 - x0) + (a[1] - z0) * (z1 - z0)) / L
            tb = ((b[0] - x0) * (x1 - x0) + (b[1] - z0) * (z1 - z0)) / L
            intervals.append((max(0.0, min(ta, tb)), min(L, max(ta, tb))))
        intervals.sort()
        t = 0.0
        for s, e in intervals:
            if s > t + EPS:
                pieces.append((x0 + (x1 - x0) * t / L, z0 + (z1 - z0) * t / L, x0 + (x1 - x0) * s / L, z0 + (z1 - z0) * s / L))
            t = max(t, e)
        if L > t + EPS:
            pieces.append((x0 + (x1 - x0) * t / L, z0 + (z1 - z0) * t / L, x1, z1))
    return np.array(pieces, dtype=np.float64).reshape(-1, 4)


def _find_line(lines: dict, a: tuple[float, float], b: tuple[float, float]):
    """The wall line that contains the hole a-b."""
    for k in lines:
        x0, z0, x1, z1 = (v / 1000 for v in k)
        if _on_segment(a, x0, z0, x1, z1) and _on_segment(b, x0, z0, x1, z1):
            return k
    return None


def _on_segment(p: tuple[float, float], x0: float, z0: float, x1: float, z1: float, tol: float = 1e-3) -> bool:
    dx, dz = x1 - x0, z1 - z0
    L2 = dx * dx + dz * dz
    if L2 < EPS:
        return False
    t = ((p[0] - x0) * dx + (p[1] - z0) * dz) / L2
    if t < -tol or t > 1 + tol:
        return False
    cx, cz = x0 + t * dx, z0 + t * dz
    return math.hypot(p[0] - cx, p[1] - cz) <= tol


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule for many (x, z) points against one polygon; boolean array."""
    x = points[:, 0][:, None]
    z = points[:, 1][:, None]
    px = polygon[:, 0][None, :]
    pz = polygon[:, 1][None, :]
    qx = np.roll(polygon[:, 0], -1)[None, :]
    qz = np.roll(polygon[:, 1], -1)[None, :]
    crosses = (pz > z) != (qz > z)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = px + (z - pz) * (qx - px) / (qz - pz)
    return (crosses & (x < xi)).sum(1) % 2 == 1


def object_footprint(obj: dict, size: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """Axis-aligned floor rectangle (x0, z0, x1, z1) covering an object of bbox ``size`` rotated by
    its y rotation (conservative for non-right angles)."""
    th = math.radians(float(obj.get("rotation", {}).get("y", 0.0)))
    c, s = abs(math.cos(th)), abs(math.sin(th))
    hx = (c * size[0] + s * size[2]) / 2
    hz = (s * size[0] + c * size[2]) / 2
    x, z = float(obj["position"]["x"]), float(obj["position"]["z"])
    return (x - hx, z - hz, x + hx, z + hz)


def rect_inside_polygon(rect: tuple[float, float, float, float], polygon: np.ndarray, tol: float = 1e-3) -> bool:
    """True when the rectangle (shrunk by ``tol``) lies inside the polygon: its centre is inside and
    no polygon edge passes through its interior."""
    x0, z0, x1, z1 = rect[0] + tol, rect[1] + tol, rect[2] - tol, rect[3] - tol
    pts = polygon.tolist() if isinstance(polygon, np.ndarray) else polygon
    if not point_in_polygon((x0 + x1) / 2, (z0 + z1) / 2, pts):
        return False
    if x1 <= x0 or z1 <= z0:
        return True
    n = len(pts)
    for i in range(n):
        ax, az = pts[i]
        bx, bz = pts[(i + 1) % n]
        if _segment_hits_rect(ax, az, bx, bz, x0, z0, x1, z1):
            return False
    return True


def point_in_polygon(x: float, z: float, pts: list) -> bool:
    """Even-odd rule for one point (pure Python: faster than numpy for a single point)."""
    inside = False
    n = len(pts)
    for i in range(n):
        ax, az = pts[i]
        bx, bz = pts[(i + 1) % n]
        if (az > z) != (bz > z) and x < ax + (z - az) * (bx - ax) / (bz - az):
            inside = not inside
    return inside


def _segment_hits_rect(ax, az, bx, bz, x0, z0, x1, z1) -> bool:
    """Liang-Barsky: does segment a-b pass through the open rectangle?"""
    dx, dz = bx - ax, bz - az
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dz, az - z0), (dz, z1 - az)):
        if abs(p) < 1e-12:
            if q <= 0:
                return False
        else:
            r = q / p
            if p < 0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
            if t0 >= t1:
                return False
    return t1 - t0 > 1e-9


def grid_region_polygon(own: np.ndarray, cell: float) -> list[tuple[float, float]] | None:
    """Outline of a 4-connected cell region as (x, z) vertices (cols along x, rows along z).

    Returns None when the region's boundary is not one simple loop (a hole, or two parts touching
    only at a corner), which an AI2-THOR floor polygon cannot express.
    """
    rows, cols = own.shape
    nxt: dict[tuple[int, int], tuple[int, int]] = {}
    pad = np.zeros((rows + 2, cols + 2), dtype=bool)
    pad[1:-1, 1:-1] = own
    rr, cc = np.nonzero(own)
    for r, c in zip(rr.tolist(), cc.tolist(), strict=True):
        R, C = r + 1, c + 1
        edges = []
        if not pad[R - 1, C]:
            edges.append(((c, r), (c + 1, r)))
        if not pad[R, C + 1]:
            edges.append(((c + 1, r), (c + 1, r + 1)))
        if not pad[R + 1, C]:
            edges.append(((c + 1, r + 1), (c, r + 1)))
        if not pad[R, C - 1]:
            edges.append(((c, r + 1), (c, r)))
        for a, b in edges:
            if a in nxt:
                return None  # pinch vertex
            nxt[a] = b
    if not nxt:
        return None
    start = min(nxt)
    loop = [start]
    p = nxt[start]
    while p != start:
        loop.append(p)
        p = nxt[p]
        if len(loop) > len(nxt):
            return None
    if len(loop) != len(nxt):
        return None  # more than one loop: the region has a hole
    # drop collinear vertices
    out = []
    n = len(loop)
    for i in range(n):
        a, b, c = loop[i - 1], loop[i], loop[(i + 1) % n]
        if (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) != 0:
            out.append((round(b[0] * cell, 4), round(b[1] * cell, 4)))
    return out
