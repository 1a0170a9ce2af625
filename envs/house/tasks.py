"""The house world's tasks: what the goal is, when it is reached, and how far away it is.

A task is sampled on a :class:`~.world.HouseWorld` with the episode's RNG and then judged from the
world's state. Each task keeps a geodesic distance field (metres of walking to the goal from every
floor cell) so SPL, the shaped reward and the oracle all read one number. Fields that depend only on
the house and the goal *kind* (an ObjectNav type, a RoomNav room type) are cached per world, because
episodes are short and resets must be cheap.
"""

from __future__ import annotations

import functools
import math
import weakref
from dataclasses import dataclass, field

import numpy as np

from .navigation import _cell_centres, _near_rect, geodesic_distance
from .world import HouseWorld, ObjectState

#: ProcTHOR's 16 ObjectNav target types.
OBJECTNAV_TYPES: tuple[str, ...] = (
    "AlarmClock", "Apple", "BaseballBat", "BasketBall", "Bed", "Bowl", "Chair", "GarbageCan",
    "HousePlant", "Laptop", "Mug", "Sofa", "SprayBottle", "Television", "Toilet", "Vase",
)
ROOM_TYPES: tuple[str, ...] = ("Kitchen", "LivingRoom", "Bedroom", "Bathroom")
ROOM_WORDS = {"Kitchen": "kitchen", "LivingRoom": "living room", "Bedroom": "bedroom", "Bathroom": "bathroom"}

#: ObjectNav success: Done while a target is visible within this distance (m) of the camera.
OBJECTNAV_SUCCESS_DISTANCE = 1.0
POINTNAV_SUCCESS_DISTANCE = 0.2


class NoFeasibleGoalError(RuntimeError):
    """This house offers no reachable goal for the task (the env then moves on to another house)."""


class UnknownTargetError(ValueError):
    """A target type / room type the task does not know."""


@functools.lru_cache(maxsize=1024)
def words(object_type: str) -> str:
    """'GarbageCan' -> 'garbage can' (for language goals)."""
    out = []
    for i, ch in enumerate(object_type):
        if ch.isupper() and i and not object_type[i - 1].isupper():
            out.append(" ")
        out.append(ch.lower())
    return "".join(out)


def _floor_half_extents(obj: ObjectState) -> tuple[float, float]:
    """Half sizes along x and z of the axis-aligned box around the object rotated by its yaw."""
    th = math.radians(obj.rotation_y)
    c, s = abs(math.cos(th)), abs(math.sin(th))
    return (c * obj.size[0] + s * obj.size[2]) / 2, (s * obj.size[0] + c * obj.size[2]) / 2


def _nearest_point_distance(camera: np.ndarray, obj: ObjectState) -> float:
    """Distance from the camera to the nearest point of the object's (rotated-to-axis) bounding box."""
    hx, hz = _floor_half_extents(obj)
    half = np.array([hx, obj.size[1] / 2, hz])
    d = np.maximum(np.abs(camera - obj.position) - half, 0.0)
    return float(np.linalg.norm(d))


def within_reach(world: HouseWorld, obj: ObjectState, distance: float) -> bool:
    """In the current frame and within ``distance`` of the camera (ObjectNav's success test)."""
    return (
        not obj.is_picked_up
        and obj.object_id in world.visible_instances
        and _nearest_point_distance(world.camera_position, obj) <= distance
    )


def _reach_sources(world: HouseWorld, objects: list[ObjectState], distance: float) -> np.ndarray:
    """Floor cells from which the camera is within ``distance`` of at least one of ``objects``."""
    fm = world.floor
    out = np.zeros(fm.shape, bool)
    xs, zs = _cell_centres(fm.origin, fm.cell, fm.shape)
    cam_h = world.agent_config.camera_height
    for obj in objects:
        lo, hi = obj.position[1] - obj.size[1] / 2, obj.position[1] + obj.size[1] / 2
        if obj.parent_receptacle is not None and lo > cam_h:
            continue  # resting on a surface above the eye (the top of a fridge): hidden by its edge
        dy = max(lo - cam_h, cam_h - hi, 0.0)
        if dy >= distance:
            continue
        horizontal = math.sqrt(distance * distance - dy * dy)
        hx, hz = _floor_half_extents(obj)
        x, z = obj.position[0], obj.position[2]
        near = np.zeros(fm.shape, bool)
        _near_rect(xs, zs, (x - hx, z - hz, x + hx, z + hz), horizontal, near)
        # Seen from its own room: a cell behind a wall is near but shows only the wall.
        room = fm.room_at(x, z)
        if room is not None and fm.room_index is not None:
            near &= fm.room_index == fm.room_ids.index(room)
        out |= near
    return out


