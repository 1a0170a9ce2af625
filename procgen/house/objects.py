"""Furniture, wall objects and small objects, placed analytically (no physics engine).

Floor objects stand against walls (back to the wall, front facing into the room) or, for dining
sets, in the middle of the room. Semantic asset groups (TV stand + TV + sofa + armchairs, dining
table + chairs, desk + chair, bed + nightstands, armchair + lamp, sink + faucet) are laid out from
ProcTHOR's group trees and placed as one unit. Every candidate is accepted only if it lies inside
its room's cells, keeps door approaches clear, and does not overlap anything placed before (3-D
boxes, so a painting may hang above a low dresser). Small objects go on the flat tops of
receptacles, sampled from ProcTHOR's receptacle statistics, without overlapping each other.

Asset-group frames: ProcTHOR's group editor draws on a 2-D canvas whose x axis is mirrored with
respect to AI2-THOR's (rotations are clockwise on a y-down canvas), so a layout is computed in the
canvas frame and mirrored in x once at the end; rotations carry over unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..catalog.assets import AssetInfo, assets_of_type
from ..catalog.house_catalog import raw_catalog
from .floorplan import Floorplan, between
from .structure import Structure, WallRun, room_id

WALL_GAP = 0.03  # gap between a wall and the back of furniture
DOOR_CLEARANCE = 0.9  # metres kept free in front of every door
NAV_RESOLUTION = 0.25  # the reachability grid of navgrid.py / validation
NAV_RADIUS = 0.2
SIBLING_GAP = 0.02

# Receptacles whose bounding-box top is the surface objects rest on.
FLAT_RECEPTACLES = ("CounterTop", "DiningTable", "CoffeeTable", "SideTable", "Desk", "Dresser", "TVStand",
                    "ShelvingUnit", "Fridge")
# Types placed only through recipes/groups, never as random filler.
RECIPE_ONLY = {"Sofa", "Bed", "TVStand", "DiningTable", "Desk", "Television", "Toilet", "Sink", "Fridge",
               "CounterTop", "ArmChair", "Chair", "FloorLamp", "Doorway", "Doorframe", "Window", "Blinds",
               "Painting", "LightSwitch", "HandTowelHolder", "TowelHolder", "ToiletPaperHanger", "ClothesDryer",
               "WashingMachine"}

# Extra group not in ProcTHOR's asset_groups: a bed with a nightstand on each side of its head.
BED_WITH_NIGHTSTANDS = [
    {"type": "Bed", "parent": -1, "anchor": 4, "above": False, "align": [1, 1], "offset": [0.0, 0.0], "rotation": 0.0},
    {"type": "SideTable", "parent": 0, "anchor": 0, "above": False, "align": [2, 0], "offset": [-0.02, 0.0], "rotation": 0.0},
    {"type": "SideTable", "parent": 0, "anchor": 2, "above": False, "align": [0, 0], "offset": [0.02, 0.0], "rotation": 0.0},
]
SINGLE_BED = [BED_WITH_NIGHTSTANDS[0]]

# (kind, what, probability, count range); kind: "wall" single, "group" against wall, "middle" group.
RECIPES: dict[str, list[tuple[str, str, float, tuple[int, int]]]] = {
    "Kitchen": [
        ("wall", "Fridge", 1.0, (1, 1)),
        ("wall", "CounterTop", 1.0, (1, 2)),
        ("middle", "chair-diningtable-*", 0.45, (1, 1)),
    ],
    "LivingRoom": [
        ("group", "television*", 0.9, (1, 1)),
        ("wall", "Sofa", 0.8, (1, 1)),  # only when the TV group came without one
        ("group", "lamp-armchair*", 0.5, (1, 1)),
        ("middle", "chair-diningtable-*", 0.25, (1, 1)),
    ],
    "Bedroom": [
        ("group", "bed", 1.0, (1, 1)),
        ("wall", "Dresser", 0.7, (1, 1)),
        ("group", "desk-with-chair", 0.4, (1, 1)),
    ],
    "Bathroom": [
        ("wall", "Toilet", 1.0, (1, 1)),
        ("group", "sink-with-faucet", 0.9, (1, 1)),
    ],
}
WALL_OBJECTS: dict[str, list[tuple[str, float, tuple[float, float]]]] = {
    # type, probability, centre height range
    "Kitchen": [("Painting", 0.3, (1.4, 1.7))],
    "LivingRoom": [("Painting", 0.7, (1.4, 1.8)), ("Painting", 0.4, (1.4, 1.8))],
    "Bedroom": [("Painting", 0.6, (1.4, 1.8)), ("Painting", 0.3, (1.4, 1.8))],
    "Bathroom": [("TowelHolder", 0.7, (1.0, 1.3)), ("ToiletPaperHanger", 0.7, (0.6, 0.8)),
                 ("HandTowelHolder", 0.5, (1.0, 1.2))],
}


@dataclass
class Box:
    x0: float
    z0: float
    x1: float
    z1: float
    y0: float
    y1: float

    def overlaps(self, o: Box, tol: float = 1e-3) -> bool:
        return (self.x0 < o.x1 - tol and o.x0 < self.x1 - tol and self.z0 < o.z1 - tol and o.z0 < self.z1 - tol
                and self.y0 < o.y1 - tol and o.y0 < self.y1 - tol)


@dataclass
class Member:
    """One object of a group in the group's frame: centre, bottom height, yaw, and its asset."""

    asset: AssetInfo
    x: float
    z: float
    y0: float
    rot: float
    parent: int  # index of the member it stands on ('above'), else -1

    def half_extents(self) -> tuple[float, float]:
        """Half sizes of the rotated footprint's bounding box (asset and yaw never change)."""
        cached = self.__dict__.get("_half")
        if cached is None:
            sx, _, sz = self.asset.size
            r = self.rot % 180.0
            if r == 0.0:
                cached = (sx / 2, sz / 2)
            elif r == 90.0:
                cached = (sz / 2, sx / 2)
            else:
                th = math.radians(self.rot)
                c, s = abs(math.cos(th)), abs(math.sin(th))
                cached = ((c * sx + s * sz) / 2, (s * sx + c * sz) / 2)
            self.__dict__["_half"] = cached
        return cached


