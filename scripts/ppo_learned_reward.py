"""PPO with the learned video-language reward vs a hand-written dense reward vs the sparse task reward.

    python scripts/ppo_learned_reward.py --steps 80000 --seeds 0 1 2 --out runs/ppo_learned_reward \\
        --doc docs/ppo_learned_reward.md

For every seed x task x reward arm: SB3 PPO (CNN policy on the 64x64 ``rgb`` frame, the 8-action
``navigate_and_attack`` view of MineDojo's action space, 4 envs) trains for ``--steps`` env steps, then
is evaluated for ``--eval-episodes`` episodes on held-out world seeds with the task's own success rule
(the plain env, no reward wrapper). All three arms of a task share the env id, episode limit, action
view, PPO settings and step budget; only the training reward differs:

* ``learned``: :class:`VideoLanguageReward` with the task prompt and the shipped reward model, env reward
  weight 0 (the task reward is never seen), ``reward_every`` = the checkpoint's frame stride (4);
* ``dense``: the task reward + a hand-written shaping read from the world's privileged state --
  :class:`HarvestShaping` (approach / face / aim / mining progress / break bonus) for the harvest tasks,
  :class:`CombatShaping` (approach / face / aim / damage dealt) for the combat task;
* ``sparse``: the task reward alone.

The task settings are chosen so that a from-scratch PPO with the dense reward learns something in
~10^5 steps on a CPU (a cow spawned within 3 blocks, a diamond sword), see
``TASKS``; they replace fields of the id's TaskSpec, the success rule stays the id's own.
Results go to ``<out>/results.json`` after every run (rerunning
the same command resumes), a learning curve per run included; ``--doc`` writes the Markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import shlex
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from embodied_gym.envs.voxel.tasks.spec import InventoryItem
from gymnasium.wrappers import TimeLimit

ARMS = ("learned", "dense", "sparse")


@dataclass(frozen=True)
class Task:
    task_id: str  # a MineDojo task id of the voxel world
    prompt: str  # the goal given to the learned reward (a phrasing the reward model was trained on)
    shaping: str  # which hand-written dense reward: "harvest" or "combat"
    max_steps: int = 200
    #: TaskSpec fields replaced to make the task learnable on this budget (shared by all three arms)
    overrides: tuple[tuple[str, Any], ...] = ()

    def describe(self) -> str:
        changes = ", ".join(f"{k}={v}" for k, v in self.overrides)
        return f"`{self.task_id}`" + (f" with {changes}" if changes else "") + f", {self.max_steps}-step limit"


TASKS = {
    # a wooden axe in a forest: 30 attack ticks a log (60 by hand: a 60k-step dense PPO pilot never broke
    # one), a trunk always in sight; a stone or diamond axe breaks it in ~15 / ~8 ticks and the reward
    # model, trained on by-hand clips, scores those oracle episodes ~0 (measured: 0.001 / 0.000 per step
    # against 0.09 with the wooden axe)
    "harvest_log": Task("harvest_1_log", "harvest a log", "harvest", 300,
                        (("specified_biome", "forest"),
                         ("initial_inventory", (InventoryItem("mainhand", "wooden_axe"),)))),
    # the cow spawns within 3 blocks (not 7): at 7 a 40k-step dense PPO pilot never found it
    "hunt_cow": Task("combat_cow_plains_leather_armors_diamond_sword_shield", "kill a cow", "combat", 200,
                     (("initial_mob_spawn_range_low", (-3, 1, -3)), ("initial_mob_spawn_range_high", (3, 1, 3)))),
    # the same set-up for the other farm animals the reward model knows (sheep: 8 health, pig and cow: 10)
    "hunt_sheep": Task("combat_sheep_plains_leather_armors_diamond_sword_shield", "kill a sheep", "combat", 200,
                       (("initial_mob_spawn_range_low", (-3, 1, -3)), ("initial_mob_spawn_range_high", (3, 1, 3)))),
    "hunt_pig": Task("combat_pig_plains_leather_armors_diamond_sword_shield", "kill a pig", "combat", 200,
                     (("initial_mob_spawn_range_low", (-3, 1, -3)), ("initial_mob_spawn_range_high", (3, 1, 3)))),
    "dig_dirt": Task("harvest_1_dirt", "dig dirt", "harvest", 200),
    # night plains: the zombie walks up to the player, three diamond-sword blows kill it
    "hunt_zombie": Task("combat_zombie_plains_leather_armors_diamond_sword_shield", "kill a zombie", "combat", 200),
}
#: the tasks of the reported table: harvest_log is left out by default because the dense arm itself
#: learned nothing on it in a 60k-step pilot (no log broken), so the comparison would say nothing
DEFAULT_TASKS = ("dig_dirt", "hunt_cow", "hunt_zombie")


class RgbOnly(gym.ObservationWrapper):
    """Keep just the ``rgb`` frame (3, H, W) uint8: what the CNN policy sees."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.observation_space = env.observation_space["rgb"]

    def observation(self, observation):
        return observation["rgb"]


