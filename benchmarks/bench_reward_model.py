"""Reward-model speed: frames/s of the default model at 64x64, and a wrapped env's share of its raw speed.

    python benchmarks/bench_reward_model.py [--frames 4096] [--steps 400]

1. Image-tower throughput of the shipped default model (``tiny64``: open_clip ViT, 64x64 input) on
   batches of 256 and 16 frames and on single frames (what a single-env wrapper does each step), with 2
   and with 1 torch thread (on a busy machine 2 threads can be far slower than 1). The env part runs
   with 1 thread.
2. ``embodied_gym/MineDojo-harvest_1_log-v0`` at 64x64 with random actions: steps/s unwrapped, wrapped in
   ``VideoLanguageReward``, and for a 4-env ``SyncVectorEnv`` unwrapped vs ``VectorVideoLanguageReward``.
The load average is printed beside the figures: on a shared machine they are pessimistic.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings


def _load() -> str:
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average n/a"


def model_throughput(model, frames: int, batch: int) -> float:
    import torch

    x = torch.randint(0, 256, (batch, 3, 64, 64), dtype=torch.uint8)
    with torch.inference_mode():
        model.encode_frames(x)  # warm-up
        n, start = 0, time.perf_counter()
        while n < frames:
            model.encode_frames(x)
            n += batch
        return n / (time.perf_counter() - start)


def env_rate(env, steps: int, vector: bool = False) -> float:
    env.reset(seed=0)
    env.action_space.seed(0)
    start = time.perf_counter()
    for _ in range(steps):
        _, _, term, trunc, _ = env.step(env.action_space.sample())
        if not vector and (term or trunc):
            env.reset()
    return steps * (env.num_envs if vector else 1) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--env-id", default="embodied_gym/MineDojo-harvest_1_log-v0")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch
    from embodied_gym.rewards.checkpoint import load_model
    from embodied_gym.rewards.config import get_config
    from embodied_gym.rewards.model import VideoLanguageModel
    from embodied_gym.rewards.reward import DEFAULT_CHECKPOINT

    if DEFAULT_CHECKPOINT.is_file():
        model, source = load_model(DEFAULT_CHECKPOINT), DEFAULT_CHECKPOINT.name
    else:
        model, source = VideoLanguageModel(get_config("tiny64")).eval(), "untrained tiny64 (no shipped checkpoint)"
    print(f"# reward model benchmark ({source}); {_load()}")
    # The env part runs first, with one torch thread from the start: per-step scoring embeds one frame (or
    # one per env), and once a 2-thread pool has run, alternating it with the world's numba threads costs far
    # more than the model itself on a busy machine.
    torch.set_num_threads(1)
    import embodied_gym  # noqa: F401  (registers the gym ids)
    import gymnasium as gym
    from embodied_gym.rewards.reward import VectorVideoLanguageReward, VideoLanguageReward

    negatives = ["kill a cow", "dig dirt", "walk around"]
    raw = gym.make(args.env_id, image_size=(64, 64))
    env_rate(raw, 20)  # warm-up (JIT)
    raw_rate = env_rate(raw, args.steps)
    wrapped = VideoLanguageReward(gym.make(args.env_id, image_size=(64, 64)), model=model, negatives=negatives)
    wrapped_rate = env_rate(wrapped, args.steps)
    print(f"{args.env_id} single env: raw {raw_rate:8.0f} steps/s, wrapped {wrapped_rate:8.0f} steps/s "
          f"({100 * wrapped_rate / raw_rate:.0f}% kept)")
    n = 4

    def make():
        return gym.make(args.env_id, image_size=(64, 64))

    vec = gym.vector.SyncVectorEnv([make for _ in range(n)])
    vec_rate = env_rate(vec, args.steps // n, vector=True)
    vwrapped = VectorVideoLanguageReward(gym.vector.SyncVectorEnv([make for _ in range(n)]), model=model,
                                         goal="harvest a log", negatives=negatives)
    vwrapped_rate = env_rate(vwrapped, args.steps // n, vector=True)
    print(f"{args.env_id} {n}-env SyncVectorEnv: raw {vec_rate:8.0f} steps/s, wrapped {vwrapped_rate:8.0f} steps/s "
          f"({100 * vwrapped_rate / vec_rate:.0f}% kept)")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for batch in (256, 16, 1):
            fps = model_throughput(model, args.frames if batch > 1 else args.frames // 8, batch)
            print(f"image tower, 64x64, {threads} thread(s), batch {batch:>3}: {fps:10.0f} frames/s")
    print(f"# {_load()}")


if __name__ == "__main__":
    main()
