"""The renderer's material table: colours, procedural texture kinds and transparency.

Every surface the renderer draws names a material id (an index into :data:`MATERIALS`). The table is
global and fixed so that scenes from different worlds can share one packed batch, and so that a
material id means the same thing in every process. Textures are procedural (an integer hash of the
texel coordinates), so there is no image data to ship and no texture lookup in memory.

Columns of the float32 table built by :func:`material_array` (one row per material):

====  =================================================================
0-2   base colour, linear 0..1
3-5   secondary colour (grout, mortar, ore specks, plank seams, dirt)
6     texture kind (one of the ``TEX_*`` constants)
7     texels per metre (block-world materials use 16: one block = 16 texels)
8     opacity: 1 = opaque; < 1 = see-through (glass, water), tints what lies behind
9     emission: 0 = lit by the scene; 1 = self-lit (lamps)
10    noise amplitude of the per-texel brightness jitter
====  =================================================================
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .types import RenderError

TEX_FLAT = 0
TEX_WOOD = 1
TEX_TILES = 2
TEX_CARPET = 3
TEX_STONE = 4
TEX_ORE = 5
TEX_LEAVES = 6
TEX_BRICK = 7
TEX_GRASS = 8
TEX_WATER = 9
TEX_PLANKS = 10

MATERIAL_COLUMNS = 11


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16) / 255.0, int(h[2:4], 16) / 255.0, int(h[4:6], 16) / 255.0)


# name: (base, secondary, texture, texels/m, opacity, emission, noise)
_TABLE: tuple[tuple[str, str, str, int, float, float, float, float], ...] = (
    ("none", "#ff00ff", "#ff00ff", TEX_FLAT, 1, 1.0, 0.0, 0.0),
    # --- house structure ---
    ("wall_paint", "#e8e4dc", "#d8d4cc", TEX_FLAT, 24, 1.0, 0.0, 0.03),
    ("wall_brick", "#a0523c", "#d0c8b8", TEX_BRICK, 4, 1.0, 0.0, 0.08),
    ("wall_stone", "#9a968e", "#7a766e", TEX_STONE, 12, 1.0, 0.0, 0.10),
    ("ceiling", "#f4f2ee", "#e4e2de", TEX_FLAT, 16, 1.0, 0.0, 0.02),
    ("floor_wood", "#a8703c", "#6e4422", TEX_WOOD, 8, 1.0, 0.0, 0.06),
    ("floor_dark_wood", "#5c3a20", "#3a2412", TEX_WOOD, 8, 1.0, 0.0, 0.06),
    ("floor_tiles", "#d8d8d0", "#8c8c84", TEX_TILES, 3, 1.0, 0.0, 0.04),
    ("floor_dark_tiles", "#4c5058", "#202428", TEX_TILES, 3, 1.0, 0.0, 0.05),
    ("floor_carpet", "#8c6e64", "#6c5048", TEX_CARPET, 48, 1.0, 0.0, 0.12),
    ("floor_marble", "#e6e2da", "#b8b2a8", TEX_STONE, 6, 1.0, 0.0, 0.06),
    ("floor_concrete", "#8e8c88", "#74726e", TEX_STONE, 10, 1.0, 0.0, 0.05),
    ("glass", "#b8d8e8", "#b8d8e8", TEX_FLAT, 1, 0.35, 0.0, 0.0),
    ("door_wood", "#7a5030", "#4a3018", TEX_WOOD, 10, 1.0, 0.0, 0.05),
    ("lamp", "#fff6dc", "#fff6dc", TEX_FLAT, 1, 1.0, 1.0, 0.0),
    ("ground_grass", "#5c8c3c", "#48742c", TEX_CARPET, 16, 1.0, 0.0, 0.10),
    # --- house objects ---
    ("furniture_wood", "#9c6c40", "#6a4424", TEX_WOOD, 12, 1.0, 0.0, 0.05),
    ("furniture_light_wood", "#c8a070", "#a07850", TEX_WOOD, 12, 1.0, 0.0, 0.05),
    ("fabric", "#6c7c9c", "#58688a", TEX_CARPET, 64, 1.0, 0.0, 0.08),
    ("fabric_warm", "#a8584c", "#884438", TEX_CARPET, 64, 1.0, 0.0, 0.08),
    ("bedding", "#e8e8f0", "#c8c8d8", TEX_CARPET, 32, 1.0, 0.0, 0.05),
    ("metal", "#b4b8bc", "#90949a", TEX_FLAT, 16, 1.0, 0.0, 0.03),
    ("dark_metal", "#3c4046", "#2a2c30", TEX_FLAT, 16, 1.0, 0.0, 0.03),
    ("ceramic", "#f0f0ec", "#d8d8d4", TEX_FLAT, 16, 1.0, 0.0, 0.02),
    ("plastic", "#3c78b4", "#2c5c8c", TEX_FLAT, 16, 1.0, 0.0, 0.03),
    ("plant", "#3c7c34", "#24501c", TEX_LEAVES, 40, 1.0, 0.0, 0.15),
    ("food_red", "#c8281c", "#8c1c14", TEX_FLAT, 16, 1.0, 0.0, 0.05),
    ("food_yellow", "#e8c83c", "#b8982c", TEX_FLAT, 16, 1.0, 0.0, 0.05),
    ("food_green", "#78a83c", "#587c2c", TEX_FLAT, 16, 1.0, 0.0, 0.05),
    ("paper", "#f0ece0", "#c8c4b8", TEX_FLAT, 16, 1.0, 0.0, 0.03),
    ("screen", "#141820", "#283040", TEX_FLAT, 16, 1.0, 0.0, 0.02),
    ("object_generic", "#b09c84", "#8c7c68", TEX_FLAT, 16, 1.0, 0.0, 0.04),
    # --- block world (16 texels per 1 m block) ---
    ("grass_block", "#6a9e3c", "#86603a", TEX_GRASS, 16, 1.0, 0.0, 0.12),
    ("dirt", "#86603a", "#6c4a2a", TEX_STONE, 16, 1.0, 0.0, 0.12),
    ("stone", "#7c7c7c", "#666666", TEX_STONE, 16, 1.0, 0.0, 0.10),
    ("cobblestone", "#747474", "#505050", TEX_STONE, 16, 1.0, 0.0, 0.20),
    ("bedrock", "#3c3c3c", "#1c1c1c", TEX_STONE, 16, 1.0, 0.0, 0.25),
    ("sand", "#dccf9c", "#c8b880", TEX_STONE, 16, 1.0, 0.0, 0.06),
    ("gravel", "#867e7c", "#5c5656", TEX_STONE, 16, 1.0, 0.0, 0.22),
    ("water", "#2c5cc8", "#2c5cc8", TEX_WATER, 16, 0.55, 0.0, 0.05),
    ("log", "#6a5030", "#9c7c4c", TEX_WOOD, 16, 1.0, 0.0, 0.10),
    ("planks", "#a8844e", "#7a5c34", TEX_PLANKS, 16, 1.0, 0.0, 0.06),
    ("leaves", "#3c7a24", "#1e4a12", TEX_LEAVES, 16, 1.0, 0.0, 0.18),
    ("coal_ore", "#7c7c7c", "#1c1c1c", TEX_ORE, 16, 1.0, 0.0, 0.10),
    ("iron_ore", "#7c7c7c", "#d8af93", TEX_ORE, 16, 1.0, 0.0, 0.10),
    ("gold_ore", "#7c7c7c", "#fcee4b", TEX_ORE, 16, 1.0, 0.0, 0.10),
    ("diamond_ore", "#7c7c7c", "#5decf5", TEX_ORE, 16, 1.0, 0.0, 0.10),
    ("redstone_ore", "#7c7c7c", "#c81010", TEX_ORE, 16, 1.0, 0.0, 0.10),
    ("snow", "#f4f8fc", "#dce4ec", TEX_STONE, 16, 1.0, 0.0, 0.04),
    ("ice", "#9cbcf4", "#9cbcf4", TEX_FLAT, 16, 0.75, 0.0, 0.04),
    ("wool", "#e8e8e8", "#c8c8c8", TEX_CARPET, 16, 1.0, 0.0, 0.08),
    ("clay", "#a0a6b4", "#8c92a0", TEX_STONE, 16, 1.0, 0.0, 0.05),
    ("lava", "#e85c10", "#fcb040", TEX_STONE, 16, 1.0, 1.0, 0.20),
    ("block_glass", "#dcecf4", "#dcecf4", TEX_FLAT, 16, 0.25, 0.0, 0.0),
    ("mob_skin", "#d89c7c", "#b07c5c", TEX_CARPET, 16, 1.0, 0.0, 0.05),
    ("mob_dark", "#303030", "#181818", TEX_CARPET, 16, 1.0, 0.0, 0.06),
    ("mob_white", "#e8e8e8", "#303030", TEX_CARPET, 16, 1.0, 0.0, 0.06),
    ("mob_green", "#4c9c3c", "#2c6c24", TEX_CARPET, 16, 1.0, 0.0, 0.10),
    ("mob_pink", "#f0a0a0", "#d08080", TEX_CARPET, 16, 1.0, 0.0, 0.05),
)

MATERIAL_NAMES: tuple[str, ...] = tuple(row[0] for row in _TABLE)
_INDEX = {name: i for i, name in enumerate(MATERIAL_NAMES)}


class UnknownMaterialError(RenderError, KeyError):
    """A material name that is not in the table; the message lists every accepted name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


