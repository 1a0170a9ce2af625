"""The real-MineDojo adapter: translation tested against a fake ``minedojo`` module; the integration
test runs only where MineDojo itself starts."""

from __future__ import annotations

import types

import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.envs.backends.minedojo import (
    MineDojoBackendEnv,
    MineDojoUnavailableError,
    convert_space,
    encode_names,
    import_minedojo,
    name_vocabulary,
)
from embodied_gym.envs.voxel.tasks.registry import UnknownTaskError


# --- old-gym-style spaces, as MineDojo defines them (not gymnasium subclasses) ---------------------
class Box:
    def __init__(self, low, high, shape, dtype):
        self.low, self.high, self.shape, self.dtype = np.full(shape, low), np.full(shape, high), shape, dtype


class Discrete:
    def __init__(self, n):
        self.n = n


class MultiDiscrete:
    def __init__(self, nvec):
        self.nvec = np.asarray(nvec)


class Text:
    def __init__(self, shape):
        self.shape = shape


class Dict:
    def __init__(self, spaces):
        self.spaces = spaces


ACTION_NVEC = [3, 3, 4, 25, 25, 8, 244, 36]


class FakeMineDojoEnv:
    def __init__(self, task_id, image_size, **kwargs):
        self.task_id, self.image_size, self.kwargs = task_id, image_size, kwargs
        h, w = image_size
        self.action_space = MultiDiscrete(ACTION_NVEC)
        self.observation_space = Dict({
            "rgb": Box(0, 255, (3, h, w), np.uint8),
            "inventory": Dict({"name": Text((36,)), "quantity": Box(0, 64, (36,), np.float32)}),
            "life_stats": Dict({"life": Box(0, 20, (1,), np.float32)}),
            "voxels": Dict({"block_name": Text((3, 3, 3))}),
        })
        self.steps, self.closed, self.is_successful = [], False, False

    def _obs(self, t):
        h, w = self.image_size
        names = np.array(["air"] * 36, dtype=object)
        names[0] = "iron ingot"
        names[1] = "log" if t else "air"
        return {
            "rgb": np.full((3, h, w), t, dtype=np.uint8),
            "inventory": {"name": names, "quantity": np.arange(36, dtype=np.float32)},
            "life_stats": {"life": np.array([20.0])},
            "voxels": {"block_name": np.array([["stone"] * 3] * 9, dtype=object).reshape(3, 3, 3)},
        }

    def reset(self):
        self.prev_info = {"stat": {"kill_entity": {}}}
        return self._obs(0)

    def step(self, action):
        self.steps.append(np.array(action))
        self.is_successful = len(self.steps) >= 2
        return self._obs(len(self.steps)), 1.5, self.is_successful, {"inventory": []}

    def close(self):
        self.closed = True


@pytest.fixture
def fake_minedojo():
    made = []

    def make(task_id, image_size, **kwargs):
        env = FakeMineDojoEnv(task_id, image_size, **kwargs)
        made.append(env)
        return env

    return types.SimpleNamespace(make=make, made=made)


def test_ids_and_image_size_reach_minedojo_make(fake_minedojo):
    env = MineDojoBackendEnv("harvest_1_log", image_size=(64, 96), seed=3, minedojo_module=fake_minedojo)
    made = fake_minedojo.made[0]
    assert made.task_id == "harvest_1_log" and made.image_size == (64, 96)
    assert made.kwargs == {"seed": 3, "world_seed": "3"}
    assert env.prompt == "obtain log"


def test_spaces_become_gymnasium_spaces(fake_minedojo):
    env = MineDojoBackendEnv("harvest_1_log", image_size=32, minedojo_module=fake_minedojo)
    assert env.action_space == gym.spaces.MultiDiscrete(ACTION_NVEC)
    obs_space = env.observation_space
    assert isinstance(obs_space, gym.spaces.Dict)
    assert obs_space["rgb"].shape == (3, 32, 32) and obs_space["rgb"].dtype == np.uint8
    assert obs_space["inventory"]["name"].shape == (36,) and obs_space["inventory"]["name"].dtype == np.int32
    assert obs_space["voxels"]["block_name"].shape == (3, 3, 3)


def test_reset_step_translate_api_and_observations(fake_minedojo):
    env = MineDojoBackendEnv("harvest_1_log", image_size=(16, 24), render_mode="rgb_array", minedojo_module=fake_minedojo)
    obs, info = env.reset()
    assert env.observation_space.contains(obs)
    assert info["prompt"] == "obtain log" and "stat" in info
    vocab = name_vocabulary()
    assert obs["inventory"]["name"][0] == vocab.index("iron_ingot")  # MineDojo's spaced spelling
    noop = np.array([0, 0, 0, 12, 12, 0, 0, 0])
    obs, reward, terminated, truncated, info = env.step(noop)
    assert (reward, terminated, truncated, info["is_successful"]) == (1.5, False, False, False)
    assert obs["inventory"]["name"][1] == vocab.index("log")
    assert env.render().shape == (16, 24, 3)
    _, _, terminated, _, info = env.step(noop)
    assert terminated and info["is_successful"]
    np.testing.assert_array_equal(fake_minedojo.made[0].steps[0], noop)
    with pytest.raises(ValueError, match="outside"):
        env.step(np.array([3, 0, 0, 12, 12, 0, 0, 0]))


def test_new_seed_rebuilds_minedojo_world(fake_minedojo):
    env = MineDojoBackendEnv("combat_zombie_plains_iron_armors_iron_sword_shield", minedojo_module=fake_minedojo)
    env.reset(seed=5)
    env.reset(seed=5)
    assert len(fake_minedojo.made) == 2 and fake_minedojo.made[0].closed
    assert fake_minedojo.made[1].kwargs["world_seed"] == "5"


def test_bad_input_is_rejected_before_minedojo_starts(fake_minedojo):
    with pytest.raises(UnknownTaskError, match="harvest_1_log"):
        MineDojoBackendEnv("harvest_1_logg", minedojo_module=fake_minedojo)
    with pytest.raises(ValueError, match="image_size"):
        MineDojoBackendEnv("harvest_1_log", image_size=(0, 5), minedojo_module=fake_minedojo)
    assert fake_minedojo.made == []
    with pytest.raises(TypeError, match="cannot convert"):
        convert_space(object())


def test_missing_minedojo_gives_a_clear_reason():
    with pytest.raises(MineDojoUnavailableError, match="Java 8"):
        import_minedojo("embodied_gym_no_such_minedojo_module")


def test_unknown_names_encode_to_minus_one():
    assert encode_names(np.array(["not_a_minecraft_thing", "stone"])).tolist() == [-1, name_vocabulary().index("stone")]


@pytest.mark.engine
def test_real_minedojo_episode():
    try:
        import_minedojo()
    except MineDojoUnavailableError as exc:
        pytest.skip(f"real MineDojo cannot start here: {exc}")
    env = gym.make("embodied_gym/MineDojo-harvest_1_log-v0", backend="minedojo", image_size=(64, 64))
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    obs, _, _, _, _ = env.step(env.action_space.sample())
    assert obs["rgb"].shape == (3, 64, 64)
    env.close()