# Largest footprint depth (z, metres) for wall-standing types whose catalog includes L-shaped or
# island pieces that would swallow a small kitchen.
MAX_DEPTH = {"CounterTop": 0.9}


@lru_cache(maxsize=256)
def _assets(object_type: str, split: str) -> tuple[AssetInfo, ...]:
    try:
        found = assets_of_type(object_type, split) or assets_of_type(object_type)
    except KeyError:
        return ()
    if object_type in MAX_DEPTH:
        found = tuple(a for a in found if a.size[2] <= MAX_DEPTH[object_type]) or found
    return found


@lru_cache(maxsize=1)
def _groups() -> dict[str, list[dict]]:
    g = dict(raw_catalog()["groups"])
    g["bed-with-nightstands"] = BED_WITH_NIGHTSTANDS
    g["bed"] = SINGLE_BED
    return g


def _group_names(pattern: str) -> list[str]:
    if pattern == "bed":
        return ["bed-with-nightstands", "bed-with-nightstands", "bed"]
    if pattern.endswith("*"):
        return sorted(k for k in _groups() if k.startswith(pattern[:-1]))
    return [pattern]


def _pick(rng: np.random.Generator, options: tuple[AssetInfo, ...] | list[AssetInfo]) -> AssetInfo | None:
    if not options:
        return None
    return options[int(rng.integers(len(options)))]


