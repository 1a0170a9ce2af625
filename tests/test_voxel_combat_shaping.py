"""The hand-written dense combat reward (agents/sb3/voxel_shaping.py: CombatShaping), the ``dense`` arm of
scripts/ppo_learned_reward.py for hunt_cow."""

from __future__ import annotations

import embodied_gym  # noqa: F401
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.agents.sb3.voxel_shaping import CombatShaping, ShapingError

COMBAT = "embodied_gym/MineDojo-combat_cow_plains_leather_armors_diamond_sword_shield-v0"
ATTACK = np.array([0, 0, 0, 12, 12, 3, 0, 0])
NOOP = np.array([0, 0, 0, 12, 12, 0, 0, 0])


def _cow_in_front(seed: int = 0) -> tuple[CombatShaping, int]:
    """The combat env with every mob removed and one cow placed 1.5 m in front of the player, in view."""
    from embodied_gym.envs.voxel.mobs import MOB_INDEX

    env = CombatShaping(gym.make(COMBAT, image_size=(32, 32)))
    env.reset(seed=seed)
    w = env.world
    w.mob_alive[:] = False
    w.player.yaw, w.player.pitch = 0.0, 20.0  # MineDojo: yaw 0 faces +z, positive pitch looks down
    m = w.spawn_mob(MOB_INDEX["cow"], w.player.pos + [0.0, 0.0, 1.5])
    env._snapshot()
    return env, m


def test_hitting_the_cow_pays_the_health_fraction_taken():
    env, m = _cow_in_front()
    w = env.world
    assert env._on_target()
    full = float(w.mob_health[m])
    rewards = [env.step(ATTACK)[1] for _ in range(12)]
    lost = full - (float(w.mob_health[m]) if w.mob_alive[m] else 0.0)
    assert lost > 0  # the sword hit it
    # the hits pay lost/full (a kill also adds the task reward, 1.0); approach/face/aim moves are small
    task_reward = 1.0 if not w.mob_alive[m] else 0.0
    assert sum(rewards) == pytest.approx(lost / full + task_reward, abs=0.3)
    assert max(rewards) >= 0.5  # one diamond-sword blow takes 7 of a cow's 10 health


def test_waiting_in_front_of_the_cow_earns_nothing_and_turning_away_costs():
    env, _ = _cow_in_front()
    idle = sum(env.step(NOOP)[1] for _ in range(5))
    assert abs(idle) < 0.1  # a cow wandering a little: no hits, no bonus for staring
    turn_away = np.array([0, 0, 0, 12, 24, 0, 0, 0])  # 180 degrees
    _, r, *_ = env.step(turn_away)
    assert r < -0.1  # facing away costs the face term (and the aim bonus, if it was on the cow)


def test_rejects_non_combat_tasks():
    with pytest.raises(ShapingError, match="combat"):
        CombatShaping(gym.make("embodied_gym/MineDojo-harvest_1_dirt-v0", image_size=(32, 32)))
