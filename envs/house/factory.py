"""Entry points behind the house gym ids: pick the backend, build the env."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

BACKENDS = ("embedded", "ai2thor")


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; accepted: {', '.join(BACKENDS)}")


def make_house_env(task: str = "ObjectNav", backend: str = "embedded", **kwargs: Any) -> gym.Env:
    """``gym.make("embodied_gym/House-<Task>-v0", backend=...)``."""
    _check_backend(backend)
    if backend == "ai2thor":
        from embodied_gym.envs.backends.ai2thor import AI2ThorHouseEnv

        return AI2ThorHouseEnv(task=task, **kwargs)
    from .env import HouseEnv

    return HouseEnv(task=task, **kwargs)


def make_house_vector_env(task: str = "ObjectNav", num_envs: int = 1, backend: str = "embedded",
                          **kwargs: Any) -> gym.vector.VectorEnv:
    """``gym.make_vec("embodied_gym/House-<Task>-v0", num_envs=N)``: the native batched env."""
    _check_backend(backend)
    if backend != "embedded":
        raise ValueError("the native vector env runs the embedded backend only; use "
                         "gym.make_vec(..., vectorization_mode='async', backend='ai2thor') for AI2-THOR")
    from .vector import HouseVectorEnv

    return HouseVectorEnv(task=task, num_envs=num_envs, **kwargs)