def layout_group(rng: np.random.Generator, nodes: list[dict], split: str) -> list[Member]:
    """Lay out a group in its own frame (the root at the origin, facing +z, back towards -z)."""
    members: list[Member] = []
    index: dict[int, int] = {}
    for i, node in enumerate(nodes):
        options = _assets(node["type"], split)
        parent = node["parent"]
        if parent >= 0 and parent not in index:
            continue  # parent was dropped
        if node["above"]:
            p = members[index[parent]]
            phx, phz = p.half_extents()
            options = [a for a in options if a.size[0] <= 2 * phx and a.size[2] <= 2 * phz]
        asset = _pick(rng, options)
        if asset is None:
            if parent < 0:
                return []
            continue
        m = Member(asset, 0.0, 0.0, 0.0, float(node["rotation"]) % 360.0, -1)
        if parent >= 0:
            p = members[index[parent]]
            phx, phz = p.half_extents()
            col, row = node["anchor"] % 3, node["anchor"] // 3
            ax = p.x + (col - 1) * phx
            az = p.z + (row - 1) * phz
            hx, hz = m.half_extents()
            xa, za = node["align"]
            m.x = ax + node["offset"][0] + (hx if xa == 0 else -hx if xa == 2 else 0.0)
            m.z = az + node["offset"][1] + (hz if za == 0 else -hz if za == 2 else 0.0)
            if node["above"]:
                m.y0 = p.y0 + p.asset.size[1]
                m.parent = index[parent]
                # keep the child's footprint on its parent's top
                m.x = min(max(m.x, p.x - phx + hx), p.x + phx - hx)
                m.z = min(max(m.z, p.z - phz + hz), p.z + phz - hz)
            else:
                # push a 'nextTo' child out of its parent's box along the anchor direction
                dx, dz = col - 1, row - 1
                if dx == 0 and dz == 0:
                    dz = 1
                if abs(m.x - p.x) < phx + hx and abs(m.z - p.z) < phz + hz:
                    if dz != 0:
                        m.z = p.z + dz * (phz + hz + SIBLING_GAP)
                    else:
                        m.x = p.x + dx * (phx + hx + SIBLING_GAP)
                # drop a child that collides with an earlier sibling
                if any(_member_overlap(m, o) for o in members if o.parent < 0):
                    continue
        index[i] = len(members)
        members.append(m)
    for m in members:  # canvas frame -> AI2-THOR frame
        m.x = -m.x
    return members


def _member_overlap(a: Member, b: Member) -> bool:
    ahx, ahz = a.half_extents()
    bhx, bhz = b.half_extents()
    return abs(a.x - b.x) < ahx + bhx - 1e-3 and abs(a.z - b.z) < ahz + bhz - 1e-3


def _rotate(x: float, z: float, theta: float) -> tuple[float, float]:
    """AI2-THOR yaw: local +z turns towards +x for positive angles."""
    if theta == 0:
        return x, z
    if theta == 90:
        return z, -x
    if theta == 180:
        return -x, -z
    if theta == 270:
        return -z, x
    t = math.radians(theta)
    return x * math.cos(t) + z * math.sin(t), -x * math.sin(t) + z * math.cos(t)


def _yaw_for(normal: tuple[float, float]) -> float:
    nx, nz = normal
    if nz > 0.5:
        return 0.0
    if nz < -0.5:
        return 180.0
    return 90.0 if nx > 0 else 270.0


