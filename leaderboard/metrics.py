"""Per-task metrics and aggregate scores with stratified-bootstrap 95% confidence intervals (rliable).

Scores are arranged as rliable expects: one (episodes x tasks) matrix per agent, episodes playing the
part of rliable's "runs". Two per-episode scores live in [0, 1] and are comparable across tasks, so
they are the ones aggregated:

- ``success``: 1 if the episode succeeded.
- ``score``: SPL (success weighted by path length) where the task reports it, success elsewhere.

Return and length are not comparable across tasks; they are reported per task only.

rliable's bootstrap draws from NumPy's *global* generator (its ``random_state`` argument does not
reach the index sampling), so :func:`_seeded_global_rng` seeds it for the call and restores the
previous state afterwards: the same episodes give the same intervals in any process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from embodied_gym.leaderboard.rliable_compat import rliable_modules
from embodied_gym.leaderboard.suites import Suite

AGGREGATES = ("iqm", "mean", "median", "optimality_gap")
AGGREGATE_LABELS = {"iqm": "IQM", "mean": "Mean", "median": "Median", "optimality_gap": "Optimality gap"}
SCORES = ("success", "score")
#: The score whose performance profile is computed (success alone is 0/1: its profile is a step).
PROFILE_SCORE = "score"
#: Thresholds at which performance profiles are evaluated.
PROFILE_TAUS = np.linspace(0.0, 1.0, 21)


@dataclass(frozen=True)
class Estimate:
    point: float
    low: float
    high: float

    def fmt(self, digits: int = 2) -> str:
        return f"{self.point:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


@dataclass
class TaskResult:
    task_id: str
    episodes: int
    success: Estimate
    spl: float | None
    mean_return: float
    std_return: float
    mean_length: float
    gif: str | None = None


@dataclass
class AgentResult:
    agent: str
    episodes: int
    planned: int
    tasks: dict[str, TaskResult] = field(default_factory=dict)
    #: score name -> aggregate name -> estimate; empty while the agent has not finished the suite
    aggregates: dict[str, dict[str, Estimate]] = field(default_factory=dict)
    #: PROFILE_SCORE -> (profile, low, high) at PROFILE_TAUS
    profiles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.episodes >= self.planned


@contextmanager
def _seeded_global_rng(seed: int) -> Iterator[None]:
    state = np.random.get_state()  # noqa: NPY002  (rliable samples from the global generator)
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _aggregate_funcs() -> dict[str, Any]:
    _, metrics = rliable_modules()
    return {
        "iqm": metrics.aggregate_iqm,
        "mean": metrics.aggregate_mean,
        "median": metrics.aggregate_median,
        "optimality_gap": metrics.aggregate_optimality_gap,
    }


def score_matrices(suite: Suite, episodes: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """(episodes x tasks) matrices of ``success`` and ``score`` for one agent's complete results,
    rows ordered by the suite's seeds so every agent's matrix lines up."""
    by_key = {(e["task_id"], int(e["seed"])): e for e in episodes}
    n, m = suite.episodes_per_task, len(suite.tasks)
    success = np.zeros((n, m))
    score = np.zeros((n, m))
    for j, task in enumerate(suite.tasks):
        for i, seed in enumerate(task.seeds):
            e = by_key[(task.task_id, seed)]
            success[i, j] = float(e["success"])
            score[i, j] = float(e["spl"]) if e["spl"] is not None else float(e["success"])
    return {"success": success, "score": score}


def aggregate(
    matrices: Mapping[str, Mapping[str, np.ndarray]], reps: int = 2000, seed: int = 0
) -> tuple[dict[str, dict[str, dict[str, Estimate]]], dict[str, dict[str, tuple[np.ndarray, ...]]]]:
    """IQM, mean, median and optimality gap with 95% CIs, and performance profiles, for every agent.

    ``matrices``: agent -> score name -> (episodes x tasks). Returns (agent -> score -> aggregate ->
    Estimate, agent -> score -> (profile, low, high)).
    """
    rly, _ = rliable_modules()
    funcs = _aggregate_funcs()
    estimates: dict[str, dict[str, dict[str, Estimate]]] = defaultdict(dict)
    profiles: dict[str, dict[str, tuple[np.ndarray, ...]]] = defaultdict(dict)
    for score in SCORES:
        score_dict = {agent: m[score] for agent, m in matrices.items()}
        if not score_dict:
            continue

        def all_aggregates(x: np.ndarray) -> np.ndarray:
            return np.array([funcs[a](x) for a in AGGREGATES])

        with _seeded_global_rng(seed):
            points, intervals = rly.get_interval_estimates(score_dict, all_aggregates, reps=reps)
        for agent in score_dict:
            estimates[agent][score] = {
                a: Estimate(float(points[agent][k]), float(intervals[agent][0, k]), float(intervals[agent][1, k]))
                for k, a in enumerate(AGGREGATES)
            }
        if score != PROFILE_SCORE:
            continue
        with _seeded_global_rng(seed + 1):
            prof, prof_ci = rly.create_performance_profile(score_dict, PROFILE_TAUS, reps=reps)
        for agent in score_dict:
            profiles[agent][score] = (np.asarray(prof[agent]), np.asarray(prof_ci[agent][0]),
                                      np.asarray(prof_ci[agent][1]))
    return dict(estimates), dict(profiles)


def task_results(suite: Suite, episodes: Sequence[Mapping[str, Any]], reps: int = 2000,
                 seed: int = 0) -> dict[str, TaskResult]:
    """Per-task success rate (with a bootstrap 95% CI over episodes), SPL, return and length."""
    rly, metrics = rliable_modules()
    by_task: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for e in episodes:
        by_task[e["task_id"]].append(e)
    out: dict[str, TaskResult] = {}
    for task in suite.tasks:
        eps = sorted(by_task.get(task.task_id, []), key=lambda e: int(e["seed"]))
        if not eps:
            continue
        succ = np.array([[float(e["success"])] for e in eps])
        if len(eps) > 1:
            with _seeded_global_rng(seed):
                _, ci = rly.get_interval_estimates({"x": succ}, lambda x: np.array([metrics.aggregate_mean(x)]),
                                                   reps=reps)
            low, high = float(ci["x"][0, 0]), float(ci["x"][1, 0])
        else:
            low = high = float(succ.mean())
        spls = [e["spl"] for e in eps if e["spl"] is not None]
        returns = np.array([float(e["return"]) for e in eps])
        gif = next((e["gif"] for e in eps if e["gif"]), None)
        out[task.task_id] = TaskResult(
            task_id=task.task_id,
            episodes=len(eps),
            success=Estimate(float(succ.mean()), low, high),
            spl=float(np.mean(spls)) if len(spls) == len(eps) else None,
            mean_return=float(returns.mean()),
            std_return=float(returns.std()),
            mean_length=float(np.mean([int(e["length"]) for e in eps])),
            gif=gif,
        )
    return out


def leaderboard_results(suite: Suite, episodes_by_agent: Mapping[str, Sequence[Mapping[str, Any]]],
                        reps: int = 2000, seed: int = 0) -> list[AgentResult]:
    """Everything the table and the report show, agents sorted by IQM success, then mean SPL score
    (best first); agents
    that have not finished the suite have per-task rows but no aggregate."""
    planned = suite.num_episodes
    results: dict[str, AgentResult] = {}
    complete: dict[str, dict[str, np.ndarray]] = {}
    wanted = {(t.task_id, s) for t, s in suite.episodes()}
    for agent, eps in episodes_by_agent.items():
        eps = [e for e in eps if (e["task_id"], int(e["seed"])) in wanted]
        results[agent] = AgentResult(agent=agent, episodes=len(eps), planned=planned,
                                     tasks=task_results(suite, eps, reps=reps, seed=seed))
        if len(eps) == planned:
            complete[agent] = score_matrices(suite, eps)
    if complete:
        estimates, profiles = aggregate(complete, reps=reps, seed=seed)
        for agent in complete:
            results[agent].aggregates = estimates[agent]
            results[agent].profiles = profiles[agent]

    def key(r: AgentResult) -> tuple[int, float, float, str]:
        if not r.aggregates:
            return (1, 0.0, 0.0, r.agent)
        return (0, -r.aggregates["success"]["iqm"].point, -r.aggregates["score"]["mean"].point, r.agent)

    return sorted(results.values(), key=key)
