"""House envs: spaces and checkers, determinism, collision, interaction, errors, vector env, oracle."""

from __future__ import annotations

import copy
import hashlib
import subprocess
import sys
import warnings

import embodied_gym  # noqa: F401
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.agents.house_oracle import HouseOracle
from embodied_gym.envs.house.sim import decode_goal_text
from embodied_gym.envs.house.tasks import UnknownTargetError
from embodied_gym.envs.house.world import HouseWorld, InvalidActionError
from embodied_gym.procgen.house import HouseValidationError, generate_house
from gymnasium.utils.env_checker import check_env

TASKS = ("ObjectNav", "PointNav", "RoomNav", "Instruction", "Rearrange")


def run_episode(env, seed: int, actions: list[int]) -> list:
    obs, info = env.reset(seed=seed)
    trace = [obs, info]
    for a in actions:
        obs, r, te, tr, info = env.step(a)
        trace.append((obs, r, te, tr, info))
        if te or tr:
            break
    return trace


def digest(trace) -> str:
    h = hashlib.sha256()
    for item in trace:
        obs = item[0] if isinstance(item, tuple) else item
        if isinstance(obs, dict):
            for k in sorted(obs):
                h.update(k.encode())
                h.update(np.ascontiguousarray(obs[k]).tobytes())
        if isinstance(item, tuple):
            h.update(repr(item[1:4]).encode())
    return h.hexdigest()


@pytest.mark.parametrize("task", TASKS)
def test_every_house_id_passes_gymnasium_and_sb3_checkers(task):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(f"embodied_gym/House-{task}-v0", render_mode="rgb_array")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
        sb3_check_env(env.unwrapped)
    assert not [str(w.message) for w in caught if "embodied_gym" in str(w.filename) or "Box" in str(w.message)]
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8


def test_seeded_episodes_are_identical_and_differ_across_seeds():
    actions = [0, 1, 0, 0, 2, 3, 0, 4, 0, 0] * 3
    a = digest(run_episode(gym.make("embodied_gym/House-ObjectNav-v0"), 5, actions))
    b = digest(run_episode(gym.make("embodied_gym/House-ObjectNav-v0"), 5, actions))
    c = digest(run_episode(gym.make("embodied_gym/House-ObjectNav-v0"), 6, actions))
    assert a == b
    assert a != c


def test_seeded_episode_is_identical_in_another_process():
    code = (
        "import gymnasium as gym, embodied_gym, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_house_env import run_episode, digest\n"
        "print(digest(run_episode(gym.make('embodied_gym/House-ObjectNav-v0'), 11, [0, 1, 0, 0, 2, 0] * 4)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = digest(run_episode(gym.make("embodied_gym/House-ObjectNav-v0"), 11, [0, 1, 0, 0, 2, 0] * 4))
    assert out.stdout.strip() == here


def test_observation_carries_goal_text_and_id():
    env = gym.make("embodied_gym/House-ObjectNav-v0")
    obs, info = env.reset(seed=2)
    text = decode_goal_text(obs["goal_text"])
    assert text == info["goal_text"] and text.startswith("find a ")
    from embodied_gym.envs.house.tasks import OBJECTNAV_TYPES, words

    assert words(OBJECTNAV_TYPES[int(obs["goal_id"])]) in text


def test_walls_stop_the_agent_and_report_failure():
    env = gym.make("embodied_gym/House-ObjectNav-v0")
    env.reset(seed=3)
    world = env.unwrapped.world
    failures = 0
    for _ in range(60):
        _, _, te, tr, info = env.step(0)  # MoveAhead until something is in the way
        assert world.floor.is_free(world.blocked, world.agent.x, world.agent.z)
        failures += not info["last_action_success"]
    assert failures > 0 and "blocked" in world.error_message


def test_horizon_is_clamped_like_ai2thor():
    env = gym.make("embodied_gym/House-ObjectNav-v0")
    env.reset(seed=0)
    look_up = env.unwrapped.actions.index("LookUp")
    for _ in range(4):
        _, _, _, _, info = env.step(look_up)
    assert env.unwrapped.world.agent.horizon == -30.0
    assert not info["last_action_success"]


def test_bad_input_is_a_clear_error():
    env = gym.make("embodied_gym/House-ObjectNav-v0")
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="outside Discrete"):
        env.step(17)
    with pytest.raises(InvalidActionError, match="integer"):
        env.step("MoveAhead")
    with pytest.raises(UnknownTargetError, match="Unicorn"):
        gym.make("embodied_gym/House-ObjectNav-v0", task_kwargs={"target_types": ["Unicorn"]})
    with pytest.raises(UnknownTargetError, match="Attic"):
        gym.make("embodied_gym/House-RoomNav-v0", task_kwargs={"room_types": ["Attic"]})
    with pytest.raises(InvalidActionError, match="Fly"):
        gym.make("embodied_gym/House-ObjectNav-v0", actions=["MoveAhead", "Fly"])
    bad = generate_house(0)
    bad = copy.deepcopy(bad)
    del bad["rooms"][0]["floorPolygon"]
    with pytest.raises(HouseValidationError, match="floorPolygon"):
        gym.make("embodied_gym/House-ObjectNav-v0", houses=[bad])
    with pytest.raises(ValueError, match="backend"):
        gym.make("embodied_gym/House-ObjectNav-v0", backend="unity")


