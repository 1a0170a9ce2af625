"""Does the learned reward track task progress? Scripted (successful) vs random episodes.

For each task, episodes run through :class:`VideoLanguageReward` with the task's goal prompt. In a
scripted episode, *progress* is the step index up to the first goal event (the agent walks to the
tree and chops it), so the Spearman correlation between the per-step reward and the step index measures
whether the reward rises as the task gets done. Random episodes of the same task give the baseline:
their reward should stay flat (correlation near 0, low mean).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from embodied_gym.rewards.captions import CAPTIONERS
from embodied_gym.rewards.evaluate import spearman
from embodied_gym.rewards.make_data import Plan, make_agent


@dataclass(frozen=True)
class ProgressTask:
    name: str
    env_id: str
    goal: str
    event: str
    seek: str
    max_steps: int


PROGRESS_TASKS: tuple[ProgressTask, ...] = (
    ProgressTask("harvest log", "embodied_gym/MineDojo-harvest_1_log-v0", "harvest a log", "voxel/get/log",
                 "seek:block:log", 300),
    ProgressTask("dig dirt", "embodied_gym/MineDojo-harvest_1_dirt-v0", "dig dirt", "voxel/get/dirt",
                 "seek:block:dirt", 200),
    ProgressTask("hunt cow", "embodied_gym/MineDojo-harvest_8_beef-v0", "kill a cow", "voxel/kill/cow",
                 "seek:mob:cow", 300),
)


def run_progress(model, tasks=PROGRESS_TASKS, episodes: int = 4, seed: int = 1000, image_size=(64, 64),
                 log=print) -> dict:
    """Per task: Spearman(reward, step) and mean reward for scripted-successful and random episodes."""
    warnings.filterwarnings("ignore")
    import embodied_gym  # noqa: F401
    import gymnasium as gym
    from embodied_gym.rewards.reward import VideoLanguageReward

    results = {}
    for task in tasks:
        row = {"scripted": [], "random": []}
        for kind in ("scripted", "random"):
            plan = Plan("voxel", task.env_id, task.seek if kind == "scripted" else "random", task.max_steps)
            # exact mode: every step scored on its own clip, so the rank correlation sees no repeated values
            env = VideoLanguageReward(gym.make(task.env_id, image_size=tuple(image_size)), model=model,
                                      goal=task.goal, reward_every=1)
            for ep in range(episodes):
                ep_seed = seed + ep
                rng = np.random.default_rng([ep_seed, 7])
                obs, info = env.reset(seed=ep_seed)
                agent = make_agent(plan, env.env, rng)
                agent.reset(obs, info)
                cap = CAPTIONERS["voxel"]()
                cap.reset(info)
                rewards, hit = [], None
                for step in range(task.max_steps):
                    obs, _, term, trunc, info = env.step(agent.act(obs, info))
                    rewards.append(info["vl_reward"])
                    if task.event in cap.step(info) and hit is None:
                        hit = step
                        break
                    if term or trunc:
                        break
                if kind == "scripted" and hit is None:
                    continue  # only successful scripted episodes count as "progress" episodes
                if len(rewards) < 3:
                    continue
                rho = spearman(rewards, np.arange(len(rewards)))
                row[kind].append({"steps": len(rewards), "spearman": rho, "mean_reward": float(np.mean(rewards)),
                                  "final_reward": float(rewards[-1]), "first_reward": float(rewards[0])})
        summary = {}
        for kind, eps in row.items():
            rhos = [e["spearman"] for e in eps if np.isfinite(e["spearman"])]
            summary[kind] = {
                "episodes": len(eps),
                "spearman_mean": float(np.mean(rhos)) if rhos else float("nan"),
                "mean_reward": float(np.mean([e["mean_reward"] for e in eps])) if eps else float("nan"),
                "final_reward": float(np.mean([e["final_reward"] for e in eps])) if eps else float("nan"),
            }
        results[task.name] = {"summary": summary, "episodes": row}
        log(f"{task.name}: scripted rho={summary['scripted']['spearman_mean']:.2f} "
            f"mean r={summary['scripted']['mean_reward']:.3f} final r={summary['scripted']['final_reward']:.3f} "
            f"({summary['scripted']['episodes']} eps) | random rho={summary['random']['spearman_mean']:.2f} "
            f"mean r={summary['random']['mean_reward']:.3f} ({summary['random']['episodes']} eps)")
    return results
