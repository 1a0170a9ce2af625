"""The gym ids on the embedded world: every template's ids construct and reset, time limits, backends."""

from __future__ import annotations

import embodied_gym  # noqa: F401
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.envs.voxel.ids import TIME_LIMITS, gym_id
from embodied_gym.envs.voxel.tasks.factory import UnknownBackendError, make_minedojo_env
from embodied_gym.envs.voxel.tasks.registry import UnknownTaskError, get_spec, tasks


def _one_per_template() -> list[str]:
    seen, out = set(), []
    for task_id in tasks("programmatic"):
        template = get_spec(task_id).template
        if template not in seen:
            seen.add(template)
            out.append(task_id)
    return out


#: one id of every kind of set-up: biomes incl. nether/end/ocean, night combat, mobs, inventories
SET_UP_SAMPLE = (
    "harvest_1_log", "harvest_milk_with_empty_bucket_and_cow", "harvest_8_iron_ingot_with_furnace_and_fuel",
    "harvest_1_obsidian_with_diamond_pickaxe_and_water_bucket", "harvest_wool_extreme_hills_with_shears",
    "combat_zombie_plains_iron_armors_iron_sword_shield", "combat_blaze_nether_diamond_armors_diamond_sword_shield",
    "combat_shulker_end_leather_armors_wooden_sword_shield", "combat_guardian_ocean_iron_armors_iron_sword_shield",
    "combat_slime_swamp_leather_armors_iron_sword_shield", "techtree_from_gold_to_diamond_pickaxe", "survival_sword_food",
)


def _reset_checks(task_id: str, seed: int = 0) -> None:
    env = gym.make(gym_id(task_id), image_size=(32, 32))
    obs, info = env.reset(seed=seed)
    assert env.observation_space.contains(obs), task_id
    spec = get_spec(task_id)
    world = env.unwrapped.world
    # the task's set-up reached the world: inventory, mobs, biome
    for item in spec.initial_inventory:
        assert info["inventory"].get(item.name, 0) >= item.quantity, (task_id, item)
    alive = {e["name"] for e in world.entities() if e["type"] == "mob"}
    assert set(spec.initial_mobs) <= alive, (task_id, spec.initial_mobs, alive)
    obs, reward, terminated, truncated, info = env.step(np.array([0, 0, 0, 12, 12, 0, 0, 0]))
    assert reward == 0.0 and not truncated
    env.close()


@pytest.mark.parametrize("task_id", SET_UP_SAMPLE)
def test_set_up_reaches_the_world(task_id):
    _reset_checks(task_id)


@pytest.mark.slow
@pytest.mark.parametrize("task_id", _one_per_template())
def test_every_template_constructs_and_resets(task_id):
    _reset_checks(task_id)


@pytest.mark.slow
def test_all_programmatic_ids_construct_and_reset():
    for task_id in tasks("programmatic"):
        _reset_checks(task_id, seed=1)


def test_time_limits_follow_the_category():
    for task_id in ("harvest_1_log", "combat_cow_plains_barehand", "techtree_from_wood_to_stone_pickaxe", "survival"):
        env = gym.make(gym_id(task_id), image_size=(32, 32))
        assert env.spec.max_episode_steps == TIME_LIMITS[get_spec(task_id).category]
        env.close()
    env = gym.make(gym_id("harvest_1_log"), image_size=(32, 32), max_episode_steps=3)
    env.reset(seed=0)
    noop = np.array([0, 0, 0, 12, 12, 0, 0, 0])
    outcomes = [env.step(noop)[3] for _ in range(3)]
    assert outcomes == [False, False, True]


def test_reset_is_reproducible():
    env = gym.make(gym_id("harvest_milk_with_empty_bucket_and_cow"), image_size=(32, 32))
    first, _ = env.reset(seed=7)
    second, _ = env.reset(seed=7)
    np.testing.assert_array_equal(first["rgb"], second["rgb"])
    assert np.array_equal(env.unwrapped.world.mob_pos, env.unwrapped.world.mob_pos)
    env.close()


def test_creative_ids_run_with_zero_reward():
    env = gym.make(gym_id("creative:92"), image_size=(32, 32))
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(env.action_space.sample())
    assert reward == 0.0 and not info["success"]
    env.close()


def test_bad_ids_and_backends_fail_clearly():
    with pytest.raises(UnknownTaskError, match="harvest_milk"):
        make_minedojo_env("harvest_milkk")
    with pytest.raises(UnknownBackendError, match="embedded, minedojo"):
        make_minedojo_env("harvest_1_log", backend="malmo")


def test_gymnasium_env_checker_passes():
    from gymnasium.utils.env_checker import check_env

    env = gym.make(gym_id("combat_zombie_plains_iron_armors_iron_sword_shield"), image_size=(32, 32))
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


def test_make_vec_runs_n_worlds_of_one_task():
    venv = gym.make_vec(gym_id("harvest_1_log"), num_envs=2, image_size=(32, 32))
    obs, infos = venv.reset(seed=0)
    assert obs["rgb"].shape == (2, 3, 32, 32)
    actions = np.tile(np.array([0, 0, 0, 12, 12, 0, 0, 0]), (2, 1))
    obs, rewards, terminated, truncated, infos = venv.step(actions)
    assert rewards.shape == (2,) and not terminated.any()
    venv.close()
