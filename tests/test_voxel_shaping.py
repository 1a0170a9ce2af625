"""The hand-written dense harvest reward used to train PPO on harvest_1_log (agents/sb3/voxel_shaping.py)."""

from __future__ import annotations

import embodied_gym  # noqa: F401
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.agents.sb3.voxel_shaping import HarvestShaping, ShapingError

ATTACK = np.array([0, 0, 0, 12, 12, 3, 0, 0])
NOOP = np.array([0, 0, 0, 12, 12, 0, 0, 0])


def _facing_a_log(seed: int = 0) -> HarvestShaping:
    """A harvest_1_log env whose player stands in front of a log placed at eye level."""
    env = HarvestShaping(gym.make("embodied_gym/MineDojo-harvest_1_log-v0", image_size=(32, 32)))
    env.reset(seed=seed)
    w = env.world
    w.player.yaw, w.player.pitch = 0.0, 0.0  # MineDojo: yaw 0 faces +z
    eye = w.eye()
    x, y, z = int(np.floor(eye[0])), int(np.floor(eye[1])), int(np.floor(eye[2])) + 2
    w.set_block(x, y, z, "log")
    hit, block, _, _ = w.target_block()
    assert hit and tuple(block) == (x, y, z)
    env._prev_d = env.nearest_target_distance()
    return env


def test_holding_attack_on_a_log_pays_one_per_block_and_letting_go_pays_it_back():
    env = _facing_a_log()
    total = 0.0
    for _ in range(20):
        total += env.step(ATTACK)[1]
    assert total > 0.2  # 20 of the 60 ticks a log takes by hand, plus the aim bonus
    _, r, *_ = env.step(NOOP)
    assert r < -0.3  # progress lost: the 20 ticks are paid back
    env = _facing_a_log()
    total, info = 0.0, {}
    for _ in range(60):
        _, r, terminated, _, info = env.step(ATTACK)
        total += r
    assert env.world.block_at(*env.world.player.mine_target) == "air" or total > 1.0
    assert 1.0 <= total < 3.0  # 1.0 for the block, aim bonus; the task reward comes when the log is picked up


def test_distance_and_errors():
    env = _facing_a_log()
    assert env.nearest_target_distance() == pytest.approx(2.5, abs=0.6)
    combat = gym.make("embodied_gym/MineDojo-combat_zombie_plains_iron_armors_iron_sword_shield-v0", image_size=(32, 32))
    with pytest.raises(ShapingError, match="shapes harvest tasks"):
        HarvestShaping(combat)
    with pytest.raises(ShapingError, match="needs a voxel MineDojo env"):
        HarvestShaping(gym.make("CartPole-v1"))
