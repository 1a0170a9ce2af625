"""``embodied-gym generate <what> ...``: dataset generators, one nested subcommand per world.

GENERATORS maps a subcommand to the module that implements it (``configure(parser)`` and
``run(args)``); a world adds itself with one line.
"""

from __future__ import annotations

import argparse
import importlib

GENERATORS: dict[str, tuple[str, str]] = {
    "houses": ("embodied_gym.procgen.house.commands", "ProcTHOR-style houses -> DIR/<split>.jsonl.gz"),
}


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="generate_what", metavar="WHAT", required=True)
    for name, (module_name, help_text) in GENERATORS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.configure_generate(p)
        p.set_defaults(func=module.run_generate)


def run(args: argparse.Namespace) -> int:  # pragma: no cover - argparse always sets func
    raise SystemExit("choose what to generate, e.g. `embodied-gym generate houses --n 100 --out DIR`")
