"""RecurrentPPO with an auxiliary task-embedding loss: ``loss = PPO loss + aux_coef * MSE(aux, target)``.

Why a subclass and not a new loop: rollout collection, GAE, LSTM state handling and sequence padding
are sb3-contrib's. Two things are added:

1. the rollout buffer also stores, for every step, the auxiliary target of the task the env was
   playing when that observation was made (looked up in a ``(n_boards, d)`` table by the env's
   ``board_index``, which the buffer reads from the vec env after each step, so targets never enter
   the observation), and pads it into sequences exactly like the other fields;
2. ``train`` evaluates the policy once per minibatch and adds the masked MSE of the auxiliary head.

With ``aux_targets=None`` the model is plain RecurrentPPO (sb3-contrib's own ``train``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch as th
from gymnasium import spaces
from sb3_contrib import RecurrentPPO
from sb3_contrib.common.recurrent.buffers import RecurrentDictRolloutBuffer, RecurrentRolloutBuffer
from stable_baselines3.common.utils import explained_variance

from .policy import GroundedRecurrentPolicy


class AuxTargetError(ValueError):
    """Auxiliary targets that do not fit the env (wrong shape, board index out of range)."""


class _AuxTargets:
    """Mixin for sb3-contrib's recurrent rollout buffers: one auxiliary target vector per step, padded
    into sequences like every other field."""

    def __init__(self, *args: Any, aux_dim: int, target_source, **kwargs: Any) -> None:
        self.aux_dim = aux_dim
        self.target_source = target_source  # callable () -> (n_envs, aux_dim) for the current obs
        super().__init__(*args, **kwargs)

    def reset(self) -> None:
        super().reset()
        self.aux_targets = np.zeros((self.buffer_size, self.n_envs, self.aux_dim), dtype=np.float32)

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.aux_targets[self.pos] = self.target_source()
        super().add(*args, **kwargs)

    def get(self, batch_size: int | None = None):
        if not self.generator_ready:
            self.aux_targets = self.swap_and_flatten(self.aux_targets)
        yield from super().get(batch_size)

    def _get_samples(self, batch_inds: np.ndarray, env_change: np.ndarray, env=None):
        samples = super()._get_samples(batch_inds, env_change)
        aux = self.pad(self.aux_targets[batch_inds]).reshape(-1, self.aux_dim)
        return samples, aux


class AuxRecurrentRolloutBuffer(_AuxTargets, RecurrentRolloutBuffer):
    """RecurrentRolloutBuffer that also keeps one auxiliary target vector per step."""


class AuxRecurrentDictRolloutBuffer(_AuxTargets, RecurrentDictRolloutBuffer):
    """The same for Dict observations (e.g. a house frame + goal id)."""


class GroundedRecurrentPPO(RecurrentPPO):
    """RecurrentPPO co-trained to predict ``aux_targets[board_index]`` from its LSTM state.

    ``aux_targets``: ``(n_boards, d)`` float array, row ``i`` the target of board ``i`` of the env's
    board set; or the *name of an env attribute* that holds each env's current ``(d,)`` target (tasks
    with no finite table, e.g. a house instruction embedded when it is drawn; see
    :mod:`.house`); ``None`` = no grounding. ``aux_coef``: weight of the auxiliary MSE.
    """

    def __init__(self, env, aux_targets: np.ndarray | str | None = None, aux_coef: float = 0.0,
                 policy: type = GroundedRecurrentPolicy, policy_kwargs: dict | None = None, **kwargs: Any) -> None:
        self.aux_attr: str | None = aux_targets if isinstance(aux_targets, str) else None
        if self.aux_attr is not None:
            probe = np.asarray(env.get_attr(self.aux_attr)[0], dtype=np.float32)
            if probe.ndim != 1 or probe.size == 0:
                raise AuxTargetError(f"env attribute {self.aux_attr!r} must hold a (d,) target vector, got {probe.shape}")
            aux_dim = probe.size
            self.aux_table = None
        else:
            self.aux_table = None if aux_targets is None else np.ascontiguousarray(aux_targets, dtype=np.float32)
            if self.aux_table is not None and (self.aux_table.ndim != 2 or not np.isfinite(self.aux_table).all()):
                raise AuxTargetError(f"aux_targets must be a finite (n_boards, d) array, got {self.aux_table.shape}")
            aux_dim = 0 if self.aux_table is None else self.aux_table.shape[1]
        if aux_coef < 0:
            raise AuxTargetError(f"aux_coef must be >= 0, got {aux_coef}")
        self.aux_coef = float(aux_coef)
        policy_kwargs = dict(policy_kwargs or {})
        policy_kwargs["aux_dim"] = aux_dim
        self._board_index = None
        super().__init__(policy, env, policy_kwargs=policy_kwargs, **kwargs)

    @property
    def grounded(self) -> bool:
        return self.aux_table is not None or self.aux_attr is not None

    def _setup_model(self) -> None:
        super()._setup_model()
        if self.grounded:
            old = self.rollout_buffer
            buffer_class = (AuxRecurrentDictRolloutBuffer if isinstance(self.observation_space, spaces.Dict)
                            else AuxRecurrentRolloutBuffer)
            self.rollout_buffer = buffer_class(
                self.n_steps, self.observation_space, self.action_space, old.hidden_state_shape, self.device,
                gamma=self.gamma, gae_lambda=self.gae_lambda, n_envs=self.n_envs,
                aux_dim=self.policy.aux_dim, target_source=self._targets_and_advance,
            )

    def _read_board_index(self) -> np.ndarray:
        """What identifies each env's current target: board indices, or the target vectors themselves."""
        if self.aux_attr is not None:
            return np.stack([np.asarray(v, dtype=np.float32) for v in self.env.get_attr(self.aux_attr)])
        index = np.asarray(self.env.get_attr("board_index"), dtype=np.int64)
        if ((index < 0) | (index >= len(self.aux_table))).any():
            raise AuxTargetError(f"env board_index {index} outside the {len(self.aux_table)}-row target table")
        return index

    def _targets_and_advance(self) -> np.ndarray:
        # Called by the buffer right after env.step and before storing the *previous* observation:
        # the cached indices belong to that observation; the env now holds those of the next one.
        targets = self._board_index if self.aux_attr is not None else self.aux_table[self._board_index]
        self._board_index = self._read_board_index()
        return targets

    def _setup_learn(self, *args: Any, **kwargs: Any):
        out = super()._setup_learn(*args, **kwargs)
        if self.grounded:
            self._board_index = self._read_board_index()
        return out

    def train(self) -> None:
        if not self.grounded:
            super().train()
            return
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)
        clip_range = self.clip_range(self._current_progress_remaining)
        logs: dict[str, list[float]] = {"policy": [], "value": [], "entropy": [], "aux": [], "clip": []}
        for _ in range(self.n_epochs):
            for rollout, aux_target in self.rollout_buffer.get(self.batch_size):
                mask = rollout.mask > 1e-8
                actions = rollout.actions
                if isinstance(self.action_space, spaces.Discrete):
                    actions = actions.long().flatten()
                values, log_prob, entropy, aux = self.policy.evaluate_actions_with_aux(
                    rollout.observations, actions, rollout.lstm_states, rollout.episode_starts)
                advantages = rollout.advantages
                if self.normalize_advantage:
                    advantages = (advantages - advantages[mask].mean()) / (advantages[mask].std() + 1e-8)
                ratio = th.exp(log_prob - rollout.old_log_prob)
                surrogate = th.min(advantages * ratio, advantages * th.clamp(ratio, 1 - clip_range, 1 + clip_range))
                policy_loss = -surrogate[mask].mean()
                value_loss = ((rollout.returns - values.flatten()) ** 2)[mask].mean()
                entropy_loss = -entropy[mask].mean()
                aux_loss = ((aux - aux_target) ** 2).mean(dim=1)[mask].mean()
                loss = policy_loss + self.ent_coef * entropy_loss + self.vf_coef * value_loss + self.aux_coef * aux_loss
                self.policy.optimizer.zero_grad()
                loss.backward()
                th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
                self.policy.optimizer.step()
                logs["policy"].append(policy_loss.item())
                logs["value"].append(value_loss.item())
                logs["entropy"].append(entropy_loss.item())
                logs["aux"].append(aux_loss.item())
                logs["clip"].append(((ratio - 1).abs() > clip_range).float()[mask].mean().item())
            self._n_updates += 1
        self.logger.record("train/policy_gradient_loss", float(np.mean(logs["policy"])))
        self.logger.record("train/value_loss", float(np.mean(logs["value"])))
        self.logger.record("train/entropy_loss", float(np.mean(logs["entropy"])))
        self.logger.record("train/aux_loss", float(np.mean(logs["aux"])))
        self.logger.record("train/clip_fraction", float(np.mean(logs["clip"])))
        self.logger.record("train/explained_variance",
                           explained_variance(self.rollout_buffer.values.flatten(), self.rollout_buffer.returns.flatten()))
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_board_index"]
