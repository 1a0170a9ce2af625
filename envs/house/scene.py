"""Turn an AI2-THOR house dict (schema 1.0.0) into the renderer's voxel scene.

Why voxels: one 5 cm brick map holds floors, walls with their door and window holes, glass panes,
ceilings with lamps and every object, so a house renders through the same fast kernel as the block
world. Objects become boxes of their catalog size (tables and chairs get legs, a seat and a back so
their silhouettes read as furniture); anything smaller than a voxel still fills the voxel at its centre
so that an apple or a credit card stays visible.

Semantic classes are stable across houses: ``HOUSE_CLASSES`` = structure classes followed by every
AI2-THOR object type in the catalog, sorted. Instance ids are per house; ``scene.instance_names[i]``
is the AI2-THOR id (objectId, wall id, room id, door/window id) of instance ``i``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from ...procgen.house.geometry import point_in_polygon
from ..render.materials import material_id
from ..render.types import PartTable, RenderError, SceneStyle, VoxelScene

STRUCTURE_CLASSES: tuple[str, ...] = ("", "Floor", "Wall", "Ceiling", "Window", "Door", "Ground", "Light")


class HouseSceneError(RenderError, KeyError):
    """A house dict the scene builder cannot read; the message names the bad field."""

    def __str__(self) -> str:
        return self.args[0]


@lru_cache(maxsize=1)
def house_classes() -> tuple[str, ...]:
    """Semantic class names; the index is the class id in the renderer's semantic masks."""
    from ...procgen.catalog.assets import object_types

    return STRUCTURE_CLASSES + tuple(t for t in object_types() if t not in STRUCTURE_CLASSES)


@lru_cache(maxsize=1)
def _class_table() -> dict[str, int]:
    return {n: i for i, n in enumerate(house_classes())}


def class_id(name: str) -> int:
    """Semantic class id of a structure class or AI2-THOR object type."""
    table = _class_table()
    if name not in table:
        raise HouseSceneError(f"unknown semantic class {name!r}; accepted: structure {STRUCTURE_CLASSES[1:]} "
                              "or an AI2-THOR object type from the catalog")
    return table[name]


# ------------------------------------------------------------------ materials
def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


_FLOOR_KEYWORDS = (("carpet", "floor_carpet"), ("rug", "floor_carpet"), ("marble", "floor_marble"),
                   ("tile", "floor_tiles"), ("concrete", "floor_concrete"), ("stone", "floor_concrete"),
                   ("dark", "floor_dark_wood"), ("wood", "floor_wood"), ("cabinet", "floor_wood"),
                   ("counter", "floor_marble"))
_WALL_KEYWORDS = (("brick", "wall_brick"), ("stone", "wall_stone"), ("concrete", "wall_paint"),
                  ("tile", "floor_tiles"), ("wood", "floor_wood"))
_WALL_TINTS = ((1.0, 1.0, 1.0), (0.95, 0.92, 0.82), (0.82, 0.88, 0.95), (0.9, 0.82, 0.8),
               (0.84, 0.9, 0.8), (0.96, 0.9, 0.7), (0.78, 0.78, 0.82))


def _surface_material(material: Mapping[str, Any] | None, keywords, default: str) -> tuple[int, tuple]:
    """(material id, tint) for an AI2-THOR material entry ``{"name": ..., "color": {r,g,b}}``."""
    name = str((material or {}).get("name", ""))
    low = name.lower()
    chosen = default
    for key, mat in keywords:
        if key in low:
            chosen = mat
            break
    colour = (material or {}).get("color")
    if isinstance(colour, Mapping) and all(k in colour for k in "rgb"):
        tint = tuple(float(colour[k]) for k in "rgb")
        if chosen != default:  # textured material: keep its texture, tint it only slightly
            tint = tuple(0.6 + 0.4 * c for c in tint)
    elif chosen == "wall_paint":
        tint = _WALL_TINTS[_crc(name) % len(_WALL_TINTS)]
    else:
        tint = (1.0, 1.0, 1.0)
    return material_id(chosen), tint