def _voxel_env(task: Task) -> gym.Env:
    """The id's env (as ``gym.make`` builds it) with the task's spec overrides applied."""
    from embodied_gym.envs.voxel.env import VoxelEnv
    from embodied_gym.envs.voxel.tasks.registry import get_spec
    from embodied_gym.envs.voxel.tasks.rules import rule_for

    spec = dataclasses.replace(get_spec(task.task_id), **dict(task.overrides))
    return VoxelEnv(task=spec, rule=rule_for(spec), image_size=(64, 64))


def make_env(task: str, reward: str, checkpoint: str | None = None, learned_mode: str = "mineclip") -> gym.Env:
    """The training (or, with ``reward="sparse"``, evaluation) env of one task and reward arm."""
    import embodied_gym  # noqa: F401
    from embodied_gym.agents.sb3.voxel_actions import navigate_and_attack
    from embodied_gym.agents.sb3.voxel_shaping import CombatShaping, HarvestShaping
    from embodied_gym.rewards.reward import VideoLanguageReward

    if task not in TASKS:
        raise KeyError(f"task {task!r} is unknown; accepted: {sorted(TASKS)}")
    spec = TASKS[task]
    env = TimeLimit(_voxel_env(spec), spec.max_steps)
    if reward == "learned":
        env = VideoLanguageReward(env, model=checkpoint, goal=spec.prompt, env_reward_weight=0.0, mode=learned_mode)
    elif reward == "dense":
        env = HarvestShaping(env) if spec.shaping == "harvest" else CombatShaping(env)
    elif reward != "sparse":
        raise ValueError(f"reward {reward!r} is unknown; accepted: {ARMS}")
    return navigate_and_attack(RgbOnly(env))


def evaluate(model, task: str, episodes: int, seed: int) -> float:
    """Success rate over ``episodes`` held-out world seeds (never used in training), sampled actions."""
    import torch

    torch.manual_seed(seed)
    env = make_env(task, "sparse")
    wins = 0
    for ep in range(episodes):
        obs, _ = env.reset(seed=10_000 + seed * 1000 + ep)
        done, info = False, {}
        while not done:
            action, _ = model.predict(obs, deterministic=False)
            obs, _, term, trunc, info = env.step(int(action))
            done = term or trunc
        wins += int(bool(info.get("success")))
    env.close()
    return wins / episodes


