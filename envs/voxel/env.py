"""``VoxelEnv``: the Minecraft-like world as a Gymnasium env with MineDojo's spaces.

    env = VoxelEnv(task=None, rule=None, image_size=(160, 256), world_size=256)
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

* Spaces: see :mod:`envs.voxel.spaces` (action ``MultiDiscrete([3,3,4,25,25,8,244,36])``, no-op
  ``[0,0,0,12,12,0,0,0]``, MineDojo's observation dict; name arrays are int ids, decode them with
  :func:`envs.voxel.spaces.decode_names`).
* ``task``: a :class:`TaskSpec`; its set-up fields are applied on every reset (biome -- ``nether`` and
  ``the_end`` select those dimensions --, initial inventory incl. equipment slots, initial mobs within
  the spawn range, ``start_time`` or start at night / always night, mob spawning, time passage).
* ``rule``: any object with ``reset(world)`` and ``step(world, info) -> (reward, success)``; success
  terminates the episode. Death always terminates it. Without a rule, reward is 0.
* ``info`` (also what ``rule.step`` reads), MineDojo's stat names:
  ``info["inventory"]``: ``{item name: count}`` over the 36 slots and the equipment;
  ``info["stat"]``: ``{"mine_block": {block: n}, "craft_item": {item: n}, "use_item": {item: n},
  "kill_entity": {mob: n}, "pickup": {item: n}, "drop": {item: n}, "damage_taken": {source: n*10},
  "time_since_death": ticks, "play_one_minute": ticks}``; ``info["days_alive"]``; ``info["events"]``
  (e.g. ``"died:drown"``); ``info["success"]``.
* Privileged state for oracles: ``env.world`` (:class:`VoxelWorld`): ``block_at(x, y, z)``,
  ``blocks`` (uint8 ids, ``world.cat.block_names``), ``entities()`` (mobs and dropped items with
  positions), ``player`` (pose, health, food ...), ``inventory``, ``target_block()``, ``get_state()`` /
  ``set_state()`` (exact save/restore, also via ``env.get_state()`` / ``env.set_state()``).
* ``render_mode="rgb_array"``: ``render()`` returns the last frame as (H, W, 3).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from . import observe
from .spaces import ACTION_NVEC, NOOP, action_space, observation_space, validate_action
from .world import VoxelWorld

DEFAULT_IMAGE_SIZE = (160, 256)


def parse_image_size(image_size) -> tuple[int, int]:
    if isinstance(image_size, int | np.integer):
        image_size = (int(image_size), int(image_size))
    try:
        h, w = (int(v) for v in image_size)
    except (TypeError, ValueError):
        raise ValueError(f"image_size must be an int or (height, width), got {image_size!r}") from None
    if not (32 <= h <= 512 and 32 <= w <= 512):
        raise ValueError(f"image_size must lie in [32, 512] per side, got {(h, w)}")
    return h, w


class VoxelEnv(gym.Env):
    """One Minecraft-like world (see module docstring)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(self, task=None, rule=None, image_size=DEFAULT_IMAGE_SIZE, render_mode: str | None = None,
                 world_size: int = 256, seed: int | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if rule is not None and not (callable(getattr(rule, "reset", None)) and callable(getattr(rule, "step", None))):
            raise TypeError("rule must have reset(world) and step(world, info) -> (reward, success)")
        self.task = task
        self.rule = rule
        self.image_size = parse_image_size(image_size)
        self.render_mode = render_mode
        self.action_space = action_space()
        self.observation_space = observation_space(self.image_size)
        self.world = VoxelWorld(world_size)
        self._renderer = None
        self._buf = observe.allocate(self.observation_space, 1)
        self._take = observe.Taker(self._buf, self.observation_space, 0)  # pickles with the same buffer
        self._counts = None
        self._initial_seed = seed
        self._frame = None

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is None and self._initial_seed is not None and self._frame is None:
            seed = self._initial_seed
        super().reset(seed=seed)
        world_seed = int(self.np_random.integers(0, 2**31 - 1))
        self.world.reset(world_seed, self.task)
        if self.rule is not None:
            self.rule.reset(self.world)
        self._counts = None
        obs = self._observe(crafted=-1)
        info = self._info(success=False)
        return obs, info

    def step(self, action):
        a = validate_action(action)
        w = self.world
        if not hasattr(w, "player"):
            raise RuntimeError("call reset() before step()")
        w.step(a)
        crafted = w.cat.item_id(w.cat.craft_smelt_items[int(a[6])]) if a[5] == 4 else -1
        obs = self._observe(crafted)
        info = self._info(success=False)
        reward, success = 0.0, False
        if self.rule is not None:
            reward, success = self.rule.step(w, info)
            info["success"] = bool(success)
        terminated = bool(success) or not w.player.alive
        return obs, float(reward), terminated, False, info

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        return None if self._frame is None else self._frame.transpose(1, 2, 0).copy()

    # ------------------------------------------------------------------ helpers
    def _observe(self, crafted: int) -> dict:
        if self._renderer is None:
            from .scene import BatchRenderer

            self._renderer = BatchRenderer(1, *self.image_size)
        self._renderer.render([self.world], out=self._buf["rgb"])
        self._frame = self._buf["rgb"][0]
        self._counts = observe.fill(self._buf, [self.world], [self._counts], [crafted])[0]
        return self._take()

    def _info(self, success: bool) -> dict[str, Any]:
        info = self.world.task_info()
        info["events"] = list(self.world.events)
        info["success"] = success
        return info

    def get_state(self) -> dict:
        """The world state plus the env's own RNG: :meth:`set_state` continues bit for bit."""
        return {"world": self.world.get_state(), "np_random": self.np_random.bit_generator.state,
                "counts": None if self._counts is None else self._counts.copy()}

    def set_state(self, state: dict) -> None:
        self.world.set_state(state["world"])
        self.np_random.bit_generator.state = state["np_random"]
        self._counts = None if state["counts"] is None else state["counts"].copy()
        if self._renderer is not None:
            self._renderer = None  # repack the scene from the restored blocks

    @staticmethod
    def noop() -> np.ndarray:
        return np.array(NOOP, dtype=np.int64)


assert len(ACTION_NVEC) == 8
