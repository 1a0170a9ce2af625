"""Play a suite's episodes with one agent and commit each finished episode to the results store.

Episodes are independent and fully determined by (task, seed, agent): the env is reset with the
episode seed and the agent is reset with it too. That is what lets the same evaluation run
sequentially, on local worker processes or spread over a Ray cluster and produce identical rows,
and what lets an interrupted evaluation resume with only the missing episodes.

Workers only play episodes; the driver process alone writes to the store, one committed transaction
per episode as soon as it arrives.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import embodied_gym  # noqa: F401  (registers the embodied_gym/... ids in every process that runs episodes)
import gymnasium as gym
import numpy as np
from embodied_gym.leaderboard.agents import Agent, AgentSpecError, build_agent, describe_agent
from embodied_gym.leaderboard.store import EpisodeRecord, ResultsStore
from embodied_gym.leaderboard.suites import Suite, SuiteTask


class EpisodeError(RuntimeError):
    """An episode could not be judged (e.g. no success signal for its task)."""


#: Longest side of a GIF frame after resizing, and the most frames a GIF keeps.
GIF_SIDE = 192
GIF_MAX_FRAMES = 120


def slug(text: str) -> str:
    """A file-name-safe form of an agent name or task id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def _frame_for_gif(frame: np.ndarray) -> np.ndarray:
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(frame[..., :3]).astype(np.uint8))
    scale = GIF_SIDE / max(img.size)
    size = (max(1, round(img.size[0] * scale)), max(1, round(img.size[1] * scale)))
    resample = Image.NEAREST if scale >= 1 else Image.BILINEAR
    return np.asarray(img.resize(size, resample))


def _write_gif(frames: list[np.ndarray], path: Path) -> None:
    import imageio.v2 as imageio

    if len(frames) > GIF_MAX_FRAMES:  # keep the first and last frame, evenly spaced in between
        idx = np.linspace(0, len(frames) - 1, GIF_MAX_FRAMES).round().astype(int)
        frames = [frames[i] for i in idx]
    path.parent.mkdir(parents=True, exist_ok=True)
    imageio.mimsave(path, [_frame_for_gif(f) for f in frames], duration=0.12, loop=0)


def run_episode(task: SuiteTask, seed: int, agent: Agent, gif_path: Path | None = None) -> EpisodeRecord:
    """Play one episode; record it to ``gif_path`` when given (rendering does not change the episode)."""
    started = time.perf_counter()
    from embodied_gym.agents.sb3.env_kwargs import resolve_env_kwargs

    env = gym.make(task.env_id, render_mode="rgb_array" if gif_path else None,
                   **resolve_env_kwargs(task.env_kwargs))
    wrap = getattr(agent, "wrap_env", None)
    if callable(wrap):
        env = wrap(env, task.env_id)
    try:
        observation, info = env.reset(seed=seed)
        agent.reset(env, task.env_id, seed)
        frames: list[np.ndarray] = []
        if gif_path:
            try:
                frames.append(env.render())
            except Exception as exc:  # a GIF is an extra: say why it is missing, keep the episode
                warnings.warn(f"{task.task_id}: cannot render ({exc}); episode seed {seed} has no GIF",
                              RuntimeWarning, stacklevel=2)
                gif_path = None
        episode_return, length, terminated, truncated = 0.0, 0, False, False
        while length < task.max_steps:
            action = agent.act(observation, info)
            observation, reward, terminated, truncated, info = env.step(action)
            episode_return += float(reward)
            length += 1
            if gif_path:
                frames.append(env.render())
            if terminated or truncated:
                break
        if task.success == "terminated":
            success = bool(terminated)
        elif task.return_threshold is not None:
            success = episode_return >= task.return_threshold
        elif "success" in info:
            success = bool(info["success"])
        elif not (terminated or truncated):  # cut by the suite's max_steps before the env judged it
            success = False
        else:
            raise EpisodeError(f"{task.task_id}: the env reports no info['success'] at the end of the "
                               "episode; give the suite task another success rule ('terminated' or 'return>=X')")
        spl = info.get("spl")
        if gif_path and frames and frames[0] is not None:
            _write_gif(frames, gif_path)
    finally:
        env.close()
    return EpisodeRecord(
        task_id=task.task_id,
        seed=int(seed),
        success=success,
        spl=None if spl is None else float(spl),
        episode_return=episode_return,
        length=length,
        truncated=bool(truncated or not terminated),
        duration_s=time.perf_counter() - started,
        gif=str(gif_path) if gif_path else None,
    )


# -- workers: rebuild the agent from its spec, once per process ------------------------------------
_AGENT_CACHE: dict[str, Agent] = {}


def _cached_agent(spec: str) -> Agent:
    if spec not in _AGENT_CACHE:
        _AGENT_CACHE[spec] = build_agent(spec)
    return _AGENT_CACHE[spec]


