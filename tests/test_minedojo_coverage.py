"""The coverage table measures the embedded world: each capability it relies on comes from a probe that
would report the loss if the world stopped doing it."""

from __future__ import annotations

import pytest
from embodied_gym.envs.voxel.tasks import coverage, probes
from embodied_gym.envs.voxel.tasks.registry import get_spec


def test_gravel_flint_and_oak_leaf_apples_are_measured():
    gravel = probes.block_drop_rates("gravel", 0, 1000)
    assert 0.07 < gravel["flint"] < 0.13  # Minecraft 1.11: 10 %
    assert 0.01 < probes.block_drop_rates("leaves", 0, 1000)["apple"] < 0.04  # oak (2 % here)
    assert "apple" not in probes.block_drop_rates("leaves", 1, 1000)  # spruce
    with pytest.raises(KeyError):
        probes.block_drop_rates("leaves", 9)


def test_hunter_meets_returning_herds_and_cave_mobs_by_day():
    seen = probes.hunt(None, None, 0)
    early, late = seen.at(2000), seen.at(12000)
    passive = ("cow", "pig", "sheep", "chicken")
    # herds keep coming back after the hunter removed them
    assert sum(late.get(m, 0) for m in passive) > sum(early.get(m, 0) for m in passive) > 0
    # by day (ticks 0-12000) hostile mobs still come, from dark caves
    assert late.get("skeleton", 0) > 0 and late.get("zombie", 0) > 0


def test_chickens_lay_eggs_in_the_laid_probe():
    laid = probes.laid_supply(None, False, 12000)
    assert laid.get(("chicken", "egg"), 0) > 0


def test_a_world_that_stops_laying_eggs_loses_the_egg_tasks(monkeypatch):
    from embodied_gym.envs.voxel.world import VoxelWorld

    monkeypatch.setattr(VoxelWorld, "_lay_eggs", lambda self: None)
    for fn in (probes.laid, coverage.capabilities_for):
        fn.cache_clear()
    try:
        assert not probes.laid_supply(None, False, 12000)
        row = coverage.check(get_spec("harvest_1_egg"))
        assert not row.supported and any("egg" in m for m in row.missing)
    finally:
        monkeypatch.undo()
        for fn in (probes.laid, coverage.capabilities_for):
            fn.cache_clear()
    assert coverage.check(get_spec("harvest_1_egg")).supported


def test_rows_for_the_new_capabilities():
    for task_id in ("harvest_1_flint_and_steel", "harvest_1_apple", "harvest_8_beef", "harvest_1_bone",
                    "techtree_from_iron_to_diamond_chestplate", "techtree_from_barehand_to_redstone_repeater"):
        row = coverage.check(get_spec(task_id))
        assert row.supported, (task_id, row.missing)
    # kills beyond what the world supplies within the time limit stay unsupported, and say so
    row = coverage.check(get_spec("harvest_8_egg"))
    assert not row.supported and "egg supply" in row.missing[0]


def test_bow_use_needs_arrows():
    assert coverage.world_counts_use("bow")  # with an arrow at hand, as USE_NEEDS says
    assert coverage.USE_NEEDS["bow"] == ("arrow",)


def test_portals_are_measured_and_open_the_nether_to_overworld_tasks():
    from embodied_gym.envs.voxel.tasks.planning import PORTAL, plan

    assert probes.portal_travel() == ("overworld", "nether", "overworld")
    for task_id in ("harvest_1_netherrack", "harvest_8_nether_wart", "harvest_1_blaze_rod"):
        row = coverage.check(get_spec(task_id))  # nether blocks (wart from fortress pieces) and mobs
        assert row.supported and row.notes == (coverage.VIA_PORTAL,), task_id
    assert coverage.check(get_spec("harvest_1_log")).notes == ()
    # the End has no portal in the embedded world: its items stay out of reach
    end = coverage.check(get_spec("harvest_1_end_stone"))
    assert not end.supported and any("end_stone" in m for m in end.missing)
    goals = plan(coverage._graph(get_spec("harvest_1_netherrack")), {"netherrack": 1}, {})
    items = [g.item for g in goals]
    portal = items.index(PORTAL)
    assert items.index("obsidian") < portal < items.index("netherrack") and "flint_and_steel" in items[:portal]
    assert [g.count for g in goals if g.item == "obsidian"] == [10]
    assert goals[portal].source.kind == "build" and goals[-1].source.station == PORTAL


def test_fishing_is_measured_and_supplies_fish():
    result = probes.fishing()
    landed = dict(result.per_catch)
    assert 0.75 < landed["fish"] < 0.95 and 300 < result.mean_ticks < 420  # Minecraft 1.11: 85 %, 100-600 ticks
    row = coverage.check(get_spec("harvest_8_cooked_fish"))
    assert row.supported, row.missing


def test_string_from_a_web_is_planned_with_a_sword_as_the_world_drops_it():
    from embodied_gym.envs.voxel.tasks.coverage import _graph
    from embodied_gym.envs.voxel.tasks.planning import plan
    from embodied_gym.envs.voxel.tasks.registry import get_spec

    goals = plan(_graph(get_spec("harvest_1_string")), {"string": 1}, {})
    web = [g for g in goals if g.item == "string" and g.source.target == "web"]
    assert web and web[0].source.tool == "sword"
    assert "shears" not in {g.item for g in goals}