_OBJECT_MATERIALS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Sofa", "ArmChair", "Ottoman", "Pillow", "Cloth", "Towel", "DogBed"), "fabric"),
    (("Bed",), "bedding"),
    (("Fridge", "Microwave", "Toaster", "CoffeeMachine", "StoveBurner", "StoveKnob", "Faucet", "Pan",
      "Pot", "Kettle", "Ladle", "Spatula", "Knife", "ButterKnife", "Fork", "Spoon", "SaltShaker",
      "PepperShaker", "GarbageCan", "FloorLamp", "DeskLamp", "Safe", "Dumbbell", "WateringCan"), "metal"),
    (("Television", "Laptop", "CellPhone", "RemoteControl", "Desktop", "Monitor", "Stove", "Oven"), "dark_metal"),
    (("Toilet", "Sink", "SinkBasin", "Bathtub", "BathtubBasin", "Mug", "Cup", "Bowl", "Plate",
      "SoapBar", "SoapBottle", "Vase", "ShowerHead", "ToiletPaper"), "ceramic"),
    (("HousePlant", "Plant"), "plant"),
    (("Apple", "Tomato"), "food_red"),
    (("Banana", "Lemon", "Bread", "Egg", "Potato"), "food_yellow"),
    (("Lettuce",), "food_green"),
    (("Book", "Newspaper", "Painting", "Poster", "Box", "CreditCard", "KeyChain", "TissueBox",
      "Pen", "Pencil", "Statue", "AlarmClock", "Watch"), "paper"),
    (("Chair", "Stool", "Shelf", "ShelvingUnit", "Dresser", "SideTable", "CoffeeTable", "DiningTable",
      "Desk", "TVStand", "Cabinet", "Drawer", "CounterTop", "Bench"), "furniture_wood"),
    (("BasketBall", "TennisRacket", "BaseballBat", "Candle", "SprayBottle", "Bottle", "WineBottle",
      "Footstool", "LaundryHamper", "TeddyBear", "Boots"), "plastic"),
)
_OBJECT_TINTS = ((1.0, 1.0, 1.0), (0.85, 0.85, 0.9), (1.0, 0.92, 0.85), (0.9, 1.0, 0.9), (0.8, 0.8, 0.8))


def object_material(object_type: str, asset_id: str) -> tuple[int, tuple[float, float, float]]:
    """(material id, tint) for an object: by object type, with a small per-asset tint variation."""
    chosen = "object_generic"
    for types, mat in _OBJECT_MATERIALS:
        if object_type in types:
            chosen = mat
            break
    if chosen == "furniture_wood" and _crc(asset_id) % 2:
        chosen = "furniture_light_wood"
    if chosen in ("fabric",) and _crc(asset_id) % 3 == 0:
        chosen = "fabric_warm"
    return material_id(chosen), _OBJECT_TINTS[_crc(asset_id) % len(_OBJECT_TINTS)]


# ------------------------------------------------------------------ geometry helpers
def _points_xz(poly, what: str) -> np.ndarray:
    try:
        pts = np.asarray([[float(p["x"]), float(p["z"])] for p in poly], np.float64)
    except (KeyError, TypeError, ValueError):
        raise HouseSceneError(f"{what} must be a list of {{x, y, z}} points") from None
    if len(pts) < 2:
        raise HouseSceneError(f"{what} needs at least 2 points, got {len(pts)}")
    return pts


