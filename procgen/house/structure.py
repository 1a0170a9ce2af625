"""Walls, doors, windows, materials and lights for a floorplan, in AI2-THOR's house format.

Walls are the maximal straight runs of cell edges with the same room on each side. Every run
becomes one wall face per room it bounds (AI2-THOR renders each face separately), plus an
``wall|exterior|...`` face where the other side is outside. Doors join rooms along a random
spanning tree of the room adjacency graph (living rooms preferred as hubs, bathrooms kept as leaves
where possible), with a few extra doors between public rooms and exactly one exterior door.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..catalog.house_catalog import raw_catalog
from .floorplan import OUTSIDE, Floorplan, FloorplanError, between
from .geometry import grid_region_polygon

DOOR_MARGIN = 0.15  # metres of wall kept on each side of a door hole
WINDOW_MARGIN = 0.3


def room_id(k: int) -> str:
    return f"room|{k + 1}"


def _fmt(v: float) -> str:
    return f"{v:.2f}"


@dataclass
class WallRun:
    """A straight run of cell edges with room ``a`` on its negative side and ``b`` on its positive."""

    a: int
    b: int
    p0: tuple[float, float]
    p1: tuple[float, float]
    horizontal: bool  # runs along x (constant z)

    @property
    def length(self) -> float:
        return abs(self.p1[0] - self.p0[0]) + abs(self.p1[1] - self.p0[1])

    def coords(self) -> str:
        return f"{_fmt(self.p0[0])}|{_fmt(self.p0[1])}|{_fmt(self.p1[0])}|{_fmt(self.p1[1])}"

    def wall_id(self, k: int) -> str:
        return f"wall|{k + 1}|{self.coords()}"

    def exterior_id(self) -> str:
        return f"wall|exterior|{self.coords()}"

    def inward(self, k: int) -> tuple[float, float]:
        """Unit normal pointing into room ``k``."""
        s = -1.0 if k == self.a else 1.0
        return (0.0, s) if self.horizontal else (s, 0.0)


@dataclass
class Hole:
    """A door or window hole on a run, ``t0..t1`` metres from the run's p0."""

    run: WallRun
    t0: float
    t1: float
    y0: float
    y1: float
    kind: str  # "door" | "window"


@dataclass
class Structure:
    rooms: list[dict]
    walls: list[dict]
    doors: list[dict]
    windows: list[dict]
    runs: list[WallRun]
    holes: list[Hole] = field(default_factory=list)
    wall_height: float = 2.6


def wall_runs(grid: np.ndarray, cell: float) -> list[WallRun]:
    rows, cols = grid.shape
    pad = np.full((rows + 2, cols + 2), OUTSIDE, dtype=np.int16)
    pad[1:-1, 1:-1] = grid
    runs: list[WallRun] = []
    # horizontal lines z = r * cell: cell below is pad[r, c+1], above is pad[r+1, c+1]
    below = pad[:-1, 1:-1]
    above = pad[1:, 1:-1]
    for r in range(rows + 1):
        lo, hi = below[r].tolist(), above[r].tolist()
        c = 0
        while c < cols:
            if lo[c] == hi[c]:
                c += 1
                continue
            s = c
            while c + 1 < cols and lo[c + 1] == lo[s] and hi[c + 1] == hi[s]:
                c += 1
            c += 1
            runs.append(WallRun(lo[s], hi[s], (round(s * cell, 4), round(r * cell, 4)), (round(c * cell, 4), round(r * cell, 4)), True))
    left = pad[1:-1, :-1]
    right = pad[1:-1, 1:]
    for c in range(cols + 1):
        lo, hi = left[:, c].tolist(), right[:, c].tolist()
        r = 0
        while r < rows:
            if lo[r] == hi[r]:
                r += 1
                continue
            s = r
            while r + 1 < rows and lo[r + 1] == lo[s] and hi[r + 1] == hi[s]:
                r += 1
            r += 1
            runs.append(WallRun(lo[s], hi[s], (round(c * cell, 4), round(s * cell, 4)), (round(c * cell, 4), round(r * cell, 4)), False))
    return runs


