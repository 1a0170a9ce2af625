"""House env speed: House-ObjectNav-v0 at 64x64 RGB, random actions, resets included — one env and the
native batched vector env (64 envs) — beside Miniworld's MiniWorld-FourRooms-v0 measured in the same run.

Run: ``python benchmarks/bench_house_env.py [--seconds S] [--num-envs N]``. Prints one table.

Notes: random actions include ``Done`` (1 in 6), so episodes are ~6 steps long and resets (new start
pose and goal; a new house every ``episodes_per_house`` episodes, 50 by default) are a large share of
the work, as the issue asks. The first house of each env is built before timing starts (JIT caches
warm). Building a house (generate, voxelise, pack into the renderer's batch) costs as much as a few
hundred steps, and a vector env's sub-envs all start their first house together, so a short window
can miss their house switches or catch them bunched. Each figure is therefore timed for at least
``--seconds`` and then on until the window holds its fair share of house builds (one per 50 episodes
ended in the window), which can only make the figure more conservative; the houses built per 50
episodes are printed beside it (1.00 = steady state).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
from peers import miniworld_steps_per_second

#: episodes_per_house at or above this: the diagnostic row whose sub-envs never change house
NO_SWITCH = 10**9
MAX_WINDOW_FACTOR = 8  # a window ends at this many times --seconds even short of its share of builds


def _timed(step, seconds: float, source, steps_per_call: int, episodes_per_house: int) -> tuple[float, float]:
    """(env-steps per second, houses built per ``episodes_per_house`` episodes) over a window of at
    least ``seconds`` that holds at least one house build per ``episodes_per_house`` episodes (a source
    that keeps its houses, ``episodes_per_house >= NO_SWITCH``, is timed for ``seconds``)."""
    builds0 = source.builds
    n = episodes = 0
    t0 = time.perf_counter()
    while True:
        episodes += step()
        n += steps_per_call
        elapsed = time.perf_counter() - t0
        built = source.builds - builds0
        if elapsed >= seconds and (episodes_per_house >= NO_SWITCH or built * episodes_per_house >= episodes
                                   or elapsed >= MAX_WINDOW_FACTOR * seconds):
            break
    return n / elapsed, built * episodes_per_house / max(episodes, 1)


def single_env_rate(seconds: float, size: int) -> tuple[float, float]:
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

    def step() -> int:
        _, _, te, tr, _ = env.step(int(rng.integers(n_actions)))
        if te or tr:
            env.reset()
            return 1
        return 0

    sim = env.unwrapped.sim
    return _timed(step, seconds, sim.source, 1, sim.episodes_per_house)


def vector_env_rate(seconds: float, size: int, num_envs: int, **kwargs) -> tuple[float, float]:
    import embodied_gym  # noqa: F401
    import gymnasium as gym

    venv = gym.make_vec("embodied_gym/House-ObjectNav-v0", num_envs=num_envs, width=size, height=size, **kwargs)
    venv.reset(seed=0)
    rng = np.random.default_rng(0)
    n_actions = venv.single_action_space.n
    for _ in range(20):
        venv.step(rng.integers(n_actions, size=num_envs))

    def step() -> int:
        _, _, te, tr, _ = venv.step(rng.integers(n_actions, size=num_envs))
        return int(np.count_nonzero(te | tr))

    sim = venv.sims[0]  # all sub-envs share one house source
    try:
        return _timed(step, seconds, sim.source, num_envs, sim.episodes_per_house)
    finally:
        venv.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="least timed seconds per figure")
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--no-prefetch-row", action="store_true",
                        help="skip the vector env row with prefetch_houses=True")
    args = parser.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    single, s_houses = single_env_rate(args.seconds, args.size)
    print(f"House-ObjectNav-v0 {args.size}x{args.size}, one env:            {single:,.0f} steps/s"
          f"  (houses built per 50 episodes: {s_houses:.2f})")
    vec, v_houses = vector_env_rate(args.seconds, args.size, args.num_envs)
    print(f"House-ObjectNav-v0 {args.size}x{args.size}, vector env x{args.num_envs}:  {vec:,.0f} steps/s"
          f"  (houses built per 50 episodes: {v_houses:.2f})")
    still, _ = vector_env_rate(args.seconds, args.size, args.num_envs, episodes_per_house=NO_SWITCH)
    print(f"  same, each sub-env keeps its first house (no switches: what they cost): {still:,.0f} steps/s")
    if not args.no_prefetch_row:
        pre, p_houses = vector_env_rate(args.seconds, args.size, args.num_envs, prefetch_houses=True)
        print(f"  same, prefetch_houses=True (next houses built in a worker process): {pre:,.0f} steps/s"
              f"  (houses built per 50 episodes: {p_houses:.2f})")
    print(f"Miniworld MiniWorld-FourRooms-v0:            {miniworld_steps_per_second('MiniWorld-FourRooms-v0', args.seconds)}")
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
