"""Derive the voxel world's compact Minecraft catalog from MineDojo's ``mc_constants.json``.

Run: ``python scripts/build_minecraft_catalog.py [--source PATH] [--out PATH]``.

``mc_constants.json`` (Minecraft 1.11, dumped by Malmo) lists items, blocks and recipes but not the
game rules a simulator needs: which tool class mines a block and at what tier, what a block drops,
food and armour values, attack damage, fuel burn times. Those are Minecraft 1.11 facts written down
below as small tables; everything else (names, hardness, stack sizes, durability, recipes, smelting)
is taken from the source file. MineDojo's 244 craft/smelt action items are re-derived with MineDojo's
published rule (hand-craftable, then table-only, then smeltable, each sorted, minus a few raw
materials) and checked to number 244.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference-data" / "minedojo" / "mc_constants.json"
DEFAULT_OUT = ROOT / "procgen" / "catalog" / "minecraft_catalog.json"

# --- Minecraft 1.11 facts not present in mc_constants.json -------------------------------------------
PICKAXE_TIER = {  # block -> minimum pickaxe tier (0 wood, 1 stone, 2 iron, 3 diamond)
    "stone": 0, "cobblestone": 0, "mossy_cobblestone": 0, "coal_ore": 0, "sandstone": 0,
    "red_sandstone": 0, "furnace": 0, "lit_furnace": 0, "brick_block": 0, "stonebrick": 0,
    "netherrack": 0, "nether_brick": 0, "end_stone": 0, "quartz_ore": 0, "ice": 0, "packed_ice": 0,
    "stone_slab": 0, "stone_stairs": 0, "hardened_clay": 0, "stained_hardened_clay": 0,
    "prismarine": 0, "purpur_block": 0, "end_bricks": 0, "coal_block": 0, "quartz_block": 0,
    "magma": 0, "bone_block": 0, "dispenser": 0, "dropper": 0, "observer": 0, "cauldron": 0,
    "brewing_stand": 0, "anvil": 0, "iron_bars": 0, "hopper": 0, "mob_spawner": 0,
    "iron_ore": 1, "lapis_ore": 1, "lapis_block": 1, "iron_block": 1,
    "gold_ore": 2, "diamond_ore": 2, "emerald_ore": 2, "redstone_ore": 2, "lit_redstone_ore": 2,
    "gold_block": 2, "diamond_block": 2, "emerald_block": 2,
    "obsidian": 3,
}
AXE_BLOCKS = {"log", "log2", "planks", "crafting_table", "chest", "trapped_chest", "bookshelf", "fence",
              "fence_gate", "oak_stairs", "wooden_slab", "pumpkin", "lit_pumpkin", "melon_block",
              "jukebox", "noteblock", "ladder", "trapdoor", "wooden_door", "brown_mushroom_block",
              "red_mushroom_block", "cocoa"}
SHOVEL_BLOCKS = {"dirt", "grass", "sand", "gravel", "clay", "snow", "snow_layer", "mycelium",
                 "soul_sand", "farmland", "grass_path"}
SHEARS_BLOCKS = {"leaves", "leaves2", "web", "wool", "vine", "tallgrass", "double_plant", "deadbush"}
# block -> [item, count_min, count_max]; "" drops nothing. Blocks not named drop themselves.
DROPS = {
    "stone": ["cobblestone", 1, 1], "grass": ["dirt", 1, 1], "coal_ore": ["coal", 1, 1],
    "diamond_ore": ["diamond", 1, 1], "emerald_ore": ["emerald", 1, 1], "redstone_ore": ["redstone", 4, 5],
    "lit_redstone_ore": ["redstone", 4, 5], "lapis_ore": ["dye", 4, 8], "quartz_ore": ["quartz", 1, 1],
    "clay": ["clay_ball", 4, 4], "melon_block": ["melon", 3, 7], "glowstone": ["glowstone_dust", 2, 4],
    "bookshelf": ["book", 3, 3], "snow_layer": ["snowball", 1, 1], "snow": ["snowball", 4, 4],
    "deadbush": ["stick", 0, 2], "tallgrass": ["wheat_seeds", 0, 1], "leaves": ["sapling", 0, 1],
    "leaves2": ["sapling", 0, 1], "ice": ["", 0, 0], "glass": ["", 0, 0], "glass_pane": ["", 0, 0],
    "packed_ice": ["", 0, 0], "web": ["string", 1, 1], "lit_furnace": ["furnace", 1, 1],
    "mycelium": ["dirt", 1, 1], "farmland": ["dirt", 1, 1], "grass_path": ["dirt", 1, 1],
    "wheat": ["wheat", 1, 1], "carrots": ["carrot", 1, 3], "potatoes": ["potato", 1, 3],
    "beetroots": ["beetroot", 1, 1], "reeds": ["reeds", 1, 1], "water": ["", 0, 0],
    "flowing_water": ["", 0, 0], "lava": ["", 0, 0], "flowing_lava": ["", 0, 0], "fire": ["", 0, 0],
    "bedrock": ["", 0, 0], "mob_spawner": ["", 0, 0], "portal": ["", 0, 0], "end_portal": ["", 0, 0],
    "air": ["", 0, 0], "double_stone_slab": ["stone_slab", 2, 2], "double_wooden_slab": ["wooden_slab", 2, 2],
    "cocoa": ["dye", 2, 3], "nether_wart": ["nether_wart", 2, 4], "pumpkin_stem": ["pumpkin_seeds", 0, 1],
    "melon_stem": ["melon_seeds", 0, 1], "wall_sign": ["sign", 1, 1], "standing_sign": ["sign", 1, 1],
}
HARDNESS_EXTRA = {  # blocks that have no item entry with a hardness
    "water": 100.0, "flowing_water": 100.0, "lava": 100.0, "flowing_lava": 100.0, "fire": 0.0,
    "air": 0.0, "lit_furnace": 3.5, "reeds": 0.0, "wheat": 0.0, "carrots": 0.0, "potatoes": 0.0,
    "beetroots": 0.0, "melon_stem": 0.0, "pumpkin_stem": 0.0, "cocoa": 0.2, "portal": -1.0,
    "end_portal": -1.0, "end_gateway": -1.0, "double_stone_slab": 2.0, "double_wooden_slab": 2.0,
    "bed": 0.2, "cake": 0.5, "cauldron": 2.0, "brewing_stand": 0.5, "flower_pot": 0.0, "skull": 1.0,
    "nether_wart": 0.0, "lit_redstone_ore": 3.0, "wooden_door": 3.0, "iron_door": 5.0,
    "standing_sign": 1.0, "wall_sign": 1.0, "frosted_ice": 0.5,
}
# blocks one walks through (Malmo's dump marks air "collidable": it means ray-targetable there)
NON_SOLID = {"air", "reeds", "wheat", "carrots", "potatoes", "beetroots", "melon_stem", "pumpkin_stem",
             "nether_wart", "fire", "portal", "end_portal", "end_gateway", "wall_sign", "standing_sign",
             "tripwire", "redstone_wire", "wall_banner", "standing_banner", "unlit_redstone_torch"}
FOOD = {  # item -> [hunger points, saturation]
    "apple": [4, 2.4], "baked_potato": [5, 6.0], "beef": [3, 1.8], "cooked_beef": [8, 12.8],
    "bread": [5, 6.0], "carrot": [3, 3.6], "chicken": [2, 1.2], "cooked_chicken": [6, 7.2],
    "porkchop": [3, 1.8], "cooked_porkchop": [8, 12.8], "mutton": [2, 1.2], "cooked_mutton": [6, 9.6],
    "rabbit": [3, 1.8], "cooked_rabbit": [5, 6.0], "fish": [2, 0.4], "cooked_fish": [5, 6.0],
    "cookie": [2, 0.4], "melon": [2, 1.2], "potato": [1, 0.6], "poisonous_potato": [2, 1.2],
    "pumpkin_pie": [8, 4.8], "rotten_flesh": [4, 0.8], "spider_eye": [2, 3.2], "golden_apple": [4, 9.6],
    "golden_carrot": [6, 14.4], "mushroom_stew": [6, 7.2], "rabbit_stew": [10, 12.0],
    "beetroot": [1, 1.2], "beetroot_soup": [6, 7.2], "chorus_fruit": [4, 2.4],
}
ARMOR_POINTS = {"leather": [1, 3, 2, 1], "golden": [2, 5, 3, 1], "chainmail": [2, 5, 4, 1],
                "iron": [2, 6, 5, 2], "diamond": [3, 8, 6, 3]}  # helmet, chestplate, leggings, boots
TOOL_TIERS = {"wooden": (0, 2.0), "stone": (1, 4.0), "iron": (2, 6.0), "diamond": (3, 8.0), "golden": (0, 12.0)}
ATTACK = {"sword": [4, 5, 6, 7, 4], "axe": [7, 9, 9, 9, 7], "pickaxe": [2, 3, 4, 5, 2],
          "shovel": [2.5, 3.5, 4.5, 5.5, 2.5], "hoe": [1, 1, 1, 1, 1]}  # wooden stone iron diamond golden
FUEL_TICKS = {"coal": 1600, "coal_block": 16000, "lava_bucket": 20000, "blaze_rod": 2400, "log": 300,
              "log2": 300, "planks": 300, "wooden_slab": 150, "stick": 100, "sapling": 100,
              "crafting_table": 300, "bookshelf": 300, "chest": 300, "fence": 300, "boat": 1200,
              "wooden_pickaxe": 200, "wooden_axe": 200, "wooden_shovel": 200, "wooden_sword": 200,
              "wooden_hoe": 200, "bowl": 100}
# RGB used by the renderer's palette (approximate Minecraft colours).
COLORS = {
    "air": (0, 0, 0), "stone": (125, 125, 125), "grass": (95, 159, 53), "dirt": (134, 96, 67),
    "cobblestone": (110, 110, 110), "planks": (162, 130, 78), "bedrock": (50, 50, 50),
    "water": (47, 67, 244), "flowing_water": (47, 67, 244), "lava": (207, 92, 20),
    "flowing_lava": (207, 92, 20), "sand": (219, 207, 163), "gravel": (136, 126, 126),
    "gold_ore": (143, 140, 125), "iron_ore": (136, 130, 127), "coal_ore": (115, 115, 115),
    "log": (102, 81, 51), "log2": (103, 96, 86), "leaves": (60, 120, 30), "leaves2": (70, 110, 30),
    "glass": (200, 230, 240), "lapis_ore": (102, 112, 134), "sandstone": (216, 203, 155),
    "tallgrass": (110, 170, 60), "deadbush": (120, 90, 50), "yellow_flower": (240, 220, 40),
    "red_flower": (200, 30, 30), "brown_mushroom": (150, 110, 80), "red_mushroom": (210, 40, 40),
    "obsidian": (20, 18, 30), "diamond_ore": (125, 142, 141), "crafting_table": (120, 80, 45),
    "furnace": (90, 90, 90), "lit_furnace": (120, 90, 60), "redstone_ore": (133, 107, 107),
    "lit_redstone_ore": (160, 90, 90), "snow_layer": (240, 250, 250), "snow": (240, 250, 250),
    "ice": (125, 173, 255), "packed_ice": (160, 190, 250), "cactus": (15, 110, 30),
    "clay": (160, 166, 179), "reeds": (150, 200, 90), "pumpkin": (227, 144, 29),
    "melon_block": (120, 160, 40), "mycelium": (111, 99, 105), "netherrack": (111, 54, 52),
    "soul_sand": (84, 64, 51), "glowstone": (250, 220, 120), "end_stone": (221, 223, 165),
    "emerald_ore": (117, 137, 124), "hardened_clay": (150, 92, 66), "waterlily": (30, 120, 40),
    "vine": (50, 110, 20), "quartz_ore": (125, 85, 80), "mossy_cobblestone": (90, 110, 90),
    "nether_brick": (44, 22, 26), "wool": (222, 222, 222), "bed": (160, 30, 30), "torch": (255, 200, 80),
    "double_plant": (100, 170, 60), "stonebrick": (122, 121, 122),
}
WOOD_VARIANTS = {"log": ["oak", "spruce", "birch", "jungle"], "log2": ["acacia", "dark_oak"],
                 "leaves": ["oak", "spruce", "birch", "jungle"], "leaves2": ["acacia", "dark_oak"],
                 "planks": ["oak", "spruce", "birch", "jungle", "acacia", "dark_oak"]}
VARIANT_COLORS = {("log", 1): (58, 37, 16), ("log", 2): (216, 215, 210), ("log", 3): (87, 67, 26),
                  ("log2", 1): (60, 46, 26), ("leaves", 1): (50, 90, 50), ("leaves", 2): (90, 140, 60),
                  ("leaves", 3): (50, 140, 20), ("leaves2", 1): (40, 90, 20), ("planks", 1): (115, 85, 49),
                  ("planks", 2): (196, 179, 123), ("planks", 3): (160, 115, 81), ("planks", 4): (168, 90, 50),
                  ("planks", 5): (66, 43, 20)}


def harvest_tool(block: str) -> tuple[str, int]:
    """(tool class, minimum tier) for a block; tier -1 means any tool or hand harvests it."""
    if block in PICKAXE_TIER:
        return "pickaxe", PICKAXE_TIER[block]
    if block in AXE_BLOCKS:
        return "axe", -1
    if block in SHOVEL_BLOCKS:
        return "shovel", -1
    if block in SHEARS_BLOCKS:
        return "shears", -1
    return "", -1


def craft_smelt_order(items: list[dict], crafting: dict, smelting: dict) -> tuple[list[str], int, int]:
    """MineDojo's action-6 item list: hand-craftable, table-only, smeltable (sorted, minus raw materials)."""
    names = [i["type"] for i in items]
    personal = sorted(n for n in names if crafting.get(n) and all(r["recipeSize"] in (0, 1, 2, 4) for r in crafting[n]))
    table = sorted(n for n in names if crafting.get(n) and any(r["recipeSize"] <= 9 for r in crafting[n]))
    table_only = sorted(n for n in table if n not in personal)
    smelt = sorted(n for n in names if smelting.get(n))
    hand = [n for n in personal if n not in ("coal", "diamond", "emerald", "gold_ingot", "iron_ingot", "redstone", "stone")]
    table_only = [n for n in table_only if n not in ("iron_ingot", "gold_ingot")]
    smelt = [n for n in smelt if n not in ("iron_nugget", "dye", "gold_nugget")]
    order = hand + table_only + smelt
    if len(order) != 244 or len(set(order)) != 244:
        raise ValueError(f"derived {len(order)} craft/smelt items, MineDojo has 244: source file differs")
    return order, len(hand), len(table_only)


