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
    env._prev_d, env._prev_cos = env._nearest()
    env._prev_on = env._on_target()
    return env


def _mine(env: HarvestShaping, pattern: list[bool]) -> float:
    return sum(env.step(ATTACK if attack else NOOP)[1] for attack in pattern)


def test_every_attack_tick_on_a_log_pays_and_a_broken_log_pays_most():
    held = _mine(_facing_a_log(), [True] * 59 + [False])  # one tick short of breaking it (60 by hand)
    bursts = _mine(_facing_a_log(), ([True] * 19 + [False]) * 3)  # 57 attack ticks, let go twice
    assert held == pytest.approx(2.0 * 59 / 60, abs=1e-6) and bursts == pytest.approx(2.0 * 57 / 60, abs=1e-6)
    env = _facing_a_log()
    broken = _mine(env, [True] * 60)
    assert env.world.blocks[tuple(int(v) for v in np.floor(env.world.eye()) + [0, 0, 2])] == 0  # the log is gone
    assert broken > held + 0.9  # the break bonus (the task reward follows when the log is picked up)
    w = env.world
    drop = np.flatnonzero(w.item_alive)
    assert drop.size == 1  # the log lies where it was: the approach term now leads to it
    assert env.nearest_target_distance() == pytest.approx(float(np.linalg.norm(w.item_pos[drop[0]] + [0, 0.25, 0] - w.eye())))


def test_staring_at_a_log_earns_nothing():
    env = _facing_a_log()
    assert abs(_mine(env, [False] * 30)) < 1e-6  # the aim bonus pays for arriving on the log, not for staying


def test_distance_and_errors():
    env = _facing_a_log()
    assert env.nearest_target_distance() == pytest.approx(2.5, abs=0.6)
    assert env._nearest()[1] > 0.95  # looking straight at it
    turn_away = np.array([0, 0, 0, 12, 18, 0, 0, 0])  # 90 degrees
    _, r, *_ = env.step(turn_away)
    assert r < -0.05  # facing away from the log costs what facing it earned
    combat = gym.make("embodied_gym/MineDojo-combat_zombie_plains_iron_armors_iron_sword_shield-v0", image_size=(32, 32))
    with pytest.raises(ShapingError, match="shapes harvest tasks"):
        HarvestShaping(combat)
    with pytest.raises(ShapingError, match="needs a voxel MineDojo env"):
        HarvestShaping(gym.make("CartPole-v1"))
