"""``embodied-gym evaluate``: evaluate agents on a suite and store every episode (resumable)."""

from __future__ import annotations

import argparse

DEFAULT_DB = "runs/leaderboard/results.sqlite"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent", "-a", action="append", required=True, metavar="SPEC",
                        help="'random', 'oracle', an SB3 checkpoint (.zip) or folder of them, or "
                             "'module:factory'; repeat to evaluate several agents")
    parser.add_argument("--name", action="append", default=None,
                        help="display name per --agent (default: derived from the spec)")
    parser.add_argument("--suite", "-s", default="quick",
                        help="quick, standard, full, gymnasium, or a suite .yaml/.json (default: quick)")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"results store (default: {DEFAULT_DB})")
    parser.add_argument("--workers", "-j", type=int, default=1, help="local worker processes (default: 1)")
    parser.add_argument("--ray", metavar="ADDRESS", default=None,
                        help="spread episodes over a Ray cluster ('auto', 'ray://host:10001', or 'local')")
    parser.add_argument("--ray-num-cpus", type=int, default=None, help="CPUs for --ray local")
    parser.add_argument("--allow-partial", action="store_true",
                        help="evaluate the tasks an agent can play and skip the others (no aggregate score)")
    parser.add_argument("--no-gif", action="store_true", help="do not record a GIF per agent and task")
    parser.add_argument("--report", metavar="DIR", default=None,
                        help="also print the table and write the HTML leaderboard to DIR")


def run(args: argparse.Namespace) -> int:
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.suites import get_suite

    suite = get_suite(args.suite)
    names = args.name or []
    if len(names) > len(args.agent):
        raise ValueError(f"{len(names)} --name values for {len(args.agent)} --agent values")
    for i, spec in enumerate(args.agent):
        summary = evaluate(
            suite, spec, args.db, name=names[i] if i < len(names) else None, workers=args.workers,
            ray_address=args.ray, ray_num_cpus=args.ray_num_cpus, gifs=not args.no_gif,
            allow_partial=args.allow_partial,
        )
        if summary.skipped_tasks:
            print(f"{summary.agent_name}: skipped {list(summary.skipped_tasks)} (no policy for them)")
        print(f"{summary.agent_name}: {summary.written} new episodes, {summary.already_done} already stored, "
              f"{suite.num_episodes} in suite {suite.name} v{suite.version} -> {args.db}")
    if args.report:
        from embodied_gym.leaderboard.report import format_table, load_leaderboard, write_html

        board = load_leaderboard(args.db, suite.name, suite.version)
        print(format_table(board))
        print(f"wrote {write_html(board, args.report)}")
    return 0
