"""A tiny goal-reaching grid env and agents for the leaderboard and training tests.

Importing this module registers ``leaderboard_toy_env:GridGoal-v0`` (so ``gym.make`` with that id
works in any process that can import it, e.g. spawned evaluation workers). It reports
``info["success"]`` and ``info["spl"]`` like the house tasks, renders rgb frames, and takes
``step_delay`` to make episodes slow enough to kill an evaluation mid-run.
"""

from __future__ import annotations

import time
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

MOVES = np.array([[0, 1], [1, 0], [0, -1], [-1, 0]])


class GridGoalEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 8}

    def __init__(self, size: int = 5, render_mode: str | None = None, step_delay: float = 0.0,
                 goal_text: bool = False) -> None:
        self.size = size
        self.render_mode = render_mode
        self.step_delay = step_delay
        obs = {
            "rgb": spaces.Box(0, 255, (16, 16, 3), np.uint8),
            "position": spaces.Box(0.0, 1.0, (4,), np.float32),
        }
        if goal_text:
            obs["goal"] = spaces.Text(max_length=32)
        self.goal_text = goal_text
        self.observation_space = spaces.Dict(obs)
        self.action_space = spaces.Discrete(4)
        self.agent = np.zeros(2, dtype=int)
        self.goal = np.zeros(2, dtype=int)
        self.steps = 0
        self.shortest = 1

    def _obs(self) -> dict[str, Any]:
        img = np.zeros((16, 16, 3), np.uint8)
        cell = 16 // self.size
        ay, ax = self.agent * cell
        gy, gx = self.goal * cell
        img[gy:gy + cell, gx:gx + cell, 1] = 255
        img[ay:ay + cell, ax:ax + cell, 0] = 255
        pos = np.concatenate([self.agent, self.goal]).astype(np.float32) / (self.size - 1)
        obs: dict[str, Any] = {"rgb": img, "position": pos}
        if self.goal_text:
            obs["goal"] = "corner" if (self.goal == 0).all() else "somewhere"
        return obs

    def reset(self, *, seed: int | None = None, options: dict | None = None):  # type: ignore[override]
        super().reset(seed=seed)
        self.agent = self.np_random.integers(0, self.size, 2)
        self.goal = self.np_random.integers(0, self.size, 2)
        while (self.goal == self.agent).all():
            self.goal = self.np_random.integers(0, self.size, 2)
        self.shortest = int(np.abs(self.goal - self.agent).sum())
        self.steps = 0
        return self._obs(), {}

    def step(self, action):  # type: ignore[override]
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in {self.action_space}")
        if self.step_delay:
            time.sleep(self.step_delay)
        self.agent = np.clip(self.agent + MOVES[int(action)], 0, self.size - 1)
        self.steps += 1
        reached = bool((self.agent == self.goal).all())
        truncated = self.steps >= 4 * self.size and not reached
        info: dict[str, Any] = {}
        if reached or truncated:
            info["success"] = reached
            info["spl"] = self.shortest / max(self.steps, self.shortest) if reached else 0.0
        return self._obs(), float(reached), reached, truncated, info

    def render(self):  # type: ignore[override]
        return np.kron(self._obs()["rgb"], np.ones((4, 4, 1), np.uint8))


gym.register(id="GridGoal-v0", entry_point=GridGoalEnv, kwargs={"size": 4})
gym.register(id="GridGoalBig-v0", entry_point=GridGoalEnv, kwargs={"size": 8})


class GreedyAgent:
    """The toy task's oracle: step along the larger coordinate difference."""

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        self.env = env.unwrapped

    def act(self, observation: Any, info: dict[str, Any]) -> int:
        delta = self.env.goal - self.env.agent
        if abs(delta[0]) >= abs(delta[1]) and delta[0] != 0:
            return 1 if delta[0] > 0 else 3
        return 0 if delta[1] > 0 else 2


def greedy() -> GreedyAgent:
    return GreedyAgent()


def toy_suite(episodes: int = 6, delay: float = 0.0, name: str = "toy", version: str = "1"):  # type: ignore[no-untyped-def]
    from embodied_gym.leaderboard.suites import Suite, SuiteTask

    return Suite(name=name, version=version, tasks=(
        SuiteTask("leaderboard_toy_env:GridGoal-v0", tuple(range(100, 100 + episodes)),
                  env_kwargs={"step_delay": delay}, max_steps=50),
        SuiteTask("leaderboard_toy_env:GridGoalBig-v0", tuple(range(100, 100 + episodes)),
                  env_kwargs={"step_delay": delay}, max_steps=50),
    ))
