"""Which MineDojo task ids the embedded voxel world supports, and what is missing for the others.

A task is *supported* when everything it needs exists in the world it runs in: the biome (or dimension)
it names, its initial mobs, and a way to obtain its targets from that world's blocks and mobs (the
:mod:`planning` graph) -- a combat target must be a simulated mob, a techtree item must be obtainable.
The world's capabilities are *measured*, not declared: terrain is generated for several seeds in each
biome the tasks name and a block counts when it appears within the loaded area in at least half of them;
mobs and their drops come from the world's mob table; passive mobs are those the world places in the
biomes found, hostile ones only count for tasks that start at night (by day they spawn only in the dark).

``python -m embodied_gym.envs.voxel.tasks.coverage --write docs/minedojo_coverage.md`` regenerates the
coverage table.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from embodied_gym.envs.voxel.tasks.planning import MOB_DROPS, Capabilities, SourceGraph, graph_for
from embodied_gym.envs.voxel.tasks.registry import get_spec, tasks
from embodied_gym.envs.voxel.tasks.spec import TaskSpec

#: seeds whose worlds are sampled; a block counts if present in at least half of them
SAMPLE_SEEDS: tuple[int, ...] = (0, 1, 2, 3)
#: loaded area sampled per world, in chunks per side (16 x 16 chunks = 256 x 256 blocks)
SAMPLE_CHUNKS = 16
#: interactions the embedded world implements (see envs/voxel/tasks/NEEDS.md for "pour")
WORLD_INTERACTIONS = frozenset({"milk", "shear", "fill", "craft", "smelt"})
#: the world places passive mobs only at reset (a few of each kind near the spawn) and never respawns
#: them, so a plan may count on at most this many kills of one kind that the task does not spawn itself
MAX_KILLS_WITHOUT_RESPAWN = 3


@dataclass(frozen=True)
class TaskCoverage:
    task_id: str
    category: str
    supported: bool
    missing: tuple[str, ...] = ()


def _dimension_of(biome: str | None) -> str:
    return {"nether": "nether", "the_end": "end"}.get(biome or "", "overworld")


@cache
def _sampled_area(biome: str | None) -> tuple[frozenset[str], frozenset[int]]:
    """(blocks present in >= half the sampled seeds, biome ids present in any) for one biome key."""
    import numpy as np
    from embodied_gym.procgen.catalog.minecraft import load_catalog
    from embodied_gym.procgen.terrain import WORLD_HEIGHT, TerrainGenerator

    catalog = load_catalog()
    size = SAMPLE_CHUNKS * 16
    counts: Counter[str] = Counter()
    biome_ids: set[int] = set()
    for seed in SAMPLE_SEEDS:
        generator = TerrainGenerator(seed, biome=biome, origin=(-size // 2, -size // 2))
        blocks = np.zeros((size, WORLD_HEIGHT, size), np.uint8)
        heights = np.zeros((size, size), np.int16)
        biomes = np.zeros((size, size), np.int16)
        for ci in range(SAMPLE_CHUNKS):
            for ck in range(SAMPLE_CHUNKS):
                generator.generate_chunk(blocks, heights, biomes, ci, ck)
        counts.update({catalog.block_names[int(i)] for i in np.unique(blocks)})
        biome_ids.update(int(b) for b in np.unique(biomes))
    keep = frozenset(name for name, n in counts.items() if 2 * n >= len(SAMPLE_SEEDS) and name != "air")
    return keep, frozenset(biome_ids)


def _mob_drops() -> dict[str, tuple[tuple[str, float], ...]]:
    """(item, expected count per kill) for every simulated mob, from the world's mob table."""
    from embodied_gym.envs.voxel.mobs import MOB_KINDS

    return {m.name: tuple((item, (low + high) / 2.0) for item, low, high in m.drops if high > 0) for m in MOB_KINDS}


def _mob_names() -> frozenset[str]:
    from embodied_gym.envs.voxel.mobs import MOB_KINDS

    return frozenset(m.name for m in MOB_KINDS)