def by_output(recipes: list[dict]) -> dict[str, list[dict]]:
    """Group recipes by output, dropping empty and circular ones and exact duplicates (as MineDojo does)."""
    out: dict[str, list[dict]] = {}
    for r in recipes:
        if not r["ingredients"] or r["outputItemName"] in r["ingredients"]:
            continue
        bucket = out.setdefault(r["outputItemName"], [])
        if r not in bucket:
            bucket.append(r)
    return out


def build(source: Path) -> dict:
    data = json.loads(source.read_text())
    items = sorted(data["items"], key=lambda i: i["type"])
    item_by_name = {i["type"]: i for i in items}
    crafting = by_output(data["craftingRecipes"])
    smelting = by_output(data["smeltingRecipes"])
    order, n_hand, n_table = craft_smelt_order(items, crafting, smelting)

    item_rows = []
    for it in items:
        name = it["type"]
        row = {"name": name, "stack": it["stackSize"], "durability": it["maxDamage"], "block": it["block"],
               "use": it["useAction"], "slot": it["bestEquipmentSlot"], "tab": it["tab"]}
        for material, points in ARMOR_POINTS.items():
            for piece, p in zip(("helmet", "chestplate", "leggings", "boots"), points, strict=True):
                if name == f"{material}_{piece}":
                    row["armor"] = p
        for tool, dmg in ATTACK.items():
            for k, mat in enumerate(("wooden", "stone", "iron", "diamond", "golden")):
                if name == f"{mat}_{tool}":
                    row["attack"] = dmg[k]
                    row["tool"] = tool
                    row["tier"], row["speed"] = TOOL_TIERS[mat]
        if name == "shears":
            row["tool"], row["tier"], row["speed"] = "shears", 0, 2.0
        if name in FOOD:
            row["food"] = FOOD[name]
        if name in FUEL_TICKS:
            row["fuel"] = FUEL_TICKS[name]
        item_rows.append(row)

    block_rows = []
    for b in sorted(data["blocks"], key=lambda b: (b["name"] != "air", b["name"])):
        name = b["name"]
        it = item_by_name.get(name, {})
        hardness = it.get("hardness", HARDNESS_EXTRA.get(name))
        if hardness is None:
            hardness = 1.0  # redstone components and doors without an item entry: wood-like
        tool, tier = harvest_tool(name)
        drop = DROPS.get(name, [name if name in item_by_name else "", 1, 1])
        liquid = name in ("water", "flowing_water", "lava", "flowing_lava")
        passable = (name in NON_SOLID or (not b["isCollidable"]) or liquid
                    or it.get("blocksMovement") is False)
        variants = WOOD_VARIANTS.get(name, [None])
        for v, vname in enumerate(variants):
            color = VARIANT_COLORS.get((name, v), COLORS.get(name, (150, 150, 150)))
            block_rows.append({
                "name": name, "variant": v, "variant_name": vname or "", "hardness": hardness,
                "tool": tool, "tier": tier, "drop": drop, "collidable": not passable, "liquid": liquid,
                "opaque": not passable and not it.get("translucent", False) and name not in ("glass", "leaves", "leaves2", "ice"),
                "can_burn": bool(it.get("canBurn", False)), "needs_no_tool": bool(it.get("needsNoTool", tier < 0)),
                "color": list(color),
            })
    if len(block_rows) > 255:
        raise ValueError(f"{len(block_rows)} block kinds do not fit in uint8 ids")

    def recipe_rows(groups: dict[str, list[dict]], smelt: bool) -> list[dict]:
        rows = []
        for out_name in sorted(groups):
            for r in groups[out_name]:
                rows.append({"out": out_name, "count": r.get("out", 1) if smelt else r["outputCount"],
                             "size": 1 if smelt else r["recipeSize"], "in": dict(sorted(r["ingredients"].items()))})
        return rows

    return {
        "source": "MineDojo mc_constants.json (Minecraft 1.11, MIT) + Minecraft 1.11 rule tables in scripts/build_minecraft_catalog.py",
        "items": item_rows,
        "blocks": block_rows,
        "crafting": recipe_rows(crafting, smelt=False),
        "smelting": recipe_rows(smelting, smelt=True),
        "craft_smelt_items": order,
        "n_hand_craft": n_hand,
        "n_table_craft": n_table,
        "placeable": sorted(i["type"] for i in items if i["block"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.source.is_file():
        raise SystemExit(f"mc_constants.json not found at {args.source}; pass --source")
    catalog = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(catalog, separators=(",", ":")))
    print(f"wrote {args.out}: {len(catalog['items'])} items, {len(catalog['blocks'])} block kinds, "
          f"{len(catalog['crafting'])} crafting and {len(catalog['smelting'])} smelting recipes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
