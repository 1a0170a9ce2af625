"""The tile env follows the task facts of Kumar et al. (2022) (../shared/reference-data/kumar2022/README.md)."""

from __future__ import annotations

import embodied_gym  # noqa: F401  (registers the ids)
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.envs.tiles.boards import UnknownBoardSetError
from embodied_gym.envs.tiles.env import TilesEnv, TilesError
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

BOARD = np.array([[1, 1, 0, 0],
                  [0, 0, 0, 0],
                  [0, 0, 1, 0],
                  [0, 0, 0, 0]])  # reds at tiles 0, 1, 10


def _env(**kwargs) -> TilesEnv:
    return gym.make("embodied_gym/Tiles-4x4-v0", **kwargs).unwrapped


@pytest.mark.parametrize("env_id", ["embodied_gym/Tiles-4x4-v0", "embodied_gym/Tiles-4x4-Test-v0",
                                    "embodied_gym/Tiles-4x4-Control-v0"])
def test_check_env_clean(env_id):
    env = gym.make(env_id).unwrapped
    check_env(env)
    sb3_check_env(env)


def test_start_reveals_one_red_tile_and_observation_layout():
    env = _env()
    obs, info = env.reset(seed=3, options={"board": BOARD, "start": (0, 1)})
    assert obs.shape == (33,) and obs.dtype == np.float32
    expected = -np.ones(16)
    expected[1] = 1.0
    np.testing.assert_array_equal(obs[:16], expected)
    assert not obs[16:].any()  # no previous action, previous reward 0
    assert info["whites_revealed"] == 0 and info["reds_hidden"] == 2


def test_rewards_follow_the_facts():
    env = _env()
    env.reset(seed=0, options={"board": BOARD, "start": (0, 0)})
    obs, r, term, trunc, info = env.step(5)  # white
    assert (r, term, trunc) == (-1.0, False, False) and obs[5] == 0.0 and info["whites_revealed"] == 1
    assert obs[16 + 5] == 1.0 and obs[16:32].sum() == 1 and obs[32] == -1.0
    obs, r, term, _, _ = env.step(5)  # already revealed
    assert r == -4.0 and not term
    obs, r, term, _, _ = env.step(0)  # the start tile is revealed too
    assert r == -4.0
    obs, r, term, _, _ = env.step(1)  # new red, not the last
    assert r == 1.0 and not term and obs[1] == 1.0
    obs, r, term, trunc, info = env.step(10)  # last red: +5 instead of +1, episode ends
    assert r == 5.0 and term and not trunc and info["reds_hidden"] == 0 and obs[32] == 5.0


@pytest.mark.parametrize(("env_id", "limit"), [("embodied_gym/Tiles-4x4-v0", 25), ("embodied_gym/Tiles-4x4-Test-v0", 120)])
def test_step_limits(env_id, limit):
    env = gym.make(env_id).unwrapped
    env.reset(seed=0, options={"board": BOARD, "start": (0, 0)})
    for step in range(1, limit + 1):
        _, reward, terminated, truncated, _ = env.step(0)
        assert reward == -4.0 and not terminated
        assert truncated == (step == limit)


def test_description_and_program_in_info_not_observation():
    env = _env()
    obs, info = env.reset(seed=1)
    assert info["description"].endswith(".") and info["program"].startswith("(")
    assert info["board_index"] >= 0 and obs.shape == (33,)
    assert info["program"] == env.boards.programs[info["board_index"]]


def test_test_boards_have_fixed_starts():
    env = gym.make("embodied_gym/Tiles-4x4-Test-v0").unwrapped
    firsts = set()
    for seed in range(5):
        obs, _ = env.reset(seed=seed, options={"board_index": 7})
        firsts.add(tuple(obs[:16]))
    assert len(firsts) == 1
    assert len(env.boards) == 25 and (env.boards.starts >= 0).all()


def test_same_seed_same_episode_in_fresh_envs():
    def rollout(env):
        obs, info = env.reset(seed=123)
        trace = [obs.tolist(), info["board_index"]]
        rng = np.random.default_rng(0)
        for _ in range(30):
            obs, r, te, tr, _ = env.step(int(rng.integers(16)))
            trace.append((obs.tolist(), r))
            if te or tr:
                obs, info = env.reset()
                trace.append((obs.tolist(), info["board_index"]))
        return trace

    assert rollout(_env()) == rollout(_env())


def test_get_set_state_branches_exactly():
    env = _env()
    env.reset(seed=5)
    env.step(3)
    snapshot = env.get_state()
    actions = [7, 2, 2, 11, 0, 15]
    first = [env.step(a)[:4] for a in actions]
    obs_back = env.set_state(snapshot)
    second = [env.step(a)[:4] for a in actions]
    for (o1, *rest1), (o2, *rest2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(o1, o2)
        assert rest1 == rest2
    other = _env()
    other.reset(seed=99)
    np.testing.assert_array_equal(other.set_state(snapshot), obs_back)
    assert [other.step(a)[1] for a in actions] == [r for _, r, _, _ in first]


def test_render_rgb_array():
    env = _env(render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8


def test_bad_input_raises_typed_errors():
    env = _env()
    with pytest.raises(TilesError, match="step\\(\\) before reset"):
        env.step(0)
    env.reset(seed=0, options={"board": BOARD})
    with pytest.raises(TilesError, match="action"):
        env.step(16)
    with pytest.raises(TilesError, match="red tile"):
        env.reset(options={"board": BOARD, "start": (3, 3)})
    with pytest.raises(TilesError, match=">= 2 red"):
        env.reset(options={"board": np.eye(4)[0:1].repeat(4, 0) * 0})
    with pytest.raises(TilesError, match="unknown reset options"):
        env.reset(options={"colour": 1})
    with pytest.raises(TilesError, match="board_index"):
        env.reset(options={"board_index": 10**6})
    with pytest.raises(UnknownBoardSetError, match="known: grammar"):
        TilesEnv("grammr")
    with pytest.raises(ValueError, match="gsp_dir"):
        TilesEnv("gsp-test")
    with pytest.raises(TilesError, match="max_steps"):
        TilesEnv(max_steps=0)
    with pytest.raises(TilesError, match="TilesState"):
        env.set_state({"red": 3})


def test_custom_board_sets():
    from embodied_gym.envs.tiles.boards import make_board_set

    boards = make_board_set("mine", [0b111, 0b1111 << 4], starts=[2, -1], descriptions=["a", "b"])
    env = TilesEnv(boards)
    obs, info = env.reset(seed=0, options={"board_index": 0})
    assert obs[2] == 1.0 and info["description"] == "a"
    with pytest.raises(ValueError, match="red tile"):
        make_board_set("bad", [0b111], starts=[5])
    with pytest.raises(ValueError, match="descriptions has 1"):
        make_board_set("bad", [0b111, 0b110], descriptions=["x"])
    with pytest.raises(ValueError, match=">= 2 red"):
        make_board_set("bad", [0b1])