def _wall_dict(wid: str, rid: str, run: WallRun, height: float, material: dict) -> dict:
    (x0, z0), (x1, z1) = run.p0, run.p1
    return {
        "id": wid,
        "roomId": rid,
        "material": dict(material),
        "polygon": [
            {"x": x0, "y": 0.0, "z": z0},
            {"x": x1, "y": 0.0, "z": z1},
            {"x": x1, "y": height, "z": z1},
            {"x": x0, "y": height, "z": z0},
        ],
    }


def _choose_door(rng: np.random.Generator, run_len: float, double: bool) -> tuple[str, list[float]] | None:
    holes = raw_catalog()["wallHoles"]
    names = [n for n in holes if n.startswith("Doorway_Double" if double else "Doorway_") and ("Double" in n) == double]
    fitting = [n for n in names if holes[n][0] + 2 * DOOR_MARGIN <= run_len]
    if not fitting:
        return None
    name = fitting[int(rng.integers(len(fitting)))]
    return name, holes[name]


def _spanning_doors(rng: np.random.Generator, fp: Floorplan, runs: list[WallRun]) -> list[tuple[int, int, WallRun]]:
    """Kruskal over shared walls with random, type-biased weights; returns (a, b, run) door edges."""
    n = fp.n_rooms
    best: dict[tuple[int, int], WallRun] = {}
    min_len = min(h[0] for k, h in raw_catalog()["wallHoles"].items() if k.startswith("Doorway")) + 2 * DOOR_MARGIN
    for run in runs:
        if run.a < 0 or run.b < 0 or run.length < min_len:
            continue
        key = (min(run.a, run.b), max(run.a, run.b))
        if key not in best or run.length > best[key].length:
            best[key] = run
    types = fp.room_types

    def weight(a: int, b: int) -> float:
        ta, tb = types[a], types[b]
        w = rng.uniform(0.0, 1.0)
        if "LivingRoom" in (ta, tb):
            w -= 1.0
        if "Bathroom" in (ta, tb):
            w += 1.0
        if ta == tb == "Bathroom":
            w += 5.0
        return w

    edges = sorted((weight(a, b), a, b) for (a, b) in sorted(best))
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    chosen = []
    rest = []
    for _, a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            chosen.append((a, b, best[(a, b)]))
        else:
            rest.append((a, b))
    if len({find(i) for i in range(n)}) != 1:
        raise FloorplanError("rooms cannot all be joined by doors")
    for a, b in rest:  # a few extra doors between public rooms make loops
        if {types[a], types[b]} <= {"Kitchen", "LivingRoom"} and rng.random() < 0.5:
            chosen.append((a, b, best[(a, b)]))
    return chosen


