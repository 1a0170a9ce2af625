"""The voxel world's own gym id: ``embodied_gym/Voxel-Open-v0``, an open world with no task.

(The ``MineDojo-<task_id>`` ids live in ``ids.py``, owned by the task registry.) Entry points are strings,
so registering imports nothing heavy.
"""

from __future__ import annotations

import gymnasium as gym

OPEN_ID = "embodied_gym/Voxel-Open-v0"


def register() -> None:
    if OPEN_ID in gym.registry:
        return
    gym.register(
        id=OPEN_ID,
        entry_point="embodied_gym.envs.voxel.env:VoxelEnv",
        vector_entry_point="embodied_gym.envs.voxel.vector:make_open_vector_env",
        max_episode_steps=24000,
    )
