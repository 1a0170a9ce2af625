"""``embodied-gym run`` (what ``make run`` starts): the whole pipeline in one go on a fresh machine.

1. generate a few procedural houses (AI2-THOR house JSON) and draw their floor plans;
2. evaluate the random agent, the oracles and the shipped PPO policies on the ``quick`` suite;
3. print the leaderboard and write ``runs/leaderboard/index.html``.

Evaluations resume from the results store, so a second run only redoes what changed; ``--fresh``
starts from an empty store.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

#: PPO policies trained by ``scripts/train_shipped_policies.py``, one per task of the quick suite.
SHIPPED_POLICIES = Path(__file__).resolve().parent.parent / "agents" / "sb3" / "policies"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="runs/leaderboard", help="leaderboard folder (default: runs/leaderboard)")
    parser.add_argument("--suite", default="quick", help="suite to evaluate (default: quick)")
    parser.add_argument("--houses", type=int, default=3, help="houses to generate (default: 3)")
    parser.add_argument("--workers", "-j", type=int, default=2, help="episode worker processes (default: 2)")
    parser.add_argument("--fresh", action="store_true", help="delete the results store first")


def _generate_houses(n: int, out: Path) -> list[Path]:
    from embodied_gym.procgen.house import generate_house
    from embodied_gym.procgen.house.draw import draw_house

    json_dir = out.parent / "houses"
    png_dir = out / "houses"
    json_dir.mkdir(parents=True, exist_ok=True)
    png_dir.mkdir(parents=True, exist_ok=True)
    pngs = []
    for seed in range(n):
        house = generate_house(seed)
        (json_dir / f"house_{seed}.json").write_text(json.dumps(house))
        png = png_dir / f"house_{seed}.png"
        rooms = ", ".join(sorted({r.get("roomType", "?") for r in house.get("rooms", [])}))
        draw_house(house, png, title=f"seed {seed}: {rooms}")
        import matplotlib.pyplot as plt

        plt.close("all")
        pngs.append(png)
    return pngs


def run(args: argparse.Namespace) -> int:
    from embodied_gym.leaderboard.report import format_table, load_leaderboard, write_html
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.suites import get_suite

    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "results.sqlite"
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    t = time.perf_counter()
    houses = _generate_houses(args.houses, out) if args.houses > 0 else []
    if houses:
        print(f"[1/3] generated {len(houses)} houses -> {out.parent / 'houses'} ({time.perf_counter() - t:.1f} s)")

    suite = get_suite(args.suite)
    agents = [("random", None), ("oracle", None)]
    if SHIPPED_POLICIES.is_dir() and any(SHIPPED_POLICIES.rglob("*.zip")):
        agents.append((str(SHIPPED_POLICIES), "ppo"))
    else:
        print(f"note: no shipped PPO policies under {SHIPPED_POLICIES}; train them with "
              "scripts/train_shipped_policies.py")
    for spec, name in agents:
        t = time.perf_counter()
        # the shipped PPO policies cover the tasks they were trained on; the rest of the suite is skipped
        summary = evaluate(suite, spec, db, name=name, workers=args.workers, allow_partial=name == "ppo")
        skipped = f"; no policy for {list(summary.skipped_tasks)}" if summary.skipped_tasks else ""
        print(f"[2/3] {summary.agent_name}: {summary.written} episodes played, {summary.already_done} resumed "
              f"({time.perf_counter() - t:.1f} s){skipped}")

    board = load_leaderboard(db, suite.name, suite.version)
    print()
    print(format_table(board))
    page = write_html(board, out, extra_images=[(f"house {p.stem.split('_')[-1]}", p) for p in houses])
    print(f"\n[3/3] wrote {page} (open it in a browser) in {time.perf_counter() - started:.1f} s total")
    return 0
