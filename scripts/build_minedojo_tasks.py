"""Derive the shipped MineDojo task table from MineDojo's own description files.

Reads ``tasks_specs.yaml`` (74 templates), ``programmatic_tasks.yaml`` (the 1,581 programmatic ids with
their prompt and guidance), ``creative_tasks.yaml`` and ``playthrough_task.yaml`` from
``../shared/reference-data/minedojo`` and writes two files into ``envs/voxel/tasks/``:

* ``minedojo_tasks.json.gz`` -- every id's full spec (TaskSpec fields), prompt and guidance;
* ``minedojo_task_ids.json`` -- only the ids and their category, so that registering ~3,100 gym ids on
  ``import embodied_gym`` reads a few kilobytes instead of the whole table.

Templates are expanded the way MineDojo does it: every ``{variable}`` in a template's id or fields is
filled with each value of MineDojo's variable lists (the cartesian product), templates later in the
file win when two expand to the same id, and only ids listed in ``programmatic_tasks.yaml`` are kept
(those are the ones ``minedojo.make`` accepts). The variable lists below are data (facts) taken from
MineDojo's ``minedojo/tasks/__init__.py`` (MIT licence, commit 2731bc27), because the description files
name the variables but do not list their values. Each category's defaults that MineDojo's task classes
apply (combat starts at night unless told otherwise, ``always_night`` freezes time at 18000 ticks,
techtree rewards obtaining with weight 1 and using with weight 10, survival pays 1 per day plus
``target_days`` on success) are resolved here so the world and the rules read plain values.

Usage: ``python scripts/build_minedojo_tasks.py [--reference-data DIR] [--check]``; ``--check`` fails if
the shipped files differ from what the reference data gives (CI uses it to catch a stale table).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import re
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "reference-data" / "minedojo"
OUT_DIR = REPO_ROOT / "envs" / "voxel" / "tasks"
TABLE_NAME = "minedojo_tasks.json.gz"
IDS_NAME = "minedojo_task_ids.json"

#: MineDojo's values for the template variables (data from minedojo/tasks/__init__.py, MIT licence).
TEMPLATE_VARIABLES: dict[str, list] = {
    "combat_biomes": ["forest", "plains", "extreme_hills"],
    "regular_biomes_mob": ["cow", "pig", "sheep", "chicken"],
    "regular_biomes_night_mob": ["zombie", "spider", "skeleton", "creeper", "witch", "enderman"],
    "end_mob": ["shulker", "endermite", "enderman"],
    "nether_mob": ["blaze", "ghast", "wither_skeleton", "zombie_pigman"],
    "plains_mob": ["horse", "donkey"],
    "weapon_material": ["wooden", "iron", "diamond"],
    "armor_material": ["leather", "iron", "diamond"],
    "quantity": [1, 8],
    "cow_biomes": ["plains", "extreme_hills", "forest"],
    "sheep_biomes": ["plains", "extreme_hills", "forest"],
    "ore_type": ["iron_ore", "gold_ore", "diamond", "redstone", "coal", "cobblestone"],
    "pickaxe_material": ["wooden", "stone", "iron", "golden", "diamond"],
    "natural_items": [
        "nether_star", "blaze_rod", "ghast_tear", "nether_wart", "netherrack", "soul_sand",
        "chorus_flower", "chorus_fruit", "chorus_plant", "elytra", "end_stone", "ender_pearl", "apple",
        "beef", "beetroot", "beetroot_seeds", "bone", "brown_mushroom", "cactus", "carrot", "chicken",
        "dirt", "egg", "feather", "fish", "grass", "leaves", "log", "monster_egg", "mutton", "porkchop",
        "potato", "prismarine_shard", "pumpkin", "rabbit", "red_mushroom", "reeds", "sapling", "skull",
        "snowball", "spawn_egg", "sponge", "string", "totem_of_undying", "vine", "web", "wheat_seeds",
        "wheat",
    ],
    "craft_items": [
        "book", "carrot_on_a_stick", "clay", "crafting_table", "dye", "end_bricks", "end_rod",
        "ender_eye", "flint_and_steel", "glowstone", "gold_nugget", "iron_nugget", "iron_trapdoor",
        "lever", "nether_brick", "planks", "pumpkin_seeds", "red_nether_brick", "sandstone", "shears",
        "slime_ball", "stick", "stone_button", "stonebrick", "sugar", "torch", "trapped_chest",
        "wooden_button", "wool", "stone_pressure_plate",
    ],
    "crafting_table_items": [
        "anvil", "arrow", "banner", "beacon", "bed", "beetroot_soup", "boat", "bookshelf", "bowl",
        "bread", "bucket", "cake", "cauldron", "chest", "cookie", "end_crystal", "ender_chest", "fence",
        "fence_gate", "fire_charge", "fishing_rod", "flower_pot", "furnace", "glass_bottle",
        "glass_pane", "golden_apple", "hopper", "iron_bars", "ladder", "lead", "map", "minecart",
        "mushroom_stew", "painting", "paper", "pumpkin_pie", "rabbit_stew", "rail", "sea_lantern",
        "shield", "sign", "speckled_melon", "stone_slab", "trapdoor", "tripwire_hook", "wooden_door",
        "writable_book",
    ],
    "furnace_items": [
        "baked_potato", "brick", "cooked_beef", "cooked_chicken", "cooked_fish", "cooked_mutton",
        "cooked_porkchop", "cooked_rabbit", "glass", "gold_ingot", "iron_ingot", "quartz", "stone",
        "emerald", "netherbrick",
    ],
    "biome_subset": ["plains", "jungle", "taiga", "forest", "swampland"],
    "natural_core": ["apple", "beef", "bone", "chicken", "log", "reeds", "web", "wheat"],
    "hand_craft_core": ["flint_and_steel", "crafting_table", "planks", "shears", "stick", "sugar", "torch"],
    "crafting_table_core": ["arrow", "chest", "shield", "fishing_rod", "bucket", "furnace"],
    "furnace_core": ["cooked_beef", "glass", "gold_ingot", "iron_ingot", "brick", "stone"],
    "from_barehand_tools": ["wooden", "stone"],
    "from_barehand_tools_armor": ["iron", "golden", "diamond"],
    "from_wood_tools": ["stone"],
    "from_wood_tools_armor": ["iron", "golden", "diamond"],
    "from_stone_tools_armor": ["iron", "golden", "diamond"],
    "from_iron_tools_armor": ["golden", "diamond"],
    "from_gold_tools_armor": ["diamond"],
    "target_tools": ["sword", "pickaxe", "axe", "hoe", "shovel"],
    "target_armor": ["boots", "chestplate", "helmet", "leggings"],
    "target_tools_armor": [
        "sword", "pickaxe", "axe", "hoe", "shovel", "boots", "chestplate", "helmet", "leggings",
    ],
    "redstone_list": [
        "redstone_block", "clock", "compass", "dispenser", "dropper", "observer", "piston",
        "redstone_lamp", "redstone_torch", "repeater", "detector_rail", "comparator", "activator_rail",
    ],
}

#: Task-class defaults MineDojo applies when a spec leaves a key out (per ``__cls__``).
CLASS_START_AT_NIGHT_DEFAULT = {"combat": True, "harvest": False}
#: MineDojo's start times in ticks: combat "start at night" 13000, harvest "start at night" and
#: combat "always night" 18000.
NIGHT_START_TICKS = {"combat": 13000, "harvest": 18000}
ALWAYS_NIGHT_TICKS = 18000
TECHTREE_OBTAIN_WEIGHT = 1.0
TECHTREE_USE_WEIGHT = 10.0
SURVIVAL_PER_DAY_REWARD = 1.0
MC_TICKS_PER_DAY = 24000

_VAR = re.compile(r"\{(.*?)\}")


def _variables_in(node, found: set[str]) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _variables_in(value, found)
    elif isinstance(node, str):
        found.update(_VAR.findall(node))


def _fill(node, values: dict):
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, str):
        return node.format(**values)
    return node


def expand_templates(templates: dict) -> dict[str, dict]:
    """Expand every template into filled specs keyed by task id (later templates win on a clash)."""
    expanded: dict[str, dict] = {}
    for template_id, body in templates.items():
        names: set[str] = set(_VAR.findall(template_id))
        _variables_in(body, names)
        ordered = sorted(names)
        unknown = [name for name in ordered if name not in TEMPLATE_VARIABLES]
        if unknown:
            raise KeyError(f"template {template_id!r} uses unknown variables {unknown}")
        for combo in itertools.product(*(TEMPLATE_VARIABLES[name] for name in ordered)):
            values = dict(zip(ordered, combo, strict=True))
            spec = _fill(body, values)
            spec["__template__"] = template_id
            spec["__variables__"] = {k: v for k, v in values.items() if "{" + k + "}" in template_id}
            expanded[template_id.format(**values)] = spec
    return expanded


def _inventory(raw: dict | None) -> list[list]:
    """``initial_inventory`` as ``[slot, name, quantity]`` rows (slot: equipment name or index)."""
    rows = []
    for slot, item in (raw or {}).items():
        rows.append([slot if isinstance(slot, int) else str(slot), item["name"], int(item.get("quantity", 1))])
    return rows


def _as_tuple(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def resolve_spec(task_id: str, raw: dict, prompt: str, guidance: str) -> dict:
    """Turn one filled MineDojo spec into the TaskSpec field dict the package ships."""
    category = raw["__cls__"]
    spec: dict = {
        "task_id": task_id,
        "category": category,
        "prompt": prompt,
        "guidance": guidance,
        "template": raw["__template__"],
        "variables": raw["__variables__"],
        "initial_inventory": _inventory(raw.get("initial_inventory")),
        "initial_mobs": [str(m) for m in _as_tuple(raw.get("initial_mobs"))],
        "specified_biome": raw.get("specified_biome"),
        "use_voxel": bool(raw.get("use_voxel", True)),
    }
    if "initial_mob_spawn_range_low" in raw:
        spec["initial_mob_spawn_range_low"] = list(raw["initial_mob_spawn_range_low"])
        spec["initial_mob_spawn_range_high"] = list(raw["initial_mob_spawn_range_high"])
    voxel = raw.get("voxel_size")
    if voxel:
        spec["voxel_size"] = [voxel[k] for k in ("xmin", "ymin", "zmin", "xmax", "ymax", "zmax")]

    start_at_night = bool(raw.get("start_at_night", CLASS_START_AT_NIGHT_DEFAULT.get(category, False)))
    always_night = bool(raw.get("always_night", False))
    allow_time_passage = bool(raw.get("allow_time_passage", True))
    start_time = None
    if start_at_night and category in NIGHT_START_TICKS:
        start_time = NIGHT_START_TICKS[category]
    if always_night:
        start_time = ALWAYS_NIGHT_TICKS
        allow_time_passage = False
    spec.update(
        start_at_night=start_at_night,
        always_night=always_night,
        allow_time_passage=allow_time_passage,
        start_time=start_time,
        allow_mob_spawn=bool(raw.get("allow_mob_spawn", True)),
    )

    if category in ("harvest", "combat"):
        names = [str(n) for n in _as_tuple(raw["target_names"])]
        quantities = raw["target_quantities"]
        quantities = [int(quantities)] * len(names) if not isinstance(quantities, list) else [int(q) for q in quantities]
        weights = raw.get("reward_weights", 1.0)
        weights = [float(weights)] * len(names) if not isinstance(weights, list) else [float(w) for w in weights]
        spec.update(target_names=names, target_quantities=quantities, reward_weights=weights)
    elif category == "techtree":
        item = str(raw["tech_item"])
        spec.update(
            target_names=[item],
            target_quantities=[1],
            reward_weights=[TECHTREE_OBTAIN_WEIGHT],
            use_reward_weights=[TECHTREE_USE_WEIGHT],
        )
    elif category == "survival":
        days = int(raw["target_days"])
        spec.update(
            target_days=days,
            per_day_reward=SURVIVAL_PER_DAY_REWARD,
            success_reward=days * SURVIVAL_PER_DAY_REWARD,
        )
    return spec


def build(reference: Path) -> tuple[dict, dict]:
    """Return (table, ids) built from the MineDojo description files in ``reference``."""

    def load(name: str):
        path = reference / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: pass --reference-data pointing at MineDojo's description files")
        with path.open() as handle:
            return yaml.safe_load(handle)

    templates = load("tasks_specs.yaml")
    programmatic = load("programmatic_tasks.yaml")
    creative = load("creative_tasks.yaml")
    playthrough = load("playthrough_task.yaml")
    suite = load("tasks_suite.yaml")
    source = (reference / "SOURCE").read_text().strip()

    expanded = expand_templates(templates)
    missing = [task_id for task_id in programmatic if task_id not in expanded]
    if missing:
        raise ValueError(f"{len(missing)} programmatic ids have no template, e.g. {missing[:5]}")

    specs = {}
    for task_id, entry in programmatic.items():
        spec = resolve_spec(task_id, expanded[task_id], str(entry["prompt"]), str(entry.get("guidance") or ""))
        if spec["category"] != entry["category"]:
            raise ValueError(f"{task_id}: template class {spec['category']!r} != listed category {entry['category']!r}")
        specs[task_id] = spec
    for task_id, entry in playthrough.items():
        spec = resolve_spec(task_id, expanded[task_id], str(entry["prompt"]), str(entry.get("guidance") or ""))
        specs[task_id] = spec
    creative_specs = {
        task_id: {
            "task_id": task_id,
            "category": "creative",
            "prompt": str(entry["prompt"]),
            "guidance": str(entry.get("guidance") or ""),
            "collection": entry.get("collection"),
            "source": entry.get("source"),
        }
        for task_id, entry in creative.items()
    }
    credit = (
        "Derived from MineDojo's task description files (" + source + "), MIT licence, "
        "Copyright (c) 2022 MineDojo Team; template variable values from minedojo/tasks/__init__.py."
    )
    table = {"credit": credit, "programmatic": {k: v for k, v in specs.items() if v["category"] != "playthrough"},
             "playthrough": {k: v for k, v in specs.items() if v["category"] == "playthrough"},
             "creative": creative_specs}
    ids = {
        "credit": credit,
        "categories": {
            category: [task_id for task_id, spec in specs.items() if spec["category"] == category]
            for category in ("harvest", "combat", "techtree", "survival", "playthrough")
        },
    }
    ids["categories"]["creative"] = list(creative_specs)
    # MineDojo's starter suite (tasks_suite.yaml): {programmatic,creative} x {standard,difficult}
    ids["starter_suite"] = {
        f"{kind.replace('_tasks', '')}-{level}": [str(task_id) for task_id in task_ids]
        for kind, levels in suite.items()
        for level, task_ids in levels.items()
    }
    known = set(specs) | set(creative_specs)
    for name, task_ids in ids["starter_suite"].items():
        unknown = [task_id for task_id in task_ids if task_id not in known]
        if unknown:
            raise ValueError(f"starter suite {name!r} names unknown ids {unknown}")
    return table, ids


def _encode_table(table: dict) -> bytes:
    payload = json.dumps(table, sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(payload, compresslevel=9, mtime=0)


def _encode_ids(ids: dict) -> bytes:
    return (json.dumps(ids, separators=(",", ":"), indent=None) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference-data", type=Path, default=DEFAULT_REFERENCE,
                        help="folder with MineDojo's tasks_specs.yaml etc. (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only verify the shipped files are up to date")
    args = parser.parse_args(argv)
    table, ids = build(args.reference_data)
    outputs = {OUT_DIR / TABLE_NAME: _encode_table(table), OUT_DIR / IDS_NAME: _encode_ids(ids)}
    counts = {category: len(values) for category, values in ids["categories"].items()}
    if args.check:
        stale = [str(path) for path, data in outputs.items() if not path.is_file() or path.read_bytes() != data]
        if stale:
            print("stale: " + ", ".join(stale) + " (rerun scripts/build_minedojo_tasks.py)", file=sys.stderr)
            return 1
        print(f"up to date: {counts}")
        return 0
    for path, data in outputs.items():
        path.write_bytes(data)
        print(f"wrote {path.relative_to(REPO_ROOT)} ({len(data) / 1024:.0f} KiB)")
    print(f"ids per category: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
