"""Scripted oracles for the standard gymnasium tasks of the ``gymnasium`` suite, and adapters that
present each world's own oracle through the leaderboard's ``reset``/``act`` interface.

The gymnasium oracles give the leaderboard a top baseline that needs no embodied_gym world: a
breadth-first planner on FrozenLake's map and a linear controller that keeps CartPole upright.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import gymnasium as gym
import numpy as np

# FrozenLake actions: 0 left, 1 down, 2 right, 3 up
_FROZEN_MOVES = {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}


class FrozenLakeOracle:
    """Shortest path on the (non-slippery) map by breadth-first search from the start to the goal."""

    def __init__(self) -> None:
        self._plan: dict[int, int] = {}

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        desc = np.asarray(env.unwrapped.desc).astype(str)
        rows, cols = desc.shape
        goal = tuple(np.argwhere(desc == "G")[0])
        # BFS backwards from the goal: for every safe cell, the move that steps towards the goal.
        self._plan = {}
        dist = {goal: 0}
        queue = deque([goal])
        while queue:
            r, c = queue.popleft()
            for action, (dr, dc) in _FROZEN_MOVES.items():
                pr, pc = r - dr, c - dc  # predecessor that reaches (r, c) with `action`
                if 0 <= pr < rows and 0 <= pc < cols and (pr, pc) not in dist and desc[pr, pc] != "H":
                    dist[(pr, pc)] = dist[(r, c)] + 1
                    self._plan[pr * cols + pc] = action
                    queue.append((pr, pc))

    def act(self, observation: Any, info: dict[str, Any]) -> int:
        state = int(observation)
        if state not in self._plan:
            raise RuntimeError(f"FrozenLake oracle: no path to the goal from state {state}")
        return self._plan[state]


class CartPoleOracle:
    """Push towards the side the pole falls to, with a damping term on the angular velocity."""

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        pass

    def act(self, observation: Any, info: dict[str, Any]) -> int:
        x, x_dot, theta, theta_dot = (float(v) for v in observation)
        return int(theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0)


class TilesOracle:
    """Clicks only red tiles, read from the env's privileged state: every board solved with no white
    revealed, in as many clicks as there are hidden reds (the lower bound)."""

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        self._env = env.unwrapped

    def act(self, observation: Any, info: dict[str, Any]) -> int:
        state = self._env.get_state()
        hidden_reds = state.red & ~state.revealed
        if not hidden_reds:
            raise RuntimeError("Tiles oracle: asked to act after every red tile was found")
        return (hidden_reds & -hidden_reds).bit_length() - 1  # lowest hidden red tile


class VoxelOracle:
    """The voxel world's planning oracle (:mod:`embodied_gym.agents.voxel_oracle`), given the MineDojo
    task id behind the gym id it is asked to play."""

    def __init__(self) -> None:
        from embodied_gym.agents.voxel_oracle import VoxelOracle as Planner

        self._planner = Planner()

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        from embodied_gym.envs.voxel.ids import task_id_of

        self._planner.reset(env, task_id_of(task_id), seed)

    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        return self._planner.act(observation, info)
