"""MineDojo's success and reward rules on hand-built info sequences (no world needed)."""

from __future__ import annotations

import pytest
from embodied_gym.envs.voxel.tasks.registry import get_spec
from embodied_gym.envs.voxel.tasks.rules import (
    MC_TICKS_PER_DAY,
    CountRule,
    NoRule,
    RuleInputError,
    Stats,
    SurvivalRule,
    TechTreeRule,
    rule_for,
)


def info(inventory=(), kills=None, uses=None, tsd=0):
    return {
        "inventory": [{"name": n, "quantity": q} for n, q in inventory],
        "stat": {"kill_entity": kills or {}, "use_item": {"minecraft": uses or {}}, "time_since_death": tsd},
    }


def run(rule, start, steps):
    rule.reset(None, start)
    return [rule.step(None, s) for s in steps]


def test_harvest_counts_increase_since_reset_and_rewards_each_increment():
    rule = rule_for(get_spec("harvest_8_log"))
    assert isinstance(rule, CountRule)
    out = run(rule, info([("log", 2)]), [
        info([("log", 2)]),
        info([("log", 5), ("dirt", 3)]),
        info([("log", 4)]),                 # spent one: negative reward, as MineDojo computes it
        info([("log", 9)]),                 # 9 - 2 = 7 < 8: not yet
        info([("log", 6), ("log", 4)]),     # two stacks sum to 10: success
    ])
    assert out == [(0.0, False), (3.0, False), (-1.0, False), (5.0, False), (1.0, True)]


def test_harvest_reads_minedojo_array_and_mapping_inventories():
    rule = rule_for(get_spec("harvest_milk_with_empty_bucket_and_cow"))
    rule.reset(None, {"inventory": {"name": ["bucket", "air"], "quantity": [1, 0]}})
    assert rule.step(None, {"inventory": {"milk_bucket": 1}}) == (1.0, True)


def test_combat_uses_kill_stat_not_inventory():
    rule = rule_for(get_spec("combat_zombie_plains_iron_armors_iron_sword_shield"))
    out = run(rule, info(kills={"zombie": 3}), [
        info([("rotten_flesh", 1)], kills={"zombie": 3, "cow": 1}),
        info(kills={"zombie": 4}),
    ])
    assert out == [(0.0, False), (1.0, True)]


def test_techtree_needs_obtain_and_use():
    rule = rule_for(get_spec("techtree_from_wood_to_stone_pickaxe"))
    assert isinstance(rule, TechTreeRule)
    out = run(rule, info([("wooden_pickaxe", 1)], uses={"wooden_pickaxe": 5}), [
        info([("wooden_pickaxe", 1), ("cobblestone", 3)], uses={"wooden_pickaxe": 8}),
        info([("wooden_pickaxe", 1), ("stone_pickaxe", 1)]),  # obtained: +1, not used yet
        info([("stone_pickaxe", 1)], uses={"stone_pickaxe": 1}),  # used once: +10, success
    ])
    assert out == [(0.0, False), (1.0, False), (10.0, True)]


def test_techtree_use_counts_from_reset_not_absolute():
    rule = TechTreeRule({"bow": 1.0}, {"bow": 10.0})
    rule.reset(None, info(uses={"bow": 2}))
    assert rule.step(None, info([("bow", 1)], uses={"bow": 2})) == (1.0, False)
    assert rule.step(None, info([("bow", 1)], uses={"bow": 3})) == (10.0, True)


def test_survival_pays_per_day_and_success_bonus():
    rule = rule_for(get_spec("survival"))
    assert isinstance(rule, SurvivalRule)
    day = MC_TICKS_PER_DAY
    out = run(rule, info(tsd=0), [info(tsd=day - 1), info(tsd=day), info(tsd=3 * day + 5), info(tsd=100 * day)])
    assert out == [(0.0, False), (1.0, False), (2.0, False), (97.0 + 100.0, True)]
    with pytest.raises(ValueError, match="target_days"):
        SurvivalRule(1, 1.0, 1.0)


def test_creative_and_playthrough_have_no_programmatic_reward():
    for task_id in ("creative:0", "playthrough"):
        rule = rule_for(get_spec(task_id))
        assert isinstance(rule, NoRule)
        rule.reset(None)
        assert rule.step(None, info([("dragon_egg", 1)])) == (0.0, False)


def test_reset_reads_world_task_info_and_rejects_unreadable_worlds():
    class World:
        def task_info(self):
            return info([("log", 1)])

    rule = rule_for(get_spec("harvest_1_log"))
    rule.reset(World())
    assert rule.step(World(), info([("log", 2)])) == (1.0, True)
    with pytest.raises(RuleInputError, match="task_info"):
        rule.reset(object())
    with pytest.raises(RuntimeError, match="before reset"):
        rule_for(get_spec("harvest_1_log")).step(None, info())


def test_stats_missing_counters_read_zero():
    stats = Stats.from_info({})
    assert stats.inventory == {} and stats.time_since_death == 0
    with pytest.raises(RuleInputError):
        Stats.from_info([1, 2])