class RoomPlacer:
    """Places objects in one room, tracking everything already there."""

    def __init__(self, rng: np.random.Generator, fp: Floorplan, st: Structure, k: int, placed: list[Box]):
        self.rng = rng
        self.k = k
        self.cell = fp.cell_size
        self.own = fp.grid == k
        self.placed = placed
        self.runs = [r for r in st.runs if r.a == k or r.b == k]
        self.holes = [h for h in st.holes if h.run.a == k or h.run.b == k]
        self.wall_height = st.wall_height
        self.forbidden: list[tuple[float, float, float, float]] = []
        for h in self.holes:
            if h.kind != "door":
                continue
            a = self._along(h.run, h.t0 - 0.1)
            b = self._along(h.run, h.t1 + 0.1)
            nx, nz = h.run.inward(k)
            c = (b[0] + nx * DOOR_CLEARANCE, b[1] + nz * DOOR_CLEARANCE)
            self.forbidden.append((min(a[0], c[0]), min(a[1], c[1]), max(a[0], c[0]), max(a[1], c[1])))
        self._init_walkable(st)

    # -- keeping the room's doors connected -------------------------------------------------
    # The house's reachability grid (navgrid.py) is rebuilt here for this room alone, on the same
    # lattice (origin 0, 0.25 m), so a candidate that would cut one door of the room off from the
    # others is refused at placement time instead of failing the whole house at validation.

    def _init_walkable(self, st: Structure) -> None:
        from ._navkernels import rasterise

        res, r = NAV_RESOLUTION, NAV_RADIUS
        poly = np.array([[p["x"], p["z"]] for p in st.rooms[self.k]["floorPolygon"]], dtype=np.float64)
        pieces = []
        for run in self.runs:
            cuts = sorted((h.t0, h.t1) for h in self.holes if h.run is run and h.kind == "door")
            t = 0.0
            for t0, t1 in cuts + [(run.length, run.length)]:
                if t0 > t + 1e-9:
                    a, b = self._along(run, t), self._along(run, t0)
                    pieces.append((a[0], a[1], b[0], b[1]))
                t = max(t, t1)
        walls = np.array(pieces, dtype=np.float64).reshape(-1, 4)
        nx = int(math.ceil(poly[:, 0].max() / res)) + 1
        nz = int(math.ceil(poly[:, 1].max() / res)) + 1
        _room, free = rasterise(nx, nz, 0.0, 0.0, res, r, poly, np.array([0, len(poly)], dtype=np.int64), walls,
                                np.zeros((0, 4)))
        self.walkable = free
        self.door_cells: list[np.ndarray] = []
        for f in self.forbidden:
            i0, i1 = max(0, math.floor(f[1] / res)), min(nz, math.ceil(f[3] / res))
            j0, j1 = max(0, math.floor(f[0] / res)), min(nx, math.ceil(f[2] / res))
            cells = np.argwhere(free[i0:i1, j0:j1]) + (i0, j0)
            if len(cells):
                self.door_cells.append(cells)

    def _blocked_by(self, boxes: list[Box]) -> list[tuple[slice, slice, np.ndarray]]:
        """Grid points within the agent radius of each box (what build_navgrid would block)."""
        res, r = NAV_RESOLUTION, NAV_RADIUS
        nz, nx = self.walkable.shape
        out = []
        for b in boxes:
            if b.y0 >= 1.8:
                continue
            i0, i1 = max(0, math.floor((b.z0 - r) / res)), min(nz, math.ceil((b.z1 + r) / res) + 1)
            j0, j1 = max(0, math.floor((b.x0 - r) / res)), min(nx, math.ceil((b.x1 + r) / res) + 1)
            if i1 <= i0 or j1 <= j0:
                continue
            zs = (np.arange(i0, i1) + 0.5) * res
            xs = (np.arange(j0, j1) + 0.5) * res
            dz = np.maximum(np.maximum(b.z0 - zs, 0.0), zs - b.z1)[:, None]
            dx = np.maximum(np.maximum(b.x0 - xs, 0.0), xs - b.x1)[None, :]
            out.append((slice(i0, i1), slice(j0, j1), dx * dx + dz * dz < r * r))
        return out

    def keeps_doors_connected(self, boxes: list[Box]) -> bool:
        if len(self.door_cells) < 2:
            return True
        from ._navkernels import flood

        free = self.walkable.copy()
        for si, sj, m in self._blocked_by(boxes):
            free[si, sj] &= ~m
        start = next((c for c in self.door_cells[0] if free[c[0], c[1]]), None)
        if start is None:
            return False
        reach = flood(free, int(start[0]), int(start[1]))
        return all(reach[cells[:, 0], cells[:, 1]].any() for cells in self.door_cells[1:])

    def occupy(self, box: Box) -> None:
        """Record a committed floor box in the walkable raster and the placed list."""
        self.placed.append(box)
        for si, sj, m in self._blocked_by([box]):
            self.walkable[si, sj] &= ~m

    @staticmethod
    def _along(run: WallRun, t: float) -> tuple[float, float]:
        if run.horizontal:
            return (run.p0[0] + t, run.p0[1])
        return (run.p0[0], run.p0[1] + t)

    def inside(self, x0: float, z0: float, x1: float, z1: float) -> bool:
        c = self.cell
        rows, cols = self.own.shape
        i0, i1 = math.floor(z0 / c + 1e-6), math.ceil(z1 / c - 1e-6)
        j0, j1 = math.floor(x0 / c + 1e-6), math.ceil(x1 / c - 1e-6)
        if i0 < 0 or j0 < 0 or i1 > rows or j1 > cols or i1 <= i0 or j1 <= j0:
            return False
        return bool(self.own[i0:i1, j0:j1].all())

    def free(self, boxes: list[Box], check_doors: bool = True) -> bool:
        for b in boxes:
            if not self.inside(b.x0, b.z0, b.x1, b.z1):
                return False
            if check_doors and b.y0 < 2.0:
                for f in self.forbidden:
                    if b.x0 < f[2] and f[0] < b.x1 and b.z0 < f[3] and f[1] < b.z1:
                        return False
            for p in self.placed:
                if b.overlaps(p):
                    return False
        for i, a in enumerate(boxes):  # members of one group must not overlap each other either
            for b in boxes[i + 1 :]:
                if a.overlaps(b):
                    return False
        return True

    def _world_boxes(self, members: list[Member], cx: float, cz: float, theta: float) -> list[tuple[Member, Box, float, float]]:
        out = []
        for m in members:
            x, z = _rotate(m.x, m.z, theta)
            hx, hz = m.half_extents()
            if theta in (90.0, 270.0):
                hx, hz = hz, hx
            wx, wz = cx + x, cz + z
            out.append((m, Box(wx - hx, wz - hz, wx + hx, wz + hz, m.y0, m.y0 + m.asset.size[1]), wx, wz))
        return out

    def place_against_wall(self, members: list[Member], tries: int = 12) -> list[tuple[Member, Box, float, float, float]] | None:
        """Put a group's back (its -z side) against one of the room's walls."""
        if not members or not self.runs:
            return None
        gx0 = min(m.x - m.half_extents()[0] for m in members)
        gx1 = max(m.x + m.half_extents()[0] for m in members)
        gz0 = min(m.z - m.half_extents()[1] for m in members)
        width = gx1 - gx0
        for _ in range(tries):
            run = self.runs[int(self.rng.integers(len(self.runs)))]
            if run.length < width:
                continue
            n = run.inward(self.k)
            theta = _yaw_for(n)
            slack = run.length - width
            u = self.rng.random()
            t = 0.0 if u < 0.15 else slack if u < 0.3 else between(self.rng, 0.0, slack)
            # group-frame point that lands on the wall: (gx0 .. gx1, gz0)
            wall_pt = self._along(run, t + width / 2)
            # centre the group's x-extent on that point and step its back edge off the wall
            lx, lz = (gx0 + gx1) / 2, gz0 - WALL_GAP
            ox, oz = _rotate(lx, lz, theta)
            cx, cz = wall_pt[0] - ox, wall_pt[1] - oz
            boxes = self._world_boxes(members, cx, cz, theta)
            floor = [b for m, b, _, _ in boxes if m.parent < 0]
            if self.free(floor) and self.keeps_doors_connected(floor):
                return [(m, b, wx, wz, theta) for m, b, wx, wz in boxes]
        return None

    def place_in_middle(self, members: list[Member], tries: int = 12) -> list[tuple[Member, Box, float, float, float]] | None:
        if not members:
            return None
        rr, cc = np.nonzero(self.own)
        c = self.cell
        for _ in range(tries):
            theta = float(self.rng.integers(4)) * 90.0
            cx = float(self.rng.uniform(cc.min() * c, (cc.max() + 1) * c))
            cz = float(self.rng.uniform(rr.min() * c, (rr.max() + 1) * c))
            boxes = self._world_boxes(members, cx, cz, theta)
            floor = [b for m, b, _, _ in boxes if m.parent < 0]
            # keep 0.45 m walkways around middle furniture
            grown = [Box(b.x0 - 0.45, b.z0 - 0.45, b.x1 + 0.45, b.z1 + 0.45, b.y0, b.y1) for b in floor]
            if self.free(grown) and self.free(floor) and self.keeps_doors_connected(floor):
                return [(m, b, wx, wz, theta) for m, b, wx, wz in boxes]
        return None

    def place_on_wall(self, asset: AssetInfo, y_centre: float, tries: int = 8,
                      near_door: bool = False) -> tuple[Box, float, float, float] | None:
        """Hang an object flat on a wall (back to the wall) away from doors and windows; with
        ``near_door`` first try right beside one of the room's doors (where light switches go)."""
        doors = [h for h in self.holes if h.kind == "door"]
        near_door = [doors[int(self.rng.integers(len(doors)))]] if near_door and doors else None
        w, h, d = asset.size
        y0 = y_centre - h / 2
        if y0 < 0 or y0 + h > self.wall_height - 0.05:
            return None
        for attempt in range(tries):
            if near_door is not None and attempt < 2:
                # light switches: beside a door of this room, on the same wall
                run, t = near_door[0].run, (near_door[0].t1 + 0.12 if attempt == 0 else near_door[0].t0 - 0.12 - w)
                if t < 0.05 or t + w > run.length - 0.05:
                    continue
            else:
                run = self.runs[int(self.rng.integers(len(self.runs)))]
                if run.length < w + 0.2:
                    continue
                t = between(self.rng, 0.1, run.length - w - 0.1)
            if any(hh.run is run and t < hh.t1 + 0.1 and hh.t0 - 0.1 < t + w and y0 < hh.y1 and hh.y0 < y0 + h
                   for hh in self.holes):
                continue
            n = run.inward(self.k)
            theta = _yaw_for(n)
            mid = self._along(run, t + w / 2)
            cx, cz = mid[0] + n[0] * (d / 2 + 0.005), mid[1] + n[1] * (d / 2 + 0.005)
            hx, hz = (w / 2, d / 2) if theta in (0.0, 180.0) else (d / 2, w / 2)
            box = Box(cx - hx, cz - hz, cx + hx, cz + hz, y0, y0 + h)
            if self.free([box], check_doors=False) and self.keeps_doors_connected([box]):
                return box, cx, cz, theta
        return None


