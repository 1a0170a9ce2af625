"""Tile-revealing task throughput: raw env steps, state branching, and grounded-agent training.

Training throughput counts env steps per second of ``learn()`` time, updates included (per wall second
and per CPU second the process got, which is what one core gives on a quiet machine), with the
paper's tuned grounded setting (32 envs x 8 steps, minibatch 256, 5 epochs, LSTM 120) on grammar
boards with a 64-d auxiliary target, and the same without the auxiliary head as the peer.

    python benchmarks/bench_tiles.py [--train-steps 20000] [--gsp-dir ../shared/reference-data/kumar2022]

It also prints the board-set figures the issue asks for: distinct grammar boards, how closely the
control boards match the grammar boards' statistics, and each set's minimal program length.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_env(steps: int) -> float:
    """Env steps per wall second."""
    from embodied_gym.envs.tiles.env import TilesEnv

    env = TilesEnv("grammar")
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(16, size=steps)
    start = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(int(a))
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def bench_branch(n: int) -> float:
    from embodied_gym.envs.tiles.env import TilesEnv

    env = TilesEnv("grammar")
    env.reset(seed=0)
    env.step(3)
    start = time.perf_counter()
    for _ in range(n):
        env.set_state(env.get_state())
    return (time.perf_counter() - start) / n * 1e6


def bench_train(steps: int, grounded: bool) -> tuple[float, float]:
    """(env steps per wall second, env steps per CPU second of this process)."""
    import torch as th
    from embodied_gym.agents.grounded.algorithm import GroundedRecurrentPPO
    from embodied_gym.envs.tiles.boards import board_set
    from embodied_gym.envs.tiles.env import TilesEnv
    from stable_baselines3.common.vec_env import DummyVecEnv

    th.set_num_threads(1)
    boards = board_set("grammar")
    table = np.random.default_rng(0).standard_normal((len(boards), 64)).astype(np.float32) if grounded else None
    venv = DummyVecEnv([lambda: TilesEnv(boards) for _ in range(32)])
    model = GroundedRecurrentPPO(venv, aux_targets=table, aux_coef=0.49, n_steps=8, batch_size=256, n_epochs=5,
                                 gamma=0.9, gae_lambda=0.95, learning_rate=3.76e-4, seed=0, device="cpu",
                                 policy_kwargs={"activation_fn": th.nn.Tanh})
    model.learn(total_timesteps=2048)  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=steps, reset_num_timesteps=False)
    return steps / (time.perf_counter() - start), steps / (time.process_time() - cpu)


def board_statistics_report(gsp_dir: str | None) -> None:
    """Distinct grammar boards, control-board statistics match, and compressibility of each set."""
    from embodied_gym.envs.tiles.boards import board_set
    from embodied_gym.envs.tiles.compressibility import minimal_program_length
    from embodied_gym.envs.tiles.control import board_statistics

    grammar, control = board_set("grammar"), board_set("control")
    (gm, gp), (cm, cp) = board_statistics(grammar.masks), board_statistics(control.masks)
    print(f"grammar boards: {len(set(grammar.masks.tolist())):,} distinct (+25 held out); control pool: "
          f"{len(control):,} draws, {len(set(control.masks.tolist())):,} distinct, "
          f"{int(np.isin(control.masks, grammar.masks).sum())} shared with the grammar boards")
    print(f"control vs grammar: max |tile marginal diff| {np.abs(gm - cm).max():.4f}, "
          f"max |pairwise co-occurrence diff| {np.abs(gp - cp).max():.4f}")
    sets = {"grammar (first 2000)": grammar.masks[:2000], "control (first 2000)": control.masks[:2000],
            "grammar-test": board_set("grammar-test").masks, "control-test": board_set("control-test").masks}
    if gsp_dir:
        sets["GSP test (paper)"] = board_set("gsp-test", gsp_dir).masks
        sets["GSP control (paper)"] = board_set("gsp-control", gsp_dir).masks
        sets["GSP chains (all 7,959)"] = board_set("gsp", gsp_dir).masks
    for name, masks in sets.items():
        lengths = minimal_program_length(masks)
        print(f"minimal program length, {name:<24} mean {lengths.mean():5.2f}  median {np.median(lengths):4.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-steps", type=int, default=50_000)
    parser.add_argument("--train-steps", type=int, default=20_000)
    parser.add_argument("--gsp-dir", default=None, help="Kumar et al. data folder (adds GSP compressibility)")
    args = parser.parse_args()
    if args.gsp_dir is None and os.path.isdir("../shared/reference-data/kumar2022"):
        args.gsp_dir = "../shared/reference-data/kumar2022"
    print(f"tiles benchmark ({_load()})")
    board_statistics_report(args.gsp_dir)
    print(f"env.step (one env, random clicks):        {bench_env(args.env_steps):>10,.0f} steps/s")
    print(f"get_state + set_state:                    {bench_branch(20_000):>10.2f} us per branch")
    for label, grounded in (("grounded RecurrentPPO (aux 64-d)", True), ("plain RecurrentPPO (peer, no aux)", False)):
        wall, cpu = bench_train(args.train_steps, grounded)
        print(f"train {label:<34} {wall:>8,.0f} env steps/s wall, {cpu:>8,.0f} per CPU-s (1 torch thread)")
    print(f"({_load()})")


if __name__ == "__main__":
    main()