def test_roomnav_room_types_fix_the_goal_room():
    """"go to the kitchen" as a task of its own: every episode's goal is a kitchen, in houses that have one."""
    env = gym.make("embodied_gym/House-RoomNav-v0", task_kwargs={"room_types": ("Kitchen",)}, episodes_per_house=1)
    for seed in range(6):
        obs, info = env.reset(seed=seed)
        sim = env.unwrapped.sim
        assert info["goal_text"] == "go to the kitchen" and sim.goal.room_type == "Kitchen"
        assert any(r.get("roomType") == "Kitchen" for r in sim.world.house["rooms"])
    plain = gym.make("embodied_gym/House-RoomNav-v0", episodes_per_house=1)
    assert len({plain.reset(seed=s)[1]["goal_text"] for s in range(12)}) > 1  # the default draws among types


def test_failed_stop_reward_is_added_only_to_a_failed_done():
    done = 5  # NAV_ACTIONS: MoveAhead, RotateLeft, RotateRight, LookUp, LookDown, Done
    rewards = {}
    for penalty in (0.0, -1.0):
        env = gym.make("embodied_gym/House-ObjectNav-v0", failed_stop_reward=penalty)
        env.reset(seed=0)
        assert env.unwrapped.actions[done] == "Done"
        _, r_move, *_ = env.step(1)
        _, r_done, terminated, _, info = env.step(done)
        assert terminated and not info["success"]
        rewards[penalty] = (r_move, r_done)
    assert rewards[-1.0][0] == rewards[0.0][0]  # other steps are unchanged
    assert rewards[-1.0][1] == pytest.approx(rewards[0.0][1] - 1.0)
    with pytest.raises(ValueError, match="failed_stop_reward"):
        gym.make("embodied_gym/House-ObjectNav-v0", failed_stop_reward=float("nan"))


def test_closed_door_blocks_and_opening_it_clears_the_way():
    house = generate_house(4)
    door = next(d for d in house["doors"] if d.get("openable"))
    door["openness"] = 0.0
    world = HouseWorld(house)
    closed = world.blocked.copy()
    state = world.by_id[door["id"]]
    assert not state.is_open
    state.is_open = True
    world._refresh_blocked()
    assert (closed & ~world.blocked).any()  # the doorway became walkable


def test_pickup_and_put_back_fixes_a_rearrangement():
    env = gym.make("embodied_gym/House-Rearrange-v0")
    env.reset(seed=1)
    sim = env.unwrapped.sim
    world = sim.world
    homes = sim.goal.extra["homes"]
    obj_id, home_id = next(iter(homes.items()))
    assert world.by_id[obj_id].parent_receptacle != home_id
    before = sim.task.percent_fixed(world, sim.goal)
    # privileged moves: make the objects "visible" as the frame would, then act through the world API
    world._visible_cache = frozenset({obj_id, home_id})
    world.agent.x, world.agent.z = world.by_id[obj_id].position[0], world.by_id[obj_id].position[2] - 0.5
    world._visible_cache = frozenset({obj_id, home_id})
    assert world.step("PickupObject", obj_id), world.error_message
    assert world.held == obj_id and world.metadata()["inventoryObjects"][0]["objectId"] == obj_id
    world.agent.x, world.agent.z = world.by_id[home_id].position[0], world.by_id[home_id].position[2] - 0.5
    world._visible_cache = frozenset({home_id})
    if world.by_id[home_id].openable:  # a closed fridge takes nothing until it is opened
        assert not world.step("PutObject", home_id)
        assert world.step("OpenObject", home_id), world.error_message
    assert world.step("PutObject", home_id), world.error_message
    assert world.by_id[obj_id].parent_receptacle == home_id
    assert sim.task.percent_fixed(world, sim.goal) > before


def test_metadata_follows_ai2thor_keys():
    env = gym.make("embodied_gym/House-ObjectNav-v0")
    env.reset(seed=0)
    meta = env.unwrapped.world.metadata()
    assert {"agent", "lastActionSuccess", "errorMessage", "objects", "inventoryObjects"} <= set(meta)
    obj = meta["objects"][0]
    assert {"objectId", "objectType", "position", "visible", "distance", "pickupable", "receptacle",
            "openable", "isOpen"} <= set(obj)
    assert any(o["visible"] for o in meta["objects"]) or True  # visibility depends on the view