@dataclass
class Goal:
    """One episode's goal, as the observation and info show it."""

    text: str
    goal_id: int
    distance_field: np.ndarray  # geodesic metres from each floor cell to the goal region
    target_ids: tuple[str, ...] = ()
    point: tuple[float, float] | None = None  # PointNav's goal (x, z)
    room_type: str | None = None
    extra: dict = field(default_factory=dict)


class HouseTask:
    """Base class: subclasses sample a goal and judge success."""

    name: str = ""
    max_steps: int = 500
    goal_ids: tuple[str, ...] = ()  # what obs["goal_id"] indexes

    def __init__(self) -> None:
        # floor model -> {goal kind: field}; weak keys drop a house's fields when no world uses it.
        self._field_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def sample(self, world: HouseWorld, rng: np.random.Generator) -> Goal:
        raise NotImplementedError

    def success(self, world: HouseWorld, goal: Goal) -> bool:
        raise NotImplementedError

    def geodesic(self, world: HouseWorld, goal: Goal, x: float, z: float) -> float:
        i, j = world.floor.to_cell(x, z)
        f = goal.distance_field
        if not (0 <= i < f.shape[0] and 0 <= j < f.shape[1]):
            return math.inf
        return float(f[i, j])

    def _cached_field(self, world: HouseWorld, key: object, make) -> np.ndarray:
        """A goal field that depends only on the house as generated (not on the episode)."""
        fields = self._field_cache.setdefault(world.floor, {})
        if key not in fields:
            fields[key] = make()
        return fields[key]

    @staticmethod
    def start_cells(world: HouseWorld, distance_field: np.ndarray, min_distance: float = 1.0) -> np.ndarray:
        """Flat indices of free cells from which the goal is reachable but not already reached."""
        ok = np.isfinite(distance_field) & ~world.blocked & (distance_field >= min_distance)
        return np.flatnonzero(ok.ravel())