def _inside_polygon(px: np.ndarray, pz: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test, vectorised over points."""
    inside = np.zeros(np.broadcast(px, pz).shape, bool)
    n = len(poly)
    for i in range(n):
        x0, z0 = poly[i]
        x1, z1 = poly[(i + 1) % n]
        crosses = (z0 > pz) != (z1 > pz)
        with np.errstate(divide="ignore", invalid="ignore"):
            xcross = x0 + (pz - z0) * (x1 - x0) / (z1 - z0)
        inside ^= crosses & (px < xcross)
    return inside


def _walk_objects(objects) -> Iterator[Mapping[str, Any]]:
    for obj in objects or []:
        yield obj
        yield from _walk_objects(obj.get("children"))


class _Parts:
    """Accumulates part rows and instance names while the scene is built."""

    def __init__(self):
        self.material, self.cls, self.inst, self.tint = [0], [0], [0], [(1.0, 1.0, 1.0)]
        self.instance_names: list[str] = [""]
        self._instances: dict[str, int] = {}

    def instance(self, name: str) -> int:
        if name not in self._instances:
            self._instances[name] = len(self.instance_names)
            self.instance_names.append(name)
        return self._instances[name]

    def add(self, material: int, cls: int, instance_name: str, tint=(1.0, 1.0, 1.0)) -> int:
        self.material.append(material)
        self.cls.append(cls)
        self.inst.append(self.instance(instance_name))
        self.tint.append(tuple(float(t) for t in tint))
        if len(self.material) > 65535:
            raise HouseSceneError("house has more than 65535 drawable parts")
        return len(self.material) - 1

    def table(self) -> PartTable:
        return PartTable.build(self.material, self.cls, self.inst, self.tint)


# ------------------------------------------------------------------ builder
def house_scene(house: Mapping[str, Any], voxel_size: float = 0.05, brick: int = 4,
                margin: float = 0.6, view_distance: float = 30.0) -> VoxelScene:
    """Voxelise an AI2-THOR house dict (schema 1.0.0) into a :class:`VoxelScene`.

    Floors fill the voxel layer just below y = 0, ceilings the layer at the wall height; each wall is
    one voxel thick on its room's side (exterior walls on the outside), so two rooms sharing a wall
    each see their own material. Doors and windows cut their ``holePolygon`` out of ``wall0`` and
    ``wall1``; windows are filled with glass. Outside the house an infinite grass plane is drawn.
    """
    from ...procgen.catalog.assets import UnknownAssetError, get_asset

    for key in ("rooms", "walls"):
        if not isinstance(house.get(key), list) or not house[key]:
            raise HouseSceneError(f"house[{key!r}] must be a non-empty list")
    vs = float(voxel_size)
    parts = _Parts()
    rooms = {}
    for i, room in enumerate(house["rooms"]):
        rid = room.get("id")
        if rid is None:
            raise HouseSceneError(f"house['rooms'][{i}] has no 'id'")
        rooms[rid] = _points_xz(room.get("floorPolygon"), f"house['rooms'][{i}]['floorPolygon']")
    all_pts = np.concatenate(list(rooms.values()))
    vs = snap_voxel_size(all_pts, vs)
    walls = {}
    height = 0.0
    for i, wall in enumerate(house["walls"]):
        poly = wall.get("polygon")
        pts = _points_xz(poly, f"house['walls'][{i}]['polygon']")
        ys = [float(p["y"]) for p in poly]
        height = max(height, max(ys))
        walls[wall.get("id", f"wall{i}")] = (wall, pts, min(ys), max(ys))
    if height <= 0:
        raise HouseSceneError("house['walls'] polygons must reach above y = 0 (wall height)")
    margin = max(1, round(margin / vs)) * vs
    lo = all_pts.min(axis=0) - margin
    hi = all_pts.max(axis=0) + margin
    nx = int(np.ceil((hi[0] - lo[0]) / vs))
    nz = int(np.ceil((hi[1] - lo[1]) / vs))
    # y = 0 sits on a brick boundary so rays towards the floor jump straight down to it
    floor_layer = brick - 1
    ceil_layer = int(round(height / vs)) + brick
    ny = ceil_layer + 2
    origin = (float(lo[0]), -brick * vs, float(lo[1]))
    grid = np.zeros((nx, ny, nz), np.uint16)
    cx = origin[0] + (np.arange(nx) + 0.5) * vs
    cz = origin[2] + (np.arange(nz) + 0.5) * vs
    CX, CZ = np.meshgrid(cx, cz, indexing="ij")
    proc = house.get("proceduralParameters") or {}
    ceil_mat, ceil_tint = _surface_material(proc.get("ceilingMaterial"), (), "ceiling")
    ceil_tint = tuple(0.75 + 0.25 * t for t in ceil_tint)
    cls_floor, cls_wall, cls_ceiling = class_id("Floor"), class_id("Wall"), class_id("Ceiling")
    for r, (rid, poly) in enumerate(rooms.items()):
        room = house["rooms"][r]
        # only voxel columns within the room's bounding box can be inside it (the even-odd test
        # gives False for every point outside it, one voxel of slack for rounding): test that window
        i0 = max(0, int(np.searchsorted(cx, poly[:, 0].min())) - 1)
        i1 = min(nx, int(np.searchsorted(cx, poly[:, 0].max(), side="right")) + 1)
        k0 = max(0, int(np.searchsorted(cz, poly[:, 1].min())) - 1)
        k1 = min(nz, int(np.searchsorted(cz, poly[:, 1].max(), side="right")) + 1)
        inside = _inside_polygon(CX[i0:i1, k0:k1], CZ[i0:i1, k0:k1], poly)
        fmat, ftint = _surface_material(room.get("floorMaterial"), _FLOOR_KEYWORDS, "floor_wood")
        grid[i0:i1, floor_layer, k0:k1][inside] = parts.add(fmat, cls_floor, str(rid), ftint)
        grid[i0:i1, ceil_layer, k0:k1][inside] = parts.add(ceil_mat, cls_ceiling, f"ceiling|{rid}", ceil_tint)

    # walls: one voxel layer on the side the wall faces
    wall_voxels: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, int]] = {}
    for wid, (wall, pts, y0, y1) in walls.items():
        p0, p1 = pts[0], pts[1]
        seg = p1 - p0
        length = float(np.hypot(*seg))
        if length < 1e-6:
            continue
        along = seg / length
        normal = np.array([-along[1], along[0]])
        mid = (p0 + p1) / 2
        room_poly = rooms.get(wall.get("roomId"))
        probe = mid + 0.1 * normal
        in_room = room_poly is not None and point_in_polygon(float(probe[0]), float(probe[1]), room_poly.tolist())
        if "exterior" in str(wid):
            side = -1.0 if in_room else 1.0
        else:
            side = 1.0 if in_room else -1.0
        bx0 = max(0, int(np.floor((min(p0[0], p1[0]) - vs - origin[0]) / vs)))
        bx1 = min(nx, int(np.ceil((max(p0[0], p1[0]) + vs - origin[0]) / vs)) + 1)
        bz0 = max(0, int(np.floor((min(p0[1], p1[1]) - vs - origin[2]) / vs)))
        bz1 = min(nz, int(np.ceil((max(p0[1], p1[1]) + vs - origin[2]) / vs)) + 1)
        sx, sz = CX[bx0:bx1, bz0:bz1] - p0[0], CZ[bx0:bx1, bz0:bz1] - p0[1]
        s_along = sx * along[0] + sz * along[1]
        s_normal = (sx * normal[0] + sz * normal[1]) * side
        mask = (s_along >= 0) & (s_along <= length) & (s_normal > 0) & (s_normal <= vs)
        ii, kk = np.nonzero(mask)
        ii, kk = ii + bx0, kk + bz0
        j0 = max(brick, int(round(y0 / vs)) + brick)
        j1 = min(ceil_layer, int(round(y1 / vs)) + brick)
        wmat, wtint = _surface_material(wall.get("material"), _WALL_KEYWORDS, "wall_paint")
        part = parts.add(wmat, cls_wall, str(wid), wtint)
        grid[ii[:, None], np.arange(j0, j1)[None, :], kk[:, None]] = part
        wall_voxels[str(wid)] = (ii, kk, s_along[mask], part)

    def cut(hole_owner: Mapping[str, Any], fill_part: int, trim_part: int) -> None:
        hole = hole_owner.get("holePolygon")
        if not isinstance(hole, list) or len(hole) < 2:
            raise HouseSceneError(f"{hole_owner.get('id')!r}: 'holePolygon' must hold two points")
        hx0, hx1 = sorted(float(p["x"]) for p in hole[:2])
        hy0, hy1 = sorted(float(p["y"]) for p in hole[:2])
        for key in ("wall0", "wall1"):
            wid = hole_owner.get(key)
            if wid is None:
                continue
            if str(wid) not in wall_voxels:
                if str(wid) in walls:
                    continue
                raise HouseSceneError(f"{hole_owner.get('id')!r}: {key}={wid!r} names no wall of the house")
            ii, kk, s_along, _part = wall_voxels[str(wid)]
            js = np.arange(brick, ceil_layer)
            ycent = (js - brick + 0.5) * vs
            in_x = (s_along >= hx0) & (s_along <= hx1)
            in_y = (ycent >= hy0) & (ycent <= hy1)
            sel = in_x[:, None] & in_y[None, :]
            a, j = np.nonzero(sel)
            grid[ii[a], js[j], kk[a]] = fill_part
            if trim_part:
                near_x = in_x & ((s_along < hx0 + 1.5 * vs) | (s_along > hx1 - 1.5 * vs))
                edge = (near_x[:, None] & in_y[None, :]) | (in_x[:, None] & (in_y & (ycent > hy1 - 1.5 * vs))[None, :])
                a, j = np.nonzero(edge)
                grid[ii[a], js[j], kk[a]] = trim_part

    glass, door_wood = material_id("glass"), material_id("door_wood")
    for window in house.get("windows") or []:
        cut(window, parts.add(glass, class_id("Window"), str(window.get("id"))), 0)
    for door in house.get("doors") or []:
        trim = parts.add(door_wood, class_id("Door"), str(door.get("id")))
        cut(door, 0, trim)

    # objects: catalog-sized boxes (furniture gets a simple shape)
    for obj in _walk_objects(house.get("objects")):
        asset_id = obj.get("assetId")
        try:
            info = get_asset(asset_id)
        except UnknownAssetError as e:
            raise HouseSceneError(f"object {obj.get('id')!r}: {e}") from None
        try:
            pos = np.array([float(obj["position"][k]) for k in "xyz"])
            yaw = float((obj.get("rotation") or {}).get("y", 0.0))
        except (KeyError, TypeError, ValueError):
            raise HouseSceneError(f"object {obj.get('id')!r}: 'position' must be {{x, y, z}} numbers") from None
        mat, tint = object_material(info.object_type, info.asset_id)
        part = parts.add(mat, class_id(info.object_type), str(obj.get("id", asset_id)), tint)
        _voxelise_object(grid, origin, vs, pos, np.asarray(info.size), yaw, info.object_type, part)

    # lights: a lamp patch under the ceiling and a soft light map over brick columns
    b = brick
    cdx, cdz = -(-nx // b), -(-nz // b)
    light = np.zeros((cdx, cdz), np.float32)
    lcx = origin[0] + (np.arange(cdx) + 0.5) * b * vs
    lcz = origin[2] + (np.arange(cdz) + 0.5) * b * vs
    LX, LZ = np.meshgrid(lcx, lcz, indexing="ij")
    lamp = material_id("lamp")
    for lt in proc.get("lights") or []:
        if lt.get("type") != "point":
            continue
        p = lt.get("position") or {}
        lx, lz = float(p.get("x", 0.0)), float(p.get("z", 0.0))
        rid = lt.get("roomId")
        poly = rooms.get(rid)
        same_room = _inside_polygon(LX, LZ, poly) if poly is not None else np.ones_like(LX, bool)
        d2 = (LX - lx) ** 2 + (LZ - lz) ** 2
        light += (0.45 * float(lt.get("intensity", 1.0)) / (1.0 + d2 / 6.0) * same_room).astype(np.float32)
        i0 = int((lx - 0.15 - origin[0]) / vs)
        k0 = int((lz - 0.15 - origin[2]) / vs)
        if 0 <= i0 < nx - 6 and 0 <= k0 < nz - 6:
            grid[i0:i0 + 6, ceil_layer - 1, k0:k0 + 6] = parts.add(lamp, class_id("Light"), str(lt.get("id")))

    ground = parts.add(material_id("ground_grass"), class_id("Ground"), "ground")
    style = SceneStyle(view_distance=view_distance, fog_start=view_distance * 0.7, ambient=0.42,
                       sun_strength=0.5, sun_direction=(0.35, 0.8, 0.45), ground_y=-0.5 * vs,
                       ground_part=ground)
    return VoxelScene.from_dense(grid, parts.table(), origin=origin, voxel_size=vs, brick=brick,
                                 style=style, light=light, class_names=house_classes(),
                                 instance_names=parts.instance_names)


def snap_voxel_size(points: np.ndarray, target: float) -> float:
    """A voxel size near ``target`` that puts every floor-plan coordinate on a voxel boundary.

    ProcTHOR plans sit on a grid (e.g. 2.74 m cells) that 5 cm does not divide; snapping the voxel
    size (2.74 / 55 = 4.98 cm) keeps walls, doors and floors exactly where the house dict says.
    Falls back to ``target`` when no size within 20% aligns every coordinate to 1 mm.
    """
    offsets = np.unique(np.round(np.abs(points - points.min(axis=0)).ravel(), 4))
    offsets = offsets[offsets > 1e-6]

    def error(v: float) -> float:
        return float(np.max(np.abs(offsets / v - np.round(offsets / v))) * v) if offsets.size else 0.0

    if error(target) < 1e-3:
        return float(target)
    big = float(offsets.max())
    candidates = [big / n for n in range(max(1, int(big / (target * 1.2))), int(big / (target * 0.8)) + 2)]
    good = [v for v in candidates if 0.8 * target <= v <= 1.2 * target and error(v) < 1e-3]
    return float(min(good, key=lambda v: abs(v - target))) if good else float(target)


_TABLES = {"DiningTable", "CoffeeTable", "SideTable", "Desk", "TVStand"}
_CHAIRS = {"Chair", "Stool"}
_SOFAS = {"Sofa", "ArmChair"}
_BEDS = {"Bed"}
_SHELVES = {"Shelf", "ShelvingUnit", "Bookcase"}


def _shape_code(object_type: str) -> int:
    from ._scene_kernels import BED, CHAIR, PLAIN, SHELF, SOFA, STOOL, TABLE

    if object_type in _TABLES:
        return TABLE
    if object_type in _CHAIRS:
        return STOOL if object_type == "Stool" else CHAIR
    if object_type in _SOFAS:  # seat, back along -z, two arms
        return SOFA
    if object_type in _BEDS:  # mattress on a base, headboard along -z
        return BED
    if object_type in _SHELVES:  # back, sides, top, bottom and shelves every ~35 cm
        return SHELF
    return PLAIN


def _voxelise_object(grid, origin, vs, centre, size, yaw_deg, object_type, part) -> None:
    """Fill the voxels whose centres fall inside the object's (shaped) rotated box (tables and chairs
    get legs, a top or a seat and back; see ``_scene_kernels.fill_object``)."""
    from ._scene_kernels import fill_object

    half = np.maximum(size / 2.0, 1e-3)
    rad = float(np.hypot(half[0], half[2]))
    a = np.radians(yaw_deg)
    c, s = float(np.cos(a)), float(np.sin(a))
    filled = fill_object(grid, float(origin[0]), float(origin[1]), float(origin[2]), float(vs), float(centre[0]),
                         float(centre[1]), float(centre[2]), float(half[0]), float(half[1]), float(half[2]), rad,
                         c, s, _shape_code(object_type), int(part))
    if filled == 0:  # smaller than a voxel: keep it visible as the voxel at its centre
        idx = np.floor((centre - origin) / vs).astype(int)
        if np.all(idx >= 0) and np.all(idx < grid.shape):
            grid[tuple(idx)] = part