def material_id(name: str) -> int:
    """Index of a material in :data:`MATERIAL_NAMES`; raises :class:`UnknownMaterialError`."""
    try:
        return _INDEX[name]
    except KeyError:
        raise UnknownMaterialError(
            f"unknown material {name!r}; accepted: {', '.join(MATERIAL_NAMES)}"
        ) from None


@lru_cache(maxsize=1)
def material_array() -> np.ndarray:
    """The whole table as a read-only float32 array of shape (n_materials, MATERIAL_COLUMNS)."""
    rows = []
    for _name, base, second, tex, texels, opacity, emission, noise in _TABLE:
        rows.append([*_rgb(base), *_rgb(second), tex, texels, opacity, emission, noise])
    arr = np.asarray(rows, dtype=np.float32)
    arr.setflags(write=False)
    return arr


# Keyword -> material for Minecraft block names (the voxel world maps its block ids through this).
_BLOCK_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("grass", "grass_block"), ("dirt", "dirt"), ("farmland", "dirt"), ("mycelium", "dirt"),
    ("bedrock", "bedrock"), ("cobble", "cobblestone"), ("mossy", "cobblestone"),
    ("coal_ore", "coal_ore"), ("iron_ore", "iron_ore"), ("gold_ore", "gold_ore"),
    ("diamond_ore", "diamond_ore"), ("redstone_ore", "redstone_ore"), ("lapis_ore", "diamond_ore"),
    ("emerald_ore", "diamond_ore"), ("sandstone", "sand"), ("sand", "sand"), ("gravel", "gravel"),
    ("water", "water"), ("lava", "lava"), ("ice", "ice"), ("snow", "snow"), ("glass", "block_glass"),
    ("leaves", "leaves"), ("log", "log"), ("planks", "planks"), ("wood", "planks"),
    ("crafting", "planks"), ("chest", "planks"), ("fence", "planks"), ("door", "planks"),
    ("wool", "wool"), ("clay", "clay"), ("brick", "wall_brick"), ("furnace", "cobblestone"),
    ("stone", "stone"), ("ore", "stone"), ("obsidian", "bedrock"),
)


def material_for_block(block_name: str) -> int:
    """Material id for a Minecraft block name (e.g. ``"iron_ore"``, ``"oak_leaves"``).

    Matches the first keyword contained in the name; unknown blocks get ``stone``'s look so that a new
    block id never makes a frame fail, while its semantic class (the block id) stays exact.
    """
    name = block_name.lower()
    for keyword, material in _BLOCK_KEYWORDS:
        if keyword in name:
            return _INDEX[material]
    return _INDEX["stone"]
