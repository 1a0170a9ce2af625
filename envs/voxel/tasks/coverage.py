"""Which MineDojo task ids the embedded voxel world supports, and what is missing for the others.

A task is *supported* when everything it needs exists in the world it runs in: the biome (or dimension)
it names, its initial mobs, and a way to obtain its targets from that world's blocks and mobs (the
:mod:`planning` graph) -- a combat target must be a simulated mob, a techtree item must be obtainable
and the world must count its use -- with no more kills (or laid eggs) than the world supplies within
the task's time limit.

The world's capabilities are *measured*, not declared:

* blocks -- terrain is generated for several seeds in each biome the tasks name; a block counts when it
  appears within the loaded area in at least half of them;
* random block drops -- blocks whose drop is partly random (gravel: flint; oak leaves: apples) are
  broken many times in a seeded world (:func:`probes.block_drop_rates`);
* mobs -- a hunter stands at the spawn of seeded worlds of the task's biome and removes every mob that
  comes within 48 blocks (:func:`probes.hunt`): herds that come back, hostile mobs spawned in dark
  caves by day, on the surface at night. A mob kind is available when the hunter met it, and a plan may
  count on as many kills of a kind as the hunter met within the task's time limit (an upper bound);
* laid items -- the same worlds left alone; items that appear beside a live mob (eggs) are collectable
  (:func:`probes.laid`), as many as were laid within the time limit;
* fishing -- an ideal fisher casts onto a pond and reels in at each bite (:func:`probes.fishing`): what a
  cast lands and how long it takes; a plan's casts must fit in the time limit;
* portals -- an obsidian frame lit with flint and steel is walked through and back
  (:func:`probes.portal_travel`); when that works, the nether's blocks (sampled like the overworld's)
  and mobs (hunted like the overworld's) are sources for overworld tasks too, once a portal is built;
* uses -- techtree success needs the world to count the item's use: measured per item by
  :func:`world_counts_use`.

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

from embodied_gym.envs.voxel.ids import TIME_LIMITS
from embodied_gym.envs.voxel.tasks import probes
from embodied_gym.envs.voxel.tasks.planning import MOB_DROPS, PORTAL, Capabilities, SourceGraph, graph_for
from embodied_gym.envs.voxel.tasks.registry import get_spec, tasks
from embodied_gym.envs.voxel.tasks.spec import TaskSpec

#: seeds whose worlds are sampled; a block counts if present in at least half of them
SAMPLE_SEEDS: tuple[int, ...] = (0, 1, 2, 3)
#: loaded area sampled per world, in chunks per side (16 x 16 chunks = 256 x 256 blocks)
SAMPLE_CHUNKS = 16
#: interactions the embedded world implements (see envs/voxel/tasks/NEEDS.md for "pour")
WORLD_INTERACTIONS = frozenset({"milk", "shear", "fill", "craft", "smelt"})
#: blocks whose drop is partly random in Minecraft 1.11 (gravel: flint 1 in 10; oak and dark-oak
#: leaves: apples; tall grass: seeds; ripe wheat and beetroots: 0-3 seeds): what they give is measured by
#: breaking them, per variant present
RANDOM_DROP_BLOCKS: tuple[str, ...] = ("gravel", "leaves", "leaves2", "tallgrass", "wheat", "beetroots")
#: breaks per measured block variant
DROP_TRIALS = 1000
#: items a techtree task can only use with another item at hand (a bow shoots, and so counts a use,
#: only with an arrow in the inventory -- Minecraft 1.11)
USE_NEEDS: dict[str, tuple[str, ...]] = {"bow": ("arrow",)}
#: the note on supported ids whose plan builds a nether portal (10 obsidian, so a diamond pickaxe, and
#: flint and steel) -- possible in the world, but a long way within a harvest time limit
VIA_PORTAL = "via a nether portal"


@dataclass(frozen=True)
class TaskCoverage:
    task_id: str
    category: str
    supported: bool
    missing: tuple[str, ...] = ()
    #: for supported ids: how the cheapest feasible plan gets there when it is out of the ordinary
    #: (``"via a nether portal"``: it builds one and mines or hunts in the nether)
    notes: tuple[str, ...] = ()


def _dimension_of(biome: str | None) -> str:
    return {"nether": "nether", "the_end": "end"}.get(biome or "", "overworld")


@cache
def _sampled_area(biome: str | None) -> tuple[frozenset[str], frozenset[int], frozenset[tuple[str, int]]]:
    """(blocks present in >= half the sampled seeds, biome ids present in any, (block, variant) pairs
    present in >= half the seeds) for one biome key."""
    import numpy as np
    from embodied_gym.procgen.catalog.minecraft import load_catalog
    from embodied_gym.procgen.terrain import WORLD_HEIGHT, TerrainGenerator

    catalog = load_catalog()
    size = SAMPLE_CHUNKS * 16
    counts: Counter[str] = Counter()
    variant_counts: Counter[tuple[str, int]] = Counter()
    biome_ids: set[int] = set()
    for seed in SAMPLE_SEEDS:
        generator = TerrainGenerator(seed, biome=biome, origin=(-size // 2, -size // 2))
        blocks = np.zeros((size, WORLD_HEIGHT, size), np.uint8)
        heights = np.zeros((size, size), np.int16)
        biomes = np.zeros((size, size), np.int16)
        for ci in range(SAMPLE_CHUNKS):
            for ck in range(SAMPLE_CHUNKS):
                generator.generate_chunk(blocks, heights, biomes, ci, ck)
        present = [int(i) for i in np.unique(blocks)]
        counts.update({catalog.block_names[i] for i in present})
        variant_counts.update((catalog.block_names[i], int(catalog.block_variant[i])) for i in present)
        biome_ids.update(int(b) for b in np.unique(biomes))
    keep = frozenset(name for name, n in counts.items() if 2 * n >= len(SAMPLE_SEEDS) and name != "air")
    variants = frozenset(key for key, n in variant_counts.items() if 2 * n >= len(SAMPLE_SEEDS))
    return keep, frozenset(biome_ids), variants


def _mob_drops() -> dict[str, tuple[tuple[str, float], ...]]:
    """(item, expected count per kill) for every simulated mob, from the world's mob table."""
    from embodied_gym.envs.voxel.mobs import MOB_KINDS

    return {m.name: tuple((item, (low + high) / 2.0) for item, low, high in m.drops if high > 0) for m in MOB_KINDS}


