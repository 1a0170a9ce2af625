"""Named, versioned evaluation suites: which tasks, which episode seeds, which limits.

A suite pins the exact episodes every agent faces, so two agents on the leaderboard are compared on
the same houses, the same worlds and the same boards. Its ``version`` is bumped by hand when the
content changes on purpose; its ``fingerprint`` (a digest of the content) catches an edit that forgot
to bump it: the results store refuses a suite whose name and version it knows with another content. A change to an env's dynamics or to the
house generator also changes the episodes without touching the suite: bump the version then too, or
results stored before and after would be mixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SuiteError(ValueError):
    """A suite name, file or entry is invalid."""


@dataclass(frozen=True)
class SuiteTask:
    """One task of a suite: a gym id, the seeds of its episodes and how an episode is judged.

    ``success`` says how an episode counts as a success: ``"info"`` (the env's final
    ``info["success"]``, as the house and voxel tasks report it), ``"terminated"`` (the episode ended
    by termination, not by a time limit: e.g. every red tile found) or ``"return>=X"`` (the return
    reached X, e.g. CartPole). ``max_steps`` caps an episode even if the env has no time limit of its
    own. ``env_kwargs`` go to ``gymnasium.make``. ``task_id`` is the gym id, optionally followed by
    ``#variant`` when a suite holds the same gym id twice with different kwargs (e.g. small and
    any-size houses); agents and ``gym.make`` see only the gym id (:attr:`env_id`).
    """

    task_id: str
    seeds: tuple[int, ...]
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    success: str = "info"
    max_steps: int = 1000

    def __post_init__(self) -> None:
        if not self.task_id or not isinstance(self.task_id, str):
            raise SuiteError(f"task_id must be a non-empty string, got {self.task_id!r}")
        if not self.seeds:
            raise SuiteError(f"task {self.task_id!r} has no seeds; give at least one episode seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise SuiteError(f"task {self.task_id!r} repeats a seed: {list(self.seeds)}")
        if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in self.seeds):
            raise SuiteError(f"task {self.task_id!r}: seeds must be non-negative ints, got {list(self.seeds)}")
        _ = self.return_threshold  # validates the success rule
        if not isinstance(self.max_steps, int) or self.max_steps < 1:
            raise SuiteError(f"task {self.task_id!r}: max_steps must be a positive int, got {self.max_steps!r}")

    @property
    def env_id(self) -> str:
        """The gym id (``task_id`` without its ``#variant``)."""
        return self.task_id.split("#", 1)[0]

    @property
    def return_threshold(self) -> float | None:
        """X of a ``"return>=X"`` success rule, else None."""
        if self.success in ("info", "terminated"):
            return None
        if self.success.startswith("return>="):
            try:
                return float(self.success.removeprefix("return>="))
            except ValueError:
                pass
        raise SuiteError(f"task {self.task_id!r}: success rule {self.success!r} is not one of 'info', "
                         "'terminated', 'return>=X'")

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "seeds": list(self.seeds),
            "env_kwargs": dict(self.env_kwargs),
            "success": self.success,
            "max_steps": self.max_steps,
        }


@dataclass(frozen=True)
class Suite:
    """A named, versioned list of tasks. Every task has the same number of seeds, because the
    stratified bootstrap behind the confidence intervals needs a (episodes x tasks) score matrix."""

    name: str
    version: str
    tasks: tuple[SuiteTask, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.tasks:
            raise SuiteError(f"suite {self.name!r} has no tasks")
        ids = [t.task_id for t in self.tasks]
        if len(set(ids)) != len(ids):
            raise SuiteError(f"suite {self.name!r} lists a task twice: {ids}")
        counts = {t.task_id: len(t.seeds) for t in self.tasks}
        if len(set(counts.values())) != 1:
            raise SuiteError(f"suite {self.name!r}: every task needs the same number of seeds, got {counts}")

    @property
    def episodes_per_task(self) -> int:
        return len(self.tasks[0].seeds)

    @property
    def num_episodes(self) -> int:
        return sum(len(t.seeds) for t in self.tasks)

    def task(self, task_id: str) -> SuiteTask:
        for t in self.tasks:
            if t.task_id == task_id:
                return t
        raise SuiteError(f"suite {self.name!r} has no task {task_id!r}; it has {[t.task_id for t in self.tasks]}")

    def episodes(self) -> list[tuple[SuiteTask, int]]:
        """Every (task, seed) pair in a fixed order."""
        return [(t, s) for t in self.tasks for s in t.seeds]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "tasks": [t.to_dict() for t in self.tasks],
        }

    @property
    def fingerprint(self) -> str:
        """Digest of what decides the episodes (not the description)."""
        content = {"tasks": [t.to_dict() for t in self.tasks]}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Suite:
        try:
            tasks = tuple(
                SuiteTask(
                    task_id=t["task_id"],
                    seeds=tuple(t["seeds"]),
                    env_kwargs=dict(t.get("env_kwargs") or {}),
                    success=str(t.get("success", "info")),
                    max_steps=int(t.get("max_steps", 1000)),
                )
                for t in data["tasks"]
            )
            return cls(name=str(data["name"]), version=str(data["version"]), tasks=tasks,
                       description=str(data.get("description", "")))
        except KeyError as exc:
            raise SuiteError(f"suite definition lacks the field {exc.args[0]!r}; needs name, version, "
                             "tasks[].task_id and tasks[].seeds") from exc


