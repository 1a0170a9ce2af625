"""The ``embodied-gym`` command line.

Each top-level subcommand lives in the module that owns the capability (house generation in
``procgen.house.commands``, evaluation in ``leaderboard.commands`` ...). A command module defines

    configure(parser: argparse.ArgumentParser) -> None   # adds its arguments / nested subcommands
    run(args: argparse.Namespace) -> int                  # does the work, returns an exit code

and keeps heavy imports (torch, numba kernels, SB3) inside ``run`` so ``embodied-gym --help`` stays fast.
A nested command may set ``func`` on its sub-parser with ``set_defaults(func=...)``; that is called
instead of the module's ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# command name -> (module, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("embodied_gym.procgen.generate_command", "generate datasets: `generate houses --n N --out DIR`"),
    "houses": ("embodied_gym.procgen.house.commands", "house datasets: `houses stats DIR`, `houses draw DIR`"),
    "evaluate": ("embodied_gym.leaderboard.evaluate_command", "evaluate agents on a suite (resumable, SQLite)"),
    "leaderboard": ("embodied_gym.leaderboard.leaderboard_command", "print the leaderboard, write its HTML"),
    "play": ("embodied_gym.leaderboard.play_command", "play one episode with an agent, record a GIF"),
    "train": ("embodied_gym.agents.sb3.train_command", "train PPO / RecurrentPPO on any gym id (SB3)"),
    "run": ("embodied_gym.leaderboard.mainjob", "the main job: houses, quick-suite evaluation, HTML leaderboard"),
    "rewards": ("embodied_gym.rewards.commands", "video-language reward model: `rewards make-data|merge-data|train|eval|progress`"),
    "render": ("embodied_gym.envs.render.command", "write rgb/depth/semantic/instance frames of a house or block world"),
}


def build_parser() -> argparse.ArgumentParser:
    from embodied_gym import __version__

    parser = argparse.ArgumentParser(
        prog="embodied-gym",
        description="Gymnasium environments for embodied agents: houses, a voxel world, tiles.",
    )
    parser.add_argument("--version", action="version", version=f"embodied-gym {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.configure(command_parser)
        command_parser.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        func = args._module.run
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
