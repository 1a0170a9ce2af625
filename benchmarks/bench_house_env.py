"""House env speed: House-ObjectNav-v0 at 64x64 RGB, random actions, resets included — one env and the
native batched vector env (64 envs) — beside Miniworld's MiniWorld-FourRooms-v0 measured in the same run.

Run: ``python benchmarks/bench_house_env.py [--seconds S] [--num-envs N]``. Prints one table.

Notes: random actions include ``Done`` (1 in 6), so episodes are short and resets (new start pose and
goal; a new house every ``episodes_per_house`` episodes, 50 by default) are a large share of the work,
as the issue asks. The first house of each env is built before timing starts (JIT caches warm).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
from peers import miniworld_steps_per_second


def single_env_rate(seconds: float, size: int) -> float:
    import embodied_gym  # noqa: F401
    import gymnasium as gym

    env = gym.make("embodied_gym/House-ObjectNav-v0", width=size, height=size)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    n_actions = env.action_space.n
    for _ in range(200):  # warm-up: JIT, first fields
        _, _, te, tr, _ = env.step(int(rng.integers(n_actions)))
        if te or tr:
            env.reset()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _, _, te, tr, _ = env.step(int(rng.integers(n_actions)))
        n += 1
        if te or tr:
            env.reset()
    return n / (time.perf_counter() - t0)


def vector_env_rate(seconds: float, size: int, num_envs: int) -> float:
    import embodied_gym  # noqa: F401
    import gymnasium as gym

    venv = gym.make_vec("embodied_gym/House-ObjectNav-v0", num_envs=num_envs, width=size, height=size)
    venv.reset(seed=0)
    rng = np.random.default_rng(0)
    n_actions = venv.single_action_space.n
    for _ in range(20):
        venv.step(rng.integers(n_actions, size=num_envs))
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        venv.step(rng.integers(n_actions, size=num_envs))
        n += num_envs
    return n / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per figure")
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    single = single_env_rate(args.seconds, args.size)
    print(f"House-ObjectNav-v0 {args.size}x{args.size}, one env:            {single:,.0f} steps/s")
    vec = vector_env_rate(args.seconds, args.size, args.num_envs)
    print(f"House-ObjectNav-v0 {args.size}x{args.size}, vector env x{args.num_envs}:  {vec:,.0f} steps/s")
    print(f"Miniworld MiniWorld-FourRooms-v0:            {miniworld_steps_per_second('MiniWorld-FourRooms-v0', args.seconds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
