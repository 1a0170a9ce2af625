"""More game rules MineDojo tasks depend on: flint from gravel, apples from leaves, armour put on with
the use action, repeaters and comparators placed from their items, eggs from chickens, crop seeds,
slimes deep in slime chunks, oak trees in jungles, nether portals."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.envs.voxel.env import VoxelEnv
from embodied_gym.envs.voxel.mobs import mob_id
from embodied_gym.envs.voxel.world import PORTAL_TICKS
from voxel_helpers import FLOOR, act, arena, flat_env, give


@pytest.fixture(scope="module")
def env() -> VoxelEnv:
    return flat_env(seed=5)


def _fresh(env: VoxelEnv) -> tuple[int, int]:
    env.reset(seed=5)
    return arena(env)


def _dropped(env: VoxelEnv) -> dict[str, int]:
    w = env.world
    out: dict[str, int] = {}
    for k in range(len(w.item_alive)):
        if w.item_alive[k]:
            name = w.cat.item_names[int(w.item_id[k])]
            out[name] = out.get(name, 0) + int(w.item_count[k])
    return out


def _break_many(env: VoxelEnv, block: str, variant: int, n: int) -> dict[str, int]:
    """Mine ``block`` ``n`` times with the attack action (bare hand), collecting what drops."""
    x, z = _fresh(env)
    w = env.world
    w.player.pitch = 60.0  # the ground block one step ahead
    totals: dict[str, int] = {}
    ticks, drops = w.break_ticks(w.cat.block_id(block, variant))
    assert drops and ticks > 0
    for _ in range(n):
        w.set_block(x, FLOOR, z + 1, block, variant)
        w.item_alive[:] = False
        for _ in range(ticks):
            w.step(act(fn=3))  # the world alone: no frames rendered
        assert w.block_at(x, FLOOR, z + 1) == "air"
        for name, count in _dropped(env).items():
            totals[name] = totals.get(name, 0) + count
    return totals


def test_gravel_sometimes_drops_flint(env):
    got = _break_many(env, "gravel", 0, 60)
    # Minecraft 1.11: 1 in 10 gravel drops flint instead of itself
    assert 1 <= got.get("flint", 0) <= 20 and got.get("gravel", 0) >= 40
    assert got.get("flint", 0) + got.get("gravel", 0) == 60


def test_oak_leaves_drop_apples_but_spruce_leaves_do_not(env):
    oak = _break_many(env, "leaves", 0, 300)
    spruce = _break_many(env, "leaves", 1, 150)
    assert oak.get("apple", 0) >= 1  # 2 % here (Minecraft: 0.5 %)
    assert "apple" not in spruce


def test_armour_is_put_on_with_the_use_action_and_counted(env):
    _fresh(env)
    w = env.world
    give(env, "iron_chestplate", 1, slot=0)
    env.step(act(fn=1))
    inv = w.inventory
    assert w.cat.item_names[int(inv.eq_item[3])] == "iron_chestplate"  # EQUIPMENT_ORDER[3] == "chest"
    assert w.stats["use_item"] == {"iron_chestplate": 1}
    assert inv.armor_points() == 6.0 and "iron_chestplate" not in [w.cat.item_names[int(i)] for i in inv.item]
    # Minecraft 1.11: with that slot already taken the use action does nothing
    give(env, "diamond_chestplate", 1, slot=0)
    env.step(act(fn=1))
    assert w.cat.item_names[int(inv.eq_item[3])] == "iron_chestplate"
    assert w.cat.item_names[inv.held] == "diamond_chestplate" and "diamond_chestplate" not in w.stats["use_item"]


@pytest.mark.parametrize("item, block", [("repeater", "unpowered_repeater"), ("comparator", "unpowered_comparator")])
def test_redstone_components_are_placed_as_their_blocks(env, item, block):
    x, z = _fresh(env)
    w = env.world
    give(env, item, 2, slot=0)
    w.player.pitch = 60.0
    env.step(act(fn=1))  # the use action on the ground places it, like the place action
    assert w.block_at(x, FLOOR + 1, z + 1) == block
    assert w.stats["use_item"] == {item: 1} and w.inventory.qty[0] == 1
    # and breaking it gives the item back
    for _ in range(60):
        env.step(act(fn=3))
        if w.block_at(x, FLOOR + 1, z + 1) == "air":
            break
    assert w.block_at(x, FLOOR + 1, z + 1) == "air" and _dropped(env).get(item) == 1


def test_chickens_lay_eggs(env):
    x, z = _fresh(env)
    w = env.world
    for k in range(4):
        w.spawn_mob(mob_id("chicken"), (x + 4.5 + k, FLOOR + 1.0, z + 6.5))
    for _ in range(9000):
        w.step(act())
    eggs = _dropped(env).get("egg", 0) + w.task_info()["inventory"].get("egg", 0)
    # Minecraft: one egg every 6,000-12,000 ticks per chicken, 4 chickens x 9,000 ticks ~ 4 eggs
    assert 1 <= eggs <= 12


def test_ripe_beetroots_drop_their_seeds_too(env):
    got = _break_many(env, "beetroots", 0, 30)
    assert got.get("beetroot") == 30 and 10 <= got.get("beetroot_seeds", 0) <= 80  # 0-3 each (Minecraft 1.11)


def test_slimes_spawn_by_day_only_deep_in_slime_chunks():
    import numpy as np
    from embodied_gym.envs.voxel.world import SLIME_MAX_Y, VoxelWorld

    w = VoxelWorld(256)
    w.reset(0)
    slime = mob_id("slime")
    seen_y = []
    before = w.mob_alive.copy()
    for _ in range(12000):
        w.step(act())
        new = w.mob_alive & ~before & (w.mob_kind == slime)
        seen_y += [float(y) for y in w.mob_pos[new, 1]]
        before = w.mob_alive.copy()
        w.player.health = 20.0
        if w.time % 100 == 0:
            w.mob_alive[w.mob_kind == slime] = False  # make room under the cave cap
    assert seen_y and max(seen_y) < SLIME_MAX_Y and not w.is_night()
    assert np.all(np.array(seen_y) >= 1)


def test_jungles_have_some_oak_trees_for_apples():
    from embodied_gym.envs.voxel.tasks.coverage import _sampled_area

    _, _, variants = _sampled_area("jungle")
    assert ("leaves", 3) in variants and ("leaves", 0) in variants


def _portal_frame(env: VoxelEnv, x: int, z: int) -> None:
    """An obsidian frame along x whose 2 x 3 opening is (x..x+1, FLOOR+1..FLOOR+3, z+1)."""
    w = env.world
    for i in range(-1, 3):
        for j in range(0, 5):
            if i in (-1, 2) or j in (0, 4):
                w.set_block(x + i, FLOOR + j, z + 1, "obsidian")


def test_a_lit_obsidian_frame_takes_the_player_to_the_nether_and_back(env):
    x, z = _fresh(env)
    w = env.world
    _portal_frame(env, x, z)
    give(env, "flint_and_steel", 1, slot=0)
    w.player.pitch = 60.0  # the frame's bottom obsidian, inside the opening
    env.step(act(fn=1))
    assert w.stats["use_item"] == {"flint_and_steel": 1}
    assert all(w.block_at(x + i, FLOOR + 1 + j, z + 1) == "portal" for i in range(2) for j in range(3))
    overworld = w.blocks.copy()
    w.player.pos[2] = z + 1.5  # step into the portal
    for _ in range(PORTAL_TICKS - 1):
        env.step(act())
    assert w.dimension == "overworld"
    env.step(act())
    assert w.dimension == "nether" and w.player.alive
    feet = tuple(int(v) for v in w.player.pos)
    assert w.block_at(*feet) == "portal" and w.block_at(feet[0], feet[1] - 1, feet[2]) == "obsidian"
    assert (w.blocks == w.cat.block_id("netherrack")).sum() > 100_000
    for _ in range(100):  # arriving in a portal does not send the player straight back
        env.step(act())
    assert w.dimension == "nether"
    w.player.pos[2] += 1.0  # step out ...
    env.step(act())
    w.player.pos[2] -= 1.0  # ... and back in
    for _ in range(PORTAL_TICKS):
        env.step(act())
    assert w.dimension == "overworld" and (w.blocks == overworld).all()
    assert w.block_at(*(int(v) for v in w.player.pos)) == "portal"



def test_an_incomplete_frame_does_not_light(env):
    x, z = _fresh(env)
    w = env.world
    _portal_frame(env, x, z)
    w.set_block(x + 2, FLOOR + 2, z + 1, "stone")  # one side block is not obsidian
    give(env, "flint_and_steel", 1, slot=0)
    w.player.pitch = 60.0
    env.step(act(fn=1))
    assert w.stats["use_item"] == {"flint_and_steel": 1} and not w.portals_lit
    assert w.block_at(x, FLOOR + 1, z + 1) == "air"


def test_a_state_saved_in_the_nether_restores_both_dimensions(env):
    from embodied_gym.envs.voxel.world import VoxelWorld

    x, z = _fresh(env)
    w = env.world
    _portal_frame(env, x, z)
    give(env, "flint_and_steel", 1, slot=0)
    w.player.pitch = 60.0
    w.step(act(fn=1))
    w.player.pos[2] = z + 1.5
    for _ in range(PORTAL_TICKS):
        w.step(act())
    assert w.dimension == "nether"
    twin = VoxelWorld(w.size)
    twin.set_state(w.get_state())
    for world in (w, twin):
        world.player.pos[2] += 1.0
        world.step(act())
        world.player.pos[2] -= 1.0
        for _ in range(PORTAL_TICKS + 20):
            world.step(act())
    assert w.dimension == twin.dimension == "overworld"
    assert (w.blocks == twin.blocks).all() and np.allclose(w.player.pos, twin.player.pos)
    assert (w.mob_alive == twin.mob_alive).all()


def test_fishing_lands_a_catch_only_during_a_bite(env):
    x, z = _fresh(env)
    w = env.world
    w.blocks[x - 3:x + 4, FLOOR, z + 2:z + 7] = w.cat.block_id("water")  # a pond ahead
    give(env, "fishing_rod", 1, slot=0)
    w.player.pitch = 30.0
    w.step(act(fn=1))  # cast
    p = w.player
    assert p.fish_bite_at >= w.time + 99 and 20 <= p.fish_bite_ticks <= 40
    w.step(act(fn=1))  # reeled in too early: nothing
    assert p.fish_bite_at == -1 and w.inventory.count(w.cat.item_id("fish")) == 0
    caught: dict[str, int] = {}
    for _ in range(60):
        w.step(act(fn=1))
        while w.time < p.fish_bite_at:
            w.step(act())
        before = w.inventory.counts().copy()
        w.step(act(fn=1))
        gained = np.flatnonzero(w.inventory.counts() > before)
        assert gained.size == 1 or w.inventory.held != w.cat.item_id("fishing_rod")
        for i in gained:
            caught[w.cat.item_names[int(i)]] = caught.get(w.cat.item_names[int(i)], 0) + 1
        if w.inventory.held != w.cat.item_id("fishing_rod"):
            break
    assert 40 <= caught.get("fish", 0) <= 60  # 85 % of the catches (Minecraft 1.11)
    assert w.stats["use_item"]["fishing_rod"] == 2 + 2 * 60


def test_nether_mobs_stand_on_the_cavern_floor_not_on_the_roof():
    from embodied_gym.envs.voxel.tasks.registry import get_spec
    from embodied_gym.envs.voxel.tasks.spec import TaskSpec
    from embodied_gym.envs.voxel.world import VoxelWorld

    w = VoxelWorld(256)
    w.reset(0, get_spec("combat_wither_skeleton_nether_diamond_armors_diamond_sword_shield"))
    target = np.flatnonzero(w.mob_alive & (w.mob_kind == mob_id("wither_skeleton")))
    assert target.size == 1 and abs(w.mob_pos[target[0], 1] - w.player.pos[1]) < 12
    w.reset(0, TaskSpec(task_id="nether", category="harvest", prompt="", specified_biome="nether"))
    for _ in range(600):  # the nether's own spawns
        w.step(act())
        w.player.health = 20.0
    ys = w.mob_pos[w.mob_alive, 1]
    assert w.mob_alive.sum() > 3 and ys.max() < 90  # the roof is at y ~96-106, the bedrock lid at 127
