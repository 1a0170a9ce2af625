"""House generation throughput: complete, validated houses per second.

1. one process: ``generate_house`` (generation + full validation) for --single houses;
2. the dataset job: ``write_house_dataset`` of --n houses (default 10,000) on --workers processes
   (default: all cores), i.e. exactly what ``embodied-gym generate houses`` does, then a streamed
   read-back that checks the count and the rooms-per-house distribution against the spec weights.

Run: ``python benchmarks/bench_house_generation.py [--n 10000] [--workers N] [--single 300]``.
The acceptance target is >= 100 houses/s on a 2-core machine (10,000 in under 100 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from embodied_gym.procgen.house import generate_house, load_houses
    from embodied_gym.procgen.house.dataset import write_house_dataset
    from embodied_gym.procgen.house.specs import expected_rooms_distribution

    print(f"cpus: {os.cpu_count()}  load average before: {load_average()}")
    generate_house(args.seed, index=0)  # warm up: catalog load, numba cache
    times = []
    attempts = Counter()
    cpu0 = time.process_time()
    for i in range(args.single):
        t = time.perf_counter()
        h = generate_house(args.seed, "val", index=i)
        times.append(time.perf_counter() - t)
        attempts[h["metadata"]["generator"]["attempt"]] += 1
    cpu_single = (time.process_time() - cpu0) / args.single
    ms = np.array(times) * 1000
    print(f"single process: {args.single} houses, {args.single / ms.sum() * 1000:.1f} houses/s, "
          f"ms/house mean {ms.mean():.2f} p50 {np.median(ms):.2f} p95 {np.percentile(ms, 95):.2f}; "
          f"retried draws: {sum(v for k, v in attempts.items() if k > 0)}/{args.single}")
    print(f"  CPU time {cpu_single * 1000:.2f} ms/house -> {1 / cpu_single:.0f} houses/s per idle core "
          f"(load-independent estimate)")

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        c0 = time.process_time()
        ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        path = write_house_dataset(Path(tmp), args.n, "train", args.seed, args.workers, progress=False)
        dt = time.perf_counter() - t
        ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (time.process_time() - c0) + (ch1.ru_utime - ch0.ru_utime) + (ch1.ru_stime - ch0.ru_stime)
        size = path.stat().st_size
        rooms = Counter()
        n = 0
        for house in load_houses(path):
            rooms[len(house["rooms"])] += 1
            n += 1
    expected = expected_rooms_distribution()
    chi2 = sum((rooms[k] - n * p) ** 2 / (n * p) for k, p in expected.items())
    print(f"dataset: {args.n} validated houses on {args.workers} workers in {dt:.1f} s = {args.n / dt:.1f} houses/s "
          f"({size / 1e6:.1f} MB jsonl.gz, {size / max(n, 1) / 1024:.1f} KiB/house); read back {n}")
    print(f"  CPU time, all processes: {cpu:.1f} s = {cpu / args.n * 1000:.2f} ms/house (incl. worker start-up) -> "
          f"{args.workers * args.n / cpu:.0f} houses/s projected on {args.workers} idle cores")
    print("rooms per house  observed  expected")
    for k in sorted(expected):
        print(f"  {k:2d}             {rooms[k] / n:7.4f}   {expected[k]:7.4f}")
    print(f"chi-square vs spec weights: {chi2:.1f} (9 dof; 99.9% critical value 27.9)")
    print(f"load average after: {load_average()}")
    ok = n == args.n and (args.n < 1000 or chi2 < 27.9)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