def _mob_names() -> frozenset[str]:
    from embodied_gym.envs.voxel.mobs import MOB_KINDS

    return frozenset(m.name for m in MOB_KINDS)


def _extra_drops(variants: frozenset[tuple[str, int]]) -> dict[str, tuple[tuple[str, float], ...]]:
    """Measured drops of the random-drop blocks present, beyond the catalog's own drop: block name ->
    (item, mean count per break), the best rate among the variants present (an apple needs oak leaves)."""
    from embodied_gym.procgen.catalog.minecraft import load_catalog

    catalog = load_catalog()
    out: dict[str, dict[str, float]] = {}
    for name, variant in sorted(variants):
        if name not in RANDOM_DROP_BLOCKS:
            continue
        main = catalog.drops[catalog.block_id(name, variant)][0]
        for item, rate in probes.block_drop_rates(name, variant, DROP_TRIALS).items():
            if item != main and rate > 0:
                best = out.setdefault(name, {})
                best[item] = max(best.get(item, 0.0), rate)
    return {name: tuple(sorted(items.items())) for name, items in out.items()}


@cache
def capabilities_for(biome: str | None, night: bool = False, initial_mobs: tuple[str, ...] = ()) -> Capabilities:
    """What a task in ``biome`` (None = the world's own) can use, measured from the embedded world."""
    blocks, _, variants = _sampled_area(biome)
    simulated = _mob_names()
    horizon = probes.CHECKPOINTS[-1]
    mobs = {m for m, n in probes.mob_supply(biome, night, horizon).items() if n > 0}
    mobs.update(m for m in initial_mobs if m in simulated)
    laid: dict[str, list[tuple[str, float]]] = {}
    for (mob, item), n in sorted(probes.laid_supply(biome, night, horizon).items()):
        if n > 0:
            laid.setdefault(mob, []).append((item, 1.0))
    dimension = _dimension_of(biome)
    dimension_blocks = {dimension: blocks} if dimension != "overworld" else {}
    dimension_mobs: dict[str, frozenset[str]] = {}
    portal_to: frozenset[str] = frozenset()
    if dimension == "overworld" and "nether" in probes.portal_travel()[1:2]:
        portal_to = frozenset({"nether"})  # measured: a lit obsidian frame leads there (and back)
        dimension_blocks["nether"] = _sampled_area("nether")[0]
        dimension_mobs["nether"] = frozenset(m for m, n in probes.mob_supply("nether", False, horizon).items()
                                             if n > 0 and m in simulated)
    return Capabilities(
        blocks=blocks if dimension == "overworld" else frozenset(),
        mobs=frozenset(mobs & simulated),
        biomes=frozenset(),
        dimension_blocks=dimension_blocks,
        dimension_mobs=dimension_mobs,
        portal_to=portal_to,
        interactions=WORLD_INTERACTIONS,
        extra_block_drops=_extra_drops(variants),
        mob_drops=_mob_drops(),
        laid_items={mob: tuple(items) for mob, items in laid.items()},
        fishing=dict(probes.fishing().per_catch),
    )


