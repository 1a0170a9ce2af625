"""House validation: the JSON schema, then references and geometry, then (for generated houses)
placement quality and reachability.

Levels:
- ``"schema"``: the dict matches the shipped JSON schema (``data/house.schema.json``), ids are
  unique, every wall lies on its room's outline and every room outline is closed by walls, every
  door/window names existing rooms and walls and its hole fits its wall, every asset id is known.
  Real ProcTHOR houses pass this level; :func:`load_house` applies it.
- ``"full"``: also no floor object overlaps another or leaves its room or stands in a door's
  approach, small objects rest on their receptacle's top, and from the agent's start pose every
  room is reachable on a 0.25 m grid for a 0.2 m-radius agent. Generated houses pass this level.

Every failure raises :class:`HouseValidationError` whose ``field`` names the offending place in
the dict, e.g. ``doors[2].wall0`` or ``objects[7].children[1].position``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..catalog.assets import UnknownAssetError, get_asset
from .geometry import EPS, _on_segment, object_footprint, rect_inside_polygon, room_polygons

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "house.schema.json"
LEVELS = ("schema", "full")
MAX_EXTENT = 500.0  # metres; keeps the reachability grid bounded for absurd inputs


class HouseValidationError(ValueError):
    """A house dict that breaks the schema or a geometric rule; ``field`` names where."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@lru_cache(maxsize=1)
def house_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@lru_cache(maxsize=1)
def _compiled_schema():
    from .schema_check import SchemaCompiler

    return SchemaCompiler(house_schema()).compile()


def check_schema(house: dict) -> None:
    """Match the shipped JSON schema; the first violation raises with its field path."""
    if not isinstance(house, dict):
        raise HouseValidationError("<house>", f"a house must be a JSON object (dict), got {type(house).__name__}")
    err = _compiled_schema()(house)
    if err is not None:
        raise HouseValidationError(err[0] or "<house>", err[1])


def _close(p: tuple[float, float], q: tuple[float, float], tol: float = 1e-3) -> bool:
    return abs(p[0] - q[0]) <= tol and abs(p[1] - q[1]) <= tol


def _v(p: dict) -> tuple[float, float]:
    return (float(p["x"]), float(p["z"]))


