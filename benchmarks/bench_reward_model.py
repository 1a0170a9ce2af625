"""Reward-model speed: frames/s of the default model at 64x64, and a wrapped env's share of its raw speed.

    python benchmarks/bench_reward_model.py [--steps 600] [--num-envs 16] [--rounds 3] [--frames 4096]
                                            [--data-clips 50000] [--data-episodes 10000] [--skip-envs]
                                            [--skip-make-data]

1. Env throughput, raw vs wrapped in the reward wrappers with the shipped default model (``tiny64``):
   ``MineDojo-harvest_1_log-v0`` and ``House-ObjectNav-v0`` at 64x64 with random actions, one env
   (``VideoLanguageReward``) and the native batched vector env of ``--num-envs`` sub-envs
   (``VectorVideoLanguageReward``), each in the default mode (``reward_every`` = the checkpoint's frame
   stride, 4) and the exact mode (``reward_every=1``: every step scored). Raw and wrapped runs alternate
   for ``--rounds`` rounds and the median rate of each is reported, so load from other jobs hits both.
2. Image-tower throughput (frames/s) at 64x64: the numpy per-step path the wrappers use and torch,
   batches of 1, 16 and 256, one thread; torch with 2 threads on batches of 256.
3. ``embodied-gym rewards make-data --clips 50000 --episodes 10000 --max-minutes 10`` at its defaults
   (voxel world, 2 workers, 64x64, stride 4) into a temporary directory: clips written, wall seconds,
   clips/s and the workers' CPU seconds. Target: >= 50,000 clips in <= 10 min.
The load average is printed beside the figures: on a shared machine they are pessimistic.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

MINEDOJO = "embodied_gym/MineDojo-harvest_1_log-v0"
HOUSE = "embodied_gym/House-ObjectNav-v0"
NEGATIVES = {MINEDOJO: ("harvest a log", ["kill a cow", "dig dirt", "walk around"]),
             HOUSE: ("walk into the kitchen", ["walk into the bedroom", "pick up the mug", "walk around the house"])}


def _load() -> str:
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average n/a"


def _kwargs(env_id: str) -> dict:
    return {"width": 64, "height": 64} if env_id == HOUSE else {"image_size": (64, 64)}


def make_single(env_id: str):
    import gymnasium as gym

    return gym.make(env_id, **_kwargs(env_id))


def make_vector(env_id: str, n: int):
    import gymnasium as gym

    return gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **_kwargs(env_id))


class Runner:
    """Steps an env with seeded random actions; ``rate(steps)`` continues where the last call stopped."""

    def __init__(self, env, vector: bool) -> None:
        self.env, self.vector = env, vector
        env.reset(seed=0)
        env.action_space.seed(0)

    def rate(self, steps: int) -> float:
        env = self.env
        calls = max(1, steps // env.num_envs) if self.vector else steps
        start = time.perf_counter()
        for _ in range(calls):
            _, _, term, trunc, _ = env.step(env.action_space.sample())
            if not self.vector and (term or trunc):
                env.reset()
        return calls * (env.num_envs if self.vector else 1) / (time.perf_counter() - start)


def compare(env_id: str, vector: bool, model, args) -> None:
    import numpy as np
    from embodied_gym.rewards.reward import VectorVideoLanguageReward, VideoLanguageReward

    goal, negatives = NEGATIVES[env_id]
    n = args.num_envs

    def raw():
        return make_vector(env_id, n) if vector else make_single(env_id)

    def wrapped(k):
        wrapper = VectorVideoLanguageReward if vector else VideoLanguageReward
        return wrapper(raw(), model=model, goal=goal, negatives=negatives, reward_every=k)

    runners = {"raw": Runner(raw(), vector)}
    for k in (None, 1):
        runners[k] = Runner(wrapped(k), vector)
    for r in runners.values():
        r.rate(max(20, args.steps // 10))  # warm-up: JIT, first houses
    rates: dict = {key: [] for key in runners}
    for _ in range(args.rounds):
        for key, runner in runners.items():
            rates[key].append(runner.rate(args.steps))
    med = {key: float(np.median(v)) for key, v in rates.items()}
    every = runners[None].env.reward_every
    label = f"{env_id.split('/')[-1]} " + (f"{type(runners['raw'].env).__name__}({n})" if vector else "single env")
    print(f"{label}: raw {med['raw']:7.0f} steps/s | wrapped, reward_every={every} (default) {med[None]:7.0f} "
          f"({100 * med[None] / med['raw']:.0f}% kept) | exact, reward_every=1 {med[1]:7.0f} "
          f"({100 * med[1] / med['raw']:.0f}% kept)", flush=True)


def tower_throughput(encode, frames: int, batch: int) -> float:
    import numpy as np

    x = np.random.default_rng(0).integers(0, 256, (batch, 64, 64, 3), dtype=np.uint8)
    encode(x)  # warm-up
    n, start = 0, time.perf_counter()
    while n < frames:
        encode(x)
        n += batch
    return n / (time.perf_counter() - start)


def make_data_throughput(episodes: int, clips: int) -> None:
    import resource
    import shutil
    import tempfile
    from pathlib import Path

    from embodied_gym.rewards.make_data import make_data

    out = tempfile.mkdtemp(prefix="bench_make_data_")
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        info = make_data(out, worlds=("voxel",), episodes=episodes, seed=0, workers=2, max_minutes=10.0,
                         clips=clips, log=lambda *_: None)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
        n, sec = info["num_clips"], info["seconds"]
        print(f"rewards make-data, voxel, 2 workers: {n} clips from {info['episodes']} episodes "
              f"({info['env_steps']} env steps) in {sec:.0f} s = {n / sec:.0f} clips/s "
              f"(workers' CPU {cpu:.0f} s; {size / 2**20:.0f} MiB on disk); "
              f"target >= 50,000 clips in <= 600 s: {'met' if n >= 50_000 and sec <= 600 else 'NOT met'}",
              flush=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=600, help="env steps per measurement")
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=4096, help="frames per tower measurement")
    parser.add_argument("--skip-envs", action="store_true", help="skip the wrapped-env part")
    parser.add_argument("--skip-make-data", action="store_true", help="skip the make-data part")
    parser.add_argument("--data-clips", type=int, default=50_000, help="clips the make-data part stops at")
    parser.add_argument("--data-episodes", type=int, default=10_000, help="episodes it may use (~7.7 clips each)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import numpy as np
    import torch
    from embodied_gym.rewards.checkpoint import load_model
    from embodied_gym.rewards.config import get_config
    from embodied_gym.rewards.fast_tower import numpy_tower_or_none
    from embodied_gym.rewards.model import VideoLanguageModel
    from embodied_gym.rewards.reward import DEFAULT_CHECKPOINT
    from threadpoolctl import threadpool_limits

    if DEFAULT_CHECKPOINT.is_file():
        model, source = load_model(DEFAULT_CHECKPOINT), DEFAULT_CHECKPOINT.name
    else:
        model, source = VideoLanguageModel(get_config("tiny64")).eval(), "untrained tiny64 (no shipped checkpoint)"
    print(f"# reward model benchmark ({source}); {_load()}", flush=True)
    if not args.skip_envs:
        import embodied_gym  # noqa: F401  (registers the gym ids)

        for env_id in (MINEDOJO, HOUSE):
            for vector in (False, True):
                compare(env_id, vector, model, args)
    tower = numpy_tower_or_none(model)

    def torch_encode(x):
        with torch.inference_mode():
            return model.encode_frames(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))

    torch.set_num_threads(1)
    for batch in (1, 16, 256):
        frames = args.frames if batch > 1 else args.frames // 4
        with threadpool_limits(limits=1, user_api="blas"):
            np_fps = tower_throughput(tower, frames, batch) if tower is not None else float("nan")
        th_fps = tower_throughput(torch_encode, frames, batch)
        print(f"image tower, 64x64, 1 thread, batch {batch:>3}: numpy {np_fps:8.0f} frames/s, "
              f"torch {th_fps:8.0f} frames/s", flush=True)
    torch.set_num_threads(2)
    print(f"image tower, 64x64, torch 2 threads, batch 256: {tower_throughput(torch_encode, args.frames, 256):8.0f} "
          "frames/s")
    print(f"# {_load()}", flush=True)
    if not args.skip_make_data:
        make_data_throughput(args.data_episodes, args.data_clips)
        print(f"# {_load()}")


if __name__ == "__main__":
    main()
