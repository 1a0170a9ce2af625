"""The feature extractor for embodied_gym's dict observations (after :class:`SB3ObservationWrapper`).

Every image key (rgb, depth, semantic ...: a 3-D ``Box``, channel-first) gets a small CNN of its own;
everything else (the goal's sentence embedding, inventory counts, poses, one-hot discrete values)
is flattened, concatenated and passed through one linear layer. The two parts are concatenated and
projected to ``features_dim``. Separate CNNs per image keep depth's scale from fighting rgb's.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from embodied_gym.agents.sb3.observations import is_channel_first_image
from gymnasium import spaces
from stable_baselines3.common.preprocessing import get_flattened_obs_dim
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn


def _cnn(channels: int, height: int, width: int, out_dim: int) -> nn.Module:
    """Nature-CNN-like stack that adapts its strides to small frames (down to 8x8)."""
    layers: list[nn.Module] = []
    c, h, w = channels, height, width
    for out_c, k, s in ((32, 8, 4), (64, 4, 2), (64, 3, 1)):
        k_eff = min(k, h, w)
        s_eff = s if (h - k_eff) // s + 1 >= 2 and (w - k_eff) // s + 1 >= 2 else 1
        layers += [nn.Conv2d(c, out_c, k_eff, s_eff), nn.ReLU()]
        c, h, w = out_c, (h - k_eff) // s_eff + 1, (w - k_eff) // s_eff + 1
    layers += [nn.Flatten(), nn.Linear(c * h * w, out_dim), nn.ReLU()]
    return nn.Sequential(*layers)


class EmbodiedFeatureExtractor(BaseFeaturesExtractor):
    """CNN per image key + linear layer over the concatenated vector keys."""

    def __init__(self, observation_space: gym.spaces.Dict, features_dim: int = 256, cnn_dim: int = 128,
                 vector_dim: int = 128, image_pool: int = 1) -> None:
        if not isinstance(observation_space, spaces.Dict):
            raise TypeError(f"EmbodiedFeatureExtractor needs a Dict observation space, got {observation_space}")
        super().__init__(observation_space, features_dim)
        if not isinstance(image_pool, int) or image_pool < 1:
            raise ValueError(f"image_pool must be a positive int, got {image_pool!r}")
        self.image_keys = [k for k, s in observation_space.spaces.items() if is_channel_first_image(s)]
        # average-pooling images by ``image_pool`` first: a 64x64 frame seen as 32x32 costs the CNN a
        # quarter of the arithmetic, which on a CPU is what limits PPO's updates
        self.pool = nn.AvgPool2d(image_pool) if image_pool > 1 else nn.Identity()
        self.vector_keys = [k for k in observation_space.spaces if k not in self.image_keys]
        self.cnns = nn.ModuleDict({
            k.replace("/", "__"): _cnn(observation_space.spaces[k].shape[0], observation_space.spaces[k].shape[1] // image_pool,
                                       observation_space.spaces[k].shape[2] // image_pool, cnn_dim)
            for k in self.image_keys
        })
        vec_in = sum(get_flattened_obs_dim(observation_space.spaces[k]) for k in self.vector_keys)
        self.vector_net = nn.Sequential(nn.Linear(vec_in, vector_dim), nn.ReLU()) if vec_in else None
        total = cnn_dim * len(self.image_keys) + (vector_dim if vec_in else 0)
        if total == 0:
            raise ValueError("observation space has no keys to learn from")
        self.head = nn.Sequential(nn.Linear(total, features_dim), nn.ReLU())

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        parts = [self.cnns[k.replace("/", "__")](self.pool(observations[k].float())) for k in self.image_keys]
        if self.vector_net is not None:
            batch = parts[0].shape[0] if parts else next(iter(observations.values())).shape[0]
            flat = torch.cat([observations[k].float().reshape(batch, -1) for k in self.vector_keys], dim=1)
            parts.append(self.vector_net(flat))
        return self.head(torch.cat(parts, dim=1))
