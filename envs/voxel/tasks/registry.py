"""The MineDojo task registry: every task id, its :class:`TaskSpec`, listings and named suites.

The table is derived once by ``scripts/build_minedojo_tasks.py`` from MineDojo's description files and
shipped in this folder (credited in the README). Two files keep start-up cheap: the small id list is
read when gym ids are registered; the full table (specs, prompts, guidance) only when a spec is asked
for. Both are read once per process and cached.
"""

from __future__ import annotations

import difflib
import fnmatch
import gzip
import json
from functools import lru_cache
from pathlib import Path

from embodied_gym.envs.voxel.tasks.spec import CATEGORIES, InventoryItem, TaskSpec

_HERE = Path(__file__).resolve().parent
TABLE_PATH = _HERE / "minedojo_tasks.json.gz"
IDS_PATH = _HERE / "minedojo_task_ids.json"

#: categories whose ids have a programmatic success rule
PROGRAMMATIC_CATEGORIES: tuple[str, ...] = ("harvest", "combat", "techtree", "survival")

#: A handful of short, varied tasks for CI and demos: one per kind of skill the world must have
#: (chop, milk, shear, fight, craft a tool chain). Each is solved by the oracle in a few hundred steps.
QUICK_SUITE: tuple[str, ...] = (
    "harvest_1_log",
    "harvest_milk_with_empty_bucket_and_cow",
    "harvest_wool_with_shears_and_sheep",
    "harvest_1_crafting_table",
    "combat_zombie_plains_iron_armors_iron_sword_shield",
    "combat_cow_plains_diamond_armors_diamond_sword_shield",
    "techtree_from_barehand_to_wooden_sword",
    "techtree_from_wood_to_stone_pickaxe",
)


class UnknownTaskError(KeyError, ValueError):
    """A task id (or category / suite name) that the registry does not know.

    Subclasses both ``KeyError`` (it is a failed lookup) and ``ValueError`` (it is bad user input), so
    either ``except`` catches it. The message lists the nearest valid names.
    """

    def __str__(self) -> str:  # KeyError would repr() the message, quoting it
        return str(self.args[0]) if self.args else ""


@lru_cache(maxsize=1)
def _ids_file() -> dict:
    with IDS_PATH.open() as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def _table() -> dict:
    with gzip.open(TABLE_PATH, "rt") as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def _category_of() -> dict[str, str]:
    return {task_id: category for category, ids in _ids_file()["categories"].items() for task_id in ids}


def all_task_ids() -> list[str]:
    """Every MineDojo task id: programmatic (harvest, combat, techtree, survival), creative, playthrough."""
    return list(_category_of())


def category_of(task_id: str) -> str:
    """The category of ``task_id`` (raises :class:`UnknownTaskError` with suggestions)."""
    try:
        return _category_of()[task_id]
    except KeyError:
        raise UnknownTaskError(_unknown_message("task id", task_id, list(_category_of()))) from None


def _unknown_message(kind: str, name: str, valid: list[str]) -> str:
    nearest = difflib.get_close_matches(name, valid, n=5, cutoff=0.5)
    hint = f"; nearest: {', '.join(nearest)}" if nearest else ""
    return f"unknown MineDojo {kind} {name!r}{hint} (embodied_gym.tasks() lists all {len(valid)})"


def get_spec(task_id: str) -> TaskSpec:
    """The :class:`TaskSpec` of one task id (programmatic, creative or ``playthrough``)."""
    category = category_of(task_id)
    table = _table()
    section = "creative" if category == "creative" else "playthrough" if category == "playthrough" else "programmatic"
    return _spec_from_row(table[section][task_id])


_SPEC_FIELDS = {
    "task_id", "category", "prompt", "guidance", "target_names", "target_quantities", "reward_weights",
    "initial_mobs", "specified_biome", "start_at_night", "always_night", "allow_mob_spawn",
    "allow_time_passage", "use_voxel", "target_days", "template", "start_time", "use_reward_weights",
    "per_day_reward", "success_reward",
}
_TUPLE_FIELDS = {"target_names", "target_quantities", "reward_weights", "initial_mobs", "use_reward_weights"}


def _spec_from_row(row: dict) -> TaskSpec:
    kwargs = {}
    for key, value in row.items():
        if key in _SPEC_FIELDS:
            kwargs[key] = tuple(value) if key in _TUPLE_FIELDS else value
    kwargs["initial_inventory"] = tuple(
        InventoryItem(slot=slot, name=name, quantity=quantity) for slot, name, quantity in row.get("initial_inventory", ())
    )
    if "initial_mob_spawn_range_low" in row:
        kwargs["initial_mob_spawn_range_low"] = tuple(row["initial_mob_spawn_range_low"])
        kwargs["initial_mob_spawn_range_high"] = tuple(row["initial_mob_spawn_range_high"])
    if "voxel_size" in row:
        kwargs["voxel_size"] = tuple(row["voxel_size"])
    extra_keys = set(row) - _SPEC_FIELDS - {
        "initial_inventory", "initial_mob_spawn_range_low", "initial_mob_spawn_range_high", "voxel_size",
    }
    kwargs["extra"] = {key: row[key] for key in sorted(extra_keys)}
    return TaskSpec(**kwargs)


def tasks(category: str | None = None, *, pattern: str | None = None) -> list[str]:
    """List task ids, optionally of one category and/or matching a shell-style ``pattern``.

    ``category`` is one of ``harvest, combat, techtree, survival, creative, playthrough``, or
    ``"programmatic"`` for the first four together. ``pattern`` uses :mod:`fnmatch` syntax, e.g.
    ``tasks("harvest", pattern="*milk*")``. Ids keep MineDojo's order.
    """
    by_category = _ids_file()["categories"]
    if category is None:
        ids = all_task_ids()
    elif category == "programmatic":
        ids = [task_id for name in PROGRAMMATIC_CATEGORIES for task_id in by_category[name]]
    elif category in CATEGORIES:
        ids = list(by_category[category])
    else:
        raise UnknownTaskError(_unknown_message("category", category, [*CATEGORIES, "programmatic"]))
    if pattern is not None:
        ids = [task_id for task_id in ids if fnmatch.fnmatchcase(task_id, pattern)]
    return ids


def suite_names() -> list[str]:
    """Names accepted by :func:`suite`."""
    return ["quick", "starter", *(f"starter-{name}" for name in _ids_file()["starter_suite"])]


def suite(name: str) -> list[str]:
    """The ids of a named suite.

    ``"starter"`` is MineDojo's starter suite (tasks_suite.yaml, 64 ids); ``"starter-programmatic-standard"``,
    ``"starter-programmatic-difficult"``, ``"starter-creative-standard"`` and ``"starter-creative-difficult"``
    are its four parts; ``"quick"`` is a short CI/demo suite (:data:`QUICK_SUITE`).
    """
    starter = _ids_file()["starter_suite"]
    if name == "quick":
        return list(QUICK_SUITE)
    if name == "starter":
        return [task_id for part in starter.values() for task_id in part]
    if name.startswith("starter-") and name[len("starter-"):] in starter:
        return list(starter[name[len("starter-"):]])
    raise UnknownTaskError(_unknown_message("suite", name, suite_names()))
