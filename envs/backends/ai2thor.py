"""``backend="ai2thor"``: the same house task, run in the real AI2-THOR (Unity) with the same spaces.

``gym.make("embodied_gym/House-ObjectNav-v0", backend="ai2thor")`` starts
``ai2thor.controller.Controller(scene=house, ...)`` with the house dict our generator (or a ProcTHOR
dataset) gives, and keeps everything else of the embedded env: the goal and start pose are sampled
by the same :class:`~embodied_gym.envs.house.sim.HouseSim` (so an episode seed means the same house,
goal and start on both backends), the agent is teleported there, and each action index is sent as the
same AI2-THOR action. Success, SPL and the shaped reward are read from AI2-THOR's own metadata
(``visible`` with ``visibilityDistance`` = the task's success distance, agent position).

AI2-THOR needs a Unity build it downloads on first start and an X server or Vulkan; where either is
missing :class:`AI2ThorUnavailableError` says so. The translation functions below are pure and
unit-tested without the engine.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import gymnasium as gym
import numpy as np
from embodied_gym.envs.house.sim import HouseSim
from embodied_gym.envs.house.tasks import ObjectNavTask, PointNavTask, RoomNavTask
from embodied_gym.envs.house.world import INTERACTION_ACTIONS, AgentConfig


class AI2ThorUnavailableError(ImportError):
    """The real AI2-THOR cannot be imported or started here; the message says what is missing."""


def controller_kwargs(house: dict, agent: AgentConfig, width: int, height: int, depth: bool,
                      visibility_distance: float) -> dict[str, Any]:
    """Controller settings that make AI2-THOR's agent match the embedded one."""
    return {
        "scene": house,
        "agentMode": "locobot" if agent.camera_height < 1.0 else "default",
        "gridSize": agent.grid_size,
        "rotateStepDegrees": agent.rotate_step_degrees,
        "visibilityDistance": visibility_distance,
        "fieldOfView": agent.field_of_view,
        "width": width,
        "height": height,
        "renderDepthImage": depth,
        "renderInstanceSegmentation": True,
        "snapToGrid": False,
    }


def thor_action(name: str, agent: AgentConfig, metadata: dict | None = None) -> dict[str, Any]:
    """The ``controller.step`` arguments of one of our action names.

    Interaction actions need an objectId: the visible object nearest the agent that the action can
    apply to (AI2-THOR refuses the action otherwise, as the embedded world does).
    """
    if name in ("RotateLeft", "RotateRight"):
        return {"action": name, "degrees": agent.rotate_step_degrees}
    if name in ("LookUp", "LookDown"):
        return {"action": name, "degrees": agent.horizon_step_degrees}
    if name in ("MoveAhead", "MoveBack", "MoveLeft", "MoveRight"):
        return {"action": name, "moveMagnitude": agent.grid_size}
    if name == "Done":
        return {"action": "Done"}
    if name in INTERACTION_ACTIONS:
        target = _interaction_target(name, metadata or {})
        return {"action": name, "objectId": target} if target else {"action": name}
    raise ValueError(f"no AI2-THOR translation for action {name!r}")


_WANTS = {
    "PickupObject": lambda o: o.get("pickupable") and not o.get("isPickedUp"),
    "PutObject": lambda o: o.get("receptacle"),
    "OpenObject": lambda o: o.get("openable") and not o.get("isOpen"),
    "CloseObject": lambda o: o.get("openable") and o.get("isOpen"),
    "ToggleObjectOn": lambda o: o.get("toggleable") and not o.get("isToggled"),
    "ToggleObjectOff": lambda o: o.get("toggleable") and o.get("isToggled"),
}


def _interaction_target(name: str, metadata: dict) -> str | None:
    candidates = [o for o in metadata.get("objects", []) if o.get("visible") and _WANTS[name](o)]
    if not candidates:
        return None
    return min(candidates, key=lambda o: o.get("distance", math.inf))["objectId"]


def pose_from_metadata(metadata: dict) -> tuple[float, float, float, float]:
    """(x, z, yaw degrees, horizon degrees) of the agent in an AI2-THOR event."""
    agent = metadata["agent"]
    return (float(agent["position"]["x"]), float(agent["position"]["z"]), float(agent["rotation"]["y"]) % 360.0,
            float(agent.get("cameraHorizon", 0.0)))


