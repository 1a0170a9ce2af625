"""Video-language reward models in the style of MineCLIP, built on open_clip.

    from embodied_gym.rewards import VideoLanguageReward
    env = VideoLanguageReward(gym.make("embodied_gym/MineDojo-harvest_1_log-v0", image_size=(64, 64)))

Public API (imported lazily: ``import embodied_gym`` never loads torch):

* :class:`VideoLanguageReward`, :class:`VectorVideoLanguageReward` -- MineCLIP's dense reward as wrappers.
* :class:`VideoLanguageModel`, :func:`get_config` -- the model and its presets (``tiny64``, ``mineclip-attn`` ...).
* :func:`load_model`, :func:`save_checkpoint`, :func:`load_mineclip_checkpoint`, :func:`load_open_clip_weights`.
* ``embodied-gym rewards make-data | train | eval`` -- data, training and evaluation commands.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "VideoLanguageReward": "embodied_gym.rewards.reward",
    "VectorVideoLanguageReward": "embodied_gym.rewards.reward",
    "mineclip_reward": "embodied_gym.rewards.reward",
    "DEFAULT_CHECKPOINT": "embodied_gym.rewards.reward",
    "VideoLanguageModel": "embodied_gym.rewards.model",
    "VideoModelConfig": "embodied_gym.rewards.config",
    "get_config": "embodied_gym.rewards.config",
    "load_model": "embodied_gym.rewards.checkpoint",
    "save_checkpoint": "embodied_gym.rewards.checkpoint",
    "load_mineclip_checkpoint": "embodied_gym.rewards.checkpoint",
    "load_open_clip_weights": "embodied_gym.rewards.checkpoint",
    "CheckpointMismatchError": "embodied_gym.rewards.checkpoint",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'embodied_gym.rewards' has no attribute {name!r}")
