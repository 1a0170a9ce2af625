"""``VoxelVectorEnv``: N voxel worlds stepped together and rendered in one batched renderer call.

Registered as the ``vector_entry_point`` of the voxel gym ids, so ``gym.make_vec(id, num_envs=N)``
builds it (no subprocesses: the worlds live in this process; the renderer spreads the N cameras over
numba's thread pool). Autoreset follows Gymnasium's ``NEXT_STEP`` mode: the step after an episode
ends resets that world and returns its first observation with reward 0.

``infos`` holds, per env, ``success`` and ``alive`` (bool arrays with Gymnasium's ``_key`` masks);
the full MineDojo stats of world ``i`` are ``env.worlds[i].task_info()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from . import observe
from .env import DEFAULT_IMAGE_SIZE, parse_image_size
from .spaces import action_space, observation_space, validate_actions
from .world import VoxelWorld


class VoxelVectorEnv(gym.vector.VectorEnv):
    """N worlds of one task (or open worlds); see the module docstring."""

    metadata = {"render_modes": ["rgb_array"], "autoreset_mode": AutoresetMode.NEXT_STEP, "render_fps": 20}

    def __init__(self, num_envs: int, task=None, rule_factory: Callable[[], Any] | None = None,
                 image_size=DEFAULT_IMAGE_SIZE, world_size: int = 256, max_episode_steps: int | None = None,
                 render_mode: str | None = None, render_parallel: bool | None = None) -> None:
        if not isinstance(num_envs, int | np.integer) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive int, got {num_envs!r}")
        if render_mode is not None and render_mode != "rgb_array":
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if max_episode_steps is not None and max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be >= 1 or None, got {max_episode_steps}")
        self.num_envs = int(num_envs)
        self.task = task
        self.image_size = parse_image_size(image_size)
        self.render_mode = render_mode
        self.max_episode_steps = max_episode_steps
        self.single_action_space = action_space()
        self.single_observation_space = observation_space(self.image_size)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.worlds = [VoxelWorld(world_size) for _ in range(self.num_envs)]
        self.rules = [rule_factory() for _ in range(self.num_envs)] if rule_factory is not None else [None] * self.num_envs
        self._buf = observe.allocate(self.single_observation_space, self.num_envs)
        self._take = observe.Taker(self._buf, self.single_observation_space, None)
        self._counts: list[np.ndarray | None] = [None] * self.num_envs
        self._elapsed = np.zeros(self.num_envs, np.int64)
        self._needs_reset = np.zeros(self.num_envs, np.bool_)
        self._rngs: list[np.random.Generator] = []
        self._renderer = None
        self._render_parallel = render_parallel  # None: threads when the machine has them; False: one thread

    def _reset_world(self, i: int) -> None:
        seed = int(self._rngs[i].integers(0, 2**31 - 1))
        self.worlds[i].reset(seed, self.task)
        if self.rules[i] is not None:
            self.rules[i].reset(self.worlds[i])
        self._counts[i] = None
        self._elapsed[i] = 0

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        if seed is None:
            seeds = [None] * self.num_envs
        elif isinstance(seed, int | np.integer):
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"seed list must have {self.num_envs} entries, got {len(seeds)}")
        if seed is not None or not self._rngs:
            self._rngs = [np.random.default_rng(s) for s in seeds]
        for i in range(self.num_envs):
            self._reset_world(i)
        self._needs_reset[:] = False
        return self._observe(np.full(self.num_envs, -1)), self._infos(np.zeros(self.num_envs, bool))

    def step(self, actions):
        acts = validate_actions(actions, self.num_envs)
        rewards = np.zeros(self.num_envs, np.float64)
        terminated = np.zeros(self.num_envs, np.bool_)
        truncated = np.zeros(self.num_envs, np.bool_)
        success = np.zeros(self.num_envs, np.bool_)
        crafted = np.full(self.num_envs, -1)
        stepped = []
        for i, w in enumerate(self.worlds):
            if self._needs_reset[i]:
                self._reset_world(i)
                continue
            w.step(acts[i])
            self._elapsed[i] += 1
            if acts[i, 5] == 4:
                crafted[i] = w.cat.item_id(w.cat.craft_smelt_items[int(acts[i, 6])])
            stepped.append(i)
        obs = self._observe(crafted)
        for i in stepped:
            w = self.worlds[i]
            if self.rules[i] is not None:
                info = w.task_info()
                r, s = self.rules[i].step(w, info)
                rewards[i], success[i] = r, bool(s)
            terminated[i] = success[i] or not w.player.alive
            truncated[i] = self.max_episode_steps is not None and self._elapsed[i] >= self.max_episode_steps
        self._needs_reset = terminated | truncated
        return obs, rewards, terminated, truncated, self._infos(success)

    def _observe(self, crafted: np.ndarray) -> dict:
        if self._renderer is None:
            from .scene import BatchRenderer

            self._renderer = BatchRenderer(self.num_envs, *self.image_size, parallel=self._render_parallel)
        self._renderer.render(self.worlds, out=self._buf["rgb"])
        self._counts = observe.fill(self._buf, self.worlds, self._counts, crafted)
        return self._take()

    def _infos(self, success: np.ndarray) -> dict:
        ones = np.ones(self.num_envs, np.bool_)
        return {"success": success.copy(), "_success": ones, "alive": np.array([w.player.alive for w in self.worlds]),
                "_alive": ones.copy()}

    def render(self):
        if self.render_mode != "rgb_array" or self._renderer is None:
            return None
        return self._buf["rgb"].transpose(0, 2, 3, 1).copy()

    def get_state(self) -> list[dict]:
        return [w.get_state() for w in self.worlds]


def make_open_vector_env(num_envs: int, **kwargs) -> VoxelVectorEnv:
    """Vector entry point of ``embodied_gym/Voxel-Open-v0``."""
    return VoxelVectorEnv(num_envs, **kwargs)


def make_minedojo_vector_env(num_envs: int, task_id: str, backend: str = "embedded", **kwargs) -> VoxelVectorEnv:
    """Vector entry point for ``embodied_gym/MineDojo-<task_id>-v0``: the task's spec and a rule per world."""
    if backend != "embedded":
        raise ValueError(f"the native vector env runs the embedded world only, got backend={backend!r}")
    from .tasks.registry import get_spec
    from .tasks.rules import rule_for

    spec = get_spec(task_id)
    return VoxelVectorEnv(num_envs, task=spec, rule_factory=lambda: rule_for(spec), **kwargs)