def check_references(house: dict) -> None:
    """Ids, walls closing rooms, holes on walls, known assets."""
    rooms = {}
    for i, room in enumerate(house["rooms"]):
        if room["id"] in rooms:
            raise HouseValidationError(f"rooms[{i}].id", f"duplicate room id {room['id']!r}")
        rooms[room["id"]] = i
        pts = [_v(p) for p in room["floorPolygon"]]
        if not all(math.isfinite(x) and math.isfinite(z) and abs(x) <= MAX_EXTENT and abs(z) <= MAX_EXTENT for x, z in pts):
            raise HouseValidationError(f"rooms[{i}].floorPolygon", f"coordinates must be finite and within +-{MAX_EXTENT:g} m")
        area = 0.5 * sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1], strict=True))
        if abs(area) < 1e-3:
            raise HouseValidationError(f"rooms[{i}].floorPolygon", "polygon has no area")
    walls = {}
    segs_by_room: dict[str, list[tuple[float, float, float, float]]] = {r: [] for r in rooms}
    seg_index: dict[str, list[int]] = {r: [] for r in rooms}
    exterior_by_room: dict[str, list[tuple[int, tuple[float, float, float, float]]]] = {r: [] for r in rooms}
    for i, wall in enumerate(house["walls"]):
        if wall["id"] in walls:
            raise HouseValidationError(f"walls[{i}].id", f"duplicate wall id {wall['id']!r}")
        walls[wall["id"]] = i
        exterior = wall["id"].startswith("wall|exterior")
        if wall["roomId"] not in rooms and not exterior:
            raise HouseValidationError(f"walls[{i}].roomId", f"unknown room {wall['roomId']!r}; rooms: {sorted(rooms)}")
        a, b = _v(wall["polygon"][0]), _v(wall["polygon"][1])
        if not all(math.isfinite(v) for v in a + b):
            raise HouseValidationError(f"walls[{i}].polygon", "coordinates must be finite")
        if math.hypot(b[0] - a[0], b[1] - a[1]) < 1e-4:
            raise HouseValidationError(f"walls[{i}].polygon", "wall has zero length")
        # the outside face of an exterior wall (id "wall|exterior|...") lies on the outline too but
        # does not count towards closing the room: every room needs its own inner faces
        if exterior:
            # an exterior face may name its room or not; either way it must lie on a room outline
            exterior_by_room.setdefault(wall["roomId"], []).append((i, (a[0], a[1], b[0], b[1])))
        else:
            segs_by_room[wall["roomId"]].append((a[0], a[1], b[0], b[1]))
            seg_index[wall["roomId"]].append(i)
    polys = room_polygons(house)
    # every wall lies on its room's outline, and the outline is fully covered by walls
    for rid, segs in segs_by_room.items():
        poly = polys[rid]
        edges = [(poly[k, 0], poly[k, 1], poly[(k + 1) % len(poly), 0], poly[(k + 1) % len(poly), 1]) for k in range(len(poly))]
        for wi, s in zip(seg_index[rid], segs, strict=True):
            if not any(_on_segment((s[0], s[1]), *e) and _on_segment((s[2], s[3]), *e) for e in edges):
                raise HouseValidationError(f"walls[{wi}].polygon", f"wall does not lie on the outline of {rid}")
        for e in edges:
            L = math.hypot(e[2] - e[0], e[3] - e[1])
            covered = []
            for s in segs:
                if _on_segment((s[0], s[1]), *e) and _on_segment((s[2], s[3]), *e):
                    ta = ((s[0] - e[0]) * (e[2] - e[0]) + (s[1] - e[1]) * (e[3] - e[1])) / L
                    tb = ((s[2] - e[0]) * (e[2] - e[0]) + (s[3] - e[1]) * (e[3] - e[1])) / L
                    covered.append((min(ta, tb), max(ta, tb)))
            covered.sort()
            t = 0.0
            for s0, s1 in covered:
                if s0 > t + 1e-3:
                    break
                t = max(t, s1)
            if t < L - 1e-3:
                ri = rooms[rid]
                raise HouseValidationError(
                    f"rooms[{ri}].floorPolygon",
                    f"edge ({e[0]:.2f}, {e[1]:.2f})-({e[2]:.2f}, {e[3]:.2f}) of {rid} is not closed by any wall",
                )
    all_edges = []
    for poly in polys.values():
        all_edges += [(poly[k, 0], poly[k, 1], poly[(k + 1) % len(poly), 0], poly[(k + 1) % len(poly), 1])
                      for k in range(len(poly))]
    for rid, faces in exterior_by_room.items():
        edges = all_edges if rid not in polys else [
            (polys[rid][k, 0], polys[rid][k, 1], polys[rid][(k + 1) % len(polys[rid]), 0],
             polys[rid][(k + 1) % len(polys[rid]), 1]) for k in range(len(polys[rid]))]
        for wi, s in faces:
            if not any(_on_segment((s[0], s[1]), *e) and _on_segment((s[2], s[3]), *e) for e in edges):
                raise HouseValidationError(f"walls[{wi}].polygon", f"exterior wall does not lie on the outline of {rid}")
    for key in ("doors", "windows"):
        seen = set()
        for i, item in enumerate(house[key]):
            f = f"{key}[{i}]"
            if item["id"] in seen:
                raise HouseValidationError(f"{f}.id", f"duplicate id {item['id']!r}")
            seen.add(item["id"])
            for rk in ("room0", "room1"):
                if item[rk] not in rooms:
                    raise HouseValidationError(f"{f}.{rk}", f"unknown room {item[rk]!r}")
            for wk in ("wall0", "wall1"):
                if item[wk] not in walls:
                    raise HouseValidationError(f"{f}.{wk}", f"{key[:-1]} is on no wall: unknown wall {item[wk]!r}")
            w0 = house["walls"][walls[item["wall0"]]]
            a, b = _v(w0["polygon"][0]), _v(w0["polygon"][1])
            w1 = house["walls"][walls[item["wall1"]]]
            c, d = _v(w1["polygon"][0]), _v(w1["polygon"][1])
            if not ((_close(a, c) and _close(b, d)) or (_close(a, d) and _close(b, c))):
                raise HouseValidationError(f"{f}.wall1", f"wall1 {item['wall1']!r} is not the other face of wall0 {item['wall0']!r}")
            length = math.hypot(b[0] - a[0], b[1] - a[1])
            height = max(float(p["y"]) for p in w0["polygon"])
            xs = sorted(float(p["x"]) for p in item["holePolygon"])
            ys = sorted(float(p["y"]) for p in item["holePolygon"])
            if xs[0] < -1e-3 or xs[1] > length + 1e-3 or ys[0] < -1e-3 or ys[1] > height + 1e-3 or xs[1] - xs[0] < EPS:
                raise HouseValidationError(
                    f"{f}.holePolygon", f"hole x {xs} y {ys} does not fit wall {item['wall0']!r} ({length:.2f} x {height:.2f} m)"
                )
            try:
                get_asset(item["assetId"])
            except UnknownAssetError as e:
                raise HouseValidationError(f"{f}.assetId", str(e)) from None
    ids: set[str] = set()

    def walk(objs: list, prefix: str) -> None:
        for i, obj in enumerate(objs):
            f = f"{prefix}[{i}]"
            if obj["id"] in ids:
                raise HouseValidationError(f"{f}.id", f"duplicate object id {obj['id']!r}")
            ids.add(obj["id"])
            if not all(math.isfinite(float(obj[k][a])) for k in ("position", "rotation") for a in "xyz"):
                raise HouseValidationError(f"{f}.position", "position and rotation must be finite numbers")
            try:
                get_asset(obj["assetId"])
            except UnknownAssetError as e:
                raise HouseValidationError(f"{f}.assetId", str(e)) from None
            walk(obj.get("children") or [], f"{f}.children")

    walk(house["objects"], "objects")