def diagnose(task: str, episodes: int, checkpoint: str | None = None) -> dict:
    """The learned reward along scripted-oracle episodes vs uniformly random ones (the 8-action view,
    i.e. what an untrained policy does), on held-out world seeds: is there a signal for PPO to climb?

    The oracle is the seek agent that generated the reward model's training clips (goes to the nearest
    target, attacks it). Reports per kind: success rate, mean learned reward per step, and the fraction
    of steps with a non-zero learned reward."""
    import embodied_gym  # noqa: F401
    from embodied_gym.agents.sb3.voxel_actions import navigate_and_attack
    from embodied_gym.rewards.agents import VoxelSeekAgent
    from embodied_gym.rewards.make_data import SEEK_BLOCKS, SEEK_DROPS
    from embodied_gym.rewards.reward import VideoLanguageReward

    spec = TASKS[task]
    env = VideoLanguageReward(TimeLimit(_voxel_env(spec), spec.max_steps), model=checkpoint, goal=spec.prompt)
    view = navigate_and_attack(env)
    target = env.unwrapped.task.target_names[0]
    kind = "block" if spec.shaping == "harvest" else "mob"
    out = {}
    for who in ("oracle", "random"):
        rng = np.random.default_rng(0)
        wins, rewards = 0, []
        for ep in range(episodes):
            obs, info = env.reset(seed=50_000 + ep)
            agent = VoxelSeekAgent(env, rng, target, kind, blocks=SEEK_BLOCKS.get(target), drops=SEEK_DROPS.get(target))
            agent.reset(obs, info)
            done = False
            while not done:
                action = agent.act(obs, info) if who == "oracle" else view.action(int(rng.integers(view.action_space.n)))
                obs, r, term, trunc, info = env.step(action)
                rewards.append(float(r))
                done = term or trunc
            wins += int(bool(info.get("success")))
        r = np.asarray(rewards)
        out[who] = {"success": wins / episodes, "vl_per_step": float(r.mean()), "nonzero": float((r > 0).mean()),
                    "episodes": episodes}
    return out


def _progress_callback(label: str, every: int, curve: list):
    """Prints (and appends to ``curve``) the training episodes' success rate and mean training return."""
    from stable_baselines3.common.callbacks import BaseCallback

    class Progress(BaseCallback):
        def _on_training_start(self) -> None:
            self.t0, self.next = time.time(), every
            self.ret = np.zeros(self.training_env.num_envs)
            self.vl = np.zeros(self.training_env.num_envs)
            self.done_eps: list[tuple[float, float, float, int]] = []  # (return, vl return, success, length)
            self.len = np.zeros(self.training_env.num_envs, dtype=np.int64)

        def _on_step(self) -> bool:
            rewards, dones, infos = self.locals["rewards"], self.locals["dones"], self.locals["infos"]
            self.ret += rewards
            self.len += 1
            self.vl += [float(i.get("vl_reward", 0.0)) for i in infos]
            for k in np.flatnonzero(dones):
                self.done_eps.append((float(self.ret[k]), float(self.vl[k]), float(bool(infos[k].get("success"))),
                                      int(self.len[k])))
                self.ret[k] = self.vl[k] = 0.0
                self.len[k] = 0
            if self.num_timesteps >= self.next:
                self.next += every
                recent = self.done_eps[-40:]
                succ = float(np.mean([e[2] for e in recent])) if recent else float("nan")
                ret = float(np.mean([e[0] for e in recent])) if recent else float("nan")
                vl = float(np.mean([e[1] / e[3] for e in recent])) if recent else float("nan")
                sps = self.num_timesteps / max(time.time() - self.t0, 1e-9)
                curve.append({"steps": int(self.num_timesteps), "train_success": succ, "train_return": ret,
                              "vl_reward_per_step": vl, "episodes": len(self.done_eps)})
                print(f"  {label} {self.num_timesteps:>7d} steps {sps:5.0f}/s  episodes {len(self.done_eps):4d}  "
                      f"train success(last 40) {succ:.2f}  return {ret:+.3f}  vl/step {vl:.4f}", flush=True)
            return True

    return Progress()


