"""A small discrete action view of MineDojo's ``MultiDiscrete([3,3,4,25,25,8,244,36])`` for learning
agents (``--wrapper embodied_gym.agents.sb3.voxel_actions:navigate_and_attack``).

Exploration in the full space is hopeless for a from-scratch policy: most of its 3x3x4x25x25x8x244x36
combinations swing the camera by tens of degrees or fire a craft/place with a random argument. Tasks
like ``harvest_1_log`` need only walking, turning, looking and holding attack, so this wrapper offers
exactly those as ``Discrete(len(ACTIONS))``; every action is still an ordinary MineDojo action vector
(the design's rule: simpler views are wrappers, not separate envs).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

#: MineDojo's no-op: no movement, camera bins at their centre (12 = 0 degrees), no function.
NOOP = (0, 0, 0, 12, 12, 0, 0, 0)
#: name -> (index, value) edits of NOOP. Camera bins are 15 degrees: 12 -/+ 1 turns one bin. One bin, not
#: two: a trunk 5 blocks away spans ~11 degrees, so 30-degree turns leave most trees impossible to aim at.
ACTIONS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("noop", ()),
    ("forward", ((0, 1),)),
    ("forward_jump", ((0, 1), (2, 1))),
    ("turn_left", ((4, 11),)),
    ("turn_right", ((4, 13),)),
    ("look_up", ((3, 11),)),
    ("look_down", ((3, 13),)),
    ("attack", ((5, 3),)),
)


class NavigateAndAttack(gym.ActionWrapper):
    """``Discrete(8)`` over MineDojo's action space: noop, forward, forward+jump, turn left/right
    (15 degrees), look up/down (15 degrees), attack."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        space = env.action_space
        if not (isinstance(space, gym.spaces.MultiDiscrete) and tuple(space.nvec[:6]) == (3, 3, 4, 25, 25, 8)):
            raise ValueError(f"NavigateAndAttack wraps MineDojo's MultiDiscrete action space, got {space}")
        self._table = np.tile(np.asarray(NOOP, dtype=space.dtype), (len(ACTIONS), 1))
        for i, (_, edits) in enumerate(ACTIONS):
            for index, value in edits:
                self._table[i, index] = value
        self.action_space = gym.spaces.Discrete(len(ACTIONS))

    def action(self, action: Any) -> np.ndarray:
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in Discrete({len(ACTIONS)}): "
                             f"{[name for name, _ in ACTIONS]}")
        return self._table[int(action)].copy()


def navigate_and_attack(env: gym.Env) -> NavigateAndAttack:
    """Factory for ``--wrapper``."""
    return NavigateAndAttack(env)
