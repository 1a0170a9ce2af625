"""A house as the renderer sees it: static voxels plus the objects that can move, as entity boxes.

Everything that never moves (rooms, walls, furniture) is voxelised once per house by
:func:`.scene.house_scene`. Objects that actions move — pickupable objects, and the panels of
openable doors — are left out of the voxels and drawn as entity boxes from the world's current
state every frame, so picking up, putting down or closing a door needs no voxel edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from embodied_gym.procgen.catalog.assets import get_asset

from ..render.materials import material_id
from ..render.types import EntityBatch, VoxelScene
from .scene import class_id, house_scene, object_material

DOOR_THICKNESS = 0.05


def _strip_movable(objects: list[dict], movable: list[dict]) -> list[dict]:
    kept = []
    for obj in objects or []:
        if get_asset(obj["assetId"]).pickupable:
            movable.append(obj)
            movable.extend(_all_children(obj))
            continue
        children = obj.get("children")
        if children:
            obj = {**obj, "children": _strip_movable(children, movable)}
        kept.append(obj)
    return kept


def _all_children(obj: dict) -> list[dict]:
    out = []
    for c in obj.get("children") or []:
        out.append(c)
        out.extend(_all_children(c))
    return out


@dataclass
class HouseRenderScene:
    """Static voxels of one house plus the table of its movable entities."""

    voxels: VoxelScene
    instance_names: tuple[str, ...]
    movable_ids: tuple[str, ...]
    movable_instance: np.ndarray  # (m,) int32
    movable_class: np.ndarray
    movable_material: np.ndarray
    movable_tint: np.ndarray  # (m, 3)
    door_ids: tuple[str, ...]
    door_boxes: np.ndarray  # (d, 7) closed-door panel boxes
    door_instance: np.ndarray
    #: (house dict, rows) of a world whose objects are as the house has them (see entity_rows)
    _pristine: tuple | None = field(default=None, repr=False, compare=False)

    def entity_rows(self, world) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(box, material, class, instance, tint) rows for the world's current state (cached on the
        world until an interaction or a reset bumps ``world.version``: most steps move nothing).

        The rows of a world whose objects are as its house dict has them (every reset of a navigation
        task) are built once per scene and shared, the same arrays each time, so that a batch of
        worlds sees nothing changed and keeps its packed entities."""
        cached = getattr(world, "_entity_rows", None)
        if cached is not None and cached[0] is self and cached[1] == world.version:
            return cached[2]
        if world.objects_pristine():
            if self._pristine is None or self._pristine[0] is not world.house:
                self._pristine = (world.house, self._entity_rows(world))
            rows = self._pristine[1]
        else:
            rows = self._entity_rows(world)
        world._entity_rows = (self, world.version, rows)
        return rows

    def _entity_rows(self, world) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        boxes, keep = [], []
        for k, oid in enumerate(self.movable_ids):
            o = world.by_id[oid]
            if o.is_picked_up:
                continue
            h = np.maximum(np.asarray(o.size) / 2.0, 0.01)
            boxes.append([o.position[0], o.position[1], o.position[2], h[0], h[1], h[2], o.rotation_y])
            keep.append(k)
        keep_a = np.asarray(keep, np.int64)
        box = np.asarray(boxes, np.float32).reshape(-1, 7)
        mat, cls, inst, tint = (self.movable_material[keep_a], self.movable_class[keep_a],
                                self.movable_instance[keep_a], self.movable_tint[keep_a])
        closed = [d for d, did in enumerate(self.door_ids) if not world.by_id[did].is_open]
        if closed:
            box = np.concatenate([box, self.door_boxes[closed]])
            n = len(closed)
            mat = np.concatenate([mat, np.full(n, material_id("door_wood"), np.int32)])
            cls = np.concatenate([cls, np.full(n, class_id("Door"), np.int32)])
            inst = np.concatenate([inst, self.door_instance[closed]])
            tint = np.concatenate([tint, np.ones((n, 3), np.float32)])
        return box, mat, cls, inst, tint