def _overlap(a, b, tol=1e-3) -> bool:
    return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol


def check_placement(house: dict) -> None:
    """Objects inside rooms, no overlaps, door approaches clear, small objects on tops."""
    from .geometry import door_openings

    polys = room_polygons(house)
    boxes = []
    for i, obj in enumerate(house["objects"]):
        size = get_asset(obj["assetId"]).size
        fp = object_footprint(obj, size)
        y0 = float(obj["position"]["y"]) - size[1] / 2
        if y0 < -1e-3:
            raise HouseValidationError(f"objects[{i}].position", "object sinks below the floor")
        cx, cz = (fp[0] + fp[2]) / 2, (fp[1] + fp[3]) / 2
        home = None
        for rid, poly in polys.items():
            if rect_inside_polygon(fp, poly):
                home = rid
                break
        if home is None:
            raise HouseValidationError(f"objects[{i}].position", f"object footprint at ({cx:.2f}, {cz:.2f}) is not inside one room")
        box = (fp, y0, y0 + size[1])
        for j, (ofp, oy0, oy1) in enumerate(boxes):
            if _overlap(fp, ofp) and box[1] < oy1 - 1e-3 and oy0 < box[2] - 1e-3:
                raise HouseValidationError(f"objects[{i}].position", f"object overlaps objects[{j}] ({house['objects'][j]['id']})")
        boxes.append(box)
        top = y0 + size[1]
        taken = []
        for c, child in enumerate(obj.get("children") or []):
            cs = get_asset(child["assetId"]).size
            cfp = object_footprint(child, cs)
            cf = f"objects[{i}].children[{c}].position"
            if abs(float(child["position"]["y"]) - cs[1] / 2 - top) > 0.01:
                raise HouseValidationError(cf, f"child does not rest on its receptacle's top (y={top:.3f})")
            if not (cfp[0] >= fp[0] - 0.01 and cfp[1] >= fp[1] - 0.01 and cfp[2] <= fp[2] + 0.01 and cfp[3] <= fp[3] + 0.01):
                raise HouseValidationError(cf, "child overhangs its receptacle's top")
            for k, t in enumerate(taken):
                if _overlap(cfp, t):
                    raise HouseValidationError(cf, f"child overlaps objects[{i}].children[{k}]")
            taken.append(cfp)
    # door approaches: 0.5 m on each side of every door hole stays clear of floor objects
    for d_i, d in enumerate(door_openings(house)):
        dx, dz = d.b[0] - d.a[0], d.b[1] - d.a[1]
        L = math.hypot(dx, dz) or 1.0
        nx, nz = -dz / L * 0.5, dx / L * 0.5
        xs = [d.a[0] + nx, d.a[0] - nx, d.b[0] + nx, d.b[0] - nx]
        zs = [d.a[1] + nz, d.a[1] - nz, d.b[1] + nz, d.b[1] - nz]
        zone = (min(xs), min(zs), max(xs), max(zs))
        for i, (fp, y0, _y1) in enumerate(boxes):
            if y0 < 2.0 and _overlap(fp, zone, tol=0.01):
                raise HouseValidationError(f"objects[{i}].position", f"object blocks door {d.opening_id!r} (doors[{d_i}])")


def check_reachability(house: dict, resolution: float = 0.25, agent_radius: float = 0.2, navgrid=None) -> None:
    """Every room reachable from the start pose. ``navgrid`` may pass a grid already built for this
    house (same resolution and radius) to save rebuilding it."""
    from .navgrid import build_navgrid

    nav = navgrid
    if nav is None or nav.resolution != resolution or nav.agent_radius != agent_radius:
        nav = build_navgrid(house, resolution, agent_radius)
    pos = house["metadata"]["agent"]["position"]
    reach = nav.reachable_from(float(pos["x"]), float(pos["z"]))
    if not reach.any():
        raise HouseValidationError("metadata.agent.position", "start pose is not on a free grid point")
    reached = set(np.unique(nav.room_index[reach]).tolist())
    for i, rid in enumerate(nav.room_ids):
        if i not in reached:
            ri = next(k for k, r in enumerate(house["rooms"]) if r["id"] == rid)
            raise HouseValidationError(f"rooms[{ri}]", f"room {rid!r} is not reachable from the start pose")


def validate_house(house: dict, level: str = "full", *, navgrid=None) -> None:
    """Raise :class:`HouseValidationError` naming the first bad field; return None when valid.

    ``navgrid``: a :class:`~.navgrid.NavGrid` already built for exactly this house (optional).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown validation level {level!r}; use one of {LEVELS}")
    check_schema(house)
    check_references(house)
    if level == "full":
        check_placement(house)
        check_reachability(house, navgrid=navgrid)
