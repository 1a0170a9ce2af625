"""Chunked terrain generation: biomes, height field, caves, water/lava, ores by depth, trees, plants.

Overworld biomes follow MineDojo's ``BIOMES_MAP`` ids. A column's biome comes from low-frequency
temperature / humidity / continentalness noise (or is forced, as MineDojo's ``specified_biome`` does).
Trees and clusters are kept two blocks inside their chunk so a chunk never writes into a neighbour:
chunks can then be generated lazily, in any order, with the same result.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..catalog.minecraft import load_catalog
from .noise import fbm2, hash3

CHUNK = 16
WORLD_HEIGHT = 128
SEA_LEVEL = 62

#: MineDojo biome name -> Minecraft 1.11 biome id (the subset this generator produces)
BIOME_IDS: dict[str, int] = {
    "ocean": 0, "plains": 1, "desert": 2, "extreme_hills": 3, "forest": 4, "taiga": 5, "swampland": 6,
    "river": 7, "nether": 8, "the_end": 9, "ice_plains": 12, "mushroom_island": 14, "beach": 16,
    "jungle": 21, "birch_forest": 27, "savanna": 35,
}
DIMENSIONS = ("overworld", "nether", "end")

# Indices into the ``ids`` array handed to the kernels.
_NAMES = [
    ("air", 0), ("stone", 0), ("dirt", 0), ("grass", 0), ("sand", 0), ("sandstone", 0), ("gravel", 0),
    ("water", 0), ("lava", 0), ("bedrock", 0), ("coal_ore", 0), ("iron_ore", 0), ("gold_ore", 0),
    ("redstone_ore", 0), ("lapis_ore", 0), ("diamond_ore", 0), ("emerald_ore", 0),
    ("log", 0), ("log", 1), ("log", 2), ("log", 3), ("log2", 0), ("log2", 1),
    ("leaves", 0), ("leaves", 1), ("leaves", 2), ("leaves", 3), ("leaves2", 0), ("leaves2", 1),
    ("tallgrass", 0), ("yellow_flower", 0), ("red_flower", 0), ("reeds", 0), ("pumpkin", 0),
    ("melon_block", 0), ("cactus", 0), ("deadbush", 0), ("snow_layer", 0), ("ice", 0), ("mycelium", 0),
    ("brown_mushroom", 0), ("red_mushroom", 0), ("waterlily", 0), ("clay", 0),
    ("netherrack", 0), ("soul_sand", 0), ("glowstone", 0), ("quartz_ore", 0), ("end_stone", 0),
    ("obsidian", 0), ("double_plant", 0), ("web", 0), ("vine", 0), ("farmland", 0), ("wheat", 0),
    ("potatoes", 0), ("carrots", 0), ("beetroots", 0), ("cobblestone", 0), ("planks", 0), ("glass", 0),
    ("crafting_table", 0), ("nether_brick", 0), ("nether_wart", 0),
]
(AIR, STONE, DIRT, GRASS, SAND, SANDSTONE, GRAVEL, WATER, LAVA, BEDROCK, COAL, IRON, GOLD, REDSTONE, LAPIS,
 DIAMOND, EMERALD, LOG_OAK, LOG_SPRUCE, LOG_BIRCH, LOG_JUNGLE, LOG_ACACIA, LOG_DARK, LEAF_OAK, LEAF_SPRUCE,
 LEAF_BIRCH, LEAF_JUNGLE, LEAF_ACACIA, LEAF_DARK, TALLGRASS, YFLOWER, RFLOWER, REEDS, PUMPKIN, MELON, CACTUS,
 DEADBUSH, SNOW_LAYER, ICE, MYCELIUM, BMUSH, RMUSH, LILY, CLAY, NETHERRACK, SOULSAND, GLOWSTONE, QUARTZ,
 END_STONE, OBSIDIAN, DOUBLE_PLANT, WEB, VINE, FARMLAND, WHEAT, POTATOES, CARROTS, BEETROOTS, COBBLESTONE, PLANKS,
 GLASS, CRAFTING_TABLE, NETHER_BRICK, NETHER_WART) = range(len(_NAMES))

# biome codes used inside the kernel (same numbers as BIOME_IDS)
B_OCEAN, B_PLAINS, B_DESERT, B_HILLS, B_FOREST, B_TAIGA, B_SWAMP, B_RIVER = 0, 1, 2, 3, 4, 5, 6, 7
B_ICE, B_MUSHROOM, B_BEACH, B_JUNGLE, B_BIRCH, B_SAVANNA = 12, 14, 16, 21, 27, 35


class UnknownBiomeError(ValueError):
    """A biome name this generator cannot produce."""


def block_id_table() -> np.ndarray:
    cat = load_catalog()
    return np.array([cat.block_id(n, v) for n, v in _NAMES], dtype=np.uint8)


@njit(cache=True)
def _column_biome(x: int, z: int, seed: int, forced: int) -> int:
    if forced >= 0:
        return forced
    cont = fbm2(x, z, seed + 11, 3, 180.0)
    if cont < -0.32:
        if fbm2(x, z, seed + 97, 2, 60.0) > 0.55:
            return B_MUSHROOM
        return B_OCEAN
    if cont < -0.25:
        return B_BEACH
    if abs(fbm2(x, z, seed + 23, 3, 140.0)) < 0.025:
        return B_RIVER
    temp = fbm2(x, z, seed + 31, 2, 220.0)
    hum = fbm2(x, z, seed + 41, 2, 200.0)
    if fbm2(x, z, seed + 53, 2, 150.0) > 0.35:
        return B_HILLS
    if temp < -0.3:
        return B_ICE if hum < 0.0 else B_TAIGA
    if temp > 0.3:
        if hum < -0.1:
            return B_DESERT
        if hum < 0.2:
            return B_SAVANNA
        return B_JUNGLE
    if hum > 0.35:
        return B_SWAMP
    if hum > 0.1:
        return B_BIRCH
    if hum > -0.15:
        return B_FOREST
    return B_PLAINS


@njit(cache=True)
def _surface_height(x: int, z: int, seed: int, biome: int) -> int:
    n = fbm2(x, z, seed + 3, 4, 48.0)
    if biome == B_OCEAN:
        base, amp = 48.0, 6.0
    elif biome == B_BEACH:
        base, amp = 63.0, 1.0
    elif biome == B_RIVER:
        base, amp = 57.0, 1.5
    elif biome == B_HILLS:
        base, amp = 84.0, 22.0
    elif biome == B_SWAMP:
        base, amp = 62.0, 1.5
    elif biome == B_MUSHROOM:
        base, amp = 66.0, 4.0
    else:
        base, amp = 67.0, 6.0
    h = base + amp * n
    if biome != B_OCEAN and biome != B_RIVER and biome != B_BEACH and biome != B_DESERT:
        lake = fbm2(x, z, seed + 71, 2, 36.0)
        if lake > 0.35:  # scattered lakes and ponds in every land biome (their shores grow sugar cane)
            h -= (lake - 0.35) * 40.0
    h = int(h)
    return min(max(h, 8), WORLD_HEIGHT - 20)


@njit(cache=True)
def _set(blocks, x, y, z, v):
    if 0 <= x < blocks.shape[0] and 0 <= y < blocks.shape[1] and 0 <= z < blocks.shape[2]:
        blocks[x, y, z] = v


@njit(cache=True)
def _tree(blocks, ids, x, y, z, kind, r):
    """kind: 0 oak, 1 spruce, 2 birch, 3 jungle, 4 acacia, 5 dark oak."""
    logs = (LOG_OAK, LOG_SPRUCE, LOG_BIRCH, LOG_JUNGLE, LOG_ACACIA, LOG_DARK)
    leaves = (LEAF_OAK, LEAF_SPRUCE, LEAF_BIRCH, LEAF_JUNGLE, LEAF_ACACIA, LEAF_DARK)
    height = 4 + int(r * 3)
    if kind == 3:
        height += 3
    if kind == 1:
        height += 2
    log = ids[logs[kind]]
    leaf = ids[leaves[kind]]
    top = y + height
    for dy in range(-2, 2):
        rad = 2 if dy < 0 else 1
        if kind == 1:
            rad = 2 if dy == -2 else 1
        for dx in range(-rad, rad + 1):
            for dz in range(-rad, rad + 1):
                if abs(dx) == rad and abs(dz) == rad and dy >= 0:
                    continue
                _set(blocks, x + dx, top + dy, z + dz, leaf)
    if kind == 1:  # spruce cone
        for dy in range(-4, -2):
            for dx in range(-2, 3):
                for dz in range(-2, 3):
                    if abs(dx) + abs(dz) <= 3:
                        _set(blocks, x + dx, top + dy, z + dz, leaf)
    for dy in range(height):
        _set(blocks, x, y + dy, z, log)


@njit(cache=True)
def _vines(blocks, ids, x, z, wx, wz, seed):
    """Vines hanging from the canopy of a jungle or swamp tree (on the leaf blocks' outer faces)."""
    leaf_top = -1
    for y in range(blocks.shape[1] - 1, 0, -1):
        v = blocks[x, y, z]
        if v == ids[LEAF_OAK] or v == ids[LEAF_JUNGLE]:
            leaf_top = y
            break
    if leaf_top < 0:
        return
    for k in range(4):
        dx = (3, -3, 0, 0)[k]
        dz = (0, 0, 3, -3)[k]
        if hash3(wx + dx, 9, wz + dz, seed + 620) < 0.5:
            continue
        length = 2 + int(hash3(wx, k, wz, seed + 621) * 3.0)
        for dy in range(length):
            y = leaf_top - 2 - dy
            if 0 < y < blocks.shape[1] and 0 <= x + dx < blocks.shape[0] and 0 <= z + dz < blocks.shape[2]:
                if blocks[x + dx, y, z + dz] == ids[AIR]:
                    blocks[x + dx, y, z + dz] = ids[VINE]


@njit(cache=True)
def _cluster(blocks, ids, x, y, z, ore, size, seed):
    stone = ids[STONE]
    for k in range(size):
        dx = int(hash3(x, y + k, z, seed) * 3.0) - 1
        dy = int(hash3(x + k, y, z, seed + 1) * 3.0) - 1
        dz = int(hash3(x, y, z + k, seed + 2) * 3.0) - 1
        xx, yy, zz = x + dx, y + dy, z + dz
        if 0 <= xx < blocks.shape[0] and 0 < yy < blocks.shape[1] and 0 <= zz < blocks.shape[2]:
            if blocks[xx, yy, zz] == stone:
                blocks[xx, yy, zz] = ore


@njit(cache=True)
def generate_overworld_chunk(blocks, heights, biomes, ids, x0, z0, wx0, wz0, seed, forced):
    """Fill the 16 x 16 column at array offset (x0, z0), world offset (wx0, wz0)."""
    nx = min(CHUNK, blocks.shape[0] - x0)
    nz = min(CHUNK, blocks.shape[2] - z0)
    ny = blocks.shape[1]
    for i in range(nx):
        for k in range(nz):
            wx = wx0 + i
            wz = wz0 + k
            b = _column_biome(wx, wz, seed, forced)
            h = _surface_height(wx, wz, seed, b)
            x = x0 + i
            z = z0 + k
            heights[x, z] = h
            biomes[x, z] = b
            blocks[x, 0, z] = ids[BEDROCK]
            for y in range(1, 5):
                blocks[x, y, z] = ids[BEDROCK] if hash3(wx, y, wz, seed + 5) < 0.5 - 0.1 * y else ids[STONE]
            top_block = ids[GRASS]
            fill = ids[DIRT]
            if b == B_DESERT or b == B_BEACH:
                top_block = ids[SAND]
                fill = ids[SAND]
            elif b == B_OCEAN or b == B_RIVER or h < SEA_LEVEL:
                # shallow floors: clay discs (Minecraft puts clay under shallow water), sand, gravel
                r_floor = hash3(wx, 1, wz, seed)
                clay = fbm2(wx, wz, seed + 61, 2, 6.0) > 0.3 and h > SEA_LEVEL - 8
                top_block = ids[CLAY] if clay else (ids[GRAVEL] if r_floor < 0.3 else ids[SAND])
                fill = ids[SAND] if b != B_OCEAN else ids[DIRT]
            elif h <= SEA_LEVEL + 1 and b != B_MUSHROOM and b != B_SWAMP:
                top_block = ids[SAND]  # sandy shores around every lake and river
                fill = ids[SAND]
            elif b == B_MUSHROOM:
                top_block = ids[MYCELIUM]
            elif b == B_HILLS and h > 92:
                top_block = ids[STONE]
                fill = ids[STONE]
            for y in range(5, min(h - 3, ny)):
                blocks[x, y, z] = ids[STONE]
            for y in range(max(h - 3, 5), min(h, ny)):
                blocks[x, y, z] = ids[SANDSTONE] if (b == B_DESERT and y < h - 2) else fill
            if h < ny:
                blocks[x, h, z] = top_block
            for y in range(h + 1, SEA_LEVEL + 1):
                blocks[x, y, z] = ids[WATER]
            if h >= SEA_LEVEL and b == B_ICE and h + 1 < ny:
                blocks[x, h + 1, z] = ids[SNOW_LAYER]
            if h < SEA_LEVEL and b == B_ICE:
                blocks[x, SEA_LEVEL, z] = ids[ICE]
    # worm caves: a few random walks carving small spheres (cheap, no 3D noise per voxel)
    n_worms = int(hash3(wx0, 7, wz0, seed + 101) * 3.0)
    for w in range(n_worms):
        px = 2.0 + hash3(wx0, w, wz0, seed + 102) * (nx - 4)
        pz = 2.0 + hash3(wx0, w, wz0, seed + 103) * (nz - 4)
        py = 8.0 + hash3(wx0, w, wz0, seed + 104) * 50.0
        ang = hash3(wx0, w, wz0, seed + 105) * 6.2832
        for s in range(40):
            ang += (hash3(wx0 + s, w, wz0, seed + 106) - 0.5) * 0.8
            px += np.cos(ang) * 0.8
            pz += np.sin(ang) * 0.8
            py += (hash3(wx0, w + s, wz0, seed + 107) - 0.5) * 0.9
            if px < 2 or px > nx - 3 or pz < 2 or pz > nz - 3 or py < 6 or py > ny - 2:
                break
            ix, iy, iz = int(px), int(py), int(pz)
            top = heights[x0 + ix, z0 + iz]
            if iy >= top - 4:
                continue
            for dx in range(-1, 2):
                for dy in range(-1, 2):
                    for dz in range(-1, 2):
                        xx, yy, zz = x0 + ix + dx, iy + dy, z0 + iz + dz
                        if blocks[xx, yy, zz] != ids[BEDROCK]:
                            blocks[xx, yy, zz] = ids[LAVA] if yy <= 10 else ids[AIR]
            if iy > 11 and hash3(wx0 + s, w, wz0 + 3, seed + 108) < 0.04:
                blocks[x0 + ix, iy + 1, z0 + iz] = ids[WEB]  # cobwebs hang in cave tunnels
            if iy <= 10:
                blocks[x0 + ix, max(iy - 2, 1), z0 + iz] = ids[OBSIDIAN]  # lava pools rest on obsidian
    # ores by depth: (block, attempts, y min, y max, cluster size)
    ore_table = ((COAL, 20, 5, 128, 8), (IRON, 16, 5, 64, 6), (GOLD, 2, 5, 32, 5),
                 (REDSTONE, 6, 5, 16, 5), (LAPIS, 1, 14, 30, 4), (DIAMOND, 1, 5, 16, 4),
                 (EMERALD, 1, 4, 32, 1))
    for o in range(len(ore_table)):
        ore, attempts, ylo, yhi, size = ore_table[o]
        if ore == EMERALD and biomes[x0 + nx // 2, z0 + nz // 2] != B_HILLS:
            continue
        for a in range(attempts):
            ox = x0 + 1 + int(hash3(wx0, a, wz0, seed + 200 + o) * (nx - 2))
            oz = z0 + 1 + int(hash3(wx0, a, wz0, seed + 300 + o) * (nz - 2))
            oy = ylo + int(hash3(wx0, a, wz0, seed + 400 + o) * (yhi - ylo))
            _cluster(blocks, ids, ox, oy, oz, ids[ore], size, seed + 500 + a)
    # trees and plants, kept 2 blocks inside the chunk
    for i in range(2, nx - 2):
        for k in range(2, nz - 2):
            x = x0 + i
            z = z0 + k
            wx = wx0 + i
            wz = wz0 + k
            h = heights[x, z]
            b = biomes[x, z]
            if h + 12 >= ny or h < SEA_LEVEL:
                if b == B_SWAMP and h == SEA_LEVEL - 1 and hash3(wx, 2, wz, seed + 600) < 0.04:
                    blocks[x, SEA_LEVEL + 1, z] = ids[LILY]
                continue
            r = hash3(wx, 3, wz, seed + 601)
            density = 0.0
            kind = 0
            if b == B_FOREST:
                density = 0.05
                kind = 2 if r < 0.012 else (5 if r < 0.016 else 0)
            elif b == B_BIRCH:
                density, kind = 0.05, 2
            elif b == B_TAIGA:
                density, kind = 0.045, 1
            elif b == B_JUNGLE:  # Minecraft 1.11: one jungle tree in ten is an oak (apples from its leaves)
                density, kind = 0.08, (0 if r < 0.008 else 3)
            elif b == B_SAVANNA:
                density, kind = 0.006, 4
            elif b == B_SWAMP:
                density, kind = 0.015, 0
            elif b == B_PLAINS:
                density, kind = 0.003, 0
            elif b == B_HILLS:
                density, kind = 0.01, 1
            elif b == B_ICE:
                density, kind = 0.002, 1
            top = blocks[x, h, z]
            if r < density and (top == ids[GRASS] or top == ids[DIRT]):
                _tree(blocks, ids, x, h + 1, z, kind, hash3(wx, 4, wz, seed + 602))
                if b == B_JUNGLE or b == B_SWAMP:
                    _vines(blocks, ids, x, z, wx, wz, seed)
                continue
            if blocks[x, h + 1, z] != ids[AIR]:
                continue
            p = hash3(wx, 5, wz, seed + 603)
            if (top == ids[GRASS] or top == ids[SAND]) and h == SEA_LEVEL and p < 0.2 and b != B_DESERT:
                # sugar cane beside water
                if blocks[x + 1, h, z] == ids[WATER] or blocks[x - 1, h, z] == ids[WATER] \
                        or blocks[x, h, z + 1] == ids[WATER] or blocks[x, h, z - 1] == ids[WATER]:
                    for dy in range(1, 2 + int(p * 10.0) % 3):
                        blocks[x, h + dy, z] = ids[REEDS]
                    continue
            if top == ids[GRASS] and p > 0.985:
                # a small wild crop patch (ripe wheat, potatoes, carrots or beetroots on farmland)
                crop = (WHEAT, POTATOES, CARROTS, BEETROOTS)[int(hash3(wx, 6, wz, seed + 604) * 4.0)]
                for dx in range(-1, 2):
                    for dz in range(-1, 2):
                        if blocks[x + dx, h, z + dz] == ids[GRASS] and blocks[x + dx, h + 1, z + dz] == ids[AIR]:
                            blocks[x + dx, h, z + dz] = ids[FARMLAND]
                            blocks[x + dx, h + 1, z + dz] = ids[crop]
                continue
            if top == ids[GRASS]:
                if p < 0.10 and b != B_ICE:
                    blocks[x, h + 1, z] = ids[TALLGRASS]
                elif p < 0.115:
                    blocks[x, h + 1, z] = ids[YFLOWER] if p < 0.108 else ids[RFLOWER]
                elif p < 0.1165 and (b == B_PLAINS or b == B_FOREST):
                    blocks[x, h + 1, z] = ids[PUMPKIN]
                elif p < 0.13 and b == B_JUNGLE:
                    blocks[x, h + 1, z] = ids[MELON]
                elif p < 0.135 and b == B_SWAMP:
                    blocks[x, h + 1, z] = ids[BMUSH] if p < 0.13 else ids[RMUSH]
            elif top == ids[SAND] and b == B_DESERT:
                if p < 0.006:
                    for dy in range(1, 4):
                        blocks[x, h + dy, z] = ids[CACTUS]
                elif p < 0.012:
                    blocks[x, h + 1, z] = ids[DEADBUSH]
            elif top == ids[MYCELIUM] and p < 0.03:
                blocks[x, h + 1, z] = ids[RMUSH] if p < 0.015 else ids[BMUSH]
    if nx == CHUNK and nz == CHUNK and has_village(wx0 // CHUNK, wz0 // CHUNK, seed, biomes[x0 + 8, z0 + 8],
                                                   heights[x0 + 8, z0 + 8]):
        _village(blocks, heights, ids, x0, z0, wx0, wz0, seed, biomes[x0 + 8, z0 + 8])


@njit(cache=True)
def has_village(ci, ck, seed, biome, height):
    """Villages (optional in the spec): 1 dry plains / savanna / desert chunk in 20 holds a small one."""
    if biome != B_PLAINS and biome != B_SAVANNA and biome != B_DESERT:
        return False
    if height <= SEA_LEVEL or height + 12 >= WORLD_HEIGHT:
        return False
    return hash3(ci, ck, 17, seed + 700) < 0.05


@njit(cache=True)
def _village(blocks, heights, ids, x0, z0, wx0, wz0, seed, biome):
    """A house (cobblestone floor, plank walls and roof, glass windows, a door gap, a crafting table)
    and a crop field watered by a channel, levelled at the chunk centre's height."""
    base = heights[x0 + 8, z0 + 8]
    wall = ids[SANDSTONE] if biome == B_DESERT else ids[PLANKS]
    # level the plot: ground at base over the 12 x 12 interior
    for i in range(2, 14):
        for k in range(2, 14):
            x = x0 + i
            z = z0 + k
            for y in range(base + 1, min(base + 14, blocks.shape[1])):
                blocks[x, y, z] = ids[AIR]
            for y in range(max(base - 3, 1), base):
                if blocks[x, y, z] == ids[AIR] or blocks[x, y, z] == ids[WATER]:
                    blocks[x, y, z] = ids[DIRT]
            blocks[x, base, z] = ids[SAND] if biome == B_DESERT else ids[GRASS]
            heights[x, z] = base
    # house: 5 x 5 footprint at (3..7, 3..7)
    for i in range(3, 8):
        for k in range(3, 8):
            x = x0 + i
            z = z0 + k
            blocks[x, base, z] = ids[COBBLESTONE]
            edge = i == 3 or i == 7 or k == 3 or k == 7
            for dy in range(1, 4):
                blocks[x, base + dy, z] = wall if edge else ids[AIR]
            blocks[x, base + 4, z] = wall
    blocks[x0 + 5, base + 1, z0 + 3] = ids[AIR]  # door gap facing -z
    blocks[x0 + 5, base + 2, z0 + 3] = ids[AIR]
    blocks[x0 + 3, base + 2, z0 + 5] = ids[GLASS]
    blocks[x0 + 7, base + 2, z0 + 5] = ids[GLASS]
    blocks[x0 + 6, base + 1, z0 + 6] = ids[CRAFTING_TABLE]
    # field: crops at (9..13, 4..12) with a water channel along i = 11
    crop = (WHEAT, CARROTS, POTATOES, BEETROOTS)[int(hash3(wx0, 5, wz0, seed + 701) * 4.0)]
    for i in range(9, 14):
        for k in range(4, 13):
            x = x0 + i
            z = z0 + k
            if i == 11:
                blocks[x, base, z] = ids[WATER]
            else:
                blocks[x, base, z] = ids[FARMLAND]
                blocks[x, base + 1, z] = ids[crop] if (k + i) % 5 != 0 else ids[WHEAT]


@njit(cache=True)
def generate_nether_chunk(blocks, heights, biomes, ids, x0, z0, wx0, wz0, seed):
    """A simplified nether: netherrack floor and ceiling, a lava sea at y 31, glowstone, quartz, soul sand."""
    nx = min(CHUNK, blocks.shape[0] - x0)
    nz = min(CHUNK, blocks.shape[2] - z0)
    ny = blocks.shape[1]
    for i in range(nx):
        for k in range(nz):
            wx = wx0 + i
            wz = wz0 + k
            x = x0 + i
            z = z0 + k
            floor = int(34 + 8 * fbm2(wx, wz, seed + 801, 3, 24.0))
            ceil = int(96 + 10 * fbm2(wx, wz, seed + 802, 3, 20.0))
            heights[x, z] = floor
            biomes[x, z] = 8
            blocks[x, 0, z] = ids[BEDROCK]
            blocks[x, ny - 1, z] = ids[BEDROCK]
            for y in range(1, ny - 1):
                if y <= floor or y >= ceil:
                    v = ids[NETHERRACK]
                    if y == floor and fbm2(wx, wz, seed + 803, 2, 12.0) > 0.4:
                        v = ids[SOULSAND]
                    elif hash3(wx, y, wz, seed + 804) < 0.01:
                        v = ids[QUARTZ]
                    elif y == ceil and hash3(wx, y, wz, seed + 805) < 0.02:
                        v = ids[GLOWSTONE]
                    blocks[x, y, z] = v
                elif y <= 31:
                    blocks[x, y, z] = ids[LAVA]
    # one chunk in five holds a piece of a nether fortress: a nether-brick floor with a soul-sand bed of
    # ripe nether wart (Minecraft 1.11 grows wart only in fortress stairwells; the rest is left out)
    if hash3(wx0, 11, wz0, seed + 810) < 0.2 and nx >= 9 and nz >= 9:
        cx = x0 + 4 + int(hash3(wx0, 12, wz0, seed + 811) * (nx - 8))
        cz = z0 + 4 + int(hash3(wx0, 13, wz0, seed + 812) * (nz - 8))
        fy = heights[cx, cz] + 1
        if fy > 32 and fy + 4 < ny - 1:
            for i in range(-3, 4):
                for k in range(-3, 4):
                    blocks[cx + i, fy - 1, cz + k] = ids[NETHER_BRICK]
                    for y in range(fy, fy + 4):
                        blocks[cx + i, y, cz + k] = ids[AIR]
            for i in range(-1, 2):
                blocks[cx + i, fy - 1, cz] = ids[SOULSAND]
                blocks[cx + i, fy, cz] = ids[NETHER_WART]


@njit(cache=True)
def generate_end_chunk(blocks, heights, biomes, ids, x0, z0, wx0, wz0, cx, cz, seed):
    """A simplified end: one end-stone island around (cx, cz) with obsidian pillars, void elsewhere."""
    nx = min(CHUNK, blocks.shape[0] - x0)
    nz = min(CHUNK, blocks.shape[2] - z0)
    for i in range(nx):
        for k in range(nz):
            wx = wx0 + i
            wz = wz0 + k
            x = x0 + i
            z = z0 + k
            d = np.sqrt((wx - cx) ** 2 + (wz - cz) ** 2)
            biomes[x, z] = 9
            edge = 70.0 + 8.0 * fbm2(wx, wz, seed + 901, 2, 16.0)
            if d < edge:
                top = 60 + int(3 * fbm2(wx, wz, seed + 902, 2, 20.0))
                depth = int(25 * np.sqrt(max(0.0, 1.0 - d / edge))) + 1
                for y in range(max(top - depth, 1), top + 1):
                    blocks[x, y, z] = ids[END_STONE]
                heights[x, z] = top
                # pillars on a ring
                ang = np.arctan2(wz - cz, wx - cx)
                sector = np.floor((ang + np.pi) / (2 * np.pi) * 10.0)
                pcx = cx + 40.0 * np.cos((sector + 0.5) / 10.0 * 2 * np.pi - np.pi)
                pcz = cz + 40.0 * np.sin((sector + 0.5) / 10.0 * 2 * np.pi - np.pi)
                if (wx - pcx) ** 2 + (wz - pcz) ** 2 < 9.0:
                    ph = top + 15 + int(hash3(int(sector), 0, 0, seed + 903) * 20)
                    for y in range(top + 1, min(ph, blocks.shape[1] - 1)):
                        blocks[x, y, z] = ids[OBSIDIAN]
                    heights[x, z] = min(ph, blocks.shape[1] - 1) - 1
            else:
                heights[x, z] = 0


class TerrainGenerator:
    """Generates chunks of one dimension for one seed into caller-owned arrays.

    ``blocks`` is ``uint8[X, 128, Z]`` with array x/z = world x/z minus ``origin``; ``heights`` and
    ``biomes`` are ``int16[X, Z]`` per column. ``generated`` (bool per chunk) records what exists.
    """

    def __init__(self, seed: int, dimension: str = "overworld", biome: str | None = None,
                 origin: tuple[int, int] = (0, 0)) -> None:
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}; accepted: {DIMENSIONS}")
        if biome is not None and biome not in BIOME_IDS:
            raise UnknownBiomeError(f"unknown biome {biome!r}; accepted: {sorted(BIOME_IDS)}")
        if biome == "nether":
            dimension = "nether"
        elif biome == "the_end":
            dimension = "end"
        self.seed = int(seed) & 0x7FFFFFFF
        self.dimension = dimension
        self.forced_biome = -1 if (biome is None or dimension != "overworld") else BIOME_IDS[biome]
        self.origin = origin
        self.ids = block_id_table()

    def village_at(self, ci: int, ck: int, biomes: np.ndarray, heights: np.ndarray) -> bool:
        """Does generated chunk (ci, ck) hold a village (its centre column decides)?"""
        if self.dimension != "overworld":
            return False
        x, z = ci * CHUNK + 8, ck * CHUNK + 8
        return bool(has_village((self.origin[0] + ci * CHUNK) // CHUNK, (self.origin[1] + ck * CHUNK) // CHUNK,
                                self.seed, biomes[x, z], heights[x, z]))

    def generate_chunk(self, blocks: np.ndarray, heights: np.ndarray, biomes: np.ndarray, ci: int, ck: int,
                       end_center: tuple[int, int] = (0, 0)) -> None:
        """Fill chunk (ci, ck) of the arrays (array chunk coordinates)."""
        x0, z0 = ci * CHUNK, ck * CHUNK
        wx0, wz0 = self.origin[0] + x0, self.origin[1] + z0
        if self.dimension == "overworld":
            generate_overworld_chunk(blocks, heights, biomes, self.ids, x0, z0, wx0, wz0, self.seed, self.forced_biome)
        elif self.dimension == "nether":
            generate_nether_chunk(blocks, heights, biomes, self.ids, x0, z0, wx0, wz0, self.seed)
        else:
            generate_end_chunk(blocks, heights, biomes, self.ids, x0, z0, wx0, wz0, end_center[0], end_center[1], self.seed)
