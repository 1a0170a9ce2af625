"""PPO with the learned video-language reward vs a hand-written dense reward vs the sparse task reward.

    python scripts/ppo_learned_reward.py --steps 200000 --seeds 0 1 2 --out runs/ppo_learned_reward

For every task x reward x seed: SB3 PPO (CNN policy on the 64x64 ``rgb`` frame, the 8-action
``navigate_and_attack`` view of MineDojo's action space) trains for ``--steps`` env steps, then is
evaluated for ``--eval-episodes`` episodes on the task's own success rule. Rewards:

* ``learned``: :class:`VideoLanguageReward` with the task prompt, env reward weight 0 (no task reward);
* ``dense``: the task reward + 0.05 x metres closed to the nearest target (tree / cow / dirt) each step,
  computed from the world's privileged state -- the hand-written shaping MineCLIP is compared with;
* ``sparse``: the task reward alone.

Writes ``results.json`` and a Markdown table (mean success +- std over seeds) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np

TASKS = {
    "harvest_log": ("embodied_gym/MineDojo-harvest_1_log-v0", "harvest a log", ("block", "log")),
    "hunt_cow": ("embodied_gym/MineDojo-combat_cow_forest_leather_armors_wooden_sword_shield-v0", "kill a cow",
                 ("mob", "cow")),
    "dig_dirt": ("embodied_gym/MineDojo-harvest_1_dirt-v0", "dig dirt", ("block", "dirt")),
}


class RgbOnly(gym.ObservationWrapper):
    """Keep just the ``rgb`` frame (3, H, W) uint8: what the CNN policy sees."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.observation_space = env.observation_space["rgb"]

    def observation(self, observation):
        return observation["rgb"]


class DenseDistanceShaping(gym.Wrapper):
    """Task reward + ``scale`` x (previous - current) distance to the nearest target, from privileged state."""

    def __init__(self, env: gym.Env, kind: str, target: str, scale: float = 0.05) -> None:
        super().__init__(env)
        from embodied_gym.rewards.agents import VoxelSeekAgent
        from embodied_gym.rewards.make_data import SEEK_BLOCKS, SEEK_DROPS

        self._seeker = VoxelSeekAgent(env, np.random.default_rng(0), target, kind,
                                      blocks=SEEK_BLOCKS.get(target), drops=SEEK_DROPS.get(target))
        self.scale = scale

    def _distance(self) -> float:
        goal = self._seeker._find()
        if goal is None:
            return 20.0
        return float(np.linalg.norm(goal - self._seeker.world.eye()))

    def reset(self, **kwargs):
        out = self.env.reset(**kwargs)
        self._seeker.reset(None, None)
        self._prev = self._distance()
        return out

    def step(self, action):
        obs, reward, term, trunc, info = self.env.step(action)
        d = self._distance()
        shaped = reward + self.scale * (self._prev - d)
        self._prev = d
        return obs, shaped, term, trunc, info


def make_env(task: str, reward: str, max_steps: int, checkpoint: str | None):
    import embodied_gym  # noqa: F401
    from embodied_gym.agents.sb3.voxel_actions import navigate_and_attack
    from embodied_gym.rewards.reward import VideoLanguageReward

    env_id, prompt, (kind, target) = TASKS[task]
    env = gym.make(env_id, image_size=(64, 64), max_episode_steps=max_steps)
    if reward == "learned":
        env = VideoLanguageReward(env, model=checkpoint, goal=prompt)
    elif reward == "dense":
        env = DenseDistanceShaping(env, kind, target)
    elif reward != "sparse":
        raise ValueError(f"reward {reward!r} is unknown; accepted: learned, dense, sparse")
    return navigate_and_attack(RgbOnly(env))


def evaluate(model, task: str, episodes: int, max_steps: int, seed: int) -> float:
    env = make_env(task, "sparse", max_steps, None)
    wins = 0
    for ep in range(episodes):
        obs, _ = env.reset(seed=10_000 + seed * 1000 + ep)
        done, info = False, {}
        while not done:
            action, _ = model.predict(obs, deterministic=False)
            obs, _, term, trunc, info = env.step(action)
            done = term or trunc
        wins += int(bool(info.get("success")))
    return wins / episodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--rewards", nargs="+", default=["learned", "dense", "sparse"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--max-episode-steps", type=int, default=500)
    parser.add_argument("--eval-episodes", type=int, default=20)
    parser.add_argument("--checkpoint", default=None, help="reward model (default: the shipped one)")
    parser.add_argument("--out", default="runs/ppo_learned_reward")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    for task in args.tasks:
        for reward in args.rewards:
            for seed in args.seeds:
                key = f"{task}/{reward}/{seed}"
                if key in results:
                    continue  # resumable
                env = make_env(task, reward, args.max_episode_steps, args.checkpoint)
                model = PPO("CnnPolicy", env, n_steps=512, batch_size=128, learning_rate=3e-4, seed=seed,
                            verbose=0, tensorboard_log=str(out / "tb"), device="cpu")
                model.learn(total_timesteps=args.steps, tb_log_name=key.replace("/", "_"))
                success = evaluate(model, task, args.eval_episodes, args.max_episode_steps, seed)
                results[key] = {"success": success, "steps": args.steps}
                results_path.write_text(json.dumps(results, indent=2, sort_keys=True))
                print(f"{key}: success {success:.2f}", flush=True)
    lines = ["| task | " + " | ".join(args.rewards) + " |", "|---" * (len(args.rewards) + 1) + "|"]
    for task in args.tasks:
        cells = []
        for reward in args.rewards:
            vals = [results[f"{task}/{reward}/{s}"]["success"] for s in args.seeds if f"{task}/{reward}/{s}" in results]
            cells.append(f"{np.mean(vals):.2f} +- {np.std(vals):.2f} (n={len(vals)})" if vals else "-")
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
