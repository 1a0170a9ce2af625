"""``embodied-gym train``: PPO / RecurrentPPO on any gym id, by flags or a YAML config."""

from __future__ import annotations

import argparse
import json
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("env_id", nargs="?", default=None, help="gym id, e.g. embodied_gym/Tiles-4x4-v0")
    parser.add_argument("--config", "-c", default=None, help="YAML file of options (flags override it)")
    parser.add_argument("--algo", choices=["ppo", "recurrent_ppo"], default=None)
    parser.add_argument("--timesteps", "-t", dest="total_timesteps", type=int, default=None)
    parser.add_argument("--n-envs", type=int, default=None)
    parser.add_argument("--vectorization", choices=["dummy", "subproc", "native"], default=None,
                        help="dummy (default), subproc, or native (the id's batched vector env)")
    parser.add_argument("--env-kwargs", type=json.loads, default=None, help='JSON, e.g. \'{"width": 64}\'')
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", dest="out_dir", default=None, help="run folder (default: runs/train/<id>-<algo>)")
    parser.add_argument("--checkpoint-every", type=int, default=None)
    parser.add_argument("--eval-every", type=int, default=None)
    parser.add_argument("--eval-episodes", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--n-steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--ent-coef", type=float, default=None)
    parser.add_argument("--drop-key", dest="drop_keys", action="append", default=None,
                        help="observation key to leave out (repeatable)")
    parser.add_argument("--wrapper", dest="wrappers", action="append", default=None,
                        help="module:factory applied to each env, kept for evaluation (repeatable)")
    parser.add_argument("--reward-wrapper", default=None,
                        help="module:factory reward wrapper (e.g. a video-language reward model), training only")
    parser.add_argument("--no-resume", dest="resume", action="store_false", default=None)
    parser.add_argument("--no-progress", dest="progress_bar", action="store_false", default=None)


def config_from_args(args: argparse.Namespace) -> Any:
    from embodied_gym.agents.sb3.train import TrainConfig, TrainConfigError

    fields = ["env_id", "algo", "total_timesteps", "n_envs", "vectorization", "env_kwargs", "seed", "out_dir",
              "checkpoint_every", "eval_every", "eval_episodes", "learning_rate", "n_steps", "batch_size",
              "ent_coef", "drop_keys", "wrappers", "reward_wrapper", "resume", "progress_bar"]
    overrides = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
    if args.config:
        return TrainConfig.from_yaml(args.config, overrides)
    if "env_id" not in overrides:
        raise TrainConfigError("give a gym id (embodied-gym train embodied_gym/Tiles-4x4-v0) or --config FILE")
    return TrainConfig.from_mapping(overrides)


def run(args: argparse.Namespace) -> int:
    from embodied_gym.agents.sb3.train import train

    config = config_from_args(args)
    final = train(config)
    print(f"trained {config.algo} on {config.env_id} for {config.total_timesteps} steps -> {final}")
    print(f"tensorboard --logdir {config.out_dir}/tb ; embodied-gym evaluate --agent {final}")
    return 0
