"""``backend="minedojo"``: the same gym id, run on the real MineDojo (Minecraft 1.11 through Malmo).

``gym.make("embodied_gym/MineDojo-<task_id>-v0", backend="minedojo")`` builds
``minedojo.make(task_id=<task_id>, image_size=...)`` and presents it as a Gymnasium 1.x env:

* MineDojo speaks the old ``gym`` API (``reset() -> obs``, ``step -> obs, reward, done, info``); this
  adapter returns ``(obs, info)`` and ``(obs, reward, terminated, truncated, info)``. MineDojo's ``done``
  (success or death) is ``terminated``; truncation is the gym id's time limit, as on the embedded world.
* MineDojo's spaces are subclasses of old-``gym`` spaces plus a ``Text`` space holding arrays of names
  (inventory item names, voxel block names, ...). They are rebuilt as ``gymnasium`` spaces; a name array
  becomes an ``int`` array of ids in :func:`name_vocabulary` order -- the embedded world's encoding
  (``envs.voxel.spaces``) -- so one agent reads both backends' observations alike.
* MineDojo fixes the world seed when it is built. ``reset(seed=s)`` with a new ``s`` rebuilds the
  MineDojo env with ``seed=s, world_seed=str(s)`` (slow, but the only way to honour the seed).

MineDojo's installer needs Java 8 (JDK), a Minecraft/Malmo build it compiles on first start, and
``numpy < 2``; where any is missing :class:`MineDojoUnavailableError` says so.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from embodied_gym.envs.voxel.tasks.registry import get_spec

#: MineDojo's default observation image size (height, width)
DEFAULT_IMAGE_SIZE: tuple[int, int] = (160, 256)

#: id used for a name not in the vocabulary (MineDojo reports some modded/unknown names)
UNKNOWN_NAME_ID = -1


class MineDojoUnavailableError(ImportError):
    """The real MineDojo cannot be imported or started here; the message says what is missing."""


def name_vocabulary() -> tuple[str, ...]:
    """Names that MineDojo's ``Text`` observations can hold, in the embedded world's order (ids are
    positions), so an agent reads both backends' name arrays alike."""
    from embodied_gym.envs.voxel.spaces import name_vocabulary as embedded_vocabulary

    return embedded_vocabulary()


def encode_names(values: Any) -> np.ndarray:
    """Map an array of MineDojo names (``"iron_ingot"`` or ``"iron ingot"``) to vocabulary ids."""
    index = {name: k for k, name in enumerate(name_vocabulary())}
    array = np.asarray(values, dtype=object)
    flat = [index.get(str(v).replace(" ", "_"), UNKNOWN_NAME_ID) for v in array.reshape(-1)]
    return np.asarray(flat, dtype=np.int32).reshape(array.shape)


def _is_text_space(space: Any) -> bool:
    return type(space).__name__ == "Text"


def convert_space(space: Any) -> gym.spaces.Space:
    """Rebuild one MineDojo / old-gym space as a ``gymnasium`` space (recursively for dicts)."""
    if isinstance(space, gym.spaces.Space):
        return space
    kind = type(space).__name__
    if _is_text_space(space):
        shape = tuple(getattr(space, "shape", ()) or ())
        return gym.spaces.Box(UNKNOWN_NAME_ID, len(name_vocabulary()) - 1, shape=shape, dtype=np.int32)
    if hasattr(space, "spaces") and isinstance(space.spaces, Mapping):
        return gym.spaces.Dict({key: convert_space(sub) for key, sub in space.spaces.items()})
    if hasattr(space, "spaces") and isinstance(space.spaces, (tuple, list)):
        return gym.spaces.Tuple(tuple(convert_space(sub) for sub in space.spaces))
    if hasattr(space, "nvec"):
        return gym.spaces.MultiDiscrete(np.asarray(space.nvec, dtype=np.int64))
    if hasattr(space, "n") and kind != "Box":
        return gym.spaces.Discrete(int(space.n), start=int(getattr(space, "start", 0)))
    if hasattr(space, "low") and hasattr(space, "high"):
        dtype = np.dtype(getattr(space, "dtype", np.float32))
        return gym.spaces.Box(np.asarray(space.low, dtype=dtype), np.asarray(space.high, dtype=dtype), dtype=dtype)
    raise TypeError(f"cannot convert MineDojo space of type {kind}: expected Box, Discrete, MultiDiscrete, Dict, Tuple or Text")


