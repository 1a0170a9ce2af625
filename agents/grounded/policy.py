"""The grounded agent's network: conv(1->16, 3x3) -> linear 16, + previous action/reward -> LSTM 120.

The auxiliary head reads the LSTM output (the agent's belief about the task) and predicts the task
embedding; it shares everything below it with the policy, which is the point: the auxiliary loss
shapes the recurrent representation the policy acts from.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import torch as th
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
from sb3_contrib.common.recurrent.type_aliases import RNNStates
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

BOARD_TILES = 16
LSTM_SIZE = 120
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


class TileBoardExtractor(BaseFeaturesExtractor):
    """Board (first 16 obs entries) through a 3x3 conv and a 16-unit layer; the previous action
    one-hot and previous reward (last 17 entries) are passed through unchanged beside it."""

    def __init__(self, observation_space: gym.spaces.Box, activation_fn: type[nn.Module] = nn.Tanh) -> None:
        extra = int(observation_space.shape[0]) - BOARD_TILES
        if extra < 0:
            raise ValueError(f"expected an observation of >= {BOARD_TILES} floats, got {observation_space.shape}")
        super().__init__(observation_space, features_dim=16 + extra)
        self.conv = nn.Sequential(nn.Conv2d(1, 16, kernel_size=3), activation_fn(), nn.Flatten(),
                                  nn.Linear(16 * 2 * 2, 16), activation_fn())

    def forward(self, observations: th.Tensor) -> th.Tensor:
        board = observations[:, :BOARD_TILES].reshape(-1, 1, 4, 4)
        return th.cat([self.conv(board), observations[:, BOARD_TILES:]], dim=1)


class GroundedRecurrentPolicy(RecurrentActorCriticPolicy):
    """RecurrentActorCriticPolicy with one shared LSTM and a linear auxiliary head of ``aux_dim``."""

    def __init__(self, observation_space, action_space, lr_schedule, aux_dim: int = 0,
                 activation_fn: type[nn.Module] = nn.Tanh, **kwargs: Any) -> None:
        kwargs.setdefault("features_extractor_class", TileBoardExtractor)
        kwargs.setdefault("features_extractor_kwargs", {"activation_fn": activation_fn})
        kwargs.setdefault("lstm_hidden_size", LSTM_SIZE)
        kwargs.setdefault("shared_lstm", True)
        kwargs.setdefault("enable_critic_lstm", False)
        kwargs.setdefault("net_arch", {"pi": [], "vf": []})
        super().__init__(observation_space, action_space, lr_schedule, activation_fn=activation_fn, **kwargs)
        self.aux_dim = int(aux_dim)
        self.aux_head = nn.Linear(self.lstm_output_dim, self.aux_dim) if self.aux_dim > 0 else None
        # The base class built the optimizer before the head existed; rebuild it over all parameters.
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data["aux_dim"] = self.aux_dim
        return data

    def evaluate_actions_with_aux(self, obs: th.Tensor, actions: th.Tensor, lstm_states: RNNStates,
                                  episode_starts: th.Tensor):
        """Like ``evaluate_actions`` plus the auxiliary prediction from the LSTM output."""
        features = self.extract_features(obs)
        latent, _ = self._process_sequence(features, lstm_states.pi, episode_starts, self.lstm_actor)
        latent_vf = latent.detach()
        distribution = self._get_action_dist_from_latent(self.mlp_extractor.forward_actor(latent))
        values = self.value_net(self.mlp_extractor.forward_critic(latent_vf))
        aux = self.aux_head(latent) if self.aux_head is not None else None
        return values, distribution.log_prob(actions), distribution.entropy(), aux