@cache
def world_counts_use(item: str) -> bool:
    """Whether the embedded world counts ``use_item`` for ``item`` when it is used (measured: a fresh
    world, the item in the main hand -- with what :data:`USE_NEEDS` says it needs elsewhere in the
    inventory --, the use action held for 40 ticks looking at the ground ahead, then the place action).
    Techtree success needs this count."""
    import numpy as np
    from embodied_gym.envs.voxel.world import VoxelWorld

    world = VoxelWorld(64)
    world.reset(0)
    world.inventory.set_slot(0, world.cat.item_id(item), 1)
    for k, needed in enumerate(USE_NEEDS.get(item, ()), start=1):
        world.inventory.set_slot(k, world.cat.item_id(needed), 1)
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
    if spec.category == "combat":
        missing += [f"mob {m}" for m in spec.target_names if m not in simulated]
        return TaskCoverage(spec.task_id, spec.category, not missing, tuple(dict.fromkeys(missing)))
    graph = _graph(spec)
    have = {item.name for item in spec.initial_inventory}
    needed = list(spec.target_names)
    if spec.category == "techtree":
        needed += [n for item in spec.target_names for n in USE_NEEDS.get(item, ()) if n not in needed]
    for item in needed:
        if item not in have and not graph.obtainable(item):
            missing += [f"item {reason}" for reason in _explain(item, graph)] or [f"item {item}"]
    notes: tuple[str, ...] = ()
    if not missing:
        short, goals = _beyond_supply(spec, graph)
        missing += short
        if any(g.source.station == PORTAL or g.item == PORTAL for g in goals):
            notes = (VIA_PORTAL,)
    if spec.category == "techtree":
        missing += [f"use of {item} (the world does not count it in use_item)"
                    for item in spec.target_names if not world_counts_use(item)]
    return TaskCoverage(spec.task_id, spec.category, not missing, tuple(dict.fromkeys(missing)),
                        notes if not missing else ())


def _beyond_supply(spec: TaskSpec, graph: SourceGraph) -> tuple[list[str], list]:
    """Kills and laid items the cheapest plan needs beyond what the world supplies within the task's
    time limit (measured by :mod:`probes`); other sources are tried before giving up."""
    from embodied_gym.envs.voxel.tasks.planning import plan

    night = spec.start_time is not None
    limit = TIME_LIMITS[spec.category]
    supply = Counter(probes.mob_supply(spec.specified_biome, night, limit))
    supply.update(spec.initial_mobs)  # mobs the task places itself
    laid = probes.laid_supply(spec.specified_biome, night, limit)
    beyond_portal = Counter(probes.mob_supply("nether", False, limit))  # hunting on the far side of a portal
    have: dict[str, int] = {}
    for entry in spec.initial_inventory:
        have[entry.name] = have.get(entry.name, 0) + entry.quantity
    targets = {name: have.get(name, 0) + q for name, q in zip(spec.target_names, spec.target_quantities, strict=True)}
    if spec.category == "techtree":
        for item in spec.target_names:
            for needed in USE_NEEDS.get(item, ()):
                targets[needed] = max(targets.get(needed, 0), have.get(needed, 0) + 1)
    avoid: set[tuple[str, str]] = set()
    first: list[str] = []  # reported: the shortfall of the cheapest plan
    for _ in range(4):
        try:
            goals = plan(graph, targets, have, avoid=avoid)
        except ValueError as exc:  # avoiding the short sources left no plan: report why the first fell short
            return first or [f"no plan ({exc})"], []
        kills: Counter[str] = Counter()
        nether_kills: Counter[str] = Counter()
        collects: Counter[tuple[str, str]] = Counter()
        casts = 0
        for goal in goals:
            if goal.source.kind == "fish":
                casts += goal.actions
            if goal.source.kind == "kill" and goal.source.station == PORTAL:
                nether_kills[goal.source.target] += goal.actions
            elif goal.source.kind == "kill":
                kills[goal.source.target] += goal.actions
            elif goal.source.kind == "collect":
                collects[(goal.source.target, goal.item)] += goal.actions
        short = [f"mob supply ({n} {mob} kills; about {supply[mob]:g} met within the {limit}-tick limit)"
                 for mob, n in sorted(kills.items()) if n > supply[mob]]
        short += [f"mob supply ({n} {mob} kills in the nether; about {beyond_portal[mob]:g} met within the {limit}-tick limit)"
                  for mob, n in sorted(nether_kills.items()) if n > beyond_portal[mob]]
        short += [f"{item} supply ({n} laid by {mob}; about {laid.get((mob, item), 0.0):g} within the {limit}-tick limit)"
                  for (mob, item), n in sorted(collects.items()) if n > laid.get((mob, item), 0.0)]
        fishing_ticks = casts * probes.fishing().mean_ticks
        if fishing_ticks > limit:
            short.append(f"fishing time ({casts} casts, about {fishing_ticks:.0f} ticks, beyond the {limit}-tick limit)")
        if not short:
            return [], goals
        first = first or short
        bad = {("kill", mob) for mob, n in kills.items() if n > supply[mob]}
        bad |= {("kill", mob) for mob, n in nether_kills.items() if n > beyond_portal[mob]}
        bad |= {("collect", mob) for (mob, item), n in collects.items() if n > laid.get((mob, item), 0.0)}
        if fishing_ticks > limit:
            bad.add(("fish", "water"))
        if bad <= avoid:
            break
        avoid |= bad
    return first, []