def build_structure(rng: np.random.Generator, fp: Floorplan) -> Structure:
    cat = raw_catalog()
    cell = fp.cell_size
    grid = fp.grid
    n = fp.n_rooms
    wall_height = float(np.round(rng.uniform(2.5, 3.0), 2))
    wall_mats = cat["materials"]["Wall"]
    floor_mats = cat["materials"]["Wood"]

    rooms = []
    room_wall_mat = []
    for k in range(n):
        poly = grid_region_polygon(grid == k, cell)
        if poly is None:
            raise FloorplanError("room outline is not a simple polygon")
        wm = {"name": wall_mats[int(rng.integers(len(wall_mats)))]}
        room_wall_mat.append(wm)
        rooms.append(
            {
                "id": room_id(k),
                "roomType": fp.room_types[k],
                "floorPolygon": [{"x": x, "y": 0.0, "z": z} for x, z in poly],
                "floorMaterial": {"name": floor_mats[int(rng.integers(len(floor_mats)))]},
                "ceilings": [],
                "children": [],
            }
        )
    exterior_mat = {"name": wall_mats[int(rng.integers(len(wall_mats)))]}

    runs = wall_runs(grid, cell)
    walls = []
    for run in runs:
        for k in (run.a, run.b):
            if k >= 0:
                walls.append(_wall_dict(run.wall_id(k), room_id(k), run, wall_height, room_wall_mat[k]))
        if run.a < 0 or run.b < 0:
            k = run.b if run.a < 0 else run.a
            walls.append(_wall_dict(run.exterior_id(), room_id(k), run, wall_height, exterior_mat))

    holes: list[Hole] = []
    doors = []
    pairs_seen: dict[tuple[int, int], int] = {}
    for a, b, run in _spanning_doors(rng, fp, runs):
        types = {fp.room_types[a], fp.room_types[b]}
        double = types <= {"Kitchen", "LivingRoom"} and rng.random() < 0.6
        choice = _choose_door(rng, run.length, double) or _choose_door(rng, run.length, False)
        if choice is None:
            raise FloorplanError("door does not fit")
        name, (w, h, *_rest) = choice
        t0 = round(between(rng, DOOR_MARGIN, run.length - DOOR_MARGIN - w), 3)
        holes.append(Hole(run, t0, t0 + w, 0.0, h, "door"))
        key = (min(a, b), max(a, b))
        idx = pairs_seen.get(key, 0)
        pairs_seen[key] = idx + 1
        doors.append(_door_dict(f"door|{key[0] + 1}|{key[1] + 1}" + (f"|{idx}" if idx else ""), name, run, a, b, t0, w, h,
                                openable=not double, rng=rng))

    # exactly one exterior door, preferably from a living room or kitchen
    ext_runs = [r for r in runs if (r.a < 0) != (r.b < 0)]
    rng.shuffle(ext_runs)  # type: ignore[arg-type]
    rank = {"LivingRoom": 0, "Kitchen": 1, "Bedroom": 2, "Bathroom": 3}
    ext_runs.sort(key=lambda r: rank[fp.room_types[r.a if r.a >= 0 else r.b]])
    for run in ext_runs:
        choice = _choose_door(rng, run.length, False)
        if choice is None:
            continue
        k = run.a if run.a >= 0 else run.b
        name, (w, h, *_rest) = choice
        t0 = round(between(rng, DOOR_MARGIN, run.length - DOOR_MARGIN - w), 3)
        holes.append(Hole(run, t0, t0 + w, 0.0, h, "door"))
        doors.append(_door_dict(f"door|0|{k + 1}", name, run, k, k, t0, w, h, openable=True, rng=rng, exterior=True))
        break
    else:
        raise FloorplanError("no exterior wall fits a door")

    windows = _windows(rng, fp, runs, holes, wall_height)
    return Structure(rooms=rooms, walls=walls, doors=doors, windows=windows, runs=runs, holes=holes,
                     wall_height=wall_height)


def _door_dict(did: str, asset: str, run: WallRun, a: int, b: int, t0: float, w: float, h: float, *,
               openable: bool, rng: np.random.Generator, exterior: bool = False) -> dict:
    wall1 = run.exterior_id() if exterior else run.wall_id(b)
    return {
        "id": did,
        "assetId": asset,
        "room0": room_id(a),
        "room1": room_id(b),
        "wall0": run.wall_id(a),
        "wall1": wall1,
        "holePolygon": [{"x": t0, "y": 0.0, "z": 0.0}, {"x": t0 + w, "y": h, "z": 0.0}],
        "assetPosition": {"x": t0 + w / 2, "y": h / 2, "z": 0.0},
        "openable": openable,
        "openness": 1.0 if openable else 0.0,
    }