def _seeds(start: int, count: int) -> tuple[int, ...]:
    return tuple(range(start, start + count))


def _task(task_id: str, n: int, start: int = 0, **kw: Any) -> SuiteTask:
    return SuiteTask(task_id=task_id, seeds=_seeds(start, n), **kw)


# Tasks per tier. Seeds start at 1000 so they never coincide with the small seeds people train on.
#: Small procedural houses (one or two rooms), generated deterministically at run time (see
#: agents.sb3.env_kwargs): the quick suite's houses and the shipped ObjectNav policy's.
SMALL_HOUSE_SPECS = ("kitchen", "living-room", "bedroom", "bathroom", "kitchen-living-room", "bedroom-bathroom")
SMALL_HOUSES: dict[str, Any] = {
    "houses": {"generate": {"seeds": list(range(12)), "specs": list(SMALL_HOUSE_SPECS)}},
}
_HOUSE_SMALL: dict[str, Any] = {"env_kwargs": SMALL_HOUSES, "max_steps": 200}
_HOUSE_ANY: dict[str, Any] = {"max_steps": 500}
# A tiles episode succeeds when every red tile is found within the 25-click limit.
_TILES: dict[str, Any] = {"success": "terminated", "max_steps": 25}
# Voxel tasks at 64x64 pixels (the policies' input size); limits leave the oracle ample room.
_VOXEL = {"env_kwargs": {"image_size": [64, 64]}, "max_steps": 500}
_VOXEL_LONG = {"env_kwargs": {"image_size": [64, 64]}, "max_steps": 3000}

_QUICK = [
    ("embodied_gym/Tiles-4x4-v0", _TILES),
    ("embodied_gym/House-ObjectNav-v0", _HOUSE_SMALL),
    ("embodied_gym/House-PointNav-v0", _HOUSE_SMALL),
    ("embodied_gym/MineDojo-harvest_1_log-v0", _VOXEL),
]
_STANDARD = _QUICK + [
    ("embodied_gym/Tiles-4x4-Control-v0", _TILES),
    ("embodied_gym/House-RoomNav-v0", _HOUSE_SMALL),
    ("embodied_gym/House-Instruction-v0", _HOUSE_SMALL),
    ("embodied_gym/MineDojo-harvest_milk_with_empty_bucket_and_cow-v0", _VOXEL_LONG),
]
_FULL = _STANDARD + [
    ("embodied_gym/Tiles-4x4-Test-v0", {"success": "terminated", "max_steps": 120}),
    ("embodied_gym/House-ObjectNav-v0#any", _HOUSE_ANY),
    ("embodied_gym/MineDojo-techtree_from_wood_to_stone_pickaxe-v0", _VOXEL_LONG),
    ("embodied_gym/MineDojo-combat_zombie_plains_iron_armors_iron_sword_shield-v0", _VOXEL_LONG),
]
_TIERS: dict[str, tuple[str, int, list[tuple[str, dict[str, Any]]]]] = {
    # name: (version, episodes per task, [(task id, extra SuiteTask fields)])
    "quick": ("1", 5, _QUICK),
    "standard": ("1", 20, _STANDARD),
    "full": ("1", 50, _FULL),
}

#: Standard gymnasium tasks: usable with no embodied_gym world at all (tests, smoke checks).
_GYMNASIUM = ("1", 5, [
    ("FrozenLake-v1", {"env_kwargs": {"is_slippery": False}, "success": "return>=1", "max_steps": 100}),
    ("CartPole-v1", {"success": "return>=195", "max_steps": 500}),
])


def _build(name: str, version: str, n: int, entries: Sequence[tuple[str, dict[str, Any]]]) -> Suite:
    return Suite(
        name=name,
        version=version,
        tasks=tuple(_task(tid, n, start=1000, **extra) for tid, extra in entries),
        description=f"{name}: {len(entries)} tasks x {n} seeded episodes",
    )


def available_suites() -> list[str]:
    return sorted([*_TIERS, "gymnasium"])


def get_suite(name_or_path: str) -> Suite:
    """A built-in suite by name (``quick``, ``standard``, ``full``, ``gymnasium``) or a YAML/JSON file."""
    if name_or_path in _TIERS:
        version, n, entries = _TIERS[name_or_path]
        return _build(name_or_path, version, n, entries)
    if name_or_path == "gymnasium":
        version, n, entries = _GYMNASIUM
        return _build("gymnasium", version, n, entries)
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
        text = path.read_text()
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
        if not isinstance(data, Mapping):
            raise SuiteError(f"{path}: a suite file must hold a mapping with name, version, tasks")
        return Suite.from_dict(data)
    raise SuiteError(f"unknown suite {name_or_path!r}; built-in suites: {available_suites()}, "
                     "or give a path to a .yaml/.json suite file")
