"""Train the grounded recurrent agent on House-Instruction and report its auxiliary (language) loss.

    python scripts/train_grounded_house.py --timesteps 20000 --out runs/grounded_house

The agent sees the frame and the target's object type; its auxiliary head learns to predict the full
instruction's all-MiniLM-L6-v2 embedding. Prints the auxiliary loss and episode return at the first
and last update (from the TensorBoard log the run writes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def scalars(tb_dir: Path, tag: str) -> list[tuple[int, float]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out: list[tuple[int, float]] = []
    for run in sorted(tb_dir.iterdir()):
        acc = EventAccumulator(str(run))
        acc.Reload()
        if tag in acc.Tags()["scalars"]:
            out += [(e.step, e.value) for e in acc.Scalars(tag)]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=20_000)
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--aux-coef", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=Path("runs/grounded_house"))
    args = parser.parse_args(argv)

    from embodied_gym.agents.grounded.house import train

    started = time.perf_counter()
    path = train(args.timesteps, args.out, n_envs=args.n_envs, seed=args.seed, aux_coef=args.aux_coef)
    wall = time.perf_counter() - started
    print(f"trained {args.timesteps} steps in {wall:.0f} s ({args.timesteps / wall:.0f} steps/s) -> {path}")
    for tag in ("train/aux_loss", "rollout/ep_rew_mean"):
        values = scalars(args.out / "tb", tag)
        if values:
            print(f"{tag}: first {values[0][1]:.4f} (step {values[0][0]}), last {values[-1][1]:.4f} (step {values[-1][0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