def play_job(agent_spec: str, task: dict[str, Any], seed: int, gif_path: str | None) -> dict[str, Any]:
    """One episode as a picklable job (local worker processes and Ray tasks both run this)."""
    suite_task = SuiteTask(
        task_id=task["task_id"], seeds=tuple(task["seeds"]), env_kwargs=task["env_kwargs"],
        success=task["success"], max_steps=task["max_steps"],
    )
    record = run_episode(suite_task, seed, _cached_agent(agent_spec), Path(gif_path) if gif_path else None)
    return asdict(record)


@dataclass(frozen=True)
class EvaluationSummary:
    agent_name: str
    agent_id: int
    suite_id: int
    run_id: int
    planned: int
    already_done: int
    written: int
    skipped_tasks: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.skipped_tasks and self.already_done + self.written >= self.planned


Job = tuple[SuiteTask, int, str | None]


def _run_sequential(spec: str, jobs: list[Job]) -> Iterator[dict[str, Any]]:
    for task, seed, gif in jobs:
        yield play_job(spec, task.to_dict(), seed, gif)


def _run_processes(spec: str, jobs: list[Job], workers: int) -> Iterator[dict[str, Any]]:
    import multiprocessing

    # spawn: workers must not inherit the driver's SQLite connection, threads or torch state.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        pending: set[Future[dict[str, Any]]] = {
            pool.submit(play_job, spec, task.to_dict(), seed, gif) for task, seed, gif in jobs
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    finally:
        # on an error (or Ctrl-C) drop the queued episodes instead of playing them all first
        pool.shutdown(wait=True, cancel_futures=True)


def _run_ray(spec: str, jobs: list[Job], address: str, num_cpus: int | None) -> Iterator[dict[str, Any]]:
    import ray

    if not ray.is_initialized():
        if address == "local":
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    remote_job = ray.remote(num_cpus=1)(play_job)
    pending = [remote_job.remote(spec, task.to_dict(), seed, gif) for task, seed, gif in jobs]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            yield ray.get(ref)


def evaluate(
    suite: Suite,
    agent_spec: str,
    db_path: str | Path,
    *,
    name: str | None = None,
    workers: int = 1,
    ray_address: str | None = None,
    ray_num_cpus: int | None = None,
    gifs: bool = True,
    progress: bool = True,
    allow_partial: bool = False,
    on_episode: Callable[[EpisodeRecord], None] | None = None,
) -> EvaluationSummary:
    """Evaluate ``agent_spec`` on every episode of ``suite`` not yet in the store at ``db_path``.

    GIFs of each task's first episode go to ``<db dir>/media/<agent>/<task>.gif`` (paths stored
    relative to the db's folder). ``ray_address="local"`` starts a local Ray instance. An agent that
    cannot play some task (``agent.supports(task_id)`` is False) is refused unless ``allow_partial``,
    which plays the other tasks and lists the skipped ones in the summary.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    default_name, fingerprint = describe_agent(agent_spec)
    agent_name = name or default_name
    probe = build_agent(agent_spec)  # fail fast on a bad spec, before any worker starts
    supports = getattr(probe, "supports", None)
    missing = [t.task_id for t in suite.tasks if callable(supports) and not supports(t.env_id)]
    if missing and not allow_partial:
        raise AgentSpecError(f"agent {agent_name!r} cannot play {missing} of suite {suite.name!r} "
                             "(allow_partial / --allow-partial evaluates the rest; the agent then gets "
                             "per-task results but no aggregate score)")

    db_path = Path(db_path)
    root = db_path.parent
    with ResultsStore(db_path) as store:
        agent_id = store.register_agent(agent_name, agent_spec, fingerprint)
        suite_id = store.register_suite(suite)
        done = store.done_keys(agent_id, suite_id)
        todo: list[Job] = []
        for task in suite.tasks:
            if task.task_id in missing:
                continue
            for i, seed in enumerate(task.seeds):
                if (task.task_id, seed) in done:
                    continue
                gif = None
                if gifs and i == 0:
                    gif = str(root / "media" / slug(agent_name) / f"{slug(task.task_id)}.gif")
                todo.append((task, seed, gif))
        backend = f"ray:{ray_address}" if ray_address else ("local" if workers == 1 else f"local:{workers}")
        run_id = store.start_run(agent_id, suite_id, backend, len(todo))
        if ray_address:
            results: Iterable[dict[str, Any]] = _run_ray(agent_spec, todo, ray_address, ray_num_cpus)
        elif workers > 1 and len(todo) > 1:
            results = _run_processes(agent_spec, todo, workers)
        else:
            results = _run_sequential(agent_spec, todo)
        bar = None
        if progress and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc=f"{agent_name} on {suite.name}", unit="ep", leave=False)
        written = 0
        status = "failed"
        try:
            for result in results:
                if result["gif"]:
                    result["gif"] = str(Path(result["gif"]).resolve().relative_to(root.resolve()))
                record = EpisodeRecord(**result)
                written += store.add_episode(agent_id, suite_id, run_id, record)
                if on_episode is not None:
                    on_episode(record)
                if bar is not None:
                    bar.update(1)
            status = "finished"
        finally:
            if bar is not None:
                bar.close()
            store.finish_run(run_id, status)
    return EvaluationSummary(agent_name, agent_id, suite_id, run_id, suite.num_episodes, len(done), written,
                             tuple(missing))
