"""``embodied-gym rewards make-data | train | eval``: the reward model's command line.

Heavy imports (torch, open_clip, the worlds) happen inside the sub-commands so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys


def _image_size(text: str) -> tuple[int, int]:
    try:
        parts = [int(v) for v in text.lower().replace("x", ",").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"image size must look like 64x64, got {text!r}") from None
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or min(parts) < 16:
        raise argparse.ArgumentTypeError(f"image size must be HxW with sides >= 16, got {text!r}")
    return parts[0], parts[1]


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="rewards_command", metavar="SUBCOMMAND", required=True)

    data = sub.add_parser("make-data", help="roll out agents in the worlds and write captioned clip shards")
    data.add_argument("--out", required=True, help="dataset directory (shards + manifest.jsonl + dataset.json)")
    data.add_argument("--worlds", nargs="+", default=["voxel"], help="worlds to roll out (default: voxel)")
    data.add_argument("--episodes", type=int, default=2000)
    data.add_argument("--seed", type=int, default=0)
    data.add_argument("--workers", type=int, default=2)
    data.add_argument("--image-size", type=_image_size, default=(64, 64))
    data.add_argument("--frame-stride", type=int, default=4, help="env steps between stored frames")
    data.add_argument("--after", type=int, default=3,
                      help="per event, clips end at the event frame and up to this many kept frames later")
    data.add_argument("--before", type=int, default=0,
                      help="per event, clips ending up to this many kept frames before it carry its caption too")
    data.add_argument("--idle-between", action="store_true",
                      help="also cut idle clips (hard negatives) from episodes with events, away from them")
    data.add_argument("--idle-every", type=int, default=8, help="kept frames between idle clips of eventless episodes")
    data.add_argument("--max-minutes", type=float, default=None, help="stop early after this long")
    data.add_argument("--clips", type=int, default=None,
                      help="stop once this many clips are written (each worker writes its share; needs enough --episodes)")
    data.set_defaults(func=_make_data)

    merge = sub.add_parser("merge-data", help="one dataset made of several (manifest only, shards stay put)")
    merge.add_argument("--out", required=True)
    merge.add_argument("sources", nargs="+")
    merge.set_defaults(func=_merge)

    train = sub.add_parser("train", help="contrastive training (InfoNCE, learned temperature), TensorBoard logs")
    train.add_argument("--data", required=True)
    train.add_argument("--out", required=True, help="run directory: tb/, last.pt, final.pt, metrics.json")
    train.add_argument("--preset", default="tiny64", help="model preset: tiny64, tiny64-attn, mineclip-avg, ...")
    train.add_argument("--batch-size", type=int, default=48)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--max-steps", type=int, default=100000)
    train.add_argument("--max-minutes", type=float, default=25.0)
    train.add_argument("--eval-every", type=int, default=200)
    train.add_argument("--train-frames", type=int, default=None,
                       help="frames per training clip, evenly subsampled from 16 (faster; avg pooling only)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--threads", type=int, default=2)
    train.set_defaults(func=_train)

    ev = sub.add_parser("eval", help="held-out retrieval of a checkpoint on a clip dataset")
    ev.add_argument("--data", required=True)
    ev.add_argument("--checkpoint", default=None, help="default: the checkpoint shipped in the package")
    ev.add_argument("--max-clips", type=int, default=2000)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--threads", type=int, default=1)
    ev.add_argument("--split", default="test", choices=["test", "train", "all"],
                    help="which clips (a dataset made with another --seed is all unseen worlds: use all)")
    ev.set_defaults(func=_eval)

    pr = sub.add_parser("progress", help="reward vs task progress on scripted and random voxel episodes")
    pr.add_argument("--checkpoint", default=None, help="default: the checkpoint shipped in the package")
    pr.add_argument("--episodes", type=int, default=4)
    pr.add_argument("--seed", type=int, default=1000)
    pr.add_argument("--json", default=None, help="also write the results here")
    pr.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for per-step scoring)")
    pr.set_defaults(func=_progress)


def _command_line() -> str:
    return "embodied-gym " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _make_data(args: argparse.Namespace) -> int:
    from embodied_gym.rewards.make_data import make_data

    make_data(args.out, worlds=tuple(args.worlds), episodes=args.episodes, seed=args.seed, workers=args.workers,
              image_size=args.image_size, frame_stride=args.frame_stride, max_minutes=args.max_minutes,
              after=args.after, before=args.before, idle_between=args.idle_between, idle_every=args.idle_every, clips=args.clips,
              command=_command_line())
    return 0


def _merge(args: argparse.Namespace) -> int:
    from embodied_gym.rewards.data import merge_datasets

    info = merge_datasets(args.out, args.sources)
    print(f"{info['num_clips']} clips from {len(args.sources)} datasets -> {args.out}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from embodied_gym.rewards.train import TrainConfig, train

    if args.train_frames is not None and args.preset.endswith("attn"):
        raise SystemExit("--train-frames subsamples clips; use it only with avg-pooling presets")
    cfg = TrainConfig(
        data=args.data, out=args.out, preset=args.preset, batch_size=args.batch_size, lr=args.lr,
        max_steps=args.max_steps, max_minutes=args.max_minutes, eval_every=args.eval_every, seed=args.seed,
        threads=args.threads, frames=args.train_frames,
    )
    cfg.overrides["extra"] = {"command": _command_line()}
    train(cfg)
    return 0


def _eval(args: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from embodied_gym.rewards.checkpoint import load_model
    from embodied_gym.rewards.data import read_manifest
    from embodied_gym.rewards.evaluate import retrieval_metrics
    from embodied_gym.rewards.reward import DEFAULT_CHECKPOINT

    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint or DEFAULT_CHECKPOINT)
    test = [r for r in read_manifest(args.data) if args.split in ("all", r.split)]
    metrics = retrieval_metrics(model, args.data, test, np.random.default_rng(args.seed), max_clips=args.max_clips)
    metrics["checkpoint"] = str(args.checkpoint or DEFAULT_CHECKPOINT)
    print(json.dumps(metrics, indent=2, sort_keys=True))
    return 0


def _progress(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch
    from embodied_gym.rewards.checkpoint import load_model
    from embodied_gym.rewards.progress import run_progress
    from embodied_gym.rewards.reward import DEFAULT_CHECKPOINT

    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint or DEFAULT_CHECKPOINT)
    results = run_progress(model, episodes=args.episodes, seed=args.seed)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, sort_keys=True, default=float))
    return 0


def run(args: argparse.Namespace) -> int:  # the dispatcher calls ``func``; kept for the module contract
    return int(args.func(args) or 0)
