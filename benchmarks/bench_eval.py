"""Leaderboard throughput: results-store writes, episode evaluation, metrics and the HTML report.

    python benchmarks/bench_eval.py            # everything
    python benchmarks/bench_eval.py --no-quick # skip the quick-suite timing (needs every world)

Prints: committed episodes/s into SQLite (one transaction per episode, WAL), gymnasium-suite
evaluation time sequential vs 2 worker processes, the quick suite per agent (its 3-minute budget),
and the time to compute rliable CIs and write the report. Machine load is printed alongside, since
the figures scale with free cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def bench_store(tmp: Path, n: int = 2000) -> None:
    from embodied_gym.leaderboard.store import EpisodeRecord, ResultsStore
    from embodied_gym.leaderboard.suites import get_suite

    with ResultsStore(tmp / "store.sqlite") as store:
        agent = store.register_agent("bench", "bench", "bench")
        suite = store.register_suite(get_suite("gymnasium"))
        run = store.start_run(agent, suite, "local", n)
        t = time.perf_counter()
        for i in range(n):
            store.add_episode(agent, suite, run, EpisodeRecord("task", i, True, 0.5, 1.0, 10, False, 0.1))
        dt = time.perf_counter() - t
    print(f"store: {n} episodes committed one by one in {dt:.2f} s = {n / dt:,.0f} episodes/s")


def bench_gymnasium_suite(tmp: Path) -> None:
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.suites import get_suite

    suite = get_suite("gymnasium")
    for workers in (1, 2):
        t = time.perf_counter()
        for spec in ("random", "oracle"):
            evaluate(suite, spec, tmp / f"gym{workers}.sqlite", workers=workers, progress=False, gifs=False)
        dt = time.perf_counter() - t
        eps = 2 * suite.num_episodes
        print(f"gymnasium suite, random+oracle, workers={workers}: {eps} episodes in {dt:.2f} s "
              f"(process start-up included)")


def bench_quick_suite(tmp: Path) -> None:
    from embodied_gym.leaderboard.agents import AgentSpecError
    from embodied_gym.leaderboard.report import load_leaderboard, write_html
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.suites import get_suite

    suite = get_suite("quick")
    db = tmp / "quick" / "results.sqlite"
    total = 0.0
    for spec in ("random", "oracle"):
        t = time.perf_counter()
        try:
            evaluate(suite, spec, db, workers=1, progress=False)
        except AgentSpecError as exc:
            print(f"quick suite, {spec}: skipped ({exc})")
            continue
        dt = time.perf_counter() - t
        total += dt
        print(f"quick suite ({len(suite.tasks)} tasks x {suite.episodes_per_task} episodes), {spec}: {dt:.1f} s")
    t = time.perf_counter()
    board = load_leaderboard(db, "quick")
    t_metrics = time.perf_counter() - t
    t = time.perf_counter()
    write_html(board, tmp / "quick")
    print(f"quick suite total {total:.1f} s (budget 180 s); rliable CIs {t_metrics:.1f} s; "
          f"HTML report {time.perf_counter() - t:.1f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-quick", action="store_true")
    args = parser.parse_args(argv)
    print(f"load average before: {_load()}  (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench_store(tmp)
        bench_gymnasium_suite(tmp)
        if not args.no_quick:
            bench_quick_suite(tmp)
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
