"""Present a gymnasium ``VectorEnv`` (the native batched envs, or gymnasium's Sync/Async ones) as
Stable-Baselines3's ``VecEnv``.

The two APIs differ in ways that silently corrupt training if glossed over:

- SB3's ``reset()`` returns observations only; gymnasium's returns ``(obs, infos)``.
- SB3 expects a finished sub-env to be reset *within* the same ``step`` call, the last observation of
  the episode in ``infos[i]["terminal_observation"]`` and ``infos[i]["TimeLimit.truncated"]`` when it
  was cut by a time limit (so the value bootstrap uses it). Gymnasium's default autoreset
  (``NEXT_STEP``) resets on the *following* step instead, which would pair an action with the wrong
  observation. The adapter therefore accepts ``SAME_STEP`` (final obs in ``infos["final_obs"]``) and
  ``DISABLED`` (it resets finished sub-envs itself with ``reset_mask``) and refuses ``NEXT_STEP``.
- SB3 wants infos as a list of per-env dicts; gymnasium returns one dict of batched arrays with
  ``_key`` masks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from embodied_gym.agents.sb3.observations import ObservationPlan
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.vec_env import VecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices


class VectorEnvAdapterError(ValueError):
    """The vector env cannot be adapted (e.g. it autoresets on the next step)."""


def _index(value: Any, i: int) -> Any:
    if isinstance(value, dict):
        return {k: _index(v, i) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_index(v, i) for v in value)
    return value[i]


def _set_rows(dst: Any, src: Any, mask: np.ndarray) -> Any:
    """``dst`` with the rows selected by ``mask`` taken from ``src`` (dict observations supported)."""
    if isinstance(dst, dict):
        return {k: _set_rows(dst[k], src[k], mask) for k in dst}
    out = np.array(dst, copy=True)
    out[mask] = np.asarray(src)[mask]
    return out


def split_infos(infos: dict[str, Any], num_envs: int) -> list[dict[str, Any]]:
    """Gymnasium's batched info dict -> one dict per sub-env (only the keys set for that env)."""
    out: list[dict[str, Any]] = [{} for _ in range(num_envs)]
    for key, value in infos.items():
        if key.startswith("_") or key in ("final_obs", "final_info"):  # handled by the adapter itself
            continue
        mask = infos.get(f"_{key}")
        for i in range(num_envs):
            if mask is not None and not bool(mask[i]):
                continue
            out[i][key] = split_infos(value, num_envs)[i] if isinstance(value, dict) else value[i]
    return out


class GymnasiumVecEnvAdapter(VecEnv):
    """SB3 ``VecEnv`` over a gymnasium ``VectorEnv`` with ``SAME_STEP`` or ``DISABLED`` autoreset.

    ``plan`` (an :class:`ObservationPlan` of the single observation space) converts batched and
    terminal observations into SB3's flat dict form; without it observations pass unchanged.
    """

    def __init__(self, venv: gym.vector.VectorEnv, plan: ObservationPlan | None = None) -> None:
        mode = venv.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        mode = AutoresetMode(mode) if not isinstance(mode, AutoresetMode) else mode
        if mode == AutoresetMode.NEXT_STEP:
            raise VectorEnvAdapterError(
                "SB3 needs a vector env that resets a finished sub-env in the same step; this one uses "
                "AutoresetMode.NEXT_STEP. Build it with autoreset_mode=SAME_STEP or DISABLED, e.g. "
                "gym.make_vec(id, n, vector_kwargs={'autoreset_mode': AutoresetMode.SAME_STEP})"
            )
        self.venv = venv
        self.autoreset_mode = mode
        self.plan = plan if plan is not None else ObservationPlan(venv.single_observation_space)
        self.render_mode = getattr(venv, "render_mode", None)
        super().__init__(venv.num_envs, self.plan.space, venv.single_action_space)
        self._actions: np.ndarray | None = None

    # -- core API ------------------------------------------------------------------------------------
    def reset(self) -> Any:
        seeds = [s for s in self._seeds] if any(s is not None for s in self._seeds) else None
        options = self._options[0] if self._options and any(self._options) else None
        obs, infos = self.venv.reset(seed=seeds, options=options)
        self._reset_seeds()
        self._reset_options()
        self.reset_infos = split_infos(infos, self.num_envs)
        return self.plan.batch(obs)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        assert self._actions is not None, "step_async() before step_wait()"
        obs, rewards, terminated, truncated, infos = self.venv.step(self._actions)
        self._actions = None
        dones = np.logical_or(terminated, truncated)
        per_env = split_infos(infos, self.num_envs)
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            final_obs = infos.get("final_obs")
            final_info = infos.get("final_info")
            # gymnasium's own vector envs batch final_info as a dict; others keep one dict per env
            if isinstance(final_info, dict):
                final_per_env: Any = split_infos(final_info, self.num_envs)
            else:
                final_per_env = final_info
            for i in np.flatnonzero(dones):
                if final_per_env is not None and isinstance(final_per_env[i], dict):
                    per_env[i] = {**per_env[i], **final_per_env[i]}
                per_env[i]["terminal_observation"] = self.plan.single(_index(final_obs, i))
        elif dones.any():  # DISABLED: reset the finished sub-envs ourselves
            for i in np.flatnonzero(dones):
                per_env[i]["terminal_observation"] = self.plan.single(_index(obs, i))
            reset_obs, reset_infos = self.venv.reset(options={"reset_mask": dones})
            obs = _set_rows(obs, reset_obs, dones)
        for i in np.flatnonzero(dones):
            per_env[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return self.plan.batch(obs), np.asarray(rewards, dtype=np.float32), dones, per_env

    def close(self) -> None:
        self.venv.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        frames = self.venv.render()
        return list(frames) if frames is not None else [None] * self.num_envs

    # -- attribute access (best effort: gymnasium vector envs expose get_attr / set_attr / call) ------
    def _indices(self, indices: VecEnvIndices) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, int):
            return [indices]
        return list(indices)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        if hasattr(self.venv, "get_attr"):
            values = self.venv.get_attr(attr_name)
        else:  # a native batched env (e.g. HouseVectorEnv): its attributes hold for every sub-env
            values = [getattr(self.venv, attr_name)] * self.num_envs
        return [values[i] for i in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        if indices is not None:
            raise VectorEnvAdapterError("set_attr on a subset of a gymnasium vector env is not supported")
        self.venv.set_attr(attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        results = self.venv.call(method_name, *method_args, **method_kwargs)
        return [results[i] for i in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        envs = getattr(self.venv, "envs", None)
        if envs is None:
            return [False for _ in self._indices(indices)]
        out = []
        for i in self._indices(indices):
            env, found = envs[i], False
            while isinstance(env, gym.Wrapper):
                found = found or isinstance(env, wrapper_class)
                env = env.env
            out.append(found)
        return out

