"""Reproduce the hypergradient-optimizer experiments of Chandra et al. 2022 at laptop scale.

    python scripts/reproduce_hypergrad.py digits   # MLP 64-128-10 (tanh) on scikit-learn's digits
    python scripts/reproduce_hypergrad.py ppo      # SB3 PPO, Adam vs HyperAdam across initial step sizes

``digits``: final test accuracy against the initial step size (1e-4 .. 10) of the weights' optimizer
for stacks of height 1..4 (the paper's claim: taller stacks are less sensitive to that choice).
``ppo``: final mean return of PPO with ``torch.optim.Adam`` and with ``HyperAdam`` (same initial
learning rate, 1e-5 .. 1e-2) on one of our envs. Each writes ``<out>/<name>.json``, ``<name>.md``
(table + the exact command) and ``<name>.png``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
from embodied_gym.agents.hypergrad import HyperAdam, make_stack
from embodied_gym.agents.hypergrad.optimizers import OPTIMIZERS

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "results" / "hypergrad"


# --------------------------------------------------------------------------- digits
def load_digits_split(seed: int = 0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    xtr, xte, ytr, yte = train_test_split(x, data.target, test_size=0.2, random_state=seed, stratify=data.target)
    return (torch.from_numpy(xtr), torch.from_numpy(ytr).long(), torch.from_numpy(xte), torch.from_numpy(yte).long())


def train_digits(base: str, hyper_names: list[str], hyper_lrs: list[float], lr: float, epochs: int, seed: int,
                 batch: int = 32) -> dict:
    xtr, ytr, xte, yte = load_digits_split()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.Tanh(), torch.nn.Linear(128, 10))
    opt = OPTIMIZERS[base](model.parameters(), lr=lr, hyper=make_stack(hyper_names, hyper_lrs))
    gen = torch.Generator().manual_seed(seed)
    lossf = torch.nn.CrossEntropyLoss()
    diverged = False
    for _ in range(epochs):
        order = torch.randperm(len(xtr), generator=gen)
        for i in range(0, len(xtr), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = lossf(model(xtr[idx]), ytr[idx])
            if not torch.isfinite(loss):
                diverged = True
                break
            loss.backward()
            opt.step()
        if diverged:
            break
    with torch.no_grad():
        logits = model(xte)
        acc = float((logits.argmax(1) == yte).float().mean()) if torch.isfinite(logits).all() else 0.1
    return {"test_accuracy": acc, "final_lr": opt.hyperparameters()[0]["lr"], "diverged": diverged}


def run_digits(args) -> None:
    lrs = [float(v) for v in args.lrs]
    families = {
        # name -> (base optimizer, hyper levels 2.. by name)
        "sgd/adam..": ("sgd", ["adam"] * 3),
        "sgd/sgd..": ("sgd", ["sgd"] * 3),
        "adam/adam..": ("adam", ["adam"] * 3),
    }
    families = {k: v for k, v in families.items() if k in args.families}
    rows = []
    t0 = time.time()
    for fam, (base, above) in families.items():
        for height in args.heights:
            names = above[: height - 1]
            hlrs = [args.hyper_lr_adam if n == "adam" else args.hyper_lr_sgd for n in names]
            for lr in lrs:
                accs, finals = [], []
                for seed in range(args.seeds):
                    r = train_digits(base, names, hlrs, lr, args.epochs, seed)
                    accs.append(r["test_accuracy"])
                    finals.append(r["final_lr"])
                rows.append({"family": fam, "height": height, "initial_lr": lr, "test_accuracy": float(np.mean(accs)),
                             "final_lr": float(np.exp(np.mean(np.log(np.maximum(finals, 1e-30)))))})
                print(f"[{time.time() - t0:6.0f}s] {fam} h={height} lr={lr:g}: acc={rows[-1]['test_accuracy']:.3f} "
                      f"final_lr={rows[-1]['final_lr']:.3g}", flush=True)
                write_digits(args, rows, families)  # after every run: a cut-short sweep keeps its results


def write_digits(args, rows, families) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python scripts/reproduce_hypergrad.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    (out / "digits.json").write_text(json.dumps({"command": command, "rows": rows}, indent=1))
    lines = ["# Hypergradient stacks on scikit-learn digits (MLP 64-128-10, tanh)", "",
             f"Command: `{command}`", "",
             f"{args.epochs} epochs, batch 32, {args.seeds} seed(s); hyper-level step sizes: Adam {args.hyper_lr_adam}, "
             f"SGD {args.hyper_lr_sgd}. Test accuracy (360 held-out digits); spread = max - min over initial step sizes.", ""]
    lrs = sorted({r["initial_lr"] for r in rows})
    lines.append("| stack | height | " + " | ".join(f"{v:g}" for v in lrs) + " | spread |")
    lines.append("|---|---|" + "---|" * len(lrs) + "---|")
    for fam in families:
        for h in args.heights:
            accs = [next((r["test_accuracy"] for r in rows if r["family"] == fam and r["height"] == h
                          and r["initial_lr"] == v), None) for v in lrs]
            done = [a for a in accs if a is not None]
            if not done:
                continue
            spread = f"{max(done) - min(done):.3f}" if len(done) == len(accs) else "(incomplete)"
            lines.append(f"| {fam} | {h} | " + " | ".join("-" if a is None else f"{a:.3f}" for a in accs)
                         + f" | {spread} |")
    (out / "digits.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(families), figsize=(5 * len(families), 4), squeeze=False)
    for ax, fam in zip(axes[0], families, strict=True):
        for h in args.heights:
            pts = sorted((r["initial_lr"], r["test_accuracy"]) for r in rows if r["family"] == fam and r["height"] == h)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"height {h}")
        ax.set_xscale("log")
        ax.set_xlabel("initial step size")
        ax.set_ylabel("test accuracy")
        ax.set_title(fam)
        ax.set_ylim(0, 1)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "digits.png", dpi=100)
    plt.close(fig)


# --------------------------------------------------------------------------- PPO
def run_ppo(args) -> None:
    import embodied_gym  # noqa: F401  (registers our ids)
    import gymnasium as gym
    from stable_baselines3 import PPO
    from stable_baselines3.common.evaluation import evaluate_policy

    rows = []
    t0 = time.time()
    for lr in [float(v) for v in args.lrs]:
        for name in ("Adam", "HyperAdam"):
            finals = []
            for seed in range(args.seeds):
                env = gym.make(args.env)
                kwargs = {}
                if name == "HyperAdam":
                    kwargs = dict(optimizer_class=HyperAdam,
                                  optimizer_kwargs=dict(hyper=make_stack(["adam"], [args.hyper_lr_adam])))
                model = PPO("MlpPolicy", env, seed=seed, learning_rate=lr, n_steps=args.n_steps, batch_size=64,
                            device="cpu", policy_kwargs=kwargs, verbose=0)
                model.learn(args.timesteps)
                eval_env = gym.make(args.env)
                mean, _ = evaluate_policy(model, eval_env, n_eval_episodes=args.eval_episodes, deterministic=False)
                finals.append(float(mean))
                final_lr = model.policy.optimizer.hyperparameters()[0]["lr"] if name == "HyperAdam" else lr
            rows.append({"optimizer": name, "initial_lr": lr, "mean_return": float(np.mean(finals)),
                         "returns": finals, "final_lr": float(final_lr)})
            print(f"[{time.time() - t0:6.0f}s] {name} lr={lr:g}: return={rows[-1]['mean_return']:.2f} "
                  f"final_lr={final_lr:.3g}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python scripts/reproduce_hypergrad.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    (out / "ppo.json").write_text(json.dumps({"command": command, "env": args.env, "rows": rows}, indent=1))
    lrs = sorted({r["initial_lr"] for r in rows})
    lines = [f"# SB3 PPO on `{args.env}`: Adam vs HyperAdam", "", f"Command: `{command}`", "",
             f"{args.timesteps} timesteps, n_steps {args.n_steps}, {args.seeds} seed(s); mean return over "
             f"{args.eval_episodes} evaluation episodes. HyperAdam's hyper-optimizer: Adam, step {args.hyper_lr_adam}.", "",
             "| optimizer | " + " | ".join(f"lr {v:g}" for v in lrs) + " | spread (max-min) |",
             "|---|" + "---|" * len(lrs) + "---|"]
    for name in ("Adam", "HyperAdam"):
        vals = [next(r["mean_return"] for r in rows if r["optimizer"] == name and r["initial_lr"] == v) for v in lrs]
        lines.append(f"| {name} | " + " | ".join(f"{v:.2f}" for v in vals) + f" | {max(vals) - min(vals):.2f} |")
    lines += ["", "Final HyperAdam step sizes: " + ", ".join(
        f"{r['initial_lr']:g} -> {r['final_lr']:.3g}" for r in rows if r["optimizer"] == "HyperAdam")]
    (out / "ppo.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    for name in ("Adam", "HyperAdam"):
        pts = sorted((r["initial_lr"], r["mean_return"]) for r in rows if r["optimizer"] == name)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("initial learning rate")
    ax.set_ylabel("final mean return")
    ax.set_title(f"PPO on {args.env}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "ppo.png", dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="experiment", required=True)
    d = sub.add_parser("digits")
    d.add_argument("--lrs", nargs="+", default=["1e-4", "1e-3", "1e-2", "1e-1", "1", "10"])
    d.add_argument("--heights", nargs="+", type=int, default=[1, 2, 3, 4])
    d.add_argument("--families", nargs="+", default=["sgd/adam..", "sgd/sgd..", "adam/adam.."])
    d.add_argument("--epochs", type=int, default=20)
    d.add_argument("--seeds", type=int, default=1)
    d.add_argument("--hyper-lr-adam", type=float, default=0.01)
    d.add_argument("--hyper-lr-sgd", type=float, default=0.1)
    d.add_argument("--out", default=str(DEFAULT_OUT))
    p = sub.add_parser("ppo")
    p.add_argument("--env", default="embodied_gym/Tiles-4x4-v0")
    p.add_argument("--lrs", nargs="+", default=["1e-5", "1e-4", "1e-3", "1e-2"])
    p.add_argument("--timesteps", type=int, default=20000)
    p.add_argument("--n-steps", type=int, default=512)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--eval-episodes", type=int, default=20)
    p.add_argument("--hyper-lr-adam", type=float, default=0.01)
    p.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.experiment == "digits":
        run_digits(args)
    else:
        run_ppo(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
