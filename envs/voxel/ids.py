"""Gym ids of the voxel world: ``embodied_gym/MineDojo-<task_id>-v0`` for every MineDojo task id.

3,142 ids (1,581 programmatic, 1,560 creative, the playthrough) are registered on ``import embodied_gym``,
with entry-point *strings* only. ``gymnasium.register`` scans the whole registry on every call (a check
for versioned/unversioned clashes), which would make registering 3,142 ids quadratic -- over a second.
So this module builds the same :class:`gymnasium.envs.registration.EnvSpec` objects and inserts them
into ``gymnasium.registry`` directly, after doing that clash check once for all of them.
"""

from __future__ import annotations

import json

from gymnasium.envs.registration import EnvSpec, registry

#: Gym id namespace and the prefix before the MineDojo task id
NAMESPACE = "embodied_gym"
PREFIX = "MineDojo-"
VERSION = 0
ENTRY_POINT = "embodied_gym.envs.voxel.tasks.factory:make_minedojo_env"
VECTOR_ENTRY_POINT = "embodied_gym.envs.voxel.tasks.factory:make_minedojo_vector_env"

#: Default episode limits in env steps (one step = one game tick, 20 per second), per category.
#: ``gym.make(id, max_episode_steps=N)`` overrides them. Harvest/techtree chains from bare hands to
#: iron or diamond take thousands of steps even when planned; a survival episode is 100 in-game days.
TIME_LIMITS: dict[str, int] = {
    "harvest": 6000,
    "combat": 2000,
    "techtree": 12000,
    "survival": 100 * 24000,
    "creative": 12000,
    "playthrough": 24000 * 10,
}


def gym_id(task_id: str) -> str:
    """The gym id of a MineDojo task id, e.g. ``embodied_gym/MineDojo-harvest_1_log-v0``.

    ``gym.make`` reads a colon as "import this module first", so creative ids ``creative:92`` become
    ``embodied_gym/MineDojo-creative_92-v0``.
    """
    return f"{NAMESPACE}/{PREFIX}{task_id.replace(':', '_')}-v{VERSION}"


def task_id_of(env_id: str) -> str:
    """The MineDojo task id inside a gym id made by :func:`gym_id`."""
    head = f"{NAMESPACE}/{PREFIX}"
    tail = f"-v{VERSION}"
    if not (env_id.startswith(head) and env_id.endswith(tail)):
        raise ValueError(f"{env_id!r} is not a MineDojo gym id (expected {head}<task_id>{tail})")
    name = env_id[len(head) : -len(tail)]
    if name.startswith("creative_") and name[len("creative_"):].isdigit():
        return "creative:" + name[len("creative_"):]
    return name


def _task_ids_by_category() -> dict[str, list[str]]:
    from embodied_gym.envs.voxel.tasks.registry import IDS_PATH

    with IDS_PATH.open() as handle:
        return json.load(handle)["categories"]


def register() -> None:
    """Register every MineDojo task id (idempotent)."""
    specs = []
    for category, task_ids in _task_ids_by_category().items():
        limit = TIME_LIMITS[category]
        for task_id in task_ids:
            specs.append(
                EnvSpec(
                    id=gym_id(task_id),
                    entry_point=ENTRY_POINT,
                    vector_entry_point=VECTOR_ENTRY_POINT,
                    max_episode_steps=limit,
                    kwargs={"task_id": task_id},
                )
            )
    # the clash check gymnasium.register would do per id, done once: no unversioned spec may share a name
    ours = {spec.name for spec in specs}
    clash = [s.id for s in registry.values() if s.namespace == NAMESPACE and s.version is None and s.name in ours]
    if clash:
        raise RuntimeError(f"unversioned gym ids clash with MineDojo ids: {clash[:5]}")
    for spec in specs:
        registry[spec.id] = spec
