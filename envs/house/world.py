"""HouseWorld: an AI2-THOR-like agent in any house dict, without Unity.

The world owns the state that actions change — the agent's pose and every object's position and
open/on/held state — and answers what AI2-THOR's ``event.metadata`` answers. It never renders:
the env renders all its worlds in one batched renderer call and hands each world the instance mask
of its frame (:meth:`HouseWorld.observe_instances`), from which visibility is read. Interaction
actions act on what the *current* frame shows, as in AI2-THOR where an objectId must be visible.

Actions keep AI2-THOR's names and defaults (MoveAhead 0.25 m, RotateLeft 30 deg, LookDown 30 deg,
horizon clamped to [-30, 60] deg, interaction within 1.5 m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from embodied_gym.procgen.catalog.assets import get_asset
from embodied_gym.procgen.house.geometry import Opening, door_openings

from .navigation import FloorModel, build_floor_model

NAVIGATION_ACTIONS: tuple[str, ...] = (
    "MoveAhead",
    "MoveBack",
    "MoveLeft",
    "MoveRight",
    "RotateLeft",
    "RotateRight",
    "LookUp",
    "LookDown",
    "Done",
)
INTERACTION_ACTIONS: tuple[str, ...] = (
    "PickupObject",
    "PutObject",
    "OpenObject",
    "CloseObject",
    "ToggleObjectOn",
    "ToggleObjectOff",
)
ALL_ACTIONS: tuple[str, ...] = NAVIGATION_ACTIONS + INTERACTION_ACTIONS
_ACTION_SET = frozenset(ALL_ACTIONS)
#: heading of each move relative to the agent's yaw (degrees)
_MOVE_HEADINGS = {"MoveAhead": 0.0, "MoveRight": 90.0, "MoveBack": 180.0, "MoveLeft": 270.0}


class InvalidActionError(ValueError):
    """An action name or argument the world does not accept."""


@dataclass(frozen=True)
class AgentConfig:
    """The agent body and camera. Defaults are AI2-THOR's ``agentMode="default"``."""

    radius: float = 0.2
    camera_height: float = 1.5
    body_centre_height: float = 0.9  # AI2-THOR reports distances from the agent's centre point
    grid_size: float = 0.25
    rotate_step_degrees: float = 30.0
    horizon_step_degrees: float = 30.0
    min_horizon: float = -30.0
    max_horizon: float = 60.0
    visibility_distance: float = 1.5
    field_of_view: float = 90.0

    @classmethod
    def locobot(cls) -> AgentConfig:
        """AI2-THOR's LoCoBot profile: a low camera (0.88 m) on a slimmer base."""
        return cls(camera_height=0.88, body_centre_height=0.45, radius=0.2)

    def validate(self) -> None:
        for name in ("radius", "camera_height", "grid_size", "rotate_step_degrees", "horizon_step_degrees",
                     "visibility_distance"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"AgentConfig.{name} must be a positive number, got {v!r}")
        if not (0 < self.field_of_view < 180):
            raise ValueError(f"AgentConfig.field_of_view must be in (0, 180) degrees, got {self.field_of_view}")
        if self.min_horizon > self.max_horizon:
            raise ValueError("AgentConfig.min_horizon must not exceed max_horizon")


@dataclass
class ObjectState:
    """One object (top-level or a child) with AI2-THOR's properties and its mutable state."""

    object_id: str
    object_type: str
    asset_id: str
    position: np.ndarray  # (3,) x, y, z of the bounding-box centre
    rotation_y: float
    size: tuple[float, float, float]
    pickupable: bool
    receptacle: bool
    openable: bool
    toggleable: bool
    is_open: bool = False
    is_toggled: bool = False
    is_picked_up: bool = False
    parent_receptacle: str | None = None
    is_door: bool = False

    def __setattr__(self, name: str, value) -> None:
        # Tells the world that owns this object that its objects differ from the house as loaded, so
        # that its next reset copies them afresh (a reset of an untouched world keeps them).
        object.__setattr__(self, name, value)
        touched = self.__dict__.get("_touched")
        if touched is not None:
            touched[0] = True

    def copy(self, position: np.ndarray | None = None, touched: list | None = None) -> ObjectState:
        """A copy with its own position array (``position``, if given, receives the values and becomes
        it); ``touched`` is the owner's flag set by any later attribute assignment.
        ``dataclasses.replace`` re-runs ``__init__`` and costs several times more."""
        fresh = object.__new__(ObjectState)
        d = fresh.__dict__
        d.update(self.__dict__)
        if position is None:
            position = self.position.copy()
        else:
            position[:] = self.position
        d["position"] = position
        d["_touched"] = touched
        return fresh