@cache
def capabilities_for(biome: str | None, night: bool, initial_mobs: tuple[str, ...] = ()) -> Capabilities:
    """What a task in ``biome`` (None = the world's own) can use, measured from the embedded world."""
    from embodied_gym.envs.voxel.mobs import HOSTILE_BY_BIOME, PASSIVE_BY_BIOME

    blocks, biome_ids = _sampled_area(biome)
    simulated = _mob_names()
    mobs = {m for b in biome_ids for m in PASSIVE_BY_BIOME.get(b, ())}
    if night:
        for b in biome_ids:
            mobs.update(HOSTILE_BY_BIOME.get(b, HOSTILE_BY_BIOME.get(-1, ())))
    mobs.update(m for m in initial_mobs if m in simulated)
    dimension = _dimension_of(biome)
    return Capabilities(
        blocks=blocks if dimension == "overworld" else frozenset(),
        mobs=frozenset(mobs & simulated),
        biomes=frozenset(),
        dimension_blocks={dimension: blocks} if dimension != "overworld" else {},
        interactions=WORLD_INTERACTIONS,
        mob_drops=_mob_drops(),
    )


@cache
def world_counts_use(item: str) -> bool:
    """Whether the embedded world counts ``use_item`` for ``item`` when it is used (measured: a fresh
    world, the item in the main hand, the use action held for 40 ticks looking at the ground ahead, then the
    place action). Techtree success needs this count."""
    import numpy as np
    from embodied_gym.envs.voxel.world import VoxelWorld

    world = VoxelWorld(64)
    world.reset(0)
    world.inventory.set_slot(0, world.cat.item_id(item), 1)
    look_down = np.array([0, 0, 0, 15, 12, 0, 0, 0])  # pitch +45: the ground a step ahead
    world.step(look_down)
    for _ in range(40):
        world.step(np.array([0, 0, 0, 12, 12, 1, 0, 0]))
        if world.stats["use_item"].get(item, 0) > 0:
            return True
    world.step(np.array([0, 0, 0, 12, 12, 6, 0, 0]))
    return world.stats["use_item"].get(item, 0) > 0


def _graph(spec: TaskSpec) -> SourceGraph:
    night = spec.start_time is not None
    caps = capabilities_for(spec.specified_biome, night, tuple(sorted(spec.initial_mobs)))
    return graph_for(caps, _dimension_of(spec.specified_biome))


def _explain(item: str, graph: SourceGraph) -> list[str]:
    """Missing raw things behind ``item``, named by what would provide them."""
    from embodied_gym.procgen.catalog.minecraft import load_catalog

    catalog = load_catalog()
    out = []
    for reason in graph.missing_for(item):
        raw = reason.split(":", 1)[1]
        blocks = sorted({catalog.block_names[i] for i, d in enumerate(catalog.drops) if d[0] == raw and d[2] > 0})
        mobs = sorted(m for m, drops in MOB_DROPS.items() if raw in drops)
        where = blocks + [f"mob {m}" for m in mobs]
        out.append(f"{raw} (from {' / '.join(where)})" if where else raw)
    return out


def check(spec: TaskSpec) -> TaskCoverage:
    """Whether the embedded world supports ``spec``'s task, and if not, what it lacks."""
    from embodied_gym.procgen.terrain import BIOME_IDS

    missing: list[str] = []
    if spec.category in ("creative", "playthrough"):
        return TaskCoverage(spec.task_id, spec.category, False, ("no programmatic success (reward model only)",))
    if spec.specified_biome is not None and spec.specified_biome not in BIOME_IDS:
        missing.append(f"biome {spec.specified_biome}")
        return TaskCoverage(spec.task_id, spec.category, False, tuple(missing))
    simulated = _mob_names()
    missing += [f"mob {m}" for m in spec.initial_mobs if m not in simulated]
    if spec.category == "survival":
        return TaskCoverage(spec.task_id, spec.category, not missing, tuple(missing))
    graph = _graph(spec)
    have = {item.name for item in spec.initial_inventory}
    if spec.category == "combat":
        missing += [f"mob {m}" for m in spec.target_names if m not in simulated]
    else:
        for item in spec.target_names:
            if item not in have and not graph.obtainable(item):
                missing += [f"item {reason}" for reason in _explain(item, graph)] or [f"item {item}"]
        if not missing:
            missing += _too_many_kills(spec, graph)
        if spec.category == "techtree":
            missing += [f"use of {item} (the world does not count it in use_item)"
                        for item in spec.target_names if not world_counts_use(item)]
    return TaskCoverage(spec.task_id, spec.category, not missing, tuple(dict.fromkeys(missing)))


