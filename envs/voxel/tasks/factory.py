"""The env factory behind every ``embodied_gym/MineDojo-<task_id>-v0`` gym id.

``backend="embedded"`` (default) builds the voxel world with the task's :class:`TaskSpec` and its
MineDojo success/reward rule; ``backend="minedojo"`` hands the id to the real MineDojo. Every other
keyword goes to the chosen backend (``image_size``, ``render_mode``, ``seed`` ...). The time limit is
the gym id's ``max_episode_steps`` (per category, see ``envs/voxel/ids.py``), applied by Gymnasium.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from embodied_gym.envs.voxel.tasks.registry import get_spec
from embodied_gym.envs.voxel.tasks.rules import rule_for

BACKENDS: tuple[str, ...] = ("embedded", "minedojo")


class UnknownBackendError(ValueError):
    """A ``backend=`` value other than those in :data:`BACKENDS`."""


def make_minedojo_env(task_id: str, backend: str = "embedded", **kwargs: Any) -> gym.Env:
    """Build one MineDojo task env on the chosen backend."""
    spec = get_spec(task_id)  # unknown ids fail here with the nearest ids
    if backend == "embedded":
        from embodied_gym.envs.voxel.env import VoxelEnv

        return VoxelEnv(task=spec, rule=rule_for(spec), **kwargs)
    if backend == "minedojo":
        from embodied_gym.envs.backends.minedojo import MineDojoBackendEnv

        return MineDojoBackendEnv(task_id, **kwargs)
    raise UnknownBackendError(f"unknown backend {backend!r} for {task_id!r}; accepted: {', '.join(BACKENDS)}")


def make_minedojo_vector_env(task_id: str, num_envs: int, backend: str = "embedded", **kwargs: Any) -> gym.vector.VectorEnv:
    """``gym.make_vec(id, num_envs=N)``: N embedded worlds of one task stepped and rendered together.

    Each world gets its own rule object; ``max_episode_steps`` (the id's time limit) truncates episodes.
    Only the embedded backend has a native vector env (a real MineDojo instance is one Minecraft each).
    """
    spec = get_spec(task_id)
    if backend != "embedded":
        raise UnknownBackendError(
            f"gym.make_vec supports backend='embedded' only, got {backend!r}; for MineDojo use "
            "gym.make_vec(id, num_envs=N, vectorization_mode='async', backend='minedojo')"
        )
    from embodied_gym.envs.voxel.vector import VoxelVectorEnv

    return VoxelVectorEnv(num_envs, task=spec, rule_factory=lambda: rule_for(spec), **kwargs)
