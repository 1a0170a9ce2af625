"""Turn any embodied_gym observation into one SB3 can learn from: a flat ``Dict`` of arrays.

SB3 accepts neither nested dicts nor text. :class:`SB3ObservationWrapper`:

- flattens nested ``Dict`` spaces into ``"outer/inner"`` keys (MineDojo's observation is nested);
- replaces a ``Text`` goal by its all-MiniLM-L6-v2 sentence embedding (384 floats, cached per
  string, so a goal is embedded once per run rather than once per step); a 1-D ``uint8`` Box whose
  key ends in ``text`` (the house tasks' ``goal_text``: UTF-8 bytes, zero-padded) is decoded and
  embedded the same way, since its raw bytes mean nothing to a network;
- turns images into channel-first arrays (``rgb`` stays uint8, so SB3 scales it to [0, 1]; ``depth``
  and other float images stay float), which is what the CNN of the feature extractor reads;
- keeps ``Box`` vectors, ``Discrete``, ``MultiDiscrete`` and ``MultiBinary`` as they are (SB3 one-hot
  encodes the discrete ones).

A space it cannot represent raises :class:`ObservationSpaceError` naming the key, unless that key is
listed in ``drop_keys``: nothing is dropped silently. A non-dict observation passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

TEXT_EMBEDDING_DIM = 384


class ObservationSpaceError(ValueError):
    """An observation key has a space SB3 cannot learn from."""


class TextEncoder:
    """Goal strings -> all-MiniLM-L6-v2 embeddings via the package's shared embedder
    (:mod:`embodied_gym.agents.text_embedding`: offline weights, float32, L2-normalised), with a
    per-string cache so a goal costs one encoding per process."""

    _shared: TextEncoder | None = None

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}

    @classmethod
    def shared(cls) -> TextEncoder:
        """One encoder per process: every env of a process shares the model and the cache."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    def encode(self, text: str) -> np.ndarray:
        if text not in self._cache:
            from embodied_gym.agents.text_embedding import embed_texts

            self._cache[text] = np.asarray(embed_texts([text])[0], dtype=np.float32)
        return self._cache[text]


def _is_text_bytes(key: str, space: spaces.Space) -> bool:
    return (isinstance(space, spaces.Box) and space.dtype == np.uint8 and len(space.shape) == 1
            and key.rsplit("/", 1)[-1].endswith("text"))


def decode_text_bytes(value: Any) -> str:
    """UTF-8 bytes in a zero-padded uint8 array -> str."""
    return bytes(np.asarray(value, dtype=np.uint8)).rstrip(b"\0").decode("utf-8", errors="replace")


def _is_image(space: spaces.Space) -> bool:
    """A 3-D Box with a plausible channel axis and spatial sides >= 8 (a 3x3x3 voxel patch is not)."""
    if not (isinstance(space, spaces.Box) and len(space.shape) == 3):
        return False
    spatial = space.shape[:2] if _channels_last(space.shape) else space.shape[1:]
    return min(spatial) >= 8


def is_channel_first_image(space: spaces.Space) -> bool:
    """What the feature extractor runs a CNN on (after :class:`ObservationPlan`): C x H x W, H, W >= 8."""
    return isinstance(space, spaces.Box) and len(space.shape) == 3 and min(space.shape[1:]) >= 8 \
        and space.shape[0] <= 16


def _channels_last(shape: tuple[int, ...]) -> bool:
    """HWC when the last axis is a plausible channel count and smaller than the first."""
    return shape[-1] in (1, 2, 3, 4) and shape[0] > 4


def _flatten_spaces(space: spaces.Dict, prefix: str = "") -> Iterable[tuple[str, spaces.Space]]:
    for key, sub in space.spaces.items():
        name = f"{prefix}{key}"
        if isinstance(sub, spaces.Dict):
            yield from _flatten_spaces(sub, f"{name}/")
        else:
            yield name, sub


def _get(obs: Any, path: str) -> Any:
    for part in path.split("/"):
        obs = obs[part]
    return obs


