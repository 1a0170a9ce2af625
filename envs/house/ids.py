"""Gym ids of the house world (registered on ``import embodied_gym``; nothing heavy imported).

``embodied_gym/House-<Task>-v0`` for ObjectNav, PointNav, RoomNav, Instruction and Rearrange.
Every id takes ``houses=`` ("procedural", a dataset path, or a list of house dicts), ``width=``,
``height=``, ``depth=``, ``semantic=``, ``agent=`` ("default" or "locobot"), ``reward_shaping=``,
``failed_stop_reward=`` (added when ``Done`` is called without success; 0 by default) and
``backend=`` ("embedded", the default, or "ai2thor"). ``gym.make_vec(id, num_envs=N)`` returns the
native batched :class:`~.vector.HouseVectorEnv`, which renders all N houses in one renderer call;
``prefetch_houses=True`` builds each sub-env's next procedural house in a worker process during the
episode before it (the same episodes; see ``prefetch.py``).
"""

from __future__ import annotations

import gymnasium as gym

TASK_NAMES = ("ObjectNav", "PointNav", "RoomNav", "Instruction", "Rearrange")
ENTRY_POINT = "embodied_gym.envs.house.factory:make_house_env"
VECTOR_ENTRY_POINT = "embodied_gym.envs.house.factory:make_house_vector_env"


def gym_id(task: str) -> str:
    return f"embodied_gym/House-{task}-v0"


def register() -> None:
    for task in TASK_NAMES:
        env_id = gym_id(task)
        if env_id not in gym.registry:
            # The env truncates by itself at the task's step limit (500 by default).
            gym.register(id=env_id, entry_point=ENTRY_POINT, vector_entry_point=VECTOR_ENTRY_POINT,
                         kwargs={"task": task})
