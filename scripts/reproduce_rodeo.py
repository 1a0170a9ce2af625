"""Reproduce the RODEO experiments of Shi et al. 2022 at laptop scale.

    python scripts/reproduce_rodeo.py vae         # binary VAE on dynamically binarised sklearn digits
    python scripts/reproduce_rodeo.py branching   # multi-sample policy gradient on a branching env

``vae``: one stochastic layer of ``D`` binary latents (encoder 64-128-D, decoder D-128-64, tanh),
trained with each estimator for ``K`` samples per data point; records the variance of the encoder's
gradient estimate (mean over coordinates, at a fixed batch, from ``--var-draws`` independent
estimates) and the training ELBO. ``branching``: see :mod:`embodied_gym.agents.branching_pg`.
Outputs go to ``docs/results/rodeo/`` (JSON, Markdown table with the exact command, PNG).
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
from embodied_gym.agents.stein import make_estimator
from torch import nn

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "results" / "rodeo"


class BinaryVAE(nn.Module):
    def __init__(self, latents: int, hidden: int = 128, obs: int = 64):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(obs, hidden), nn.Tanh(), nn.Linear(hidden, latents))
        self.decoder = nn.Sequential(nn.Linear(latents, hidden), nn.Tanh(), nn.Linear(hidden, obs))
        self.prior_logit = 0.0  # Bernoulli(1/2) prior

    def negative_elbo(self, z: torch.Tensor, x: torch.Tensor, enc_logits: torch.Tensor) -> torch.Tensor:
        """``-log p(x|z) - log p(z) + log q(z|x)`` for samples ``z`` (K, B, D) -> (K, B)."""
        dec = self.decoder(z)
        log_px = -nn.functional.binary_cross_entropy_with_logits(dec, x.expand_as(dec), reduction="none").sum(-1)
        log_pz = -z.shape[-1] * np.log(2.0)
        log_qz = (z * enc_logits - nn.functional.softplus(enc_logits)).sum(-1)
        return -(log_px + log_pz - log_qz)


def load_digits_probs():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    xtr, xte = train_test_split(x, test_size=0.2, random_state=0, stratify=data.target)
    return torch.from_numpy(xtr), torch.from_numpy(xte)


def encoder_grad(model, est, x, num_samples, gen, differentiable):
    model.zero_grad()
    logits = model.encoder(x)
    surrogate, fx = est.estimate(logits, lambda z: model.negative_elbo(z, x, logits), num_samples, generator=gen,
                                 differentiable_f=differentiable)
    (surrogate / x.shape[0]).backward()
    return torch.cat([p.grad.reshape(-1) for p in model.encoder.parameters()]), fx


def train_vae(name: str, latents: int, num_samples: int, steps: int, seed: int, var_every: int, var_draws: int,
              batch: int = 64, lr: float = 1e-3, rodeo_lr: float = 1e-2, operator: str = "gibbs",
              rodeo_adapt_steps: int = 1) -> dict:
    xtr, xte = load_digits_probs()
    torch.manual_seed(seed)
    model = BinaryVAE(latents)
    est = (make_estimator(name, lr=rodeo_lr, operator=operator, adapt_steps=rodeo_adapt_steps) if name == "rodeo"
           else make_estimator(name))
    differentiable = name == "rodeo"  # RODEO's Taylor features use grad_z f at the other samples
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    var_gen = torch.Generator().manual_seed(10_000 + seed)
    fixed = torch.bernoulli(xtr[:batch], generator=torch.Generator().manual_seed(1))
    curve, variances = [], []
    running = None
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(xtr), (batch,), generator=gen)
        x = torch.bernoulli(xtr[idx], generator=gen)  # dynamic binarisation
        opt.zero_grad()
        logits = model.encoder(x)
        surrogate, fx = est.estimate(logits, lambda z, x=x, logits=logits: model.negative_elbo(z, x, logits),
                                     num_samples, generator=gen, differentiable_f=differentiable)
        (surrogate / batch).backward()
        opt.step()
        elbo = -float(fx.detach().mean())
        running = elbo if running is None else 0.98 * running + 0.02 * elbo
        if step % 50 == 0:
            curve.append((step, running))
        if step % var_every == 0 or step == 1:
            est.eval()
            grads = torch.stack([encoder_grad(model, est, fixed, num_samples, var_gen, differentiable)[0]
                                 for _ in range(var_draws)])
            est.train()
            variances.append((step, float(grads.var(0).mean())))
    with torch.no_grad():
        xt = torch.bernoulli(xte, generator=torch.Generator().manual_seed(2))
        logits = model.encoder(xt)
        z = (torch.rand((8, *logits.shape), generator=torch.Generator().manual_seed(3)) < torch.sigmoid(logits)).float()
        test_elbo = -float(model.negative_elbo(z, xt, logits).mean())
    return {"estimator": name, "latents": latents, "K": num_samples, "curve": curve, "variance": variances,
            "final_train_elbo": running, "test_elbo": test_elbo}


def run_vae(args) -> None:
    rows = []
    t0 = time.time()
    for latents in args.latents:
        for k in args.samples:
            for name in args.estimators:
                if name == "disarm" and k % 2:
                    continue  # antithetic pairs need an even K
                r = train_vae(name, latents, k, args.steps, args.seed, args.var_every, args.var_draws,
                              rodeo_lr=args.rodeo_lr, operator=args.operator, rodeo_adapt_steps=args.rodeo_adapt_steps)
                rows.append(r)
                mean_logvar = float(np.mean([np.log10(v) for _, v in r["variance"][1:]]))
                r["mean_log10_variance"] = mean_logvar
                print(f"[{time.time() - t0:6.0f}s] D={latents} K={k} {name}: train ELBO {r['final_train_elbo']:.2f} "
                      f"test ELBO {r['test_elbo']:.2f} mean log10 var {mean_logvar:.3f}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python scripts/reproduce_rodeo.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    (out / "vae.json").write_text(json.dumps({"command": command, "rows": rows}, indent=1))
    lines = ["# Binary VAE on dynamically binarised scikit-learn digits", "", f"Command: `{command}`", "",
             f"{args.steps} Adam steps (lr 1e-3, batch 64), seed {args.seed}. Variance: mean over encoder parameters of "
             f"the variance of {args.var_draws} independent gradient estimates at one fixed batch, every "
             f"{args.var_every} steps (log10, averaged over checkpoints after step 1). ELBO in nats per digit. "
             f"RODEO: {args.operator} operator, control variates adapted by {args.rodeo_adapt_steps} Adam step(s) at "
             f"{args.rodeo_lr} per training step.", "",
             "| D | K | estimator | mean log10 grad variance | final train ELBO | test ELBO |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['latents']} | {r['K']} | {r['estimator']} | {r['mean_log10_variance']:.3f} | "
                     f"{r['final_train_elbo']:.2f} | {r['test_elbo']:.2f} |")
    lowest = []
    for latents in args.latents:
        for k in args.samples:
            group = [r for r in rows if r["latents"] == latents and r["K"] == k]
            best = min(group, key=lambda r: r["mean_log10_variance"])
            lowest.append(f"D={latents}, K={k}: {best['estimator']}")
    lines += ["", "Lowest variance per setting: " + "; ".join(lowest) + "."]
    (out / "vae.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = [(d, k) for d in args.latents for k in args.samples]
    fig, axes = plt.subplots(len(configs), 2, figsize=(10, 3.2 * len(configs)), squeeze=False)
    for (d, k), (ax_v, ax_e) in zip(configs, axes, strict=True):
        for r in rows:
            if r["latents"] == d and r["K"] == k:
                ax_v.plot(*zip(*r["variance"], strict=True), label=r["estimator"])
                ax_e.plot(*zip(*r["curve"], strict=True), label=r["estimator"])
        ax_v.set_yscale("log")
        ax_v.set_title(f"D={d}, K={k}: encoder gradient variance")
        ax_e.set_title(f"D={d}, K={k}: training ELBO")
        ax_v.set_xlabel("step")
        ax_e.set_xlabel("step")
        ax_v.legend()
        ax_e.legend()
    fig.tight_layout()
    fig.savefig(out / "vae.png", dpi=90)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="experiment", required=True)
    v = sub.add_parser("vae")
    v.add_argument("--latents", nargs="+", type=int, default=[32, 64])
    v.add_argument("--samples", nargs="+", type=int, default=[2, 3])
    v.add_argument("--estimators", nargs="+", default=["reinforce", "rloo", "disarm", "rodeo"])
    v.add_argument("--steps", type=int, default=2000)
    v.add_argument("--var-every", type=int, default=250)
    v.add_argument("--var-draws", type=int, default=32)
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--rodeo-lr", type=float, default=1e-2, help="Adam step size of RODEO's control variates")
    v.add_argument("--operator", default="gibbs", choices=["gibbs", "mpf", "difference"])
    v.add_argument("--rodeo-adapt-steps", type=int, default=1, help="control-variate Adam steps per training step")
    v.add_argument("--out", default=str(DEFAULT_OUT))
    b = sub.add_parser("branching")
    from embodied_gym.agents.branching_pg import add_arguments

    add_arguments(b)
    b.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.experiment == "vae":
        run_vae(args)
    else:
        from embodied_gym.agents.branching_pg import run_comparison

        run_comparison(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
