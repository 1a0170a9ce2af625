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


@pytest.mark.parametrize("task, mode, kwargs", [
    ("ObjectNav", "NextStep", {"depth": True, "semantic": True}),
    ("ObjectNav", "SameStep", {}),
    ("PointNav", "NextStep", {}),
])
def test_seeded_vector_rollout_equals_single_envs(task, mode, kwargs):
    n, seeds = 3, [31, 32, 33]
    kw = {"episodes_per_house": 2, **kwargs}  # a new house every other episode: slots swapped often
    venv = gym.make_vec(ID.format(task), num_envs=n, autoreset_mode=mode, **kw)
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
