"""``embodied-gym leaderboard``: print the table and write the static HTML leaderboard."""

from __future__ import annotations

import argparse

from embodied_gym.leaderboard.evaluate_command import DEFAULT_DB


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=DEFAULT_DB, help=f"results store (default: {DEFAULT_DB})")
    parser.add_argument("--suite", "-s", default="quick", help="suite name as stored (default: quick)")
    parser.add_argument("--version", default=None, help="suite version (default: the latest stored)")
    parser.add_argument("--out", default="runs/leaderboard", help="folder for index.html (default: runs/leaderboard)")
    parser.add_argument("--no-html", action="store_true", help="print the table only")
    parser.add_argument("--reps", type=int, default=2000, help="bootstrap resamples for the CIs (default: 2000)")


def run(args: argparse.Namespace) -> int:
    from embodied_gym.leaderboard.report import format_table, load_leaderboard, write_html

    if args.reps < 100:
        raise ValueError(f"--reps must be >= 100 for a meaningful 95% CI, got {args.reps}")
    board = load_leaderboard(args.db, args.suite, args.version, reps=args.reps)
    print(format_table(board))
    if not args.no_html:
        from pathlib import Path

        # floor plans the main job drew beside the page stay in it when the page is rewritten
        houses = [(f"house {p.stem.split('_')[-1]}", p) for p in sorted(Path(args.out).glob("houses/house_*.png"))]
        print(f"wrote {write_html(board, args.out, extra_images=houses)}")
    return 0