class ObservationPlan:
    """How each key of a (possibly nested) Dict space becomes a key of SB3's flat Dict space.

    Built once from the env's single observation space; applies to one observation
    (:meth:`single`) or to a batch from a vector env (:meth:`batch`, leading axis = env).
    """

    def __init__(self, space: spaces.Space, drop_keys: Iterable[str] = (),
                 text_encoder: TextEncoder | None = None) -> None:
        self._drop = set(drop_keys)
        self._encoder = text_encoder
        self.steps: list[tuple[str, str]] = []  # (key, kind) kind in image_hwc, image_chw, text, keep
        if not isinstance(space, spaces.Dict):
            if self._drop:
                raise ObservationSpaceError(f"drop_keys {sorted(self._drop)} given for a non-dict space {space}")
            self.passthrough = True
            self.space = space
            return
        self.passthrough = False
        flat_keys = [k for k, _ in _flatten_spaces(space)]
        # a drop key names one leaf ("life_stats/food") or a whole nested dict ("voxels")
        unknown = {d for d in self._drop if not any(k == d or k.startswith(d + "/") for k in flat_keys)}
        if unknown:
            raise ObservationSpaceError(f"drop_keys {sorted(unknown)} are not observation keys")
        out: dict[str, spaces.Space] = {}
        for key, sub in _flatten_spaces(space):
            if key in self._drop or any(key.startswith(d + "/") for d in self._drop):
                continue
            if isinstance(sub, spaces.Text) or _is_text_bytes(key, sub):
                self.steps.append((key, "text" if isinstance(sub, spaces.Text) else "text_bytes"))
                out[key] = spaces.Box(-1.0, 1.0, (TEXT_EMBEDDING_DIM,), np.float32)
            elif _is_image(sub):
                assert isinstance(sub, spaces.Box)
                if _channels_last(sub.shape):
                    self.steps.append((key, "image_hwc"))
                    out[key] = spaces.Box(np.moveaxis(sub.low, -1, 0), np.moveaxis(sub.high, -1, 0), dtype=sub.dtype)
                else:
                    self.steps.append((key, "image_chw"))
                    out[key] = sub
            elif isinstance(sub, (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)):
                self.steps.append((key, "keep"))
                out[key] = sub
            else:
                raise ObservationSpaceError(
                    f"observation key {key!r} has a {type(sub).__name__} space, which SB3 cannot learn from; "
                    "accepted: Box, Discrete, MultiDiscrete, MultiBinary, Text, nested Dict; or pass "
                    f"drop_keys=[{key!r}]"
                )
        self.space = spaces.Dict(out)

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = TextEncoder.shared()
        return self._encoder

    def single(self, observation: Any) -> Any:
        if self.passthrough:
            return observation
        out: dict[str, Any] = {}
        for key, kind in self.steps:
            value = _get(observation, key)
            if kind == "text":
                out[key] = self.encoder.encode(str(value))
            elif kind == "text_bytes":
                out[key] = self.encoder.encode(decode_text_bytes(value))
            elif kind == "image_hwc":
                out[key] = np.ascontiguousarray(np.moveaxis(np.asarray(value), -1, 0))
            else:
                out[key] = value
        return out

    def batch(self, observations: Any) -> Any:
        if self.passthrough:
            return observations
        out: dict[str, Any] = {}
        for key, kind in self.steps:
            value = _get(observations, key)
            if kind == "text":
                out[key] = np.stack([self.encoder.encode(str(v)) for v in value])
            elif kind == "text_bytes":
                out[key] = np.stack([self.encoder.encode(decode_text_bytes(v)) for v in value])
            elif kind == "image_hwc":
                out[key] = np.ascontiguousarray(np.moveaxis(np.asarray(value), -1, 1))
            else:
                out[key] = value
        return out


class SB3ObservationWrapper(gym.ObservationWrapper):
    """See the module docstring. ``text_encoder`` defaults to the shared MiniLM encoder."""

    def __init__(self, env: gym.Env, drop_keys: Iterable[str] = (), text_encoder: TextEncoder | None = None):
        super().__init__(env)
        self.plan = ObservationPlan(env.observation_space, drop_keys, text_encoder)
        self.observation_space = self.plan.space

    def observation(self, observation: Any) -> Any:
        return self.plan.single(observation)
