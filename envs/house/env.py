"""Gymnasium envs for the house tasks: :class:`HouseEnv` (one agent) on the embedded simulator.

Observation (a Dict): ``rgb`` (H, W, 3) uint8 as AI2-THOR's ``event.frame``; optional ``depth`` (H, W)
float32 metres and ``semantic`` (H, W) int32; ``goal_id`` (index into the task's goal list, e.g. the
16 ObjectNav types); ``goal_text`` (the goal sentence as zero-padded UTF-8 bytes — decode with
:func:`~.sim.decode_goal_text`; ``info["goal_text"]`` has the string); PointNav adds ``goal``
(distance m, bearing rad). Actions are ``Discrete`` over AI2-THOR action names (``env.actions``).
``info`` has ``success``, ``spl`` (at the episode's end), ``distance_to_goal`` (geodesic m).
``env.unwrapped.world.metadata()`` is AI2-THOR's ``event.metadata``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from ..render.api import render_batch
from ..render.batch import SceneBatch
from ..render.types import Cameras
from .render_scene import EntityBatchCache
from .sim import HouseSim


class HouseEnv(gym.Env):
    """A house task on the embedded simulator. See the module docstring for spaces."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, task: str = "ObjectNav", render_mode: str | None = None, **kwargs: Any):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode={render_mode!r} is not supported; use one of {self.metadata['render_modes']} or None")
        self.render_mode = render_mode
        self.sim = HouseSim(task, **kwargs)
        self.observation_space = self.sim.observation_space()
        self.action_space = self.sim.action_space()
        self.actions = self.sim.actions
        self._batch = None
        self._frame: dict[str, np.ndarray] = {}
        self._entities = EntityBatchCache()
        self._cams: Cameras | None = None

    @property
    def world(self):
        return self.sim.world

    def _render_frame(self) -> None:

        sim = self.sim
        if sim.scene_changed or self._batch is None:
            self._batch = SceneBatch([sim.scene.voxels])
            sim.scene_changed = False
        pos, yaw, pitch = sim.camera()
        cams = self._cams
        if cams is None:  # made (and checked) once; each step writes the pose into its arrays
            cams = self._cams = Cameras.make(pos, yaw_deg=yaw, pitch_deg=pitch, fov_deg=sim.agent.field_of_view)
        else:
            cams.position[0] = pos
            cams.yaw_deg[0] = yaw
            cams.pitch_deg[0] = pitch
        outputs = ["rgb", "instance"]
        if sim.depth:
            outputs.append("depth")
        if sim.semantic:
            outputs.append("semantic")
        ents = self._entities.batch([sim.scene], [sim.world])
        out = render_batch(self._batch, cams, sim.width, sim.height, outputs=outputs, entities=ents)
        self._frame = {k: v[0] for k, v in out.items()}
        sim.world.observe_instances(self._frame["instance"], sim.scene.instance_names)

    def _obs(self) -> dict:
        f = self._frame
        return self.sim.observation(f["rgb"].copy(), f["depth"].copy() if "depth" in f else None,
                                    f["semantic"].copy() if "semantic" in f else None)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.sim.reset(self.np_random, reseeded=seed is not None)
        self._render_frame()
        return self._obs(), self.sim.info(False)

    def step(self, action):
        result = self.sim.apply(action)
        self._render_frame()
        reward = self.sim.finish(result)
        done = result.terminated or result.truncated
        return self._obs(), float(reward), result.terminated, result.truncated, self.sim.info(done)

    def close(self):
        self.sim.source.close()
        super().close()

    def render(self):
        if self.render_mode == "rgb_array":
            return self._frame["rgb"].copy() if self._frame else None
        return None
