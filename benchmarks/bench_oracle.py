"""The planning oracle on a fixed, seeded, stratified sample of supported MineDojo task ids.

    python benchmarks/bench_oracle.py                 # the 300-id sample (about 10-30 min on 2 cores)
    python benchmarks/bench_oracle.py --n 30          # a quick look
    python benchmarks/bench_oracle.py --json out.json # also write every episode's result
    python benchmarks/bench_oracle.py --category techtree          # one category of the same sample
    python benchmarks/bench_oracle.py --failed-from out.json       # rerun only the failures of a run
    python benchmarks/bench_oracle.py --ids harvest_1_log,combat_... # chosen ids of the sample

The filters pick episodes out of the sample without changing it: each keeps its position ``k`` and so
its episode seed; ``--failed-from`` replays the failed (id, seed) pairs of that file exactly, even where
the supported set (and so the sample) has changed since.

The sample: the programmatic ids the embedded world supports (``docs/minedojo_coverage.md``), split by
category (harvest, combat, techtree; survival's 100-day episodes are left out), and drawn per category
in proportion to its supported count with ``numpy.random.default_rng(SAMPLE_SEED)``. Episode ``k`` runs
with reset seed ``EPISODE_SEED + k`` under the id's own time limit (``max_episode_steps``).

Each episode is made with ``gym.make(id)`` and reset with its seed; the oracle then acts through
MineDojo's action vector. By default the steps skip rendering (the env's ``world.step`` and its task rule,
exactly what ``env.step`` does minus the frame, which the privileged oracle never reads);
``--render`` steps through ``env.step`` instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict

import embodied_gym  # noqa: F401  (registers the ids)
import gymnasium as gym
import numpy as np
from embodied_gym.agents.voxel_oracle import VoxelOracle
from embodied_gym.envs.voxel.ids import gym_id
from embodied_gym.envs.voxel.spaces import validate_action

SAMPLE_SEED = 2024
EPISODE_SEED = 10_000
SAMPLE_SIZE = 300
CATEGORIES = ("harvest", "combat", "techtree")


def stratified_sample(n: int = SAMPLE_SIZE, seed: int = SAMPLE_SEED) -> list[str]:
    """``n`` supported ids, per category in proportion to its supported count (MineDojo order kept)."""
    from embodied_gym.envs.voxel.tasks.coverage import supported_ids

    pools = {c: supported_ids(c) for c in CATEGORIES}
    total = sum(len(p) for p in pools.values())
    quotas = {c: int(round(n * len(p) / total)) for c, p in pools.items()}
    quotas[CATEGORIES[0]] += n - sum(quotas.values())
    rng = np.random.default_rng(seed)
    sample = []
    for c in CATEGORIES:
        picked = sorted(rng.choice(len(pools[c]), size=min(quotas[c], len(pools[c])), replace=False))
        sample += [pools[c][i] for i in picked]
    return sample


def select(sample: list[str], category: str | None = None, ids: str | None = None,
           failed_from: str | None = None) -> list[tuple[int, str]]:
    """``(k, id)`` episodes to run: those of ``sample`` (``k`` = the position in the whole sample, which
    sets the seed), or with ``failed_from`` the failed ``(id, seed)`` pairs of that results file (exactly
    those episodes, even if the supported set and so the sample have changed since); then filtered."""
    if failed_from:
        with open(failed_from) as handle:
            rows = json.load(handle)["results"]
        chosen = [(r["seed"] - EPISODE_SEED, r["task_id"]) for r in rows if not r["success"]]
    else:
        chosen = list(enumerate(sample))
    if category:
        chosen = [(k, t) for k, t in chosen if t.split("_", 1)[0] == category]
    if ids:
        wanted = {t.strip() for t in ids.split(",") if t.strip()}
        unknown = wanted - {t for _, t in chosen}
        if unknown:
            raise ValueError(f"--ids not among the episodes selected: {sorted(unknown)}")
        chosen = [(k, t) for k, t in chosen if t in wanted]
    return chosen


def run_episode(task_id: str, seed: int, render: bool = False) -> dict:
    env = gym.make(gym_id(task_id), image_size=(32, 32))
    limit = env.spec.max_episode_steps
    obs, info = env.reset(seed=seed)
    inner = env.unwrapped
    oracle = VoxelOracle()
    oracle.reset(inner, task_id, seed)
    world, rule = inner.world, inner.rule
    success, steps, ret = False, 0, 0.0
    start = time.perf_counter()
    while steps < limit:
        steps += 1
        action = oracle.act(obs, info)
        if render:
            obs, reward, terminated, truncated, info = env.step(action)
            success = bool(info.get("success"))
        else:
            world.step(validate_action(action))
            reward, success = rule.step(world, world.task_info())
            terminated = success or not world.player.alive
        ret += reward
        if terminated:
            break
    env.close()
    return {"task_id": task_id, "seed": seed, "success": bool(success), "steps": steps, "return": ret,
            "died": not world.player.alive, "seconds": time.perf_counter() - start, "limit": limit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=SAMPLE_SIZE, help="sample size (default %(default)s)")
    parser.add_argument("--render", action="store_true", help="step through env.step (renders every frame)")
    parser.add_argument("--json", help="write per-episode results here")
    parser.add_argument("--category", choices=CATEGORIES, help="run only this category of the sample")
    parser.add_argument("--ids", help="comma-separated task ids: run only these ids of the sample")
    parser.add_argument("--failed-from", help="a --json file of an earlier run: rerun only its failed ids")
    args = parser.parse_args(argv)
    full = stratified_sample(args.n)
    episodes = select(full, args.category, args.ids, args.failed_from)
    sample = [task_id for _, task_id in episodes]
    print(f"oracle benchmark: {len(sample)} of {len(full)} ids, sample seed {SAMPLE_SEED}, episode seeds {EPISODE_SEED}+k, "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus", flush=True)
    results = []
    per_cat: dict[str, list[dict]] = defaultdict(list)
    start = time.perf_counter()
    for done_count, (k, task_id) in enumerate(episodes):
        row = run_episode(task_id, EPISODE_SEED + k, render=args.render)
        results.append(row)
        per_cat[task_id.split("_", 1)[0]].append(row)
        if not row["success"]:
            print(f"  fail: {task_id} seed {row['seed']} after {row['steps']} steps" + (" (died)" if row["died"] else ""),
                  flush=True)
        if (done_count + 1) % 25 == 0:
            done = sum(r["success"] for r in results)
            print(f"  [{done_count + 1}/{len(sample)}] solved {done} ({100.0 * done / (done_count + 1):.1f}%), "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
        if args.json:  # written as it goes, so an interrupted run still leaves its results
            with open(args.json, "w") as handle:
                json.dump({"sample_seed": SAMPLE_SEED, "episode_seed": EPISODE_SEED, "results": results}, handle, indent=1)
    wall = time.perf_counter() - start
    print(f"{'category':10s} {'solved':>8s} {'rate':>7s} {'median steps':>13s}")
    for c in CATEGORIES:
        rows = per_cat.get(c, [])
        if rows:
            solved = [r for r in rows if r["success"]]
            med = int(np.median([r["steps"] for r in solved])) if solved else 0
            print(f"{c:10s} {len(solved):4d}/{len(rows):<3d} {100.0 * len(solved) / len(rows):6.1f}% {med:13d}")
    solved = sum(r["success"] for r in results)
    steps = sum(r["steps"] for r in results)
    print(f"{'all':10s} {solved:4d}/{len(results):<3d} {100.0 * solved / max(len(results), 1):6.1f}%"
          f"   ({steps} steps in {wall:.0f} s, {steps / wall:.0f} steps/s incl. planning)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
