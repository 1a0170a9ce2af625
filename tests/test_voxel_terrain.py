"""Terrain generation and the derived Minecraft catalog."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from embodied_gym.procgen.catalog.minecraft import CATALOG_PATH, load_catalog
from embodied_gym.procgen.terrain import BIOME_IDS, CHUNK, TerrainGenerator, UnknownBiomeError


def _grid(n_chunks: int = 8):
    size = n_chunks * CHUNK
    return (np.zeros((size, 128, size), np.uint8), np.zeros((size, size), np.int16), np.zeros((size, size), np.int16))


def test_chunks_do_not_depend_on_generation_order():
    gen = TerrainGenerator(42)
    a, ha, ba = _grid(4)
    b, hb, bb = _grid(4)
    order = [(i, k) for i in range(4) for k in range(4)]
    for i, k in order:
        gen.generate_chunk(a, ha, ba, i, k)
    for i, k in reversed(order):
        gen.generate_chunk(b, hb, bb, i, k)
    assert np.array_equal(a, b) and np.array_equal(ha, hb) and np.array_equal(ba, bb)


def test_world_features():
    cat = load_catalog()
    gen = TerrainGenerator(7)
    blocks, heights, biomes = _grid(16)
    for i in range(16):
        for k in range(16):
            gen.generate_chunk(blocks, heights, biomes, i, k)
    names = {cat.block_names[v] for v in np.unique(blocks)}
    for expected in ("bedrock", "stone", "dirt", "grass", "water", "log", "leaves", "coal_ore", "iron_ore",
                     "diamond_ore", "tallgrass"):
        assert expected in names, expected
    assert (blocks[:, 0, :] == cat.block_id("bedrock")).all()
    diamond_y = np.nonzero(blocks == cat.block_id("diamond_ore"))[1]
    assert diamond_y.size and diamond_y.max() <= 17, "diamonds only deep down"
    coal_y = np.nonzero(blocks == cat.block_id("coal_ore"))[1]
    assert coal_y.max() > 40
    assert len(np.unique(biomes)) >= 3


def test_every_overworld_biome_can_be_forced():
    cat = load_catalog()
    for name in ("plains", "forest", "birch_forest", "taiga", "desert", "savanna", "jungle", "swampland",
                 "extreme_hills", "ice_plains", "beach", "river", "ocean", "mushroom_island"):
        blocks, heights, biomes = _grid(2)
        gen = TerrainGenerator(1, biome=name)
        gen.generate_chunk(blocks, heights, biomes, 0, 0)
        assert (biomes[:16, :16] == BIOME_IDS[name]).all()
        if name == "desert":
            assert cat.block_id("sand") in blocks
        if name == "mushroom_island":
            assert cat.block_id("mycelium") in blocks


def test_unknown_biome_lists_accepted():
    with pytest.raises(UnknownBiomeError, match="plains"):
        TerrainGenerator(1, biome="candyland")
    with pytest.raises(ValueError, match="overworld"):
        TerrainGenerator(1, dimension="moon")


def test_chunks_load_as_the_player_walks():
    from embodied_gym.envs.voxel.env import VoxelEnv

    env = VoxelEnv(image_size=64)
    env.reset(seed=0)
    w = env.world
    assert w.size >= 256 and w.blocks.shape[1] == 128
    before = int(w.chunk_done.sum())
    w.player.pos[0] += 40
    w._ensure_chunks(w.player.pos[0], w.player.pos[2])
    assert int(w.chunk_done.sum()) > before


def test_catalog_counts_and_facts():
    cat = load_catalog()
    assert len(cat.item_names) == 392
    assert sum(len(v) for v in cat.smelting.values()) >= 40
    assert cat.stack_size[cat.item_id("ender_pearl")] == 16 and cat.stack_size[cat.item_id("log")] == 64
    assert cat.durability[cat.item_id("wooden_pickaxe")] == 59
    assert cat.hardness[cat.block_id("obsidian")] == 50.0 and cat.hardness[cat.block_id("bedrock")] < 0
    assert cat.item("cooked_beef")["food"] == [8, 12.8]
    assert cat.item("diamond_chestplate")["armor"] == 8
    assert cat.drops[cat.block_id("stone")][0] == "cobblestone"


def test_catalog_file_is_rebuilt_identically(tmp_path, reference_data):
    out = tmp_path / "cat.json"
    script = CATALOG_PATH.parents[2] / "scripts" / "build_minecraft_catalog.py"
    subprocess.run([sys.executable, str(script), "--source", str(reference_data / "minedojo" / "mc_constants.json"),
                    "--out", str(out)], check=True, capture_output=True)
    assert json.loads(out.read_text()) == json.loads(CATALOG_PATH.read_text())


def test_villages_have_a_house_a_field_and_a_villager():
    from embodied_gym.envs.voxel.env import VoxelEnv
    from embodied_gym.envs.voxel.tasks.spec import TaskSpec

    env = VoxelEnv(task=TaskSpec(task_id="v", category="harvest", prompt="p", specified_biome="plains"), image_size=64)
    env.reset(seed=0)
    w = env.world
    assert w.villages, "plains worlds hold villages"
    x, y, z = (int(v) for v in w.villages[0])
    cat = w.cat
    assert w.block_at(x + 1, y, z + 1) == "crafting_table"
    assert w.block_at(x, y - 1, z) == "cobblestone"
    field = {cat.block_names[b] for b in np.unique(w.blocks[x + 3:x + 9, y, z - 2:z + 8])}
    assert field & {"wheat", "carrots", "potatoes", "beetroots"}
    assert sum(e["name"] == "villager" for e in w.entities()) == len(w.villages)