def _too_many_kills(spec: TaskSpec, graph: SourceGraph) -> list[str]:
    """Plans that need more kills of one mob kind than the world offers without respawning."""
    from embodied_gym.envs.voxel.tasks.planning import plan

    have: dict[str, int] = {}
    for entry in spec.initial_inventory:
        have[entry.name] = have.get(entry.name, 0) + entry.quantity
    targets = {name: have.get(name, 0) + q for name, q in zip(spec.target_names, spec.target_quantities, strict=True)}
    try:
        goals = plan(graph, targets, have)
    except ValueError as exc:
        return [f"no plan ({exc})"]
    kills: Counter[str] = Counter()
    for goal in goals:
        if goal.source.kind == "kill" and goal.source.target not in spec.initial_mobs:
            kills[goal.source.target] += goal.actions
    return [f"mob respawn ({n} {mob} kills; passive mobs spawn only at reset)"
            for mob, n in sorted(kills.items()) if n > MAX_KILLS_WITHOUT_RESPAWN]


def coverage(task_ids: Iterable[str] | None = None) -> list[TaskCoverage]:
    """Coverage of ``task_ids`` (default: every programmatic id)."""
    return [check(get_spec(task_id)) for task_id in (task_ids if task_ids is not None else tasks("programmatic"))]


def supported_ids(category: str | None = None) -> list[str]:
    """Programmatic ids the embedded world supports (optionally of one category), in MineDojo order."""
    ids = tasks(category) if category else tasks("programmatic")
    return [row.task_id for row in coverage(ids) if row.supported]


def render_markdown(rows: list[TaskCoverage]) -> str:
    """The coverage table as Markdown (summary, what would unlock the most ids, every id)."""
    by_category: dict[str, list[TaskCoverage]] = {}
    for row in rows:
        by_category.setdefault(row.category, []).append(row)
    lines = [
        "# MineDojo task coverage of the embedded voxel world",
        "",
        "Generated by `python -m embodied_gym.envs.voxel.tasks.coverage --write docs/minedojo_coverage.md`;",
        "do not edit by hand. A task is supported when its biome, its mobs and a way to obtain its targets",
        "exist in the embedded world (blocks measured by generating terrain for seeds "
        f"{', '.join(map(str, SAMPLE_SEEDS))}, {SAMPLE_CHUNKS * 16} x {SAMPLE_CHUNKS * 16} blocks each).",
        "Creative (1,560) and playthrough ids have no programmatic success; they run with a reward model.",
        "",
        "| category | supported | total | share |",
        "|---|---:|---:|---:|",
    ]
    for category, group in by_category.items():
        n = sum(r.supported for r in group)
        lines.append(f"| {category} | {n} | {len(group)} | {100.0 * n / len(group):.1f}% |")
    total = sum(r.supported for r in rows)
    lines.append(f"| **all programmatic** | {total} | {len(rows)} | {100.0 * total / max(len(rows), 1):.1f}% |")
    blockers = Counter(reason for r in rows for reason in r.missing)
    lines += ["", "## What is missing (ids blocked by each)", "", "| missing | ids |", "|---|---:|"]
    lines += [f"| {reason} | {n} |" for reason, n in blockers.most_common()]
    lines += ["", "## Every programmatic id", "", "| task id | supported | missing |", "|---|---|---|"]
    lines += [f"| `{r.task_id}` | {'yes' if r.supported else 'no'} | {'; '.join(r.missing)} |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="MineDojo task coverage of the embedded voxel world")
    parser.add_argument("--write", type=Path, help="write the Markdown table here (default: print a summary)")
    args = parser.parse_args(argv)
    rows = coverage()
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(render_markdown(rows))
    for category in ("harvest", "combat", "techtree", "survival"):
        group = [r for r in rows if r.category == category]
        n = sum(r.supported for r in group)
        print(f"{category:9s} {n:4d}/{len(group):4d} supported ({100.0 * n / len(group):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
