"""HouseVectorEnv: N house sub-envs stepped together, their frames drawn in ONE renderer call.

Each sub-env is a :class:`~.sim.HouseSim` (the same episode logic as the single env); the N houses are
packed into one :class:`~embodied_gym.envs.render.SceneBatch`, re-packed only when a sub-env moves to
another house. ``autoreset_mode`` is Gymnasium's: ``NEXT_STEP`` (the default: the step after an
episode ends resets that sub-env and ignores its action) or ``SAME_STEP`` (reset at once; the last
observation is in ``infos["final_obs"]``, its info in ``infos["final_info"]``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array

from ..render.api import render_batch
from ..render.batch import SceneBatch
from ..render.types import Cameras
from .render_scene import EntityBatchCache
from .sim import HouseSim


class HouseVectorEnv(gym.vector.VectorEnv):
    """N house sub-envs on the embedded simulator with batched rendering."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10, "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, task: str = "ObjectNav", num_envs: int = 1, render_mode: str | None = None,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP, **kwargs: Any):
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        if render_mode is not None and render_mode != "rgb_array":
            raise ValueError(f"render_mode={render_mode!r} is not supported; use 'rgb_array' or None")
        mode = AutoresetMode(autoreset_mode)
        if mode == AutoresetMode.DISABLED:
            raise ValueError("autoreset_mode DISABLED is not supported; use NEXT_STEP or SAME_STEP")
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self.autoreset_mode = mode
        self.render_mode = render_mode
        self.num_envs = num_envs
        # One task and one house source for all sub-envs: house assets and goal fields are built once.
        first = HouseSim(task, **kwargs)
        first.source.cache_size = max(first.source.cache_size, num_envs + 4)
        self.sims = [first] + [HouseSim(first.task, source=first.source, **kwargs) for _ in range(num_envs - 1)]
        self.single_observation_space = self.sims[0].observation_space()
        self.single_action_space = self.sims[0].action_space()
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.actions = self.sims[0].actions
        self._rngs: list[np.random.Generator] = [np.random.default_rng() for _ in range(num_envs)]
        self._batch = None
        self._frames: dict[str, np.ndarray] = {}
        self._entities = EntityBatchCache()
        self._needs_reset = np.zeros(num_envs, bool)
        self._obs_buf = create_empty_array(self.single_observation_space, num_envs)

    # ------------------------------------------------------------------ rendering
    def _render_all(self, subset: np.ndarray | None = None) -> None:
        """Render every sub-env (or only ``subset``) in one renderer call."""

        sims = self.sims
        if self._batch is None:
            self._batch = SceneBatch([s.scene.voxels for s in sims])
            for s in sims:
                s.scene_changed = False
        for i, s in enumerate(sims):
            if s.scene_changed:  # this sub-env moved to another house: swap only its slot
                self._batch.replace_scene(i, s.scene.voxels)
                s.scene_changed = False
        idx = np.arange(self.num_envs) if subset is None else np.asarray(subset)
        pos = np.empty((idx.size, 3), np.float32)
        yaw = np.empty(idx.size, np.float32)
        pitch = np.empty(idx.size, np.float32)
        for k, i in enumerate(idx.tolist()):
            pos[k], yaw[k], pitch[k] = sims[i].camera()
        cams = Cameras.make(pos, yaw_deg=yaw, pitch_deg=pitch, fov_deg=sims[0].agent.field_of_view,
                            scene_index=idx)
        outputs = ["rgb", "instance"]
        if sims[0].depth:
            outputs.append("depth")
        if sims[0].semantic:
            outputs.append("semantic")
        ents = self._entities.batch([s.scene for s in sims], [s.world for s in sims])
        w, h = sims[0].width, sims[0].height
        if subset is None:
            self._frames = render_batch(self._batch, cams, w, h, outputs=outputs, entities=ents,
                                        out=self._frames if self._frames else None)
        else:
            part = render_batch(self._batch, cams, w, h, outputs=outputs, entities=ents)
            for key, arr in part.items():
                self._frames[key][idx] = arr
        for i in idx.tolist():
            sims[i].world.observe_instances(self._frames["instance"][i], sims[i].scene.instance_names)

    def _obs(self, i: int) -> dict:
        f = self._frames
        return self.sims[i].observation(f["rgb"][i].copy(), f["depth"][i].copy() if "depth" in f else None,
                                        f["semantic"][i].copy() if "semantic" in f else None)

    def _batched_obs(self) -> dict:
        return concatenate(self.single_observation_space, [self._obs(i) for i in range(self.num_envs)], self._obs_buf)

    @staticmethod
    def _stack_infos(infos: list[dict]) -> dict:
        """Gymnasium's vector info layout: one array per key plus a ``_key`` mask."""
        out: dict[str, Any] = {}
        n = len(infos)
        for i, info in enumerate(infos):
            for k, v in info.items():
                if k not in out:
                    dtype = object if isinstance(v, str | dict) else type(v)
                    out[k] = np.zeros(n, dtype=dtype) if dtype is not object else np.full(n, None, object)
                    out[f"_{k}"] = np.zeros(n, bool)
                out[k][i] = v
                out[f"_{k}"][i] = True
        return out

    # ------------------------------------------------------------------ API
    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None):
        if seed is None:
            seeds: list[int | None] = [None] * self.num_envs
        elif isinstance(seed, int | np.integer):
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            if len(seed) != self.num_envs:
                raise ValueError(f"reset(seed=...) needs one seed per sub-env ({self.num_envs}), got {len(seed)}")
            seeds = list(seed)
        for i, s in enumerate(seeds):
            if s is not None:
                self._rngs[i] = np.random.default_rng(s)
            self.sims[i].reset(self._rngs[i], reseeded=s is not None)
        self._needs_reset[:] = False
        self._render_all()
        return self._batched_obs(), self._stack_infos([s.info(False) for s in self.sims])

    def step(self, actions):
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,):
            raise ValueError(f"actions must have shape ({self.num_envs},), got {actions.shape}")
        n = self.num_envs
        results = [None] * n
        reset_now = self._needs_reset.copy()
        for i, s in enumerate(self.sims):
            if reset_now[i]:
                s.reset(self._rngs[i], reseeded=False)
            else:
                results[i] = s.apply(actions[i])
        self._render_all()
        rewards = np.zeros(n, np.float64)
        terminated = np.zeros(n, bool)
        truncated = np.zeros(n, bool)
        infos = []
        for i, s in enumerate(self.sims):
            r = results[i]
            if r is None:
                infos.append(s.info(False))
                continue
            rewards[i] = s.finish(r)
            terminated[i], truncated[i] = r.terminated, r.truncated
            infos.append(s.info(r.terminated or r.truncated))
        done = terminated | truncated
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._needs_reset = done
            return self._batched_obs(), rewards, terminated, truncated, self._stack_infos(infos)
        # SAME_STEP: keep the final observations, reset the finished sub-envs, render them again
        if done.any():
            final_obs = [self._obs(i) if done[i] else None for i in range(n)]
            final_info = [infos[i] if done[i] else {} for i in range(n)]
            for i in np.flatnonzero(done):
                self.sims[i].reset(self._rngs[i], reseeded=False)
                infos[i] = self.sims[i].info(False)
            self._render_all(np.flatnonzero(done))
            stacked = self._stack_infos(infos)
            fo = np.full(n, None, object)
            fi = np.full(n, None, object)
            for i in np.flatnonzero(done):
                fo[i], fi[i] = final_obs[i], final_info[i]
            stacked["final_obs"], stacked["_final_obs"] = fo, done.copy()
            stacked["final_info"], stacked["_final_info"] = fi, done.copy()
            return self._batched_obs(), rewards, terminated, truncated, stacked
        return self._batched_obs(), rewards, terminated, truncated, self._stack_infos(infos)

    def render(self):
        if self.render_mode == "rgb_array" and self._frames:
            return tuple(self._frames["rgb"][i].copy() for i in range(self.num_envs))
        return None
