"""Agents the leaderboard can evaluate, built from a one-string spec.

Specs (the ``--agent`` of ``embodied-gym evaluate``):

- ``random``: uniform actions from the env's action space, seeded per episode.
- ``oracle``: the scripted oracle registered for each task (privileged state, proves solvability).
- a path to an SB3 checkpoint (``.zip``) or a folder of them (one per task id, see
  :mod:`embodied_gym.agents.sb3.checkpoints`).
- ``module:factory``: any callable returning an :class:`Agent` (or a callable ``obs -> action``).

An agent is a plain object with ``reset(env, task_id, seed)`` and ``act(observation, info)``. It is
rebuilt from its spec inside every worker process, so a spec must be a string and an agent need not
pickle. ``fingerprint`` identifies *what* was evaluated (a checkpoint's digest), so a retrained model
evaluated under the same name starts fresh results instead of resuming someone else's.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np


class AgentSpecError(ValueError):
    """An agent spec cannot be resolved, or the agent cannot play a task."""


@runtime_checkable
class Agent(Protocol):
    def reset(self, env: gym.Env, task_id: str, seed: int) -> None: ...

    def act(self, observation: Any, info: dict[str, Any]) -> Any: ...


class RandomAgent:
    """Uniform random actions; the action space is seeded from the episode seed, so a rerun (local or
    on another machine) takes the same actions."""

    def __init__(self) -> None:
        self._space: gym.Space | None = None

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        self._space = env.action_space
        self._space.seed(int(np.random.SeedSequence([seed, 0x5EED]).generate_state(1)[0]))

    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        assert self._space is not None, "reset() before act()"
        return self._space.sample()


class CallableAgent:
    """Wraps a plain ``observation -> action`` callable (or ``(observation, info) -> action``)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        try:
            import inspect

            self._takes_info = len(inspect.signature(fn).parameters) >= 2
        except (TypeError, ValueError):
            self._takes_info = False

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        reset = getattr(self._fn, "reset", None)
        if callable(reset):
            reset(env, task_id, seed)

    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        return self._fn(observation, info) if self._takes_info else self._fn(observation)


#: Oracles per task-id pattern (fnmatch), first match wins. Each factory takes no argument and returns
#: an Agent; envs' owners add their oracle here.
ORACLES: list[tuple[str, str]] = [
    ("FrozenLake-v1", "embodied_gym.leaderboard.oracles:FrozenLakeOracle"),
    ("CartPole-v1", "embodied_gym.leaderboard.oracles:CartPoleOracle"),
    ("embodied_gym/Tiles-4x4*", "embodied_gym.leaderboard.oracles:TilesOracle"),
    ("embodied_gym/MineDojo-*", "embodied_gym.leaderboard.oracles:VoxelOracle"),
    ("embodied_gym/House-ObjectNav-*", "embodied_gym.agents.house_oracle:HouseOracle"),
    ("embodied_gym/House-PointNav-*", "embodied_gym.agents.house_oracle:HouseOracle"),
    ("embodied_gym/House-RoomNav-*", "embodied_gym.agents.house_oracle:HouseOracle"),
    ("embodied_gym/House-Instruction-*", "embodied_gym.agents.house_oracle:HouseOracle"),
]


def load_entry_point(spec: str) -> Any:
    """Import ``module:attribute`` (attribute may be dotted)."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise AgentSpecError(f"entry point {spec!r} must look like 'package.module:factory'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise AgentSpecError(f"cannot import {module_name!r} for agent {spec!r}: {exc}") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise AgentSpecError(f"{module_name!r} has no attribute {attr!r} (agent {spec!r})") from exc
    return obj


def oracle_entry_for(task_id: str) -> str:
    for pattern, entry in ORACLES:
        if fnmatch.fnmatchcase(task_id, pattern):
            return entry
    raise AgentSpecError(f"no oracle is registered for {task_id!r}; oracles exist for {[p for p, _ in ORACLES]}")


class OracleAgent:
    """Dispatches to the oracle registered for each task id (built lazily, cached per task pattern)."""

    def __init__(self) -> None:
        self._cache: dict[str, Agent] = {}
        self._current: Agent | None = None

    def supports(self, task_id: str) -> bool:
        try:
            oracle_entry_for(task_id)
        except AgentSpecError:
            return False
        return True

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        entry = oracle_entry_for(task_id)
        if entry not in self._cache:
            self._cache[entry] = as_agent(load_entry_point(entry)(), entry)
        self._current = self._cache[entry]
        self._current.reset(env, task_id, seed)

    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        assert self._current is not None, "reset() before act()"
        return self._current.act(observation, info)


def as_agent(obj: Any, spec: str) -> Agent:
    if hasattr(obj, "act") and hasattr(obj, "reset"):
        return obj
    if callable(obj):
        return CallableAgent(obj)
    raise AgentSpecError(f"{spec!r} gave {type(obj).__name__}, which is neither an agent "
                         "(reset/act) nor a callable observation -> action")


def _file_digest(path: Path) -> str:
    """Digest of a checkpoint file and its metadata side file (``<stem>.json``: how it plays, e.g.
    sampled or argmax), or of every file of a folder."""
    h = hashlib.sha256()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
    else:
        files = [path] + [p for p in (path.with_suffix(".json"),) if p.is_file()]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def describe_agent(spec: str) -> tuple[str, str]:
    """``(default display name, fingerprint)`` of a spec, without building the agent."""
    if spec in ("random", "oracle"):
        return spec, spec
    path = Path(spec)
    if path.exists():
        # a training run's final.zip is named after its run folder
        label = path.parent.name if path.is_file() and path.stem in ("final", "best_model") else path.stem
        return f"ppo:{label}", _file_digest(path)
    if ":" in spec:
        return spec.rsplit(":", 1)[1], spec
    raise AgentSpecError(f"unknown agent {spec!r}; use 'random', 'oracle', a path to an SB3 checkpoint "
                         "(.zip) or folder of checkpoints, or 'module:factory'")


def build_agent(spec: str) -> Agent:
    """Build the agent a spec names (see the module docstring for the forms)."""
    if spec == "random":
        return RandomAgent()
    if spec == "oracle":
        return OracleAgent()
    path = Path(spec)
    if path.exists():
        from embodied_gym.agents.sb3.checkpoints import SB3CheckpointAgent

        return SB3CheckpointAgent(path)
    if ":" in spec:
        factory = load_entry_point(spec)
        if not callable(factory):
            raise AgentSpecError(f"{spec!r} is not callable")
        return as_agent(factory(), spec)
    describe_agent(spec)  # raises the error that lists the accepted forms
    raise AssertionError("unreachable")