def train_one(task: str, reward: str, seed: int, steps: int, n_envs: int, checkpoint: str | None,
              eval_episodes: int, progress_every: int, learned_mode: str = "mineclip") -> dict:
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    t0 = time.time()
    venv = DummyVecEnv([lambda: make_env(task, reward, checkpoint, learned_mode) for _ in range(n_envs)])
    venv.seed(seed * 100)
    model = PPO("CnnPolicy", venv, n_steps=128, batch_size=256, n_epochs=4, learning_rate=3e-4, gamma=0.99,
                gae_lambda=0.95, ent_coef=0.01, clip_range=0.2, seed=seed, verbose=0, device="cpu")
    curve: list = []
    model.learn(total_timesteps=steps, callback=_progress_callback(f"{task}/{reward}/{seed}", progress_every, curve))
    train_s = time.time() - t0
    venv.close()
    success = evaluate(model, task, eval_episodes, seed)
    return {"success": success, "steps": int(model.num_timesteps), "eval_episodes": eval_episodes,
            "train_seconds": round(train_s, 1), "wall_seconds": round(time.time() - t0, 1), "curve": curve}


def _cell(vals: list[float]) -> str:
    return f"{np.mean(vals):.2f} +- {np.std(vals):.2f}" if vals else "-"


def render_table(results: dict, tasks: list[str], arms: list[str], seeds: list[int], command: str) -> str:
    """The Markdown report: per task x arm mean +- std (population std over seeds), per-seed values,
    the learned/dense ratio, the step budget and wall times."""
    def vals(task: str, arm: str) -> list[float]:
        return [results[f"{task}/{arm}/{s}"]["success"] for s in seeds if f"{task}/{arm}/{s}" in results]

    runs = [results[k] for k in results if k.split("/")[0] in tasks]
    steps = sorted({r["steps"] for r in runs})
    evals = sorted({r["eval_episodes"] for r in runs})
    lines = [
        "# PPO with the learned reward vs hand-written dense vs sparse",
        "",
        "Generated by `scripts/ppo_learned_reward.py`:",
        "",
        f"    {command}",
        "",
        f"Table written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Step budget per run: {', '.join(map(str, steps)) or '-'} env steps (4 envs); success = the task's own rule "
        f"on {', '.join(map(str, evals)) or '-'} held-out world seeds per run (sampled actions); seeds {seeds}.",
        "",
        "Arms: `learned` = VideoLanguageReward (shipped `tiny64_minilm` model, task prompt, env reward weight 0); "
        "`dense` = task reward + HarvestShaping (dig_dirt, harvest_log) or CombatShaping (hunt_*) "
        "from agents/sb3/voxel_shaping.py; `sparse` = task reward.",
        "",
        "| task (MineDojo id, settings) | " + " | ".join(arms) + " | learned / dense |",
        "|---" * (len(arms) + 2) + "|",
    ]
    for task in tasks:
        spec = TASKS[task]
        cells = []
        for arm in arms:
            v = vals(task, arm)
            cells.append(f"{_cell(v)} ({', '.join(f'{x:.2f}' for x in v)})" if v else "-")
        learned, dense = vals(task, "learned"), vals(task, "dense")
        ratio = (f"{np.mean(learned) / np.mean(dense):.2f}" if learned and dense and np.mean(dense) > 0
                 else "n/a (dense 0)" if learned and dense else "-")
        lines.append(f"| {task}: {spec.describe()} | " + " | ".join(cells) + f" | {ratio} |")
    lines += ["", "Cells: mean +- std over seeds (per-seed success rates).", "",
              "| run | train s | train+eval wall s | final train success (last 40 episodes) "
              "| learned reward / step, first -> last progress report |",
              "|---|---|---|---|---|"]
    total = 0.0
    for task in tasks:
        for arm in arms:
            for s in seeds:
                r = results.get(f"{task}/{arm}/{s}")
                if r is None:
                    continue
                total += r["wall_seconds"]
                first, last = (r["curve"][0], r["curve"][-1]) if r.get("curve") else ({}, {})
                lines.append(f"| {task}/{arm}/{s} | {r['train_seconds']:.0f} | {r['wall_seconds']:.0f} | "
                             f"{last.get('train_success', float('nan')):.2f} | "
                             + (f"{first.get('vl_reward_per_step', float('nan')):.4f} -> "
                                f"{last.get('vl_reward_per_step', float('nan')):.4f} |" if arm == "learned" else "- |"))
    lines += ["", f"Total wall time: {total / 60:.1f} min on {platform.machine()} "
              "(1 torch thread, one run at a time, shared machine).", ""]
    diag = [t for t in tasks if f"diagnose/{t}" in results]
    if diag:
        lines += ["The learned reward without training (`--diagnose`): the seek oracle that made the reward "
                  "model's clips vs uniformly random actions of the 8-action view (an untrained policy), "
                  "held-out world seeds.", "",
                  "| task | prompt | oracle success | oracle reward / step | random success | random reward / step "
                  "| random steps with reward > 0 |", "|---|---|---|---|---|---|---|"]
        for t in diag:
            d = results[f"diagnose/{t}"]
            o, r = d["oracle"], d["random"]
            lines.append(f"| {t} | {TASKS[t].prompt} | {o['success']:.2f} | {o['vl_per_step']:.4f} | {r['success']:.2f} "
                         f"| {r['vl_per_step']:.4f} | {r['nonzero']:.2f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=list(DEFAULT_TASKS), choices=list(TASKS))
    parser.add_argument("--rewards", nargs="+", default=list(ARMS), choices=list(ARMS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--n-envs", type=int, default=4)
    parser.add_argument("--eval-episodes", type=int, default=20)
    parser.add_argument("--progress-every", type=int, default=5_000)
    parser.add_argument("--checkpoint", default=None, help="reward model (default: the shipped one)")
    parser.add_argument("--learned-mode", default="mineclip", choices=["mineclip", "potential"],
                        help="the learned arm's reward: MineCLIP's per-step reward, or its change between scored "
                             "clips (potential-based shaping; see rewards/reward.py)")
    parser.add_argument("--out", default="runs/ppo_learned_reward")
    parser.add_argument("--doc", default=None, help="also write the Markdown table here (e.g. docs/ppo_learned_reward.md)")
    parser.add_argument("--table-only", action="store_true", help="only (re)write the table from results.json")
    parser.add_argument("--diagnose", type=int, default=0, metavar="EPISODES",
                        help="also measure the learned reward on this many oracle and random episodes per task")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    if not args.table_only:
        # seeds outermost: a run cut short still has every task x arm for the seeds it finished
        for seed in args.seeds:
            for task in args.tasks:
                for reward in args.rewards:
                    key = f"{task}/{reward}/{seed}"
                    if key in results:
                        continue  # resumable
                    print(f"{key}: training {args.steps} steps", flush=True)
                    results[key] = train_one(task, reward, seed, args.steps, args.n_envs, args.checkpoint,
                                             args.eval_episodes, args.progress_every, args.learned_mode)
                    results_path.write_text(json.dumps(results, indent=1, sort_keys=True))
                    r = results[key]
                    print(f"{key}: success {r['success']:.2f} ({r['wall_seconds']:.0f} s)", flush=True)
    for task in args.tasks if args.diagnose else ():
        key = f"diagnose/{task}"
        if key not in results:
            print(f"{key}: {args.diagnose} oracle and random episodes", flush=True)
            results[key] = diagnose(task, args.diagnose, args.checkpoint)
            results_path.write_text(json.dumps(results, indent=1, sort_keys=True))
    command = "python scripts/ppo_learned_reward.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]
                                                                   if a != "--table-only")
    table = render_table(results, args.tasks, args.rewards, args.seeds, command)
    (out / "table.md").write_text(table)
    if args.doc:
        Path(args.doc).write_text(table)
    print(table)


if __name__ == "__main__":
    main()