@dataclass
class AgentState:
    x: float
    z: float
    rotation: float  # yaw in degrees, 0 = +z, 90 = +x (Unity)
    horizon: float  # pitch in degrees, positive looks down


def _flatten_objects(objects: list[dict], parent: str | None, out: list[ObjectState]) -> None:
    for obj in objects:
        info = get_asset(obj["assetId"])
        p = obj["position"]
        out.append(
            ObjectState(
                object_id=obj["id"],
                object_type=info.object_type,
                asset_id=obj["assetId"],
                position=np.array([p["x"], p["y"], p["z"]], np.float64),
                rotation_y=float(obj.get("rotation", {}).get("y", 0.0)),
                size=info.size,
                pickupable=info.pickupable,
                receptacle=info.receptacle,
                openable=info.openable,
                toggleable=info.toggleable,
                is_open=bool(obj.get("isOpen", False)),
                is_toggled=bool(obj.get("isOn", False)),
                parent_receptacle=parent,
            )
        )
        _flatten_objects(obj.get("children", []) or [], obj["id"], out)


class HouseWorld:
    """One house, one agent. Cheap to reset; the floor model is built once per house."""

    def __init__(self, house: dict, agent: AgentConfig | None = None, floor: FloorModel | None = None):
        self.house = house
        self.agent_config = agent or AgentConfig()
        self.agent_config.validate()
        if floor is not None and floor.radius != self.agent_config.radius:
            raise ValueError(f"floor model was built for radius {floor.radius}, the agent has {self.agent_config.radius}")
        # The floor model is static and may be shared by every world of the same house (vector envs).
        self.floor: FloorModel = floor or build_floor_model(house, radius=self.agent_config.radius)
        self._initial_objects: list[ObjectState] = []
        _flatten_objects(house.get("objects", []), None, self._initial_objects)
        openings = {o.opening_id: o for o in door_openings(house)}
        for door in house.get("doors", []):
            if door.get("openable", False) and door["id"] in openings:
                self._initial_objects.append(self._door_state(door, openings[door["id"]]))
        start = house.get("metadata", {}).get("agent", {})
        pos = start.get("position", {"x": 0.0, "z": 0.0})
        self.start_pose = AgentState(
            float(pos["x"]), float(pos["z"]), float(start.get("rotation", {}).get("y", 0.0)),
            float(start.get("horizon", 0.0)),
        )
        #: bumped by every reset and interaction that changes the objects (the renderer caches its
        #: entity rows by it, see ``render_scene.HouseRenderScene.entity_rows``)
        self.version = 0
        self._initial_blocked: np.ndarray | None = None
        self._initial_position_bytes = np.array([o.position for o in self._initial_objects],
                                                np.float64).reshape(-1, 3).tobytes()
        self._copy_initial_objects()
        self.reset()

    @staticmethod
    def _door_state(door: dict, opening: Opening) -> ObjectState:
        """An openable door as an object placed at its hole, so distance and visibility need no special case."""
        (ax, az), (bx, bz) = opening.a, opening.b
        return ObjectState(
            object_id=door["id"], object_type="Doorway", asset_id=door.get("assetId", ""),
            position=np.array([(ax + bx) / 2, (opening.y0 + opening.y1) / 2, (az + bz) / 2]), rotation_y=0.0,
            size=(opening.width, opening.y1 - opening.y0, 0.1), pickupable=False,
            receptacle=False, openable=True, toggleable=False,
            is_open=float(door.get("openness", 0.0)) > 0.5, is_door=True,
        )

    # ------------------------------------------------------------------ state
    def reset(self, pose: AgentState | None = None) -> None:
        """Put every object back where the house dict has it and the agent at ``pose`` (or the start).

        Most episodes of a navigation task change no object, so an untouched world keeps its object
        states (and their ``blocked`` raster) instead of copying ~50 of them per episode: untouched
        means no attribute of any of them was assigned and no position written in place since the
        last reset. (An ``ObjectState`` held from an earlier episode may therefore still be live.)
        """
        if not self.objects_pristine():
            self._copy_initial_objects()
        self.version += 1
        p = pose or self.start_pose
        self.agent = AgentState(p.x, p.z, p.rotation, p.horizon)
        self.held: str | None = None
        self.last_action = ""
        self.last_action_success = True
        self.error_message = ""
        self._frame: tuple[np.ndarray, tuple[str, ...]] | None = None
        self._visible_cache: frozenset[str] | None = frozenset()
        self._centre_cache: tuple[str, ...] | None = ()
        if not self.floor.is_free(self.blocked, self.agent.x, self.agent.z):
            raise ValueError(
                f"agent start ({self.agent.x:.2f}, {self.agent.z:.2f}) collides with the house; "
                "metadata.agent.position must be a free floor point"
            )

    def objects_pristine(self) -> bool:
        """True while every object is as the house dict has it (nothing assigned or moved since the
        objects were last copied from it)."""
        return not self._touched[0] and self._positions.tobytes() == self._initial_position_bytes

    def _copy_initial_objects(self) -> None:
        """Fresh object states as the house dict has them, positions as rows of one array (so that a
        reset can tell in one comparison whether any was written in place)."""
        touched = [False]
        self._touched = touched
        self._positions = np.empty((len(self._initial_objects), 3), np.float64)
        self.objects = [o.copy(self._positions[k], touched) for k, o in enumerate(self._initial_objects)]
        self.by_id = {o.object_id: o for o in self.objects}
        if self._initial_blocked is None:
            self._refresh_blocked()
            self.blocked.setflags(write=False)  # shared by every episode: never edited in place
            self._initial_blocked = self.blocked
        self.blocked = self._initial_blocked

    def _refresh_blocked(self) -> None:
        """Recompute ``blocked`` from the doors' states (a new array: ``blocked`` is never edited in place,
        the start-of-episode one is shared by every reset)."""
        closed = [o.object_id for o in self.objects if o.is_door and not o.is_open]
        self.blocked = self.floor.blocked(closed)

    @property
    def camera_position(self) -> np.ndarray:
        return np.array([self.agent.x, self.agent_config.camera_height, self.agent.z])

    def forward(self) -> tuple[float, float]:
        th = math.radians(self.agent.rotation)
        return math.sin(th), math.cos(th)

    # ------------------------------------------------------------------ actions
    def step(self, action: str, object_id: str | None = None) -> bool:
        """Apply one AI2-THOR action; returns lastActionSuccess (errorMessage says why not)."""
        if action not in _ACTION_SET:
            raise InvalidActionError(f"unknown action {action!r}; accepted: {', '.join(ALL_ACTIONS)}")
        self.last_action = action
        self.error_message = ""
        cfg = self.agent_config
        ok = True
        heading = _MOVE_HEADINGS.get(action)
        if heading is not None:
            ok = self._move(heading)
        elif action in ("RotateLeft", "RotateRight"):
            sign = -1.0 if action == "RotateLeft" else 1.0
            self.agent.rotation = (self.agent.rotation + sign * cfg.rotate_step_degrees) % 360.0
        elif action in ("LookUp", "LookDown"):
            sign = -1.0 if action == "LookUp" else 1.0
            new = self.agent.horizon + sign * cfg.horizon_step_degrees
            if new < cfg.min_horizon - 1e-6 or new > cfg.max_horizon + 1e-6:
                ok = False
                self.error_message = f"horizon {new:.0f} outside [{cfg.min_horizon:.0f}, {cfg.max_horizon:.0f}]"
            else:
                self.agent.horizon = new
        elif action == "Done":
            pass
        else:
            ok = self._interact(action, object_id)
        self.last_action_success = ok
        return ok

    def _move(self, heading_offset: float) -> bool:
        th = math.radians(self.agent.rotation + heading_offset)
        g = self.agent_config.grid_size
        nx_, nz_ = self.agent.x + g * math.sin(th), self.agent.z + g * math.cos(th)
        if not self.floor.path_is_free(self.blocked, self.agent.x, self.agent.z, nx_, nz_):
            self.error_message = "blocked: the agent would collide"
            return False
        self.agent.x, self.agent.z = nx_, nz_
        return True

    # ------------------------------------------------------------------ interaction
    def distance_to(self, obj: ObjectState) -> float:
        c = self.agent_config
        return float(math.dist((self.agent.x, c.body_centre_height, self.agent.z), obj.position))

    def is_visible(self, obj: ObjectState) -> bool:
        """In the last frame, within visibilityDistance (AI2-THOR's ``visible``)."""
        if obj.is_picked_up:
            return False
        return obj.object_id in self.visible_instances and self.distance_to(obj) <= self.agent_config.visibility_distance

    def observe_instances(self, instance_mask: np.ndarray, instance_names: tuple[str, ...]) -> None:
        """Record the current frame's instance mask (called by the env after rendering).

        What it shows is worked out lazily: most steps of a navigation task never ask.
        """
        self._frame = (instance_mask, instance_names)
        self._visible_cache = None
        self._centre_cache = None

    @property
    def visible_instances(self) -> frozenset[str]:
        """Object ids with at least one pixel in the current frame."""
        if self._visible_cache is None:
            mask, names = self._frame  # type: ignore[misc]
            try:  # a count per instance id: several times faster than np.unique's sort
                ids = np.flatnonzero(np.bincount(mask.ravel()))
            except ValueError:  # (negative ids: not from the renderer)
                ids = np.unique(mask)
            self._visible_cache = frozenset(names[i] for i in ids.tolist() if 0 < i < len(names))
        return self._visible_cache

    def _pick_target(self, predicate) -> ObjectState | None:
        """The visible object nearest the image centre that satisfies ``predicate``."""
        if self._centre_cache is None:
            self._centre_cache = _centre_order(*self._frame)  # type: ignore[misc]
        for oid in self._centre_cache:
            obj = self.by_id.get(oid)
            if obj is not None and predicate(obj) and self.is_visible(obj):
                return obj
        return None

    def _interact(self, action: str, object_id: str | None) -> bool:
        predicates = {
            "PickupObject": lambda o: o.pickupable and self.held is None,
            "PutObject": lambda o: o.receptacle and self.held is not None and (not o.openable or o.is_open),
            "OpenObject": lambda o: o.openable and not o.is_open,
            "CloseObject": lambda o: o.openable and o.is_open,
            "ToggleObjectOn": lambda o: o.toggleable and not o.is_toggled,
            "ToggleObjectOff": lambda o: o.toggleable and o.is_toggled,
        }
        pred = predicates[action]
        if object_id is None:
            obj = self._pick_target(pred)
            if obj is None:
                self.error_message = f"{action}: no suitable object in view within {self.agent_config.visibility_distance} m"
                return False
        else:
            obj = self.by_id.get(object_id)
            if obj is None:
                raise InvalidActionError(f"{action}: unknown objectId {object_id!r}")
            if not self.is_visible(obj):
                self.error_message = f"{action}: {object_id} is not visible"
                return False
            if not pred(obj):
                self.error_message = f"{action}: not possible on {object_id} in its current state"
                return False
        self.version += 1
        if action == "PickupObject":
            obj.is_picked_up = True
            obj.parent_receptacle = None
            self.held = obj.object_id
        elif action == "PutObject":
            held = self.by_id[self.held]  # type: ignore[index]
            top = obj.position[1] + obj.size[1] / 2
            held.position = np.array([obj.position[0], top + held.size[1] / 2, obj.position[2]])
            held.is_picked_up = False
            held.parent_receptacle = obj.object_id
            self.held = None
        elif action in ("OpenObject", "CloseObject"):
            obj.is_open = action == "OpenObject"
            if obj.is_door:
                self._refresh_blocked()
        else:
            obj.is_toggled = action == "ToggleObjectOn"
        return True

    # ------------------------------------------------------------------ metadata
    def metadata(self) -> dict:
        """A subset of AI2-THOR's ``event.metadata`` with the same keys and meanings."""
        a = self.agent
        return {
            "agent": {
                "position": {"x": a.x, "y": self.agent_config.body_centre_height, "z": a.z},
                "rotation": {"x": 0.0, "y": a.rotation, "z": 0.0},
                "cameraHorizon": a.horizon,
            },
            "cameraPosition": {"x": a.x, "y": self.agent_config.camera_height, "z": a.z},
            "lastAction": self.last_action,
            "lastActionSuccess": self.last_action_success,
            "errorMessage": self.error_message,
            "inventoryObjects": [{"objectId": self.held, "objectType": self.by_id[self.held].object_type}]
            if self.held
            else [],
            "objects": [self._object_metadata(o) for o in self.objects if not o.is_door],
        }

    def _object_metadata(self, o: ObjectState) -> dict:
        return {
            "objectId": o.object_id,
            "objectType": o.object_type,
            "assetId": o.asset_id,
            "position": {"x": float(o.position[0]), "y": float(o.position[1]), "z": float(o.position[2])},
            "rotation": {"x": 0.0, "y": o.rotation_y, "z": 0.0},
            "visible": self.is_visible(o),
            "distance": self.distance_to(o),
            "pickupable": o.pickupable,
            "receptacle": o.receptacle,
            "openable": o.openable,
            "toggleable": o.toggleable,
            "isOpen": o.is_open,
            "isToggled": o.is_toggled,
            "isPickedUp": o.is_picked_up,
            "parentReceptacles": [o.parent_receptacle] if o.parent_receptacle else None,
        }


def _centre_order(instance_mask: np.ndarray, instance_names: tuple[str, ...]) -> tuple[str, ...]:
    """Object ids in the frame ordered by how close their nearest pixel is to the image centre."""
    h, w = instance_mask.shape
    yy, xx = np.mgrid[0:h, 0:w]
    d2 = (yy - (h - 1) / 2) ** 2 + (xx - (w - 1) / 2) ** 2
    flat_ids = instance_mask.ravel()
    order = np.argsort(d2.ravel(), kind="stable")
    seen: dict[int, None] = {}
    for i in flat_ids[order].tolist():
        if i > 0 and i not in seen:
            seen[i] = None
    return tuple(instance_names[i] for i in seen if i < len(instance_names))