def build_render_scene(house: dict) -> HouseRenderScene:
    """Voxelise the static house and list its movable objects and door panels."""
    movable: list[dict] = []
    static_house = {**house, "objects": _strip_movable(house.get("objects", []), movable)}
    voxels = house_scene(static_house)
    names = list(voxels.instance_names)
    ids, inst, cls, mats, tints = [], [], [], [], []
    for obj in movable:
        info = get_asset(obj["assetId"])
        mat, tint = object_material(info.object_type, info.asset_id)
        ids.append(obj["id"])
        inst.append(len(names))
        names.append(obj["id"])
        cls.append(class_id(info.object_type))
        mats.append(mat)
        tints.append(tint)
    from embodied_gym.procgen.house.geometry import door_openings

    door_ids, door_boxes, door_inst = [], [], []
    openable = {d["id"] for d in house.get("doors", []) if d.get("openable", False)}
    for op in door_openings(house):
        if op.opening_id not in openable:
            continue
        (ax, az), (bx, bz) = op.a, op.b
        yaw = float(np.degrees(np.arctan2(bx - ax, bz - az))) - 90.0
        door_ids.append(op.opening_id)
        door_boxes.append([(ax + bx) / 2, (op.y0 + op.y1) / 2, (az + bz) / 2, op.width / 2, (op.y1 - op.y0) / 2,
                           DOOR_THICKNESS / 2, yaw])
        if op.opening_id in names:
            door_inst.append(names.index(op.opening_id))
        else:
            door_inst.append(len(names))
            names.append(op.opening_id)
    return HouseRenderScene(
        voxels=voxels,
        instance_names=tuple(names),
        movable_ids=tuple(ids),
        movable_instance=np.asarray(inst, np.int32),
        movable_class=np.asarray(cls, np.int32),
        movable_material=np.asarray(mats, np.int32),
        movable_tint=np.asarray(tints, np.float32).reshape(-1, 3),
        door_ids=tuple(door_ids),
        door_boxes=np.asarray(door_boxes, np.float32).reshape(-1, 7),
        door_instance=np.asarray(door_inst, np.int32),
    )


def entity_batch(scenes: Sequence[HouseRenderScene], worlds: Sequence) -> EntityBatch:
    """One EntityBatch for scene i = world i's movable objects, in one renderer call."""
    return _batch_of([s.entity_rows(w) for s, w in zip(scenes, worlds, strict=True)])


class EntityBatchCache:
    """The EntityBatch of a fixed set of envs, rebuilt only when some world's entity rows changed
    (a pick-up, a door, a reset): on a navigation step nothing moves, and the concatenation and
    packing cost about as much as a quarter of a 64x64 frame."""

    def __init__(self) -> None:
        self._rows: list | None = None
        self._batch: EntityBatch | None = None

    def batch(self, scenes: Sequence[HouseRenderScene], worlds: Sequence) -> EntityBatch:
        rows = [s.entity_rows(w) for s, w in zip(scenes, worlds, strict=True)]
        if self._batch is None or self._rows is None or len(self._rows) != len(rows) \
                or any(a is not b for a, b in zip(self._rows, rows, strict=True)):
            self._rows, self._batch = rows, _batch_of(rows)
        return self._batch


def _batch_of(rows: list) -> EntityBatch:
    counts = [r[0].shape[0] for r in rows]
    offsets = np.zeros(len(rows) + 1, np.int64)
    offsets[1:] = np.cumsum(counts)
    return EntityBatch(
        box=np.ascontiguousarray(np.concatenate([r[0] for r in rows]), np.float32),
        material=np.ascontiguousarray(np.concatenate([r[1] for r in rows]), np.int32),
        class_id=np.ascontiguousarray(np.concatenate([r[2] for r in rows]), np.int32),
        instance_id=np.ascontiguousarray(np.concatenate([r[3] for r in rows]), np.int32),
        tint=np.ascontiguousarray(np.concatenate([r[4] for r in rows]), np.float32),
        offsets=offsets,
    )
