"""The AI2-THOR backend: translation tested against a fake controller; the real engine where it starts."""

from __future__ import annotations

import embodied_gym  # noqa: F401
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.envs.backends.ai2thor import (
    AI2ThorHouseEnv,
    controller_kwargs,
    objectnav_success,
    pose_from_metadata,
    thor_action,
)
from embodied_gym.envs.house.world import AgentConfig


class FakeEvent:
    def __init__(self, metadata: dict, h: int, w: int):
        self.metadata = metadata
        self.frame = np.full((h, w, 3), 7, np.uint8)
        self.depth_frame = np.ones((h, w), np.float32)


class FakeController:
    """Records what it is asked and answers like AI2-THOR: a pose that moves 0.25 m per MoveAhead."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.calls: list[dict] = []
        self.pose = {"x": 0.0, "z": 0.0, "yaw": 0.0, "horizon": 0.0}
        self.visible: set[str] = set()

    def _event(self, ok: bool = True) -> FakeEvent:
        p = self.pose
        meta = {
            "agent": {"position": {"x": p["x"], "y": 0.9, "z": p["z"]}, "rotation": {"x": 0, "y": p["yaw"], "z": 0},
                      "cameraHorizon": p["horizon"]},
            "lastActionSuccess": ok, "errorMessage": "",
            "objects": [{"objectId": i, "visible": True, "distance": 0.5} for i in sorted(self.visible)],
        }
        return FakeEvent(meta, self.kwargs["height"], self.kwargs["width"])

    def step(self, action: str, **args):
        self.calls.append({"action": action, **args})
        if action == "TeleportFull":
            self.pose.update(x=args["position"]["x"], z=args["position"]["z"], yaw=args["rotation"]["y"],
                             horizon=args["horizon"])
        elif action == "MoveAhead":
            th = np.radians(self.pose["yaw"])
            self.pose["x"] += args["moveMagnitude"] * np.sin(th)
            self.pose["z"] += args["moveMagnitude"] * np.cos(th)
        elif action in ("RotateLeft", "RotateRight"):
            self.pose["yaw"] = (self.pose["yaw"] + (-1 if action == "RotateLeft" else 1) * args["degrees"]) % 360
        return self._event()

    def reset(self, scene):
        self.kwargs["scene"] = scene

    def stop(self):
        pass


def test_controller_settings_match_the_embedded_agent():
    kw = controller_kwargs({"rooms": []}, AgentConfig(), 64, 48, True, 1.0)
    assert kw["gridSize"] == 0.25 and kw["rotateStepDegrees"] == 30 and kw["visibilityDistance"] == 1.0
    assert kw["width"] == 64 and kw["height"] == 48 and kw["renderDepthImage"] and kw["agentMode"] == "default"
    assert controller_kwargs({}, AgentConfig.locobot(), 64, 64, False, 1.0)["agentMode"] == "locobot"


def test_actions_translate_to_ai2thor_calls():
    a = AgentConfig()
    assert thor_action("RotateLeft", a) == {"action": "RotateLeft", "degrees": 30.0}
    assert thor_action("LookDown", a) == {"action": "LookDown", "degrees": 30.0}
    assert thor_action("MoveAhead", a) == {"action": "MoveAhead", "moveMagnitude": 0.25}
    meta = {"objects": [
        {"objectId": "Mug|1", "visible": True, "pickupable": True, "distance": 1.2},
        {"objectId": "Apple|2", "visible": True, "pickupable": True, "distance": 0.7},
        {"objectId": "Apple|3", "visible": False, "pickupable": True, "distance": 0.2},
    ]}
    assert thor_action("PickupObject", a, meta) == {"action": "PickupObject", "objectId": "Apple|2"}
    with pytest.raises(ValueError, match="Fly"):
        thor_action("Fly", a)


def test_pose_and_success_read_from_metadata():
    meta = {"agent": {"position": {"x": 1.0, "y": 0.9, "z": 2.0}, "rotation": {"y": -30.0}, "cameraHorizon": 30.0},
            "objects": [{"objectId": "Bed|1", "visible": False}, {"objectId": "Mug|1", "visible": True}]}
    assert pose_from_metadata(meta) == (1.0, 2.0, 330.0, 30.0)
    assert objectnav_success(meta, ("Mug|1",)) and not objectnav_success(meta, ("Bed|1",))


def test_env_drives_the_controller_with_the_same_episode():
    env = AI2ThorHouseEnv("ObjectNav", controller_factory=FakeController, depth=True)
    obs, info = env.reset(seed=4)
    fake = env.controller
    start_x, start_rot = env.sim.world.agent.x, env.sim.world.agent.rotation
    assert fake.calls[0]["action"] == "TeleportFull"
    assert fake.calls[0]["position"]["x"] == pytest.approx(start_x)
    assert obs["rgb"].shape == (64, 64, 3) and obs["depth"].shape == (64, 64)
    assert env.observation_space.contains(obs)
    obs, r, te, tr, info = env.step(env.actions.index("RotateRight"))
    assert fake.calls[-1] == {"action": "RotateRight", "degrees": 30.0}
    assert env.sim.world.agent.rotation == pytest.approx((start_rot + 30.0) % 360)
    fake.visible = set(env.sim.goal.target_ids[:1])
    obs, r, te, tr, info = env.step(env.actions.index("Done"))
    assert te and info["success"] and r > 5


def test_unsupported_combinations_are_clear_errors():
    with pytest.raises(ValueError, match="Rearrange"):
        AI2ThorHouseEnv("Rearrange", controller_factory=FakeController)
    with pytest.raises(ValueError, match="semantic"):
        AI2ThorHouseEnv("ObjectNav", controller_factory=FakeController, semantic=True)


@pytest.mark.engine
def test_real_ai2thor_runs_a_generated_house():
    ai2thor = pytest.importorskip("ai2thor", reason="ai2thor is not installed (pip install 'embodied-gym[thor]')")
    try:
        env = gym.make("embodied_gym/House-ObjectNav-v0", backend="ai2thor")
        obs, info = env.reset(seed=0)
    except Exception as exc:  # no Unity build / no display: the engine cannot start on this machine
        pytest.skip(f"AI2-THOR {getattr(ai2thor, '__version__', '')} cannot start here: {exc}")
    obs, r, te, tr, info = env.step(0)
    assert obs["rgb"].shape == (64, 64, 3)
    env.close()
