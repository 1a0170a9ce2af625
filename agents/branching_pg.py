"""Multi-sample policy gradient for discrete actions on envs that can branch (``get_state``/``set_state``).

At every root state ``s`` visited by the current policy, ``K`` actions are drawn from ``pi(.|s)`` and
each is scored by a branch rollout: restore ``s``, take the action, follow the policy for the rest of
a ``horizon``-step window, sum the discounted rewards. Those ``K`` returns are ``f`` in
``grad E_{a ~ pi(.|s)}[f(a)]`` and any estimator of :mod:`embodied_gym.agents.stein` turns them into
a gradient for the policy logits -- RLOO (leave-one-out baseline) or RODEO (RLOO plus Stein control
variates whose control net sees the observation as context). The env never has to be copied, only
its snapshot restored, so any env whose ``unwrapped`` exposes ``get_state()``/``set_state(state)``
works (the tile task ``embodied_gym/Tiles-4x4-v0`` does).

Objective: the expected ``horizon``-step discounted return from the root states (a truncated
policy-gradient objective: longer horizons approach the full return at more env steps per update).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from embodied_gym.agents.stein import GradientEstimator, make_estimator
from torch import nn


class BranchingNotSupportedError(ValueError):
    """The env cannot snapshot/restore its state, so rollouts cannot branch."""


def check_branching(env: gym.Env) -> Any:
    base = env.unwrapped
    if not (callable(getattr(base, "get_state", None)) and callable(getattr(base, "set_state", None))):
        raise BranchingNotSupportedError(
            f"{type(base).__name__} has no get_state()/set_state(state); branching policy gradients need an "
            "env that can snapshot and restore its state (e.g. embodied_gym/Tiles-4x4-v0)"
        )
    if not isinstance(env.action_space, gym.spaces.Discrete):
        raise BranchingNotSupportedError(f"needs a Discrete action space, got {env.action_space}")
    return base


class BranchingPG:
    """Policy (MLP on the flat observation) trained by branched multi-sample policy gradients."""

    def __init__(self, env: gym.Env, estimator: GradientEstimator, num_branches: int = 3, horizon: int = 8,
                 gamma: float = 0.95, lr: float = 3e-3, hidden: int = 64, seed: int = 0, use_context: bool = True):
        if estimator.kind != "categorical":
            raise BranchingNotSupportedError("the estimator must be built with kind='categorical'")
        if num_branches < estimator.min_samples or horizon < 1 or not 0 < gamma <= 1:
            raise ValueError(f"need num_branches >= {estimator.min_samples}, horizon >= 1, 0 < gamma <= 1; got "
                             f"{num_branches}, {horizon}, {gamma}")
        self.env, self.base = env, check_branching(env)
        self.estimator, self.k, self.horizon, self.gamma = estimator, num_branches, horizon, gamma
        self.use_context = use_context
        obs_dim = int(np.prod(env.observation_space.shape))
        torch.manual_seed(seed)
        self.policy = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, int(env.action_space.n)))
        self.opt = torch.optim.Adam(self.policy.parameters(), lr=lr)
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator().manual_seed(seed)
        self.env_steps = 0
        self._episode_seed = seed * 100_003

    # ------------------------------------------------------------------ acting
    def _act(self, obs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            probs = torch.softmax(self.policy(torch.as_tensor(obs, dtype=torch.float32)), -1).numpy().astype(np.float64)
        u = self.rng.random((probs.shape[0], 1))
        return np.minimum((probs.cumsum(-1) < u).sum(-1), probs.shape[-1] - 1)

    def collect_roots(self, episodes: int) -> tuple[list[Any], np.ndarray, list[float]]:
        """Play ``episodes`` episodes with the policy; return every visited state, its observation and returns."""
        states, observations, returns = [], [], []
        for _ in range(episodes):
            obs, _ = self.env.reset(seed=self._episode_seed)
            self._episode_seed += 1
            done, total = False, 0.0
            while not done:
                states.append(self.base.get_state())
                observations.append(np.asarray(obs, dtype=np.float32).reshape(-1))
                obs, reward, terminated, truncated, _ = self.env.step(int(self._act(observations[-1][None])[0]))
                self.env_steps += 1
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        return states, np.stack(observations), returns

    def branch_returns(self, states: list[Any], actions: np.ndarray) -> np.ndarray:
        """Discounted ``horizon``-step return of each (branch k, root n) from ``states[n]`` after ``actions[k, n]``."""
        k, n = actions.shape
        snap = [states[j] for _ in range(k) for j in range(n)]
        first = actions.reshape(-1)
        ret = np.zeros(k * n)
        alive = np.ones(k * n, dtype=bool)
        obs_now = np.zeros((k * n, int(np.prod(self.env.observation_space.shape))), dtype=np.float32)
        discount = 1.0
        for t in range(self.horizon):
            live = np.flatnonzero(alive)
            if live.size == 0:
                break
            acts = first[live] if t == 0 else self._act(obs_now[live])
            for i, a in zip(live, acts, strict=True):
                self.base.set_state(snap[i])
                obs, reward, terminated, truncated, _ = self.env.step(int(a))
                self.env_steps += 1
                ret[i] += discount * float(reward)
                snap[i] = self.base.get_state()
                obs_now[i] = np.asarray(obs, dtype=np.float32).reshape(-1)
                if terminated or truncated:
                    alive[i] = False
            discount *= self.gamma
        return ret.reshape(k, n)

    # ------------------------------------------------------------------ learning
    def gradient(self, states: list[Any], observations: np.ndarray) -> torch.Tensor:
        """One estimate of the policy gradient at these roots (left in ``.grad``; flat copy returned)."""
        obs = torch.as_tensor(observations)
        logits = self.policy(obs).unsqueeze(-2)  # (N, 1, A): one categorical variable per root
        actions = self.estimator.sample(logits, self.k, generator=self.gen)  # (K, N, 1)
        returns = torch.as_tensor(self.branch_returns(states, actions[..., 0].numpy()), dtype=logits.dtype)
        surrogate = self.estimator.surrogate(actions, logits, returns, context=obs if self.use_context else None)
        self.opt.zero_grad()
        (-surrogate / len(states)).backward()  # ascend the return
        return torch.cat([p.grad.reshape(-1) for p in self.policy.parameters()]).clone()

    def update(self, episodes: int = 4) -> float:
        states, observations, returns = self.collect_roots(episodes)
        self.gradient(states, observations)
        self.opt.step()
        return float(np.mean(returns))

    def gradient_variance(self, states: list[Any], observations: np.ndarray, draws: int = 16) -> float:
        """Mean over policy parameters of the variance of ``draws`` independent estimates (estimator frozen)."""
        was_training = self.estimator.training
        self.estimator.eval()
        grads = torch.stack([self.gradient(states, observations) for _ in range(draws)])
        self.estimator.train(was_training)
        self.opt.zero_grad()
        return float(grads.var(0).mean())


# ---------------------------------------------------------------------- the comparison experiment
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", default="embodied_gym/Tiles-4x4-v0")
    parser.add_argument("--estimators", nargs="+", default=["rloo", "rodeo"])
    parser.add_argument("--branches", type=int, default=3)
    parser.add_argument("--horizon", type=int, default=8)
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--var-every", type=int, default=25)
    parser.add_argument("--var-draws", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam step size of the policy")
    parser.add_argument("--rodeo-lr", type=float, default=1e-2, help="Adam step size of RODEO's control variates")
    parser.add_argument("--rodeo-adapt-steps", type=int, default=5, help="control-variate Adam steps per update")


def run_comparison(args: argparse.Namespace) -> dict:
    import embodied_gym  # noqa: F401  (registers the ids)

    rows = []
    t0 = time.time()
    for name in args.estimators:
        for seed in range(args.seeds):
            env = gym.make(args.env)
            est = (make_estimator(name, kind="categorical", lr=args.rodeo_lr, adapt_steps=args.rodeo_adapt_steps)
                   if name == "rodeo" else make_estimator(name, kind="categorical"))
            agent = BranchingPG(env, est, args.branches, args.horizon, lr=args.lr, seed=seed)
            # fixed root states for the variance probe, from the initial policy
            probe_states, probe_obs, _ = agent.collect_roots(2)
            curve, variance = [], []
            for u in range(1, args.updates + 1):
                curve.append((agent.env_steps, agent.update(args.episodes)))
                if u % args.var_every == 0 or u == 1:
                    variance.append((u, agent.gradient_variance(probe_states, probe_obs, args.var_draws)))
            final = float(np.mean([r for _, r in curve[-10:]]))
            rows.append({"estimator": name, "seed": seed, "curve": curve, "variance": variance,
                         "final_return": final, "env_steps": agent.env_steps})
            print(f"[{time.time() - t0:6.0f}s] {name} seed {seed}: final return {final:.2f}, "
                  f"variance {[round(v, 5) for _, v in variance]}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python scripts/reproduce_rodeo.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    (out / "branching.json").write_text(json.dumps({"command": command, "env": args.env, "rows": rows}, indent=1))
    lines = [f"# Branching multi-sample policy gradient on `{args.env}`", "", f"Command: `{command}`", "",
             f"K = {args.branches} branch actions per root state, horizon {args.horizon}, {args.updates} updates of "
             f"{args.episodes} episodes (policy Adam step {args.lr}), {args.seeds} seed(s). Variance: mean over policy parameters of the variance of "
             f"{args.var_draws} gradient estimates at fixed root states (estimator frozen). Final return: mean episode "
             f"return over the last 10 updates. RODEO: Gibbs operator, observation as control-net context, "
             f"{args.rodeo_adapt_steps} Adam steps at {args.rodeo_lr} per update.", "",
             "| estimator | mean gradient variance | final return (mean over seeds) | env steps per run |",
             "|---|---|---|---|"]
    for name in args.estimators:
        rs = [r for r in rows if r["estimator"] == name]
        var = float(np.mean([v for r in rs for _, v in r["variance"][1:]] or [np.nan]))
        lines.append(f"| {name} | {var:.3g} | {np.mean([r['final_return'] for r in rs]):.2f} | "
                     f"{int(np.mean([r['env_steps'] for r in rs]))} |")
    (out / "branching.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_r, ax_v) = plt.subplots(1, 2, figsize=(10, 3.5))
    for r in rows:
        steps, rets = zip(*r["curve"], strict=True)
        width = min(5, len(rets))
        smooth = np.convolve(rets, np.ones(width) / width, mode="valid")
        ax_r.plot(steps[width - 1:], smooth, label=f"{r['estimator']} s{r['seed']}")
        ax_v.plot(*zip(*r["variance"], strict=True), marker="o", label=f"{r['estimator']} s{r['seed']}")
    ax_r.set_xlabel("env steps (branches included)")
    ax_r.set_ylabel("episode return")
    ax_v.set_xlabel("update")
    ax_v.set_ylabel("gradient variance")
    ax_v.set_yscale("log")
    ax_r.legend()
    ax_v.legend()
    fig.tight_layout()
    fig.savefig(out / "branching.png", dpi=90)
    return {"rows": rows}