def convert_observation(obs: Any, space: gym.spaces.Space) -> Any:
    """Cast one MineDojo observation into ``space`` as built by :func:`convert_space`."""
    if isinstance(space, gym.spaces.Dict):
        if not isinstance(obs, Mapping):
            raise TypeError(f"expected a dict observation for {list(space.spaces)}, got {type(obs).__name__}")
        missing = [key for key in space.spaces if key not in obs]
        if missing:
            raise KeyError(f"MineDojo observation lacks keys {missing}")
        return {key: convert_observation(obs[key], sub) for key, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(convert_observation(o, sub) for o, sub in zip(obs, space.spaces, strict=True))
    if isinstance(space, gym.spaces.Discrete):
        return np.int64(obs)
    array = np.asarray(obs)
    if array.dtype.kind in "OUS":
        return encode_names(array).reshape(space.shape)
    return array.astype(space.dtype, copy=False).reshape(space.shape)


def import_minedojo(module_name: str = "minedojo") -> Any:
    """Import MineDojo, turning every way it can fail here into one clear error."""
    try:
        return importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or MineDojo's own start-up errors (numpy >= 2, Java)
        raise MineDojoUnavailableError(
            f"backend='minedojo' needs the real MineDojo ({exc.__class__.__name__}: {exc}). Install it with "
            "`pip install minedojo` (extra `embodied-gym[minedojo]`) on a machine with Java 8 (JDK), "
            "numpy < 2 and the Minecraft/Malmo build it compiles on first start; or use backend='embedded'."
        ) from exc


class MineDojoBackendEnv(gym.Env):
    """A real MineDojo task behind the Gymnasium API and embodied_gym's gym id."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(
        self,
        task_id: str,
        *,
        image_size: int | tuple[int, int] = DEFAULT_IMAGE_SIZE,
        render_mode: str | None = None,
        seed: int | None = None,
        minedojo_module: Any | None = None,
        **minedojo_kwargs: Any,
    ) -> None:
        self.spec_task = get_spec(task_id)  # unknown ids fail here, with the nearest ids, before MineDojo loads
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if isinstance(image_size, int):
            image_size = (image_size, image_size)
        if len(image_size) != 2 or min(image_size) <= 0:
            raise ValueError(f"image_size must be (height, width) of positive ints, got {image_size!r}")
        self.task_id = task_id
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.render_mode = render_mode
        self._module = minedojo_module if minedojo_module is not None else import_minedojo()
        self._kwargs = dict(minedojo_kwargs)
        self._seed = seed
        self._env = self._build(seed)
        self.action_space = convert_space(self._env.action_space)
        self.observation_space = convert_space(self._env.observation_space)
        self._last_rgb: np.ndarray | None = None

    def _build(self, seed: int | None) -> Any:
        kwargs = dict(self._kwargs)
        if seed is not None:
            kwargs.setdefault("seed", int(seed))
            kwargs.setdefault("world_seed", str(int(seed)))
        return self._module.make(task_id=self.task_id, image_size=self.image_size, **kwargs)

    @property
    def prompt(self) -> str:
        return self.spec_task.prompt

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None and seed != self._seed:
            self._env.close()
            self._seed = seed
            self._env = self._build(seed)
        obs = self._env.reset()
        info = dict(getattr(self._env, "prev_info", None) or {})
        info.update(task_id=self.task_id, prompt=self.prompt)
        return self._observe(obs), info

    def step(self, action):
        action = np.asarray(action, dtype=np.int64)
        if not self.action_space.contains(action):
            raise ValueError(f"action {action.tolist()} is outside {self.action_space}")
        obs, reward, done, info = self._env.step(action)
        info = dict(info or {})
        info["is_successful"] = bool(getattr(self._env, "is_successful", False))
        return self._observe(obs), float(reward), bool(done), False, info

    def _observe(self, obs: Any) -> Any:
        converted = convert_observation(obs, self.observation_space)
        if isinstance(converted, dict) and "rgb" in converted:
            self._last_rgb = converted["rgb"]
        return converted

    def render(self):
        if self.render_mode != "rgb_array" or self._last_rgb is None:
            return None
        return np.ascontiguousarray(np.transpose(self._last_rgb, (1, 2, 0)))

    def close(self) -> None:
        env = getattr(self, "_env", None)
        if env is not None:
            env.close()
            self._env = None
