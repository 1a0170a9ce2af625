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
from gymnasium.vector.utils import batch_space, create_empty_array

from ..render.api import render_batch
from ..render.batch import SceneBatch
from ..render.types import Cameras
from .render_scene import EntityBatchCache
from .sim import GOAL_TEXT_BYTES, HouseSim
from .tasks import PointNavTask


class HouseVectorEnv(gym.vector.VectorEnv):
    """N house sub-envs on the embedded simulator with batched rendering."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10, "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, task: str = "ObjectNav", num_envs: int = 1, render_mode: str | None = None,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP, prefetch_houses: bool = False,
                 **kwargs: Any):
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
        # prefetch_houses: a sub-env's next procedural house is built during its episode in a worker
        # process (see prefetch.py): the same episodes, the build moved off this thread to a core the
        # renderer's serial gaps leave idle. Off by default until a quiet-machine run shows the gain.
        first = HouseSim(task, prefetch_houses=prefetch_houses, **kwargs)
        first.source.cache_size = max(first.source.cache_size, num_envs + 4)
        self.sims = [first] + [HouseSim(first.task, source=first.source, **kwargs) for _ in range(num_envs - 1)]
        self.single_observation_space = self.sims[0].observation_space()
        self.single_action_space = self.sims[0].action_space()
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.actions = self.sims[0].actions
        self._rngs: list[np.random.Generator] = [np.random.default_rng() for _ in range(num_envs)]
        self._batch = None
        self._entities = EntityBatchCache()
        self._needs_reset = np.zeros(num_envs, bool)
        self._obs_buf = create_empty_array(self.single_observation_space, num_envs)
        first = self.sims[0]
        # the renderer writes the frames straight into the observation buffers
        self._outputs = ("rgb", "instance") + (("depth",) if first.depth else ()) + (("semantic",) if first.semantic else ())
        self._frames: dict[str, np.ndarray] = {k: self._obs_buf[k] for k in self._outputs if k != "instance"}
        self._frames["instance"] = np.zeros((num_envs, first.height, first.width), np.int32)
        self._instance_views = list(self._frames["instance"])
        self._rendered = False
        self._cams = Cameras.make(np.zeros((num_envs, 3)), fov_deg=first.agent.field_of_view,
                                  scene_index=np.arange(num_envs))
        self._goal_id = np.zeros(num_envs, np.int64)
        self._goal_text = np.zeros((num_envs, GOAL_TEXT_BYTES), np.uint8)
        self._info_keys = first.info_keys()

    # ------------------------------------------------------------------ rendering
    def _render_all(self, subset: np.ndarray | None = None) -> None:
        """Render every sub-env (or only ``subset``) in one renderer call.

        A full render writes straight into the observation buffers (``rgb``, ``depth``, ``semantic``)
        and the instance masks, through cameras made once whose arrays each step refills."""
        sims = self.sims
        if self._batch is None:
            self._batch = SceneBatch([s.scene.voxels for s in sims])
            for s in sims:
                s.scene_changed = False
        for i, s in enumerate(sims):
            if s.scene_changed:  # this sub-env moved to another house: swap only its slot
                self._batch.replace_scene(i, s.scene.voxels)
                s.scene_changed = False
        idx = range(self.num_envs) if subset is None else np.asarray(subset).tolist()
        views = [sims[i].camera() for i in idx]
        if subset is None:
            cams = self._cams
            cams.position[:] = [v[0] for v in views]
            cams.yaw_deg[:] = [v[1] for v in views]
            cams.pitch_deg[:] = [v[2] for v in views]
        else:
            cams = Cameras.make([v[0] for v in views], yaw_deg=[v[1] for v in views],
                                pitch_deg=[v[2] for v in views], fov_deg=sims[0].agent.field_of_view,
                                scene_index=np.asarray(idx))
        ents = self._entities.batch([s.scene for s in sims], [s.world for s in sims])
        w, h = sims[0].width, sims[0].height
        if subset is None:
            render_batch(self._batch, cams, w, h, outputs=self._outputs, entities=ents, out=self._frames)
        else:
            part = render_batch(self._batch, cams, w, h, outputs=self._outputs, entities=ents)
            for key, arr in part.items():
                self._frames[key][idx] = arr
        self._rendered = True
        masks = self._instance_views
        for i in idx:
            sims[i].world.observe_instances(masks[i], sims[i].scene.instance_names)

    def _obs(self, i: int) -> dict:
        """Sub-env i's observation as the single env gives it (copies: for ``final_obs``)."""
        f = self._frames
        return self.sims[i].observation(f["rgb"][i].copy(), f["depth"][i].copy() if "depth" in f else None,
                                        f["semantic"][i].copy() if "semantic" in f else None)

    def _note_goal(self, i: int) -> None:
        """Sub-env i was reset: its goal (the same until its next reset) goes into the goal arrays."""
        s = self.sims[i]
        self._goal_id[i] = s.goal.goal_id
        self._goal_text[i] = s.goal_text

    def _batched_obs(self) -> dict:
        """The batched observation: frames are already in place; goals come from the goal arrays."""
        buf = self._obs_buf
        np.copyto(buf["goal_id"], self._goal_id)
        np.copyto(buf["goal_text"], self._goal_text)
        if "goal" in buf:  # PointNav: the goal relative to the agent changes every step
            buf["goal"][:] = [PointNavTask.relative_goal(s.world, s.goal) for s in self.sims]
        return buf

    def _stack_infos(self, values: list[tuple]) -> dict:
        """Gymnasium's vector info layout (one array per key plus a ``_key`` mask) from each sub-env's
        :meth:`HouseSim.info_values`; the dtypes are those of the values (str: object)."""
        out: dict[str, Any] = {}
        n = len(values)
        for key, column in zip(self._info_keys, zip(*values, strict=True), strict=True):
            first = column[0]
            if isinstance(first, str | dict):
                arr = np.empty(n, object)
                arr[:] = column
            else:
                arr = np.array(column, dtype=type(first))
            out[key] = arr
            out[f"_{key}"] = np.ones(n, bool)
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
            self._note_goal(i)
        self._needs_reset[:] = False
        self._render_all()
        return self._batched_obs(), self._stack_infos([s.info_values(False) for s in self.sims])

    def _checked_actions(self, actions, acting: np.ndarray) -> list[int]:
        """The actions as ints; those of the sub-envs in ``acting`` must be valid (the others are
        ignored: those sub-envs reset this step). Errors are the single env's."""
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,):
            raise ValueError(f"actions must have shape ({self.num_envs},), got {actions.shape}")
        if actions.dtype.kind in "iu":
            live = actions[acting]
            if live.size == 0 or (int(live.min()) >= 0 and int(live.max()) < len(self.actions)):
                return actions.tolist()
        for i in np.flatnonzero(acting).tolist():
            self.sims[i].check_action(actions[i])  # raises for the first bad one
        return [0] * self.num_envs  # every sub-env resets this step: no action is read

    def step(self, actions):
        n = self.num_envs
        sims = self.sims
        reset_now = self._needs_reset.copy()
        acts = self._checked_actions(actions, ~reset_now)
        results: list = [None] * n
        for i, s in enumerate(sims):
            if reset_now[i]:
                s.reset(self._rngs[i], reseeded=False)
                self._note_goal(i)
            else:
                results[i] = s.apply_index(acts[i])
        self._render_all()
        rewards = np.zeros(n, np.float64)
        terminated = np.zeros(n, bool)
        truncated = np.zeros(n, bool)
        values = []
        for i, s in enumerate(sims):
            r = results[i]
            if r is None:
                values.append(s.info_values(False))
                continue
            rewards[i] = s.finish(r)
            terminated[i], truncated[i] = r.terminated, r.truncated
            values.append(s.info_values(r.terminated or r.truncated))
        done = terminated | truncated
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._needs_reset = done
        if self.autoreset_mode == AutoresetMode.NEXT_STEP or not done.any():
            return self._batched_obs(), rewards, terminated, truncated, self._stack_infos(values)
        # SAME_STEP: keep the final observations, reset the finished sub-envs, render them again
        finished = np.flatnonzero(done).tolist()
        fo = np.full(n, None, object)
        fi = np.full(n, None, object)
        for i in finished:
            fo[i] = self._obs(i)
            fi[i] = dict(zip(self._info_keys, values[i], strict=True))
        for i in finished:
            sims[i].reset(self._rngs[i], reseeded=False)
            self._note_goal(i)
            values[i] = sims[i].info_values(False)
        self._render_all(np.asarray(finished))
        stacked = self._stack_infos(values)
        stacked["final_obs"], stacked["_final_obs"] = fo, done.copy()
        stacked["final_info"], stacked["_final_info"] = fi, done.copy()
        return self._batched_obs(), rewards, terminated, truncated, stacked

    def close_extras(self, **kwargs: Any) -> None:
        self.sims[0].source.close()

    def render(self):
        if self.render_mode == "rgb_array" and self._rendered:
            return tuple(self._frames["rgb"][i].copy() for i in range(self.num_envs))
        return None