def test_native_vector_env_matches_single_envs():
    venv = gym.make_vec("embodied_gym/House-ObjectNav-v0", num_envs=3)
    from embodied_gym.envs.house.vector import HouseVectorEnv

    assert isinstance(venv, HouseVectorEnv)
    obs, _ = venv.reset(seed=[7, 8, 9])
    single = gym.make("embodied_gym/House-ObjectNav-v0")
    actions = [0, 1, 0, 2, 0, 0]
    s_obs, _ = single.reset(seed=8)
    np.testing.assert_array_equal(obs["rgb"][1], s_obs["rgb"])
    for a in actions:
        obs, r, te, tr, info = venv.step(np.array([a, a, a]))
        s_obs, s_r, s_te, s_tr, _ = single.step(a)
        np.testing.assert_array_equal(obs["rgb"][1], s_obs["rgb"])
        assert r[1] == pytest.approx(s_r) and te[1] == s_te
        if s_te or s_tr:
            break


def test_async_vector_env_works_with_gymnasium_autoreset():
    venv = gym.make_vec("embodied_gym/House-ObjectNav-v0", num_envs=2, vectorization_mode="sync")
    obs, _ = venv.reset(seed=0)
    for _ in range(5):
        obs, r, te, tr, info = venv.step(venv.action_space.sample())
    assert obs["rgb"].shape == (2, 64, 64, 3)


@pytest.mark.parametrize("task", ["ObjectNav", "RoomNav"])
def test_oracle_solves_seeded_episodes(task):
    env = gym.make(f"embodied_gym/House-{task}-v0")
    oracle = HouseOracle()
    solved = 0
    for seed in range(6):
        obs, info = env.reset(seed=seed)
        oracle.reset(env, task, seed)
        done = False
        while not done:
            obs, r, te, tr, info = env.step(oracle.act(obs, info))
            done = te or tr
        solved += info["success"]
        assert 0.0 <= info["spl"] <= 1.0
    assert solved == 6


def test_upgraded_procthor_001_house_loads_renders_and_navigates():
    from test_house_io import to_v001

    old = to_v001(generate_house(9, "train", spec="kitchen-living-bedroom"))
    env = gym.make("embodied_gym/House-RoomNav-v0", houses=[old])
    obs, info = env.reset(seed=0)
    assert obs["rgb"].std() > 5  # a real picture, not a blank frame
    oracle = HouseOracle()
    oracle.reset(env, "RoomNav", 0)
    done = False
    while not done:
        obs, r, te, tr, info = env.step(oracle.act(obs, info))
        done = te or tr
    assert info["success"]


def test_vector_env_swaps_houses_in_place_and_stays_in_step_with_a_single_env():
    kw = {"episodes_per_house": 1}  # every episode is a new house: exercises SceneBatch.replace_scene
    venv = gym.make_vec("embodied_gym/House-RoomNav-v0", num_envs=2, **kw)
    single = gym.make("embodied_gym/House-RoomNav-v0", **kw)
    obs, _ = venv.reset(seed=[21, 22])
    s_obs, _ = single.reset(seed=21)
    rng = np.random.default_rng(0)
    done, episodes = False, 0
    for _ in range(40):
        a = int(rng.integers(6))
        obs, r, te, tr, _ = venv.step(np.array([a, a]))
        if done:  # NEXT_STEP autoreset: this step reset sub-env 0 and ignored its action
            s_obs, _ = single.reset()
            episodes += 1
            done = False
        else:
            s_obs, s_r, s_te, s_tr, _ = single.step(a)
            assert r[0] == pytest.approx(s_r)
            done = s_te or s_tr
        np.testing.assert_array_equal(obs["rgb"][0], s_obs["rgb"])
    assert episodes >= 2


def test_rendered_entities_follow_pickups_and_resets():
    """The env reuses its entity boxes while nothing moves; a pick-up or a reset must show at once."""
    from embodied_gym.envs.house.render_scene import EntityBatchCache

    env = gym.make("embodied_gym/House-ObjectNav-v0")
    env.reset(seed=0)
    sim = env.unwrapped.sim
    world, scene = sim.world, sim.scene
    cache = EntityBatchCache()
    first = cache.batch([scene], [world])
    assert cache.batch([scene], [world]) is first  # a step that moves nothing reuses the batch
    obj_id = next(i for i in scene.movable_ids if world.by_id[i].pickupable and not world.by_id[i].is_picked_up)
    inst = int(scene.movable_instance[scene.movable_ids.index(obj_id)])
    assert inst in first.instance_id
    obj = world.by_id[obj_id]
    world.agent.x, world.agent.z = obj.position[0], obj.position[2] - 0.5
    world._visible_cache = frozenset({obj_id})
    assert world.step("PickupObject", obj_id), world.error_message
    assert inst not in cache.batch([scene], [world]).instance_id
    world.reset()
    assert inst in cache.batch([scene], [world]).instance_id
