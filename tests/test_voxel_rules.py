"""Game rules users depend on: mining, tools, the recipe chain, smelting, buckets, mobs, fall, drowning."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.envs.voxel.env import VoxelEnv
from embodied_gym.envs.voxel.mobs import mob_id
from voxel_helpers import FLOOR, act, arena, craft_index, flat_env, give


@pytest.fixture(scope="module")
def env() -> VoxelEnv:
    return flat_env(seed=3)


def _fresh(env: VoxelEnv) -> tuple[int, int]:
    env.reset(seed=3)
    return arena(env)


def _mine(env, n_ticks: int) -> None:
    for _ in range(n_ticks):
        env.step(act(fn=3))


def test_log_by_hand_takes_60_ticks_and_gives_a_log(env):
    x, z = _fresh(env)
    w = env.world
    w.set_block(x, FLOOR + 2, z + 1, "log")  # at eye height, one block ahead
    _mine(env, 59)
    assert w.block_at(x, FLOOR + 2, z + 1) == "log", "a log by hand breaks in 60 ticks (hardness 2 / 30)"
    _mine(env, 1)
    assert w.block_at(x, FLOOR + 2, z + 1) == "air"
    for _ in range(30):  # the drop falls next to the player and is picked up
        env.step(act())
    info = w.task_info()
    assert info["inventory"].get("log") == 1
    assert info["stat"]["mine_block"]["log"] == 1


@pytest.mark.parametrize("tool, breaks_at, drops", [("wooden_pickaxe", 150, False), ("stone_pickaxe", 23, True)])
def test_iron_ore_needs_a_stone_pickaxe(env, tool, breaks_at, drops):
    x, z = _fresh(env)
    w = env.world
    give(env, tool, 1, slot=0)
    w.set_block(x, FLOOR + 2, z + 1, "iron_ore")
    _mine(env, breaks_at - 1)
    assert w.block_at(x, FLOOR + 2, z + 1) == "iron_ore"
    _mine(env, 1)
    assert w.block_at(x, FLOOR + 2, z + 1) == "air"
    for _ in range(30):
        env.step(act())
    assert (w.task_info()["inventory"].get("iron_ore", 0) == 1) == drops


def test_stopping_the_attack_resets_mining_progress(env):
    x, z = _fresh(env)
    w = env.world
    w.set_block(x, FLOOR + 2, z + 1, "log")
    _mine(env, 40)
    env.step(act())
    _mine(env, 40)
    assert w.block_at(x, FLOOR + 2, z + 1) == "log"


def test_plank_stick_table_pickaxe_chain(env):
    _fresh(env)
    w = env.world
    give(env, "log", 3)
    for _ in range(3):
        env.step(act(fn=4, craft=craft_index(env, "planks")))
    inv = w.task_info()["inventory"]
    assert inv == {"planks": 12}
    env.step(act(fn=4, craft=craft_index(env, "stick")))
    env.step(act(fn=4, craft=craft_index(env, "crafting_table")))
    inv = w.task_info()["inventory"]
    assert inv == {"planks": 6, "stick": 4, "crafting_table": 1}
    # a wooden pickaxe needs a crafting table nearby: without one nothing changes
    before = w.inventory.state()
    env.step(act(fn=4, craft=craft_index(env, "wooden_pickaxe")))
    after = w.inventory.state()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    # place the table (look down at the floor ahead) and craft again
    slot = int(np.flatnonzero(w.inventory.item == w.cat.item_id("crafting_table"))[0])
    w.player.pitch = 60.0
    env.step(act(fn=6, slot=slot))
    assert env.world.nearby_tools()[0]
    obs, *_ = env.step(act(fn=4, craft=craft_index(env, "wooden_pickaxe")))
    inv = w.task_info()["inventory"]
    assert inv == {"planks": 3, "stick": 2, "wooden_pickaxe": 1}
    assert w.task_info()["stat"]["craft_item"]["wooden_pickaxe"] == 1
    assert obs["nearby_tools"]["table"]


def test_smelting_iron_needs_furnace_and_fuel(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "iron_ore", 2)
    smelt = craft_index(env, "iron_ingot")
    env.step(act(fn=4, craft=smelt))
    assert w.task_info()["inventory"] == {"iron_ore": 2}, "no furnace: nothing happens"
    w.set_block(x + 1, FLOOR + 1, z, "furnace")
    env.step(act(fn=4, craft=smelt))
    assert w.task_info()["inventory"] == {"iron_ore": 2}, "no fuel: nothing happens"
    give(env, "coal", 1)
    env.step(act(fn=4, craft=smelt))
    env.step(act(fn=4, craft=smelt))
    assert w.task_info()["inventory"] == {"iron_ingot": 2}, "one coal smelts up to 8 items"


def test_milking_a_cow_with_a_bucket(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "bucket", 1, slot=0)
    w.spawn_mob(mob_id("cow"), (x + 0.5, FLOOR + 1.0, z + 2.0))
    w.player.pitch = 20.0
    env.step(act(fn=1))
    assert w.task_info()["inventory"] == {"milk_bucket": 1}


def test_zombie_at_night_damages_the_player(env):
    x, z = _fresh(env)
    w = env.world
    w.day_time = 14000
    w.spawn_mob(mob_id("zombie"), (x + 0.5, FLOOR + 1.0, z + 3.5))
    for _ in range(80):
        env.step(act())
    assert w.player.health < 20
    assert w.task_info()["stat"]["damage_taken"]["mob"] > 0


def test_zombie_burns_in_daylight(env):
    x, z = _fresh(env)
    w = env.world
    m = w.spawn_mob(mob_id("zombie"), (x + 8.5, FLOOR + 1.0, z + 8.5))
    for _ in range(41):
        env.step(act())
    assert w.mob_health[m] < 20


@pytest.mark.parametrize("height, expected", [(3, 20.0), (10, 13.0)])
def test_fall_damage(env, height, expected):
    x, z = _fresh(env)
    w = env.world
    w.player.pos[1] = FLOOR + 1.0 + height
    w.player.on_ground = False
    for _ in range(60):
        env.step(act())
    assert w.player.pos[1] == pytest.approx(FLOOR + 1.0)
    assert w.player.health == pytest.approx(expected)


def test_drowning(env):
    x, z = _fresh(env)
    w = env.world
    w.blocks[x - 2:x + 3, FLOOR + 1:FLOOR + 5, z - 2:z + 3] = w.cat.block_id("water")
    w.version += 1
    for _ in range(300):
        env.step(act())
    assert w.player.health == 20.0 and w.player.oxygen <= 0
    for _ in range(60):
        env.step(act())
    assert w.player.health < 20.0
    obs, *_ = env.step(act())
    assert obs["life_stats"]["oxygen"][0] == 0


def test_lava_burns(env):
    x, z = _fresh(env)
    w = env.world
    w.blocks[x, FLOOR + 1, z] = w.cat.block_id("lava")
    w.version += 1
    for _ in range(20):
        env.step(act())
    assert w.player.health < 20.0


def test_death_terminates(env):
    x, z = _fresh(env)
    w = env.world
    w.player.pos[1] = FLOOR + 40.0
    terminated = False
    for _ in range(200):
        *_, terminated, truncated, info = env.step(act())
        if terminated:
            break
    assert terminated and not w.player.alive


def test_place_and_destroy_and_equip(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "dirt", 5, slot=3)
    give(env, "iron_helmet", 1, slot=4)
    w.player.pitch = 60.0
    env.step(act(fn=6, slot=3))
    assert w.task_info()["inventory"]["dirt"] == 4
    assert (w.blocks[x - 2:x + 3, FLOOR + 1, z - 2:z + 3] == w.cat.block_id("dirt")).sum() == 1
    obs, *_ = env.step(act(fn=5, slot=4))
    assert obs["life_stats"]["armor"][0] == 2.0
    env.step(act(fn=5, slot=3))
    assert w.inventory.held == w.cat.item_id("dirt")
    env.step(act(fn=7, slot=0))
    assert "dirt" not in w.task_info()["inventory"]


def test_eating_restores_food(env):
    _fresh(env)
    w = env.world
    give(env, "cooked_beef", 2, slot=0)
    w.player.food = 10
    for _ in range(32):
        env.step(act(fn=1))
    assert w.player.food == 18
    assert w.task_info()["stat"]["use_item"]["cooked_beef"] == 1


def test_shearing_a_sheep_gives_wool(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "shears", 1, slot=0)
    w.spawn_mob(mob_id("sheep"), (x + 0.5, FLOOR + 1.0, z + 2.0))
    w.player.pitch = 20.0
    env.step(act(fn=1))
    for _ in range(30):
        env.step(act())
    assert w.task_info()["inventory"].get("wool", 0) >= 1


def test_killing_a_pig_counts_and_drops(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "diamond_sword", 1, slot=0)
    m = w.spawn_mob(mob_id("pig"), (x + 0.5, FLOOR + 1.0, z + 1.8))
    w.mob_params = w.mob_params.copy()
    w.mob_params[mob_id("pig"), 1] = 0.0  # keep it still for the test
    w.player.pitch = 30.0
    env.step(act(fn=3))
    env.step(act(fn=3))
    assert w.mob_alive[m] and w.mob_health[m] == 3, "one hit, then 10 ticks of invulnerability"
    for _ in range(10):
        env.step(act(fn=3))
    assert not w.mob_alive[m]
    assert w.task_info()["stat"]["kill_entity"] == {"pig": 1}
    for _ in range(30):
        env.step(act())
    assert w.task_info()["inventory"].get("porkchop", 0) >= 1


def test_tool_uses_are_counted_for_techtree_rules(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "wooden_pickaxe", 1, slot=0)
    give(env, "iron_helmet", 1, slot=5)
    w.set_block(x, FLOOR + 2, z + 1, "dirt")
    _mine(env, 20)
    env.step(act(fn=5, slot=5))
    uses = w.task_info()["stat"]["use_item"]
    assert uses["wooden_pickaxe"] == 1 and uses["iron_helmet"] == 1
    assert w.inventory.damage[0] == 1, "one block costs the tool one durability point"


def test_creeper_explodes_and_breaks_blocks(env):
    x, z = _fresh(env)
    w = env.world
    w.spawn_mob(mob_id("creeper"), (x + 0.5, FLOOR + 1.0, z + 2.5))
    for _ in range(40):
        env.step(act())
    assert not w.mob_alive.any()
    assert w.player.health < 20
    assert (w.blocks[x - 3:x + 4, FLOOR - 2:FLOOR + 1, z - 1:z + 6] == 0).any(), "the blast leaves a crater"


def test_skeleton_shoots_from_range(env):
    x, z = _fresh(env)
    w = env.world
    w.day_time = 14000
    w.spawn_mob(mob_id("skeleton"), (x + 0.5, FLOOR + 1.0, z + 7.5))
    for _ in range(200):
        env.step(act())
    assert w.task_info()["stat"]["damage_taken"].get("arrow", 0) > 0


def test_skeleton_cannot_shoot_through_a_wall(env):
    x, z = _fresh(env)
    w = env.world
    w.day_time = 14000
    for dx in range(-3, 4):  # a stone wall between the player and the skeleton, higher than both
        for dy in range(0, 5):
            w.set_block(x + dx, FLOOR + 1 + dy, z + 3, "stone")
    w.spawn_mob(mob_id("skeleton"), (x + 0.5, FLOOR + 1.0, z + 7.5))
    for _ in range(200):
        env.step(act())
    assert w.task_info()["stat"]["damage_taken"].get("arrow", 0) == 0


def test_hostile_mobs_spawn_at_night_only(env):
    _fresh(env)
    w = env.world
    w.allow_spawn = True
    for _ in range(200):
        env.step(act())
    assert not any(e["name"] in ("zombie", "skeleton", "spider", "creeper") for e in w.entities())
    w.day_time = 14000
    for _ in range(200):
        env.step(act())
    hostile = [e for e in w.entities() if e["type"] == "mob"]
    assert hostile, "the dark spawns hostile mobs around the player"


def test_sleeping_in_a_bed_skips_the_night(env):
    x, z = _fresh(env)
    w = env.world
    w.set_block(x, FLOOR + 1, z + 1, "bed")
    w.player.pitch = 45.0
    w.day_time = 15000
    env.step(act(fn=1))
    assert w.day_time % 24000 < 100 and not w.is_night()


def test_passive_herds_come_back_after_the_hunt(env):
    _fresh(env)
    w = env.world
    w.allow_spawn = True
    w.time = 0
    for _ in range(600):
        env.step(act())
    passive = [e for e in w.entities() if e["type"] == "mob" and e["name"] in
               ("cow", "pig", "sheep", "chicken", "horse", "donkey", "llama", "rabbit", "wolf", "polar_bear", "mooshroom")]
    assert passive, "an emptied area gets a new herd"


def test_herd_cap_leaves_out_water_mobs_villagers_and_monsters(env):
    """Squid in a lake, a village's villagers and neutral monsters (endermen) must not stop land animals
    from coming (Minecraft's creature cap counts none of them); six land animals nearby do."""
    from embodied_gym.envs.voxel.world import HERD_CAP

    _fresh(env)
    w = env.world
    w.mob_alive[:] = False
    px, py, pz = w.player.pos
    for k in range(HERD_CAP):
        w.spawn_mob(mob_id("squid"), (px + 2.0 + k, py, pz + 3.0))
        w.spawn_mob(mob_id("villager"), (px - 2.0 - k, py, pz - 3.0))
    w.spawn_mob(mob_id("enderman"), (px + 4.0, py, pz + 4.0))
    assert int(w.herd_members().sum()) == 0
    for k in range(HERD_CAP):
        w.spawn_mob(mob_id("cow"), (px + 2.0 + k, py, pz - 5.0))
    assert int(w.herd_members().sum()) == HERD_CAP
    w.spawn_mob(mob_id("zombie"), (px, py, pz + 6.0))  # hostile mobs have their own cap
    assert int(w.herd_members().sum()) == HERD_CAP


def test_bow_shoots_arrows_at_range(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "bow", 1, slot=0)
    give(env, "arrow", 5)
    m = w.spawn_mob(mob_id("cow"), (x + 0.5, FLOOR + 1.0, z + 10.5))
    w.mob_params = w.mob_params.copy()
    w.mob_params[mob_id("cow"), 1] = 0.0
    w.player.pitch = 5.0
    for _ in range(45):
        env.step(act(fn=1))
    info = w.task_info()
    assert info["stat"]["use_item"]["bow"] == 3 and info["inventory"]["arrow"] == 2
    assert info["stat"]["kill_entity"] == {"cow": 1} and not w.mob_alive[m]


def test_mining_coal_gives_coal_and_maybe_experience(env):
    x, z = _fresh(env)
    w = env.world
    give(env, "wooden_pickaxe", 1, slot=0)
    w.set_block(x, FLOOR + 2, z + 1, "coal_ore")
    ticks, drops = w.break_ticks(w.cat.block_id("coal_ore"))
    assert drops and ticks == 45  # hardness 3, wooden pickaxe speed 2: 1 / (2 / 3 / 30)
    _mine(env, ticks)
    for _ in range(30):
        env.step(act())
    assert w.task_info()["inventory"].get("coal") == 1
    assert 0 <= w.player.xp <= 2