def objectnav_success(metadata: dict, target_ids: tuple[str, ...]) -> bool:
    """Done while a target is ``visible`` (AI2-THOR applies visibilityDistance itself)."""
    wanted = set(target_ids)
    return any(o.get("visible") and o["objectId"] in wanted for o in metadata.get("objects", []))


def _import_controller():
    try:
        return importlib.import_module("ai2thor.controller").Controller
    except ImportError as exc:
        raise AI2ThorUnavailableError(
            "backend='ai2thor' needs the ai2thor package (pip install 'embodied-gym[thor]'), a Unity build "
            f"it downloads on first start, and an X server or Vulkan: {exc}"
        ) from exc


class AI2ThorHouseEnv(gym.Env):
    """A house task whose frames and physics come from the real AI2-THOR."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, task: str = "ObjectNav", render_mode: str | None = None, controller_factory=None,
                 **kwargs: Any):
        if task == "Rearrange":
            raise ValueError("House-Rearrange on backend='ai2thor' is not supported yet (the displaced objects "
                             "would need SetObjectPoses); use the embedded backend")
        if kwargs.get("semantic"):
            raise ValueError("semantic=True is not supported on backend='ai2thor' (AI2-THOR's semantic frames are "
                             "colours, not our class ids); use depth or the embedded backend")
        self.render_mode = render_mode
        self.sim = HouseSim(task, **kwargs)
        self.observation_space = self.sim.observation_space()
        self.action_space = self.sim.action_space()
        self.actions = self.sim.actions
        self._controller_factory = controller_factory or _import_controller()
        self.controller = None
        self._house_id: int | None = None
        self._frame: np.ndarray | None = None

    def _obs_from_event(self, event) -> dict:
        depth = np.asarray(event.depth_frame, np.float32) if self.sim.depth else None
        self._frame = np.ascontiguousarray(event.frame, np.uint8)
        return self.sim.observation(self._frame.copy(), depth, None)

    def _sync_pose(self, event) -> None:
        x, z, yaw, horizon = pose_from_metadata(event.metadata)
        agent = self.sim.world.agent
        agent.x, agent.z, agent.rotation, agent.horizon = x, z, yaw, horizon

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        sim = self.sim
        sim.reset(self.np_random, reseeded=seed is not None)
        house = sim.world.house
        distance = getattr(sim.task, "success_distance", sim.agent.visibility_distance)
        if self.controller is None:
            self.controller = self._controller_factory(
                **controller_kwargs(house, sim.agent, sim.width, sim.height, sim.depth, distance))
        elif self._house_id != id(house):
            self.controller.reset(scene=house)
        self._house_id = id(house)
        a = sim.world.agent
        event = self.controller.step(action="TeleportFull", position={"x": a.x, "y": 0.9, "z": a.z},
                                     rotation={"x": 0.0, "y": a.rotation, "z": 0.0}, horizon=a.horizon,
                                     standing=True)
        if not event.metadata.get("lastActionSuccess", False):
            raise RuntimeError(f"AI2-THOR refused the start pose: {event.metadata.get('errorMessage')}")
        self._event = event
        return self._obs_from_event(event), sim.info(False)

    def step(self, action):
        sim = self.sim
        result = sim.apply(action)  # validates and advances the embedded world's step counter
        name = sim.actions[int(action)]
        event = self.controller.step(**thor_action(name, sim.agent, self._event.metadata))
        self._event = event
        self._sync_pose(event)
        sim.world.last_action_success = bool(event.metadata.get("lastActionSuccess", False))
        sim.world.error_message = str(event.metadata.get("errorMessage", ""))
        reward = sim.finish(result, success=self._success(event) if result.terminated else None)
        done = result.terminated or result.truncated
        return self._obs_from_event(event), float(reward), result.terminated, result.truncated, sim.info(done)

    def _success(self, event) -> bool:
        sim = self.sim
        if isinstance(sim.task, ObjectNavTask) or sim.goal.target_ids:
            return objectnav_success(event.metadata, sim.goal.target_ids)
        if isinstance(sim.task, PointNavTask | RoomNavTask):
            return sim.task.success(sim.world, sim.goal)
        raise NotImplementedError(f"{sim.task.name} success on AI2-THOR is not translated yet")

    def render(self):
        if self.render_mode == "rgb_array" and self._frame is not None:
            return self._frame.copy()
        return None

    def close(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
