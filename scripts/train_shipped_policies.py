"""Train the PPO policies shipped in ``agents/sb3/policies/`` and check them against the random agent.

    python scripts/train_shipped_policies.py                      # train every config, then check
    python scripts/train_shipped_policies.py --only tiles         # one config
    python scripts/train_shipped_policies.py --check-only -n 50   # re-check the shipped files

Each ``agents/sb3/configs/<name>.yaml`` is trained with ``embodied-gym train``'s code into
``runs/train/shipped/<name>/``, and its ``final.zip`` (+ metadata) is copied to
``agents/sb3/policies/<name>.zip``: the folder ``embodied-gym run`` evaluates as the "ppo" agent.

The check plays PPO and random on ``--episodes`` held-out seeds per task (seeds 5000+, disjoint from
the training seeds and from the suites' 1000+), with the same env settings and success rule as the
task in the quick suite, and computes each success rate's stratified-bootstrap 95% CI with rliable.
The result table goes to ``agents/sb3/policies/RESULTS.md``: PPO "beats random" only when the two
intervals do not overlap.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "agents" / "sb3" / "configs"
POLICIES = ROOT / "agents" / "sb3" / "policies"


def _quick_task(env_id: str):  # type: ignore[no-untyped-def]
    from embodied_gym.leaderboard.suites import get_suite

    for task in get_suite("quick").tasks:
        if task.task_id == env_id:
            return task
    return None


def train_one(name: str) -> tuple[Path, float, int]:
    from embodied_gym.agents.sb3.train import TrainConfig, train

    config = TrainConfig.from_yaml(CONFIGS / f"{name}.yaml", {"out_dir": str(ROOT / "runs" / "train" / "shipped" / name)})
    started = time.perf_counter()
    final = train(config)
    POLICIES.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(final, POLICIES / f"{name}.zip")
    shutil.copyfile(final.with_suffix(".json"), POLICIES / f"{name}.json")
    return POLICIES / f"{name}.zip", time.perf_counter() - started, config.total_timesteps


def trained_steps(policy: Path) -> int:
    """Environment steps the shipped policy was trained for (read from the checkpoint itself)."""
    from embodied_gym.agents.sb3.checkpoints import algo_class, read_meta

    return int(algo_class(read_meta(policy).algo).load(str(policy), device="cpu").num_timesteps)


def check(names: list[str], episodes: int) -> str:
    from embodied_gym.agents.sb3.checkpoints import read_meta
    from embodied_gym.leaderboard.metrics import task_results
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.store import ResultsStore
    from embodied_gym.leaderboard.suites import Suite, SuiteTask

    db = ROOT / "runs" / "train" / "shipped" / "check.sqlite"
    rows = []
    for name in names:
        policy = POLICIES / f"{name}.zip"
        meta = read_meta(policy)
        quick = _quick_task(meta.env_id)
        task = SuiteTask(meta.env_id, tuple(range(5000, 5000 + episodes)), env_kwargs=meta.env_kwargs,
                         success=quick.success if quick else "info", max_steps=quick.max_steps if quick else 1000)
        suite = Suite(f"ppo-check-{name}", f"{episodes}", (task,))
        # episodes are selected by agent id (name + file fingerprint): an earlier policy checked under the
        # same name must not mix its episodes into this one's
        agent_ids = {label: evaluate(suite, spec, db, name=label, workers=1, gifs=False).agent_id
                     for spec, label in ((str(policy), f"ppo:{name}"), ("random", "random"))}
        with ResultsStore(db) as store:
            suite_id = int(store.suite_row(suite.name, suite.version)["id"])
            eps = [dict(e) for e in store.episodes(suite_id=suite_id)]
        res = {label: task_results(suite, [e for e in eps if e["agent_id"] == agent_id])[task.task_id]
               for label, agent_id in agent_ids.items()}
        ppo, rnd = res[f"ppo:{name}"].success, res["random"].success
        beats = ppo.low > rnd.high
        steps = trained_steps(policy)
        rows.append(f"| {meta.env_id} | {name} | {steps} | {ppo.fmt()} | {rnd.fmt()} | {'yes' if beats else 'no'} |")
        print(rows[-1], flush=True)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return "\n".join([
        f"Checked {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {episodes} held-out episodes per task "
        f"(seeds 5000+), load average {load} on {os.cpu_count()} cores.",
        "",
        "| task | config | training steps | PPO success [95% CI] | random success [95% CI] | PPO beats random (CIs disjoint) |",
        "|---|---|---|---|---|---|",
        *rows,
    ])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", default=None, help="config names (default: every configs/*.yaml)")
    parser.add_argument("--check-only", action="store_true", help="skip training; check the shipped files")
    parser.add_argument("--episodes", "-n", type=int, default=50, help="held-out episodes per task (default: 50)")
    args = parser.parse_args(argv)
    names = args.only or sorted(p.stem for p in CONFIGS.glob("*.yaml"))
    missing = [n for n in names if not (CONFIGS / f"{n}.yaml").is_file()]
    if missing:
        parser.error(f"no config {missing} in {CONFIGS}; have {sorted(p.stem for p in CONFIGS.glob('*.yaml'))}")
    if not args.check_only:
        for name in names:
            path, wall, steps = train_one(name)
            print(f"{name}: {steps} steps in {wall / 60:.1f} min -> {path}", flush=True)
    table = check(names, args.episodes)
    results = POLICIES / "RESULTS.md"
    header = ("# Shipped PPO policies vs random\n\nRegenerate with `python scripts/train_shipped_policies.py` "
              "(or `--check-only` to re-check the shipped files). Each run appends its table.\n")
    previous = results.read_text() if results.is_file() else header
    results.write_text(previous.rstrip() + "\n\n" + table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