class ObjectBuilder:
    """Turns placements into AI2-THOR object dicts with unique ids."""

    def __init__(self) -> None:
        self.count = 0
        self.objects: list[dict] = []
        self.units: list[list[str]] = []  # ids of the top-level objects placed together (a group)

    def _id(self, object_type: str, room: str, surface: bool = False) -> str:
        self.count += 1
        rnum = room.split("|")[-1]
        return f"{object_type}|surface|{rnum}|{self.count}" if surface else f"{object_type}|{rnum}|{self.count}"

    def make(self, asset: AssetInfo, room: str, x: float, y: float, z: float, yaw: float, surface: bool = False) -> dict:
        return {
            "id": self._id(asset.object_type, room, surface),
            "assetId": asset.asset_id,
            "kinematic": not asset.pickupable,
            "position": {"x": round(x, 4), "y": round(y, 4), "z": round(z, 4)},
            "rotation": {"x": 0.0, "y": float(yaw % 360.0), "z": 0.0},
            "layer": "Procedural0",
            "material": None,
            "children": [],
        }


def _fill_types(room_type: str) -> tuple[list[str], np.ndarray]:
    pa = raw_catalog()["placement"]
    types, weights = [], []
    for t, info in pa.items():
        if info["onFloor"] and info["rooms"].get(room_type) and t not in RECIPE_ONLY and info["onEdge"]:
            types.append(t)
            weights.append(float(info["rooms"][room_type]))
    w = np.array(weights)
    return types, w / w.sum()


