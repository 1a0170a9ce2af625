"""The Minecraft catalog the voxel world runs on: items, block kinds, recipes and MineDojo's action items.

Loaded once from ``minecraft_catalog.json`` (built by ``scripts/build_minecraft_catalog.py`` from
MineDojo's ``mc_constants.json``). Block kinds are numbered 0..N-1 (0 is air) so a world is a ``uint8``
grid; per-kind properties are numpy arrays indexed by that id, ready for numba kernels. Item ids are
positions in MineDojo's sorted ``ALL_ITEMS`` list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

CATALOG_PATH = Path(__file__).with_name("minecraft_catalog.json")

#: tool classes; code 0 means "no particular tool"
TOOL_CLASSES: tuple[str, ...] = ("", "pickaxe", "axe", "shovel", "shears", "sword", "hoe")
#: items that place a block of another name (Minecraft 1.11: the repeater item places the
#: ``unpowered_repeater`` block, the comparator item ``unpowered_comparator``); they are placeable too
ITEM_PLACES_BLOCK: dict[str, str] = {"repeater": "unpowered_repeater", "comparator": "unpowered_comparator"}


class UnknownItemError(KeyError):
    """An item or block name that the Minecraft 1.11 catalog does not know."""


@dataclass(frozen=True)
class Recipe:
    out: str
    count: int
    size: int
    ingredients: tuple[tuple[str, int], ...]


@dataclass
class MinecraftCatalog:
    """Everything the rules need, indexed for fast lookup."""

    item_names: tuple[str, ...]
    item_index: dict[str, int]
    items: list[dict]
    block_names: tuple[str, ...]  # per block id: MineDojo name (variants share a name)
    block_variant: np.ndarray  # per block id: variant number
    block_index: dict[tuple[str, int], int]
    hardness: np.ndarray  # float32, -1 unbreakable
    tool_class: np.ndarray  # uint8 code into TOOL_CLASSES
    min_tier: np.ndarray  # int8, -1 = any
    collidable: np.ndarray  # bool
    liquid: np.ndarray  # bool
    opaque: np.ndarray  # bool
    can_burn: np.ndarray  # bool
    needs_no_tool: np.ndarray  # bool
    colors: np.ndarray  # (N, 3) uint8
    drops: list[tuple[str, int, int]]
    block_item: np.ndarray  # item id of the block's own item, -1 if none
    crafting: dict[str, list[Recipe]]
    smelting: dict[str, list[Recipe]]
    craft_smelt_items: tuple[str, ...]
    n_hand_craft: int
    n_table_craft: int
    placeable: frozenset[str]
    stack_size: np.ndarray  # per item id
    durability: np.ndarray  # per item id
    extra: dict = field(default_factory=dict)
    #: item name -> name of the block it places, where they differ (see :data:`ITEM_PLACES_BLOCK`)
    places_block: dict = field(default_factory=dict)

    def item_id(self, name: str) -> int:
        """Item id of ``name`` (MineDojo's underscore or space spelling)."""
        key = name.replace(" ", "_")
        try:
            return self.item_index[key]
        except KeyError:
            import difflib

            near = difflib.get_close_matches(key, self.item_names, n=3)
            raise UnknownItemError(f"unknown Minecraft item {name!r}; nearest known: {near}") from None

    def block_id(self, name: str, variant: int = 0) -> int:
        try:
            return self.block_index[(name, variant)]
        except KeyError:
            if (name, 0) in self.block_index:
                return self.block_index[(name, 0)]
            raise UnknownItemError(f"unknown block {name!r} (variant {variant})") from None

    def item(self, name_or_id: str | int) -> dict:
        idx = name_or_id if isinstance(name_or_id, int) else self.item_id(name_or_id)
        return self.items[idx]


#: blocks whose broken block gives back the item that placed them (Minecraft 1.11), where the
#: catalog's source data lists no drop
_DROPS_PLACING_ITEM: dict[str, str] = {"unpowered_repeater": "repeater", "powered_repeater": "repeater",
                                       "unpowered_comparator": "comparator", "powered_comparator": "comparator"}


def _drop_of(block: dict) -> tuple[str, int, int]:
    name, low, high = block["drop"][0], int(block["drop"][1]), int(block["drop"][2])
    if not name and block["name"] in _DROPS_PLACING_ITEM:
        return _DROPS_PLACING_ITEM[block["name"]], 1, 1
    return name, low, high


@lru_cache(maxsize=1)
def load_catalog(path: str | None = None) -> MinecraftCatalog:
    """Load (once per process) the derived catalog."""
    raw = json.loads(Path(path or CATALOG_PATH).read_text())
    items = raw["items"]
    item_names = tuple(i["name"] for i in items)
    item_index = {n: k for k, n in enumerate(item_names)}
    blocks = raw["blocks"]
    tool_code = {t: k for k, t in enumerate(TOOL_CLASSES)}

    def recipes(rows: list[dict]) -> dict[str, list[Recipe]]:
        out: dict[str, list[Recipe]] = {}
        for r in rows:
            out.setdefault(r["out"], []).append(Recipe(r["out"], int(r["count"]), int(r["size"]), tuple(r["in"].items())))
        return out

    return MinecraftCatalog(
        item_names=item_names,
        item_index=item_index,
        items=items,
        block_names=tuple(b["name"] for b in blocks),
        block_variant=np.array([b["variant"] for b in blocks], dtype=np.int16),
        block_index={(b["name"], b["variant"]): k for k, b in enumerate(blocks)},
        hardness=np.array([b["hardness"] for b in blocks], dtype=np.float32),
        tool_class=np.array([tool_code[b["tool"]] for b in blocks], dtype=np.uint8),
        min_tier=np.array([b["tier"] for b in blocks], dtype=np.int8),
        collidable=np.array([b["collidable"] for b in blocks], dtype=np.bool_),
        liquid=np.array([b["liquid"] for b in blocks], dtype=np.bool_),
        opaque=np.array([b["opaque"] for b in blocks], dtype=np.bool_),
        can_burn=np.array([b["can_burn"] for b in blocks], dtype=np.bool_),
        needs_no_tool=np.array([b["needs_no_tool"] for b in blocks], dtype=np.bool_),
        colors=np.array([b["color"] for b in blocks], dtype=np.uint8),
        drops=[_drop_of(b) for b in blocks],
        block_item=np.array([item_index.get(b["name"], -1) for b in blocks], dtype=np.int32),
        crafting=recipes(raw["crafting"]),
        smelting=recipes(raw["smelting"]),
        craft_smelt_items=tuple(raw["craft_smelt_items"]),
        n_hand_craft=int(raw["n_hand_craft"]),
        n_table_craft=int(raw["n_table_craft"]),
        placeable=frozenset(raw["placeable"]) | frozenset(ITEM_PLACES_BLOCK),
        stack_size=np.array([i["stack"] for i in items], dtype=np.int32),
        durability=np.array([i["durability"] for i in items], dtype=np.int32),
        places_block=dict(ITEM_PLACES_BLOCK),
    )