def coverage(task_ids: Iterable[str] | None = None) -> list[TaskCoverage]:
    """Coverage of ``task_ids`` (default: every programmatic id)."""
    return [check(get_spec(task_id)) for task_id in (task_ids if task_ids is not None else tasks("programmatic"))]


def supported_ids(category: str | None = None, *, via_portal: bool = True) -> list[str]:
    """Programmatic ids the embedded world supports (optionally of one category), in MineDojo order.
    ``via_portal=False`` leaves out those whose plan needs a nether portal (see :data:`VIA_PORTAL`)."""
    ids = tasks(category) if category else tasks("programmatic")
    return [row.task_id for row in coverage(ids) if row.supported and (via_portal or VIA_PORTAL not in row.notes)]


def _yes_no(row: TaskCoverage) -> str:
    if not row.supported:
        return "no"
    return f"yes ({'; '.join(row.notes)})" if row.notes else "yes"


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
        f"{', '.join(map(str, SAMPLE_SEEDS))}, {SAMPLE_CHUNKS * 16} x {SAMPLE_CHUNKS * 16} blocks each),",
        "no more kills, laid eggs or fishing casts are needed than the world supplies within the task's time limit",
        f"(measured by a hunter who removes every mob within {probes.HUNT_RADIUS:g} blocks of the spawn every "
        f"{probes.HUNT_EVERY} ticks in seeded worlds {', '.join(map(str, probes.PROBE_SEEDS))},",
        "by the same worlds left alone, and by an ideal fisher: upper bounds), random block drops are measured by breaking the blocks "
        f"{DROP_TRIALS} times, and a techtree item's use",
        "must be counted by the world (measured per item). See `envs/voxel/tasks/coverage.py` and `probes.py`.",
        "Creative (1,560) and playthrough ids have no programmatic success; they run with a reward model.",
        "",
        "Supported ids whose cheapest feasible plan builds a nether portal (10 obsidian mined with a diamond pickaxe,",
        "flint and steel) and mines or hunts in the nether are counted in the last column and marked in the table:",
        "the world can do it, but it is a long way within a harvest time limit.",
        "",
        "| category | supported | total | share | of them via a nether portal |",
        "|---|---:|---:|---:|---:|",
    ]
    for category, group in by_category.items():
        n = sum(r.supported for r in group)
        portal = sum(VIA_PORTAL in r.notes for r in group)
        lines.append(f"| {category} | {n} | {len(group)} | {100.0 * n / len(group):.1f}% | {portal} |")
    total = sum(r.supported for r in rows)
    portal_total = sum(VIA_PORTAL in r.notes for r in rows)
    lines.append(f"| **all programmatic** | {total} | {len(rows)} | {100.0 * total / max(len(rows), 1):.1f}% | {portal_total} |")
    blockers = Counter(reason for r in rows for reason in r.missing)
    lines += ["", "## What is missing (ids blocked by each)", "", "| missing | ids |", "|---|---:|"]
    lines += [f"| {reason} | {n} |" for reason, n in blockers.most_common()]
    lines += ["", "## Every programmatic id", "", "| task id | supported | missing |", "|---|---|---|"]
    lines += [f"| `{r.task_id}` | {_yes_no(r)} | {'; '.join(r.missing)} |" for r in rows]
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
        portal = sum(VIA_PORTAL in r.notes for r in group)
        print(f"{category:9s} {n:4d}/{len(group):4d} supported ({100.0 * n / len(group):.1f}%), {portal} of them {VIA_PORTAL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