def place_objects(rng: np.random.Generator, fp: Floorplan, st: Structure, split: str) -> tuple[list[dict], list[list[str]]]:
    """All objects of the house, and the placement units (lists of top-level ids placed together,
    in placement order) so a caller can take back whole groups."""
    builder = ObjectBuilder()
    pa = raw_catalog()["placement"]
    for k, room_type in enumerate(fp.room_types):
        rid = room_id(k)
        placed: list[Box] = []
        placer = RoomPlacer(rng, fp, st, k, placed)
        used_types: set[str] = set()

        def commit(result: list[tuple[Member, Box, float, float, float]], rid: str = rid,
                   placer: RoomPlacer = placer, used_types: set[str] = used_types) -> None:
            made: list[dict] = []
            builder.units.append([])
            for m, box, wx, wz, theta in result:
                y = m.y0 + m.asset.size[1] / 2
                if m.parent >= 0:
                    obj = builder.make(m.asset, rid, wx, y, wz, m.rot + theta, surface=True)
                    made[m.parent]["children"].append(obj)
                    made.append(obj)
                else:
                    obj = builder.make(m.asset, rid, wx, y, wz, m.rot + theta)
                    builder.objects.append(obj)
                    builder.units[-1].append(obj["id"])
                    made.append(obj)
                    placer.occupy(box)
                used_types.add(m.asset.object_type)

        for kind, what, p, (lo, hi) in RECIPES[room_type]:
            if rng.random() > p:
                continue
            if kind == "wall" and what in used_types and not pa[what]["multiplePerRoom"]:
                continue
            for _ in range(int(rng.integers(lo, hi + 1))):
                # a few fresh draws (other assets, other group variants) before giving up on the item
                for _retry in range(4):
                    if kind == "wall":
                        asset = _pick(rng, _assets(what, split))
                        members = [Member(asset, 0.0, 0.0, 0.0, 0.0, -1)] if asset else []
                        res = placer.place_against_wall(members, tries=8)
                    else:
                        names = _group_names(what)
                        # full variants first; the last try takes the smallest (a TV stand without the sofa)
                        smallest = min(names, key=lambda g: (len(_groups()[g]), g))
                        full = [g for g in names if g != smallest] or names
                        name = smallest if _retry == 3 else full[int(rng.integers(len(full)))]
                        members = layout_group(rng, _groups()[name], split)
                        res = placer.place_in_middle(members, tries=8) if kind == "middle" else None
                        res = res or placer.place_against_wall(members, tries=8)
                    if res:
                        commit(res)
                        break

        # filler furniture from ProcTHOR's placement annotations
        types, probs = _fill_types(room_type)
        free_area = placer.own.sum() * fp.cell_size**2 - sum((b.x1 - b.x0) * (b.z1 - b.z0) for b in placed)
        n_fill = int(rng.integers(0, 2 + int(max(free_area, 0) // 8)))
        for _ in range(n_fill):
            t = types[int(rng.choice(len(types), p=probs))]
            if t in used_types and not pa[t]["multiplePerRoom"]:
                continue
            asset = _pick(rng, _assets(t, split))
            if asset is None:
                continue
            res = placer.place_against_wall([Member(asset, 0.0, 0.0, 0.0, 0.0, -1)], tries=6)
            if res:
                commit(res)

        for t, p, (ylo, yhi) in WALL_OBJECTS[room_type] + [("LightSwitch", 0.9, (1.15, 1.3))]:
            if rng.random() > p:
                continue
            asset = _pick(rng, _assets(t, split))
            if asset is None:
                continue
            hung = placer.place_on_wall(asset, float(rng.uniform(ylo, yhi)), near_door=t == "LightSwitch")
            if hung:
                box, cx, cz, theta = hung
                placer.occupy(box)
                hung_obj = builder.make(asset, rid, cx, (box.y0 + box.y1) / 2, cz, theta)
                builder.objects.append(hung_obj)
                builder.units.append([hung_obj["id"]])

    for obj in list(builder.objects):
        _small_objects(rng, builder, obj, split)
    return builder.objects, builder.units


@lru_cache(maxsize=1)
def _receptacle_tables() -> dict[str, tuple[list[str], np.ndarray]]:
    out = {}
    for r, objs in raw_catalog()["receptacles"].items():
        names = [o for o in objs if o not in ("Pillow", "Faucet")]
        p = np.array([objs[o] for o in names], dtype=float)
        if len(names) and p.sum() > 0:
            out[r] = (names, p / p.sum())
    return out


def _small_objects(rng: np.random.Generator, builder: ObjectBuilder, obj: dict, split: str) -> None:
    from ..catalog.assets import get_asset

    parent = get_asset(obj["assetId"])
    if parent.object_type not in FLAT_RECEPTACLES:
        return
    table = _receptacle_tables().get(parent.object_type)
    if table is None:
        return
    names, probs = table
    yaw = obj["rotation"]["y"]
    sx, sy, sz = parent.size
    if yaw in (90.0, 270.0):
        sx, sz = sz, sx
    px, pz = obj["position"]["x"], obj["position"]["z"]
    top = obj["position"]["y"] + sy / 2
    margin = 0.03
    rect = (px - sx / 2 + margin, pz - sz / 2 + margin, px + sx / 2 - margin, pz + sz / 2 - margin)
    taken = []
    for child in obj["children"]:
        ca = get_asset(child["assetId"])
        hx, hz = (ca.size[0] / 2, ca.size[2] / 2) if child["rotation"]["y"] % 180 == 0 else (ca.size[2] / 2, ca.size[0] / 2)
        taken.append((child["position"]["x"] - hx, child["position"]["z"] - hz, child["position"]["x"] + hx, child["position"]["z"] + hz))
    n = int(rng.integers(0, 1 + min(6, int(sx * sz / 0.15))))
    room = "room|" + obj["id"].split("|")[1]
    for _ in range(n):
        t = names[int(rng.choice(len(names), p=probs))]
        asset = _pick(rng, _assets(t, split))
        if asset is None:
            continue
        rot = float(rng.integers(4)) * 90.0
        hx, hz = (asset.size[0] / 2, asset.size[2] / 2) if rot % 180 == 0 else (asset.size[2] / 2, asset.size[0] / 2)
        if 2 * hx > rect[2] - rect[0] or 2 * hz > rect[3] - rect[1]:
            continue
        for _ in range(5):
            cx = between(rng, rect[0] + hx, rect[2] - hx)
            cz = between(rng, rect[1] + hz, rect[3] - hz)
            r = (cx - hx, cz - hz, cx + hx, cz + hz)
            if all(r[2] <= q[0] or q[2] <= r[0] or r[3] <= q[1] or q[3] <= r[1] for q in taken):
                taken.append(r)
                obj["children"].append(builder.make(asset, room, cx, top + asset.size[1] / 2, cz, rot, surface=True))
                break
