"""Seeded Minecraft-like terrain, generated lazily chunk by chunk (numba kernels, plain arrays out).

``TerrainGenerator(seed, dimension, biome).generate_chunk(blocks, cx, cz)`` fills one 16 x 16 column
of a ``uint8`` block grid indexed ``[x, y, z]`` (y up, 128 high). Nothing here knows about gym, the
player or rendering.
"""

from .generator import (
    BIOME_IDS,
    CHUNK,
    DIMENSIONS,
    SEA_LEVEL,
    WORLD_HEIGHT,
    TerrainGenerator,
    UnknownBiomeError,
)

__all__ = ["BIOME_IDS", "CHUNK", "DIMENSIONS", "SEA_LEVEL", "WORLD_HEIGHT", "TerrainGenerator", "UnknownBiomeError"]
