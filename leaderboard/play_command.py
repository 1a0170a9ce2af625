"""``embodied-gym play ID --seed S --gif out.gif``: play one episode with an agent and record it.

Plays through the leaderboard's own episode runner, so the episode, its success rule and the GIF are
exactly what an evaluation of that agent on that seed would record.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _env_arg(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--env-arg takes KEY=VALUE (VALUE as JSON, else a string), got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("env_id", help="a gym id; the embodied_gym/ prefix may be left out (House-ObjectNav-v0)")
    parser.add_argument("--seed", type=int, default=0, help="episode seed (default 0)")
    parser.add_argument("--agent", default="oracle", help="oracle (default), random, an SB3 .zip or module:factory")
    parser.add_argument("--gif", type=Path, default=None, help="write the episode to this GIF")
    parser.add_argument("--max-steps", type=int, default=1000, help="cap on the episode's length (default 1000)")
    parser.add_argument("--env-arg", type=_env_arg, action="append", default=[], metavar="KEY=VALUE",
                        help="keyword for gymnasium.make, e.g. --env-arg width=128 (repeatable)")


def run(args: argparse.Namespace) -> int:
    import embodied_gym  # noqa: F401  (registers the ids)
    import gymnasium as gym

    from .agents import build_agent
    from .runner import run_episode
    from .suites import SuiteTask

    env_id = args.env_id
    if env_id not in gym.registry and f"embodied_gym/{env_id}" in gym.registry:
        env_id = f"embodied_gym/{env_id}"
    if env_id not in gym.registry:
        import difflib

        near = difflib.get_close_matches(env_id, list(gym.registry), n=5)
        print(f"unknown gym id {args.env_id!r}; nearest: {', '.join(near) or 'none'}")
        return 2
    task = SuiteTask(task_id=env_id, seeds=(args.seed,), env_kwargs=dict(args.env_arg), max_steps=args.max_steps)
    record = run_episode(task, args.seed, build_agent(args.agent), gif_path=args.gif)
    spl = "" if record.spl is None else f"  spl {record.spl:.3f}"
    print(f"{env_id} seed {args.seed} agent {args.agent}: success {record.success}  return {record.episode_return:.2f}"
          f"  length {record.length}{spl}")
    if args.gif:
        print(f"wrote {args.gif}")
    return 0