def _windows(rng: np.random.Generator, fp: Floorplan, runs: list[WallRun], holes: list[Hole], wall_height: float) -> list[dict]:
    cat = raw_catalog()["wallHoles"]
    names = [k for k in cat if k.startswith("Window")]
    windows = []
    per_room: dict[int, int] = {}
    for run in runs:
        if (run.a < 0) == (run.b < 0):
            continue
        k = run.a if run.a >= 0 else run.b
        if per_room.get(k, 0) >= 2 or rng.random() > 0.6:
            continue
        taken = [(h.t0, h.t1) for h in holes if h.run is run]
        fitting = [m for m in names if cat[m][0] + 2 * WINDOW_MARGIN <= run.length and cat[m][1] + 0.8 < wall_height - 0.1]
        if not fitting:
            continue
        name = fitting[int(rng.integers(len(fitting)))]
        w, h = cat[name][0], cat[name][1]
        for _ in range(4):
            t0 = round(between(rng, WINDOW_MARGIN, run.length - WINDOW_MARGIN - w), 3)
            if all(t0 + w + 0.1 <= s or t0 >= e + 0.1 for s, e in taken):
                break
        else:
            continue
        y0 = float(np.round(rng.uniform(0.8, min(1.2, wall_height - 0.1 - h)), 3))
        holes.append(Hole(run, t0, t0 + w, y0, y0 + h, "window"))
        idx = per_room.get(k, 0)
        per_room[k] = idx + 1
        windows.append(
            {
                "id": f"window|{k + 1}|{idx}",
                "assetId": name,
                "room0": room_id(k),
                "room1": room_id(k),
                "wall0": run.wall_id(k),
                "wall1": run.exterior_id(),
                "holePolygon": [{"x": t0, "y": y0, "z": 0.0}, {"x": t0 + w, "y": y0 + h, "z": 0.0}],
                "assetPosition": {"x": t0 + w / 2, "y": y0 + h / 2, "z": 0.0},
            }
        )
    return windows


def lights_and_parameters(rng: np.random.Generator, rooms: list[dict], wall_height: float) -> dict:
    """proceduralParameters: ceiling material, skybox, a sun and one point light per room."""
    cat = raw_catalog()["materials"]
    lights = [
        {
            "id": "DirectionalLight",
            "type": "directional",
            "position": {"x": 0.84, "y": 0.19, "z": -1.0},
            "rotation": {"x": float(np.round(rng.uniform(30, 80), 1)), "y": float(np.round(rng.uniform(0, 360), 1)), "z": 0.0},
            "intensity": 0.35,
            "indirectMultiplier": 1.0,
            "rgb": {"r": 1.0, "g": 1.0, "b": 1.0},
            "shadow": {"type": "Soft", "strength": 1, "normalBias": 0, "bias": 0, "nearPlane": 0.2, "resolution": "FromQualitySettings"},
        }
    ]
    for room in rooms:
        xs = [p["x"] for p in room["floorPolygon"]]
        zs = [p["z"] for p in room["floorPolygon"]]
        lights.append(
            {
                "id": f"light|{room['id']}",
                "type": "point",
                "position": {"x": (min(xs) + max(xs)) / 2, "y": wall_height - 0.2, "z": (min(zs) + max(zs)) / 2},
                "intensity": float(np.round(rng.uniform(0.6, 0.9), 2)),
                "range": 15.0,
                "rgb": {"r": 1.0, "g": float(np.round(rng.uniform(0.85, 1.0), 3)), "b": float(np.round(rng.uniform(0.7, 0.95), 3))},
                "shadow": {"type": "Soft", "strength": 1, "normalBias": 0, "bias": 0.05, "nearPlane": 0.2, "resolution": "FromQualitySettings"},
                "roomId": room["id"],
                "layer": "Procedural0",
                "cullingMaskOff": [],
            }
        )
    colours = cat["solidWallColors"]
    return {
        "ceilingMaterial": {"name": "PureWhite", "color": dict(colours[int(rng.integers(len(colours)))])},
        "floorColliderThickness": 1.0,
        "receptacleHeight": 0.7,
        "skyboxId": cat["skyboxes"][int(rng.integers(len(cat["skyboxes"])))],
        "reflections": [],
        "lights": lights,
    }
