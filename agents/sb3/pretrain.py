"""Behaviour-cloning warm start for PPO: learn from an expert's episodes before reinforcement learning.

ObjectNav from pixels is the textbook case where PPO from scratch needs far more experience than a
laptop gives (ProcTHOR's agents train for hundreds of millions of steps); starting from a policy cloned
from demonstrations and then fine-tuning it with PPO is the recipe of Habitat-Web / PIRLNav. Here the
expert is any leaderboard agent (``"oracle"`` for the house tasks: the A* planner on privileged state),
the demonstrations are its episodes in the training env with the observations the policy will see, and
cloning fits both heads of the SB3 policy: the action head by cross-entropy on the expert's actions and
the value head by regression on the discounted returns of those episodes, so that PPO's first
advantages are not computed against a random critic (a common cause of the policy collapsing as soon as
fine-tuning starts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np


class PretrainError(ValueError):
    """Behaviour cloning cannot run with the given expert, env or data."""


@dataclass
class Demonstrations:
    """Stacked (observation, action, discounted return) samples of an expert's episodes."""

    observations: dict[str, np.ndarray] | np.ndarray
    actions: np.ndarray
    returns: np.ndarray
    episodes: int
    successes: int

    def __len__(self) -> int:
        return int(self.actions.shape[0])


def collect_demonstrations(make_env: Callable[[], gym.Env], expert: str, task_id: str, episodes: int, seed: int,
                           gamma: float, max_steps: int = 500) -> Demonstrations:
    """Play ``episodes`` episodes of ``expert`` (a leaderboard agent spec) in ``make_env()``, episode ``k``
    reset with seed ``seed + k``; record what the env returns (the policy's observations) and the actions."""
    from embodied_gym.leaderboard.agents import build_agent

    if episodes < 1:
        raise PretrainError(f"episodes must be >= 1, got {episodes}")
    env = make_env()
    if not isinstance(env.action_space, gym.spaces.Discrete):
        raise PretrainError(f"behaviour cloning needs a Discrete action space, got {env.action_space}")
    agent = build_agent(expert)
    obs_rows: list[Any] = []
    actions: list[int] = []
    returns: list[float] = []
    successes = 0
    for k in range(episodes):
        obs, info = env.reset(seed=seed + k)
        agent.reset(env, task_id, seed + k)
        rewards: list[float] = []
        for _ in range(max_steps):
            action = int(agent.act(obs, info))
            obs_rows.append(obs)
            actions.append(action)
            obs, reward, terminated, truncated, info = env.step(action)
            rewards.append(float(reward))
            if terminated or truncated:
                break
        successes += int(bool(info.get("success")))
        g = 0.0
        episode_returns = []
        for r in reversed(rewards):
            g = r + gamma * g
            episode_returns.append(g)
        returns.extend(reversed(episode_returns))
    env.close()
    if isinstance(obs_rows[0], dict):
        stacked: dict[str, np.ndarray] | np.ndarray = {key: np.stack([o[key] for o in obs_rows]) for key in obs_rows[0]}
    else:
        stacked = np.stack(obs_rows)
    return Demonstrations(stacked, np.asarray(actions, np.int64), np.asarray(returns, np.float32), episodes, successes)


def behaviour_clone(model: Any, demos: Demonstrations, epochs: int = 8, batch_size: int = 256, lr: float = 3e-4,
                    value_coef: float = 0.05, seed: int = 0) -> list[dict[str, float]]:
    """Fit ``model.policy`` (an SB3 on-policy model) to ``demos``; returns per-epoch loss and accuracy."""
    import torch
    from stable_baselines3.common.utils import obs_as_tensor

    if len(demos) == 0:
        raise PretrainError("no demonstration samples to clone")
    policy = model.policy
    policy.set_training_mode(True)
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history = []
    n = len(demos)
    for _ in range(epochs):
        order = rng.permutation(n)
        total, correct, seen = 0.0, 0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            if isinstance(demos.observations, dict):
                batch = {k: v[idx] for k, v in demos.observations.items()}
            else:
                batch = demos.observations[idx]
            obs = obs_as_tensor(batch, policy.device)
            actions = torch.as_tensor(demos.actions[idx], device=policy.device)
            targets = torch.as_tensor(demos.returns[idx], device=policy.device)
            values, log_prob, _ = policy.evaluate_actions(obs, actions)
            loss = -log_prob.mean() + value_coef * torch.nn.functional.mse_loss(values.flatten(), targets)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            optimizer.step()
            with torch.no_grad():
                dist = policy.get_distribution(obs)
                correct += int((dist.distribution.probs.argmax(-1) == actions).sum())
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
        history.append({"loss": total / seen, "accuracy": correct / seen})
    policy.set_training_mode(False)
    return history
