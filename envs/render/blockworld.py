"""A small deterministic block world for the renderer's own tests and benchmarks.

Not the game's terrain generator (that lives in ``procgen/terrain``): it only has to exercise every
look the block world needs -- grass, dirt, stone, sand, water, ores in a cliff, a tree with leaves, a
glass-windowed hut -- from nothing but a seed, identically in every process.
"""

from __future__ import annotations

import numpy as np

from .materials import material_id
from .types import PartTable, RenderError, SceneStyle, VoxelScene

BLOCKS: tuple[str, ...] = (
    "air", "grass_block", "dirt", "stone", "sand", "water", "log", "leaves", "coal_ore", "iron_ore",
    "diamond_ore", "cobblestone", "planks", "block_glass", "bedrock", "gravel",
)
BLOCK_ID = {name: i for i, name in enumerate(BLOCKS)}


def block_parts() -> PartTable:
    """Part id == block id; semantic class == block id; instance 0 (blocks are not instances)."""
    mats = [0] + [material_id(name) for name in BLOCKS[1:]]
    return PartTable.build(mats, list(range(len(BLOCKS))), [0] * len(BLOCKS))


def block_style(view_distance: float = 32.0) -> SceneStyle:
    return SceneStyle(view_distance=view_distance, fog_start=0.6 * view_distance, ambient=0.5,
                      sun_strength=0.6, sun_direction=(0.4, 0.8, 0.3))


def block_test_scene(seed: int = 0, size: tuple[int, int, int] = (96, 48, 96),
                     view_distance: float = 32.0) -> VoxelScene:
    """Rolling terrain with a lake, a stone cliff with ores, trees and a hut; 1 m blocks.

    Surface height is about 20; a camera at (size_x/2, 22.6, size_z/2) stands on the ground.
    """
    nx, ny, nz = size
    if nx < 16 or nz < 16 or ny < 24:
        raise RenderError(f"block_test_scene needs size >= (16, 24, 16) blocks, got {size}")
    rng = np.random.default_rng(seed)
    grid = np.zeros(size, np.uint16)
    x = np.arange(nx)[:, None]
    z = np.arange(nz)[None, :]
    phases = rng.uniform(0, 2 * np.pi, 4)
    height = (20 + 2.5 * np.sin(x / 9.0 + phases[0]) * np.cos(z / 11.0 + phases[1])
              + 1.5 * np.sin((x + z) / 6.0 + phases[2]) + 1.0 * np.cos((x - 2 * z) / 13.0 + phases[3]))
    cliff = (x > nx * 0.7)
    height = np.where(cliff, height + 7 + (x - nx * 0.7) * 0.25, height)
    height = np.clip(np.round(height).astype(int), 3, ny - 12)
    sea = 19
    ys = np.arange(ny)[None, :, None]
    h3 = height[:, None, :]
    grid[ys < h3 - 3] = BLOCK_ID["stone"]
    grid[(ys >= h3 - 3) & (ys < h3)] = BLOCK_ID["dirt"]
    grid[ys == h3] = BLOCK_ID["grass_block"]
    grid[:, 0, :] = BLOCK_ID["bedrock"]
    cliff3 = np.broadcast_to(cliff[:, None, :], grid.shape)
    grid[cliff3 & (ys <= h3) & (ys > h3 - 4) & (ys > 0)] = BLOCK_ID["stone"]
    # ores: specks in stone
    stone = grid == BLOCK_ID["stone"]
    roll = rng.random(grid.shape)
    grid[stone & (roll < 0.03)] = BLOCK_ID["coal_ore"]
    grid[stone & (roll >= 0.03) & (roll < 0.045)] = BLOCK_ID["iron_ore"]
    grid[stone & (roll >= 0.045) & (roll < 0.05)] = BLOCK_ID["diamond_ore"]
    # lake: water where the surface lies under sea level, sand at its shore
    low = height < sea
    for xi, zi in zip(*np.nonzero(low), strict=True):
        h = height[xi, zi]
        grid[xi, h, zi] = BLOCK_ID["sand"]
        grid[xi, h + 1: sea + 1, zi] = BLOCK_ID["water"]
    shore = (height == sea) & ~cliff
    for xi, zi in zip(*np.nonzero(shore), strict=True):
        grid[xi, height[xi, zi], zi] = BLOCK_ID["sand"]
    # trees
    placed = 0
    for _ in range(200):
        if placed >= 9:
            break
        tx, tz = int(rng.integers(4, nx - 4)), int(rng.integers(4, nz - 4))
        h = int(height[tx, tz])
        if grid[tx, h, tz] != BLOCK_ID["grass_block"] or abs(tx - nx // 2) < 6 and abs(tz - nz // 2) < 6:
            continue
        trunk = int(rng.integers(4, 6))
        top = h + trunk
        for dx in range(-2, 3):
            for dz in range(-2, 3):
                for dy in range(-1, 2):
                    r = abs(dx) + abs(dz) + max(dy, 0) * 2
                    if r <= 3 and top + dy < ny:
                        grid[tx + dx, top + dy, tz + dz] = BLOCK_ID["leaves"]
        grid[tx, h + 1: top + 1, tz] = BLOCK_ID["log"]
        placed += 1
    # a cobblestone hut with plank roof and a glass window, 8 blocks in front of the centre camera
    hx, hz = nx // 2 - 3, nz // 2 + min(8, nz // 2 - 6)
    base = int(height[hx: hx + 7, hz: hz + 6].max())
    if base + 6 >= ny:
        return VoxelScene.from_dense(grid, block_parts(), voxel_size=1.0, brick=4,
                                     style=block_style(view_distance), class_names=BLOCKS)
    grid[hx: hx + 7, base + 1: base + 5, hz: hz + 6] = BLOCK_ID["cobblestone"]
    grid[hx + 1: hx + 6, base + 1: base + 5, hz + 1: hz + 5] = 0
    grid[hx: hx + 7, base + 5, hz: hz + 6] = BLOCK_ID["planks"]
    grid[hx + 2: hx + 5, base + 2: base + 4, hz] = BLOCK_ID["block_glass"]
    grid[hx + 3, base + 1: base + 3, hz + 5] = 0
    return VoxelScene.from_dense(grid, block_parts(), voxel_size=1.0, brick=4,
                                 style=block_style(view_distance), class_names=BLOCKS)



def eye_position(scene: VoxelScene, x: float, z: float, eye: float = 1.62) -> tuple[float, float, float]:
    """A standing eye position at (x, z): ``eye`` metres above the highest opaque block there."""
    ix, iz = int(np.floor(x)), int(np.floor(z))
    return (float(x), float(scene.top[ix, iz]) * scene.voxel_size + scene.origin[1] + eye, float(z))
