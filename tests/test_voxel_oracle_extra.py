"""The oracle's laid-item, fishing and nether-portal goals (agents/voxel_oracle_extra.py)."""

from __future__ import annotations

from types import SimpleNamespace

import embodied_gym  # noqa: F401
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.agents import voxel_oracle_extra as extra
from embodied_gym.agents.voxel_oracle import VoxelOracle
from embodied_gym.envs.voxel.ids import gym_id
from embodied_gym.envs.voxel.tasks.coverage import capabilities_for
from embodied_gym.envs.voxel.tasks.planning import PORTAL, graph_for, plan
from embodied_gym.envs.voxel.world import VoxelWorld


def solve(task_id: str, seed: int, give: dict[str, int] | None = None, limit: int | None = None):
    """Run the oracle through ``env.step``; ``give``: items put into the inventory after reset."""
    env = gym.make(gym_id(task_id), image_size=(32, 32))
    obs, info = env.reset(seed=seed)
    world = env.unwrapped.world
    for name, count in (give or {}).items():
        world.inventory.add(world.cat.item_id(name), count)
    oracle = VoxelOracle()
    oracle.reset(env, task_id, seed)
    steps, done = 0, False
    limit = limit or env.spec.max_episode_steps
    while not done and steps < limit:
        steps += 1
        obs, reward, terminated, truncated, info = env.step(oracle.act(obs, info))
        done = terminated or truncated
    env.close()
    return bool(info["success"]), steps, world, oracle


def test_egg_is_collected_from_a_laying_chicken():
    success, steps, world, oracle = solve("harvest_1_egg", seed=1)
    assert success, f"no egg in {steps} steps: {oracle.log[-5:]}"
    assert any("via collect chicken" in line for line in oracle.log)


def test_fish_is_caught_with_a_rod_in_hand():
    # the rod's string (spiders, cobwebs) is the general oracle's business; the cast and the
    # reel-in during the bite are this test's
    success, steps, world, oracle = solve("harvest_1_fish", seed=2, give={"fishing_rod": 1})
    assert success, f"no fish in {steps} steps: {oracle.log[-5:]}"
    assert world.stats["use_item"].get("fishing_rod", 0) >= 2  # cast and reeled in


def test_portal_is_built_lit_and_travelled_to_mine_in_the_nether():
    give = {"obsidian": 10, "flint_and_steel": 1, "stone_pickaxe": 1}
    success, steps, world, oracle = solve("harvest_8_netherrack", seed=7, give=give, limit=3000)
    assert success, f"not solved in {steps} steps: {oracle.log[-8:]}"
    assert world.dimension == "nether"
    assert any("portal lit" in line for line in oracle.log)
    assert world.other_dimension is not None  # the overworld, kept with its portal
    assert (world.other_dimension["blocks"] == world.id_portal).sum() == 6
    assert world.task_info()["inventory"].get("obsidian", 0) == 0  # all 10 went into the frame


@pytest.mark.slow
def test_glowstone_on_the_nether_roof_is_reached_by_climbing():
    give = {"obsidian": 10, "flint_and_steel": 1, "stone_pickaxe": 1}
    success, steps, world, oracle = solve("harvest_1_glowstone", seed=8, give=give, limit=4000)
    assert success, f"not solved in {steps} steps: {oracle.log[-8:]}"
    assert any("climb:" in line for line in oracle.log)


def test_site_frame_is_one_the_world_lights():
    world = VoxelWorld(64)
    world.reset(0)
    x, y, z = 20, 100, 20
    for axis, front in (((1, 0, 0), (0, 0, 1)), ((0, 0, 1), (-1, 0, 0))):
        site = extra.Site((x, y, z), axis, front)
        assert len(set(site.frame())) == 10 and not set(site.frame()) & set(site.opening())
        for cx, cy, cz in [(cx, cy, cz) for cx in range(x - 4, x + 5) for cy in range(y - 2, y + 5)
                           for cz in range(z - 4, z + 5)]:
            world.blocks[cx, cy, cz] = 0
        for cell in site.frame():
            world.blocks[cell] = world.id_obsidian
        bottom = site.frame()[0]
        assert world._light_portal(bottom[0], bottom[1] + 1, bottom[2])
        assert all(world.blocks[c] == world.id_portal for c in site.opening())
        assert all(world.blocks[c] == world.id_obsidian for c in site.frame())


def _stub(dimension: str, held: dict[str, int]):
    return SimpleNamespace(world=SimpleNamespace(dimension=dimension), counts=lambda: dict(held),
                           _gen=None, targets={})


def test_goals_are_ordered_by_dimension():
    graph = graph_for(capabilities_for(None, False), "overworld")
    have = {"diamond_pickaxe": 1, "crafting_table": 1, "obsidian": 10, "flint_and_steel": 1, PORTAL: 1}
    goals = plan(graph, {"redstone_lamp": 1}, have)
    assert any(g.source.station == PORTAL for g in goals)
    # in the overworld with the portal built: the overworld's raw goals (redstone) come first
    first = extra.order_for_dimension(_stub("overworld", have), goals)[0]
    assert first.source.station != PORTAL and first.source.kind not in ("craft", "smelt", "build")
    # in the nether: the nether's goal (glowstone) first, never the overworld's redstone
    first = extra.order_for_dimension(_stub("nether", have), goals)[0]
    assert first.source.station == PORTAL and first.source.target == "glowstone"
    # in the nether with only overworld goals left: go back
    rest = [g for g in goals if g.source.station != PORTAL and g.item not in ("glowstone", "redstone_lamp")]
    ordered = extra.order_for_dimension(_stub("nether", have), rest)
    assert [g.source.kind for g in ordered] == [extra.TRAVEL]


def test_plans_without_portal_or_laid_items_are_left_alone():
    graph = graph_for(capabilities_for(None, False), "overworld")
    goals = plan(graph, {"stone_pickaxe": 1}, {})
    assert extra.order_for_dimension(_stub("overworld", {}), goals) == goals


@pytest.mark.parametrize("kind", ["build", extra.TRAVEL, "collect"])
def test_extra_claims_its_goal_kinds(kind):
    from embodied_gym.envs.voxel.tasks.planning import Goal, Source

    oracle = SimpleNamespace(world=SimpleNamespace(dimension="overworld"))
    assert extra.handles(oracle, Goal("x", 1, Source(kind, "x", "x")))


def test_face_aim_hits_the_wanted_face():
    world = VoxelWorld(64)
    world.reset(0)
    oracle = VoxelOracle()
    oracle.world, oracle.cat = world, world.cat
    fx, fy, fz = (int(np.floor(v)) for v in world.player.pos)
    support = (fx, fy - 1, fz + 2)
    world.blocks[fx, fy:fy + 3, fz + 1:fz + 4] = 0
    world.blocks[support] = world.cat.block_id("stone")
    aim = extra._face_aims(oracle, support, (0, 1, 0))
    assert aim is not None
    world.player.yaw, world.player.pitch = aim
    hit, cell, normal, _ = world.target_block()
    assert hit and tuple(cell) == support and tuple(normal) == (0, 1, 0)