def _known_types(given, accepted: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``given`` as a tuple (all of ``accepted`` when empty), or UnknownTargetError naming the strays."""
    types = tuple(given) if given else accepted
    bad = [t for t in types if t not in accepted]
    if bad:
        raise UnknownTargetError(f"unknown {what} {bad}; accepted: {', '.join(accepted)}")
    return types


class ObjectNavTask(HouseTask):
    """Find an object of a target type; success = Done while one is visible within 1 m."""

    name = "ObjectNav"
    goal_ids = OBJECTNAV_TYPES

    def __init__(self, target_types: tuple[str, ...] | None = None, success_distance: float = OBJECTNAV_SUCCESS_DISTANCE):
        super().__init__()
        self.target_types = _known_types(target_types, OBJECTNAV_TYPES, "ObjectNav target types")
        self.success_distance = success_distance

    def _sources(self, world: HouseWorld, object_type: str) -> np.ndarray:
        """Free cells from which an object of the type is within reach (the field's zero set)."""
        def make() -> np.ndarray:
            objs = [o for o in world.objects if o.object_type == object_type and not o.is_picked_up]
            return _reach_sources(world, objs, self.success_distance) & ~world.blocked

        return self._cached_field(world, ("objnav-sources", object_type), make)

    def _field(self, world: HouseWorld, object_type: str) -> np.ndarray:
        def make() -> np.ndarray:
            return geodesic_distance(world.blocked, self._sources(world, object_type), world.floor.cell)

        return self._cached_field(world, ("objnav", object_type), make)

    def feasible_types(self, world: HouseWorld) -> list[str]:
        present = {o.object_type for o in world.objects}
        return [t for t in self.target_types if t in present and self._reachable(world, t)]

    def _reachable(self, world: HouseWorld, object_type: str) -> bool:
        """Whether some object of the type can be reached: its field is finite somewhere exactly when
        it has a free source cell, so a reset (which asks for all 16 types) runs no Dijkstra; the
        field itself is computed when an episode samples the type."""
        fields = self._field_cache.setdefault(world.floor, {})
        key = ("objnav-reachable", object_type)
        if key not in fields:
            fields[key] = bool(self._sources(world, object_type).any())
        return fields[key]

    def sample(self, world: HouseWorld, rng: np.random.Generator) -> Goal:
        types = self._cached_field(world, ("objnav-feasible",), lambda: self.feasible_types(world))
        if not types:
            raise NoFeasibleGoalError(f"no reachable object of types {self.target_types} in this house")
        t = types[int(rng.integers(len(types)))]
        ids = self._cached_field(world, ("objnav-ids", t),
                                 lambda: tuple(o.object_id for o in world.objects if o.object_type == t))
        return Goal(text=f"find a {words(t)}", goal_id=OBJECTNAV_TYPES.index(t), distance_field=self._field(world, t),
                    target_ids=ids)

    def success(self, world: HouseWorld, goal: Goal) -> bool:
        return any(within_reach(world, world.by_id[i], self.success_distance) for i in goal.target_ids)


class PointNavTask(HouseTask):
    """Walk to a point given relative to the agent; success = Done within 0.2 m of it."""

    name = "PointNav"
    goal_ids = ("point",)

    def __init__(self, min_geodesic: float = 1.0, success_distance: float = POINTNAV_SUCCESS_DISTANCE):
        super().__init__()
        self.min_geodesic = min_geodesic
        self.success_distance = success_distance

    def sample(self, world: HouseWorld, rng: np.random.Generator) -> Goal:
        free = np.flatnonzero(~world.blocked.ravel())
        if free.size == 0:
            raise NoFeasibleGoalError("the house has no free floor")
        k = int(free[rng.integers(free.size)])
        i, j = divmod(k, world.blocked.shape[1])
        gx, gz = world.floor.cell_centre(i, j)
        src = np.zeros(world.blocked.shape, bool)
        xs, zs = _cell_centres(world.floor.origin, world.floor.cell, world.floor.shape)
        _near_rect(xs, zs, (gx, gz, gx, gz), self.success_distance, src)
        dist = geodesic_distance(world.blocked, src, world.floor.cell)
        return Goal(text="go to the goal point", goal_id=0, distance_field=dist, point=(gx, gz))

    def success(self, world: HouseWorld, goal: Goal) -> bool:
        gx, gz = goal.point  # type: ignore[misc]
        return math.hypot(world.agent.x - gx, world.agent.z - gz) <= self.success_distance

    @staticmethod
    def relative_goal(world: HouseWorld, goal: Goal) -> np.ndarray:
        """(distance m, bearing rad) of the goal in the agent's frame; bearing > 0 is to the right."""
        gx, gz = goal.point  # type: ignore[misc]
        dx, dz = gx - world.agent.x, gz - world.agent.z
        bearing = math.atan2(dx, dz) - math.radians(world.agent.rotation)
        bearing = (bearing + math.pi) % (2 * math.pi) - math.pi
        return np.array([math.hypot(dx, dz), bearing], np.float32)


class RoomNavTask(HouseTask):
    """Go to a room of a given type ("go to the kitchen"); success = Done inside one.

    ``room_types``: the types a goal is drawn from (default: all of ``ROOM_TYPES``), e.g. ``("Kitchen",)``
    for a kitchen-only task; a house with none of them is passed over, as one without a second room
    type always is (the env draws another house)."""

    name = "RoomNav"
    goal_ids = ROOM_TYPES

    def __init__(self, room_types: tuple[str, ...] | None = None):
        super().__init__()
        self.room_types = _known_types(room_types, ROOM_TYPES, "RoomNav room types")

    def _rooms(self, world: HouseWorld, room_type: str) -> list[str]:
        return [r["id"] for r in world.house.get("rooms", []) if r.get("roomType") == room_type]

    def _field(self, world: HouseWorld, room_type: str) -> np.ndarray:
        def make() -> np.ndarray:
            ids = self._rooms(world, room_type)
            idx = [world.floor.room_ids.index(r) for r in ids if r in world.floor.room_ids]
            src = np.isin(world.floor.room_index, idx)
            return geodesic_distance(world.blocked, src, world.floor.cell)

        return self._cached_field(world, ("room", room_type), make)

    def sample(self, world: HouseWorld, rng: np.random.Generator) -> Goal:
        present = [t for t in ROOM_TYPES if self._rooms(world, t)]
        if len(present) < 2:
            raise NoFeasibleGoalError("RoomNav needs a house with at least two room types")
        types = [t for t in present if t in self.room_types]
        if not types:
            raise NoFeasibleGoalError(f"no room of types {self.room_types} in this house")
        t = types[int(rng.integers(len(types)))]
        return Goal(text=f"go to the {ROOM_WORDS[t]}", goal_id=ROOM_TYPES.index(t), distance_field=self._field(world, t),
                    room_type=t)

    def success(self, world: HouseWorld, goal: Goal) -> bool:
        room = world.floor.room_at(world.agent.x, world.agent.z)
        return room is not None and room in self._rooms(world, goal.room_type)  # type: ignore[arg-type]


class InstructionTask(HouseTask):
    """Templated language goals naming one object instance, its receptacle and its room:
    "find the mug on the counter top in the kitchen". Success = Done while that object is visible
    within 1 m."""

    name = "Instruction"

    TEMPLATES = (
        "find the {obj}{on}{room}",
        "go to the {obj}{on}{room}",
        "look for the {obj}{on}{room}",
        "navigate to the {obj}{on}{room}",
    )

    def __init__(self, success_distance: float = OBJECTNAV_SUCCESS_DISTANCE):
        super().__init__()
        self.success_distance = success_distance
        from embodied_gym.procgen.catalog.assets import object_types

        self.goal_ids = object_types()

    def sample(self, world: HouseWorld, rng: np.random.Generator) -> Goal:
        candidates = [o for o in world.objects if not o.is_door and o.object_type in self.goal_ids]
        order = rng.permutation(len(candidates))
        for k in order.tolist()[:16]:
            obj = candidates[k]
            src = _reach_sources(world, [obj], self.success_distance)
            dist = geodesic_distance(world.blocked, src, world.floor.cell)
            if not np.isfinite(dist).any():
                continue
            room = world.floor.room_at(obj.position[0], obj.position[2])
            room_type = next((r.get("roomType") for r in world.house.get("rooms", []) if r["id"] == room), None)
            on = ""
            if obj.parent_receptacle:
                on = f" on the {words(world.by_id[obj.parent_receptacle].object_type)}"
            room_txt = f" in the {ROOM_WORDS.get(room_type, 'house')}" if room_type else ""
            template = self.TEMPLATES[int(rng.integers(len(self.TEMPLATES)))]
            text = template.format(obj=words(obj.object_type), on=on, room=room_txt)
            return Goal(text=text, goal_id=self.goal_ids.index(obj.object_type), distance_field=dist,
                        target_ids=(obj.object_id,))
        raise NoFeasibleGoalError("no reachable object to describe in this house")

    def success(self, world: HouseWorld, goal: Goal) -> bool:
        return within_reach(world, world.by_id[goal.target_ids[0]], self.success_distance)


class RearrangeTask(HouseTask):
    """Put 1-5 displaced objects back on the receptacles they belong on.

    At reset, ``n`` pickupable objects are moved to other receptacles; the goal state is the house as
    generated. An object counts as fixed when it rests (not held) on its original receptacle.
    ``info["percent_fixed"]`` reports progress; success = Done with every object fixed.
    """

    name = "Rearrange"
    max_steps = 500
    goal_ids = ("1", "2", "3", "4", "5")

    def __init__(self, min_objects: int = 1, max_objects: int = 5):
        super().__init__()
        if not (1 <= min_objects <= max_objects <= 5):
            raise ValueError(f"Rearrange needs 1 <= min_objects <= max_objects <= 5, got {min_objects}, {max_objects}")
        self.min_objects, self.max_objects = min_objects, max_objects

    def sample(self, world: HouseWorld, rng: np.random.Generator) -> Goal:
        movable = [o for o in world.objects if o.pickupable and o.parent_receptacle is not None]
        receptacles = [o for o in world.objects if o.receptacle and not o.openable and not o.is_door]
        if not movable or len(receptacles) < 2:
            raise NoFeasibleGoalError("Rearrange needs pickupable objects on receptacles")
        n = int(rng.integers(self.min_objects, min(self.max_objects, len(movable)) + 1))
        chosen = [movable[k] for k in rng.choice(len(movable), size=n, replace=False).tolist()]
        targets = {}
        for obj in chosen:
            others = [r for r in receptacles if r.object_id != obj.parent_receptacle]
            dest = others[int(rng.integers(len(others)))]
            targets[obj.object_id] = obj.parent_receptacle
            top = dest.position[1] + dest.size[1] / 2
            obj.position = np.array([dest.position[0], top + obj.size[1] / 2, dest.position[2]])
            obj.parent_receptacle = dest.object_id
        world.version += 1  # the objects moved: the renderer's cached entity rows are stale
        homes = [world.by_id[h] for h in targets.values()]
        src = _reach_sources(world, homes, world.agent_config.visibility_distance)
        dist = geodesic_distance(world.blocked, src, world.floor.cell)
        text = "; ".join(f"put the {words(world.by_id[o].object_type)} back on the {words(world.by_id[h].object_type)}"
                         for o, h in targets.items())
        return Goal(text=text, goal_id=n - 1, distance_field=dist, target_ids=tuple(targets),
                    extra={"homes": targets})

    def percent_fixed(self, world: HouseWorld, goal: Goal) -> float:
        homes = goal.extra["homes"]
        fixed = sum(1 for o, h in homes.items()
                    if world.by_id[o].parent_receptacle == h and not world.by_id[o].is_picked_up)
        return fixed / len(homes)

    def success(self, world: HouseWorld, goal: Goal) -> bool:
        return self.percent_fixed(world, goal) == 1.0


TASKS: dict[str, type[HouseTask]] = {
    "ObjectNav": ObjectNavTask,
    "PointNav": PointNavTask,
    "RoomNav": RoomNavTask,
    "Instruction": InstructionTask,
    "Rearrange": RearrangeTask,
}
