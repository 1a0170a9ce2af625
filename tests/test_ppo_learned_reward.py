"""scripts/ppo_learned_reward.py's house tasks: the env each arm trains on (fixed goal, near start, three
actions, ends on success) and the held-out evaluation env."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ppo_learned_reward.py"


@pytest.fixture(scope="module")
def plr():
    spec = importlib.util.spec_from_file_location("ppo_learned_reward", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ppo_learned_reward"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("task, room", [("go_to_kitchen", "Kitchen"), ("go_to_bedroom", "Bedroom"),
                                        ("go_to_bathroom", "Bathroom")])
def test_room_tasks_fix_the_target_room_and_start_near_it(plr, task, room):
    env = plr.make_env(task, "sparse")
    limit = plr.TASKS[task].max_start_distance
    for seed in range(6):
        obs, info = env.reset(seed=seed)
        sim = env.unwrapped.sim
        assert sim.goal.room_type == room
        assert info["goal_text"] == f"go to the {plr.TASKS[task].prompt.split('into the ')[1]}"
        assert 0 < info["distance_to_goal"] <= limit
        assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8
    assert env.unwrapped.actions == ("MoveAhead", "RotateLeft", "RotateRight")
    assert env.unwrapped.sim.source.split == "train"


def test_arms_differ_only_in_the_training_reward(plr):
    from embodied_gym.rewards.reward import VideoLanguageReward

    dense, sparse = plr.make_env("go_to_kitchen", "dense"), plr.make_env("go_to_kitchen", "sparse")
    assert dense.unwrapped.sim.reward_shaping and not sparse.unwrapped.sim.reward_shaping
    learned = plr.make_env("go_to_kitchen", "learned")
    wrapper = learned.env
    assert isinstance(wrapper, VideoLanguageReward)
    assert wrapper.env_reward_weight == 0.0 and wrapper.goal == "walk into the kitchen"
    assert not learned.unwrapped.sim.reward_shaping
    for env in (dense, sparse, learned):
        assert env.unwrapped.sim.max_steps == plr.TASKS["go_to_kitchen"].max_steps
        assert env.action_space.n == 3
    # same seed -> same house, goal and start pose in every arm
    poses = []
    for env in (dense, sparse, learned):
        env.reset(seed=11)
        a = env.unwrapped.sim.world.agent
        poses.append((env.unwrapped.sim.world.house["id"] if "id" in env.unwrapped.sim.world.house else None,
                      a.x, a.z, a.rotation))
    assert poses[0] == poses[1] == poses[2]


def test_evaluation_uses_test_split_houses(plr):
    env = plr.make_env("go_to_kitchen", "sparse", heldout=True)
    env.reset(seed=0)
    assert env.unwrapped.sim.source.split == "test"


def test_an_episode_ends_with_success_on_entering_the_room(plr):
    from embodied_gym.agents.house_oracle import HouseOracle

    env = plr.make_env("go_to_kitchen", "sparse")
    obs, info = env.reset(seed=4)
    oracle = HouseOracle()
    oracle.reset(env)
    sim = env.unwrapped.sim
    total = 0.0
    for _ in range(plr.TASKS["go_to_kitchen"].max_steps):
        obs, r, terminated, truncated, info = env.step(oracle.act(obs, info))
        total += r
        if terminated or truncated:
            break
    assert terminated and not truncated and info["success"]
    assert sim.task.success(sim.world, sim.goal)  # inside a kitchen on the last step
    assert r == pytest.approx(10.0 - 0.01)  # the sparse arm's success bonus (step penalty included)


def test_find_bed_is_objectnav_with_one_target_type(plr):
    env = plr.make_env("find_bed", "dense")
    env.reset(seed=1)
    assert env.unwrapped.sim.task.target_types == ("Bed",)
    assert env.unwrapped.sim.goal.text == "find a bed"


def test_unknown_task_and_arm_are_clear_errors(plr):
    with pytest.raises(KeyError, match="go_to_kitchen"):
        plr.make_env("go_to_garage", "dense")
    with pytest.raises(ValueError, match="learned"):
        plr.make_env("go_to_kitchen", "shaped")


def test_doc_section_is_replaced_in_place_and_leaves_the_rest(plr, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("# PPO voxel table\n\nrows\n")
    plr.write_doc(doc, "# PPO with the learned reward\n\nhouse v1\n", section="house")
    first = doc.read_text()
    assert first.startswith("# PPO voxel table\n\nrows\n") and "## house: PPO with the learned reward" in first
    plr.write_doc(doc, "# PPO with the learned reward\n\nhouse v2\n", section="house")
    second = doc.read_text()
    assert "house v2" in second and "house v1" not in second
    assert second.count("<!-- house -->") == 1 and second.startswith("# PPO voxel table")


def test_learned_arm_takes_clip_length_and_negatives_without_its_own_goal(plr):
    rooms = ("walk into the kitchen", "walk into the bedroom", "walk into the bathroom")
    env = plr.make_env("go_to_bathroom", "learned", learned_frames=2, negatives=rooms)
    scorer = env.env._scorer
    assert scorer.num_frames == 2
    assert scorer.negatives == ["walk into the kitchen", "walk into the bedroom"]
    env.reset(seed=0)
    _, reward, *_ = env.step(0)
    assert np.isfinite(reward)
