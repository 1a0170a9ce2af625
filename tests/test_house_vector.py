"""The native vector env is N single envs stepped together: a seeded vector rollout must give, sub-env for
sub-env, the same observations (every key), rewards, terminations and infos as single envs run with the
same seeds — across episode ends (both autoreset modes) and house switches."""

from __future__ import annotations

import embodied_gym  # noqa: F401
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.envs.house.world import InvalidActionError

ID = "embodied_gym/House-{}-v0"


def assert_same_obs(batched: dict, i: int, single: dict) -> None:
    assert set(batched) == set(single)
    for key, value in single.items():
        np.testing.assert_array_equal(batched[key][i], value, err_msg=f"obs[{key!r}] of sub-env {i}")


def assert_same_info(batched: dict, i: int, single: dict) -> None:
    keys = {k for k in batched if not k.startswith("_") and not k.startswith("final_")}
    assert keys == set(single)
    for key, value in single.items():
        assert batched[f"_{key}"][i]
        assert batched[key][i] == value, f"info[{key!r}] of sub-env {i}: {batched[key][i]!r} != {value!r}"
        assert type(batched[key][i].item() if isinstance(batched[key][i], np.generic) else batched[key][i]) is type(value)


@pytest.mark.parametrize("task, mode, kwargs, vector_kwargs", [
    ("ObjectNav", "NextStep", {"depth": True, "semantic": True}, {}),
    ("ObjectNav", "SameStep", {}, {}),
    ("PointNav", "NextStep", {}, {}),
    ("ObjectNav", "NextStep", {}, {"prefetch_houses": True}),
])
def test_seeded_vector_rollout_equals_single_envs(task, mode, kwargs, vector_kwargs):
    n, seeds = 3, [31, 32, 33]
    kw = {"episodes_per_house": 2, **kwargs}  # a new house every other episode: slots swapped often
    venv = gym.make_vec(ID.format(task), num_envs=n, autoreset_mode=mode, **kw, **vector_kwargs)
    singles = [gym.make(ID.format(task), **kw) for _ in range(n)]
    obs, info = venv.reset(seed=seeds)
    for i, env in enumerate(singles):
        s_obs, s_info = env.reset(seed=seeds[i])
        assert_same_obs(obs, i, s_obs)
        assert_same_info(info, i, s_info)
    rng = np.random.default_rng(5)
    pending = [False] * n  # NEXT_STEP: this sub-env resets on the next step, ignoring its action
    episodes = 0
    for _ in range(45):
        actions = rng.integers(venv.single_action_space.n, size=n)
        obs, rew, term, trunc, info = venv.step(actions)
        for i, env in enumerate(singles):
            if pending[i]:
                s_obs, s_info = env.reset()
                pending[i] = False
                assert rew[i] == 0.0 and not term[i] and not trunc[i]
            else:
                s_obs, s_rew, s_term, s_trunc, s_info = env.step(int(actions[i]))
                assert (rew[i], term[i], trunc[i]) == (s_rew, s_term, s_trunc)
                if s_term or s_trunc:
                    episodes += 1
                    if mode == "NextStep":
                        pending[i] = True
                    else:  # SAME_STEP: the final step is kept aside, the sub-env already reset
                        assert info["_final_obs"][i] and info["_final_info"][i]
                        assert_same_obs({k: v[None] for k, v in info["final_obs"][i].items()}, 0, s_obs)
                        assert info["final_info"][i] == s_info
                        s_obs, s_info = env.reset()
            assert_same_obs(obs, i, s_obs)
            assert_same_info(info, i, s_info)
    assert episodes >= 4  # random actions end episodes (Done is one action in six)
    venv.close()


def test_prefetched_house_is_the_house_a_local_build_gives():
    import time

    from embodied_gym.envs.house.prefetch import HousePrefetcher, build_assets

    pre = HousePrefetcher("train", 0.2)
    try:
        assert pre.take(5) is None  # never requested: the caller builds it
        pre.request(5)
        deadline = time.monotonic() + 60
        while pre._building != 5 and 5 not in pre._ready and time.monotonic() < deadline:
            time.sleep(0.05)
        got = pre.take(5)  # being built or built: waited for
        assert got is not None
    finally:
        pre.close()
    want = build_assets(5, "train", 0.2)
    assert got.house == want.house
    np.testing.assert_array_equal(got.floor.static_blocked, want.floor.static_blocked)
    for field in ("coarse", "octant", "bricks", "top", "light"):
        np.testing.assert_array_equal(getattr(got.scene.voxels, field), getattr(want.scene.voxels, field))
    assert got.scene.instance_names == want.scene.instance_names
    np.testing.assert_array_equal(got.scene.door_boxes, want.scene.door_boxes)


def test_vector_env_checks_only_the_actions_it_uses():
    venv = gym.make_vec(ID.format("ObjectNav"), num_envs=2)
    venv.reset(seed=0)
    with pytest.raises(InvalidActionError, match="outside Discrete"):
        venv.step(np.array([0, 9]))
    with pytest.raises(InvalidActionError, match="integer"):
        venv.step(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="shape"):
        venv.step(np.array([0, 1, 2]))
    done = venv.single_action_space.n - 1  # Done ends sub-env 0's episode ...
    venv.step(np.array([done, 0]))
    obs, rew, term, trunc, info = venv.step(np.array([-1, 0]))  # ... so its next action is ignored
    assert not term[0] and info["steps"][0] == 0
