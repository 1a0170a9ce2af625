"""The MineDojo task table: expansion counts, specs against MineDojo's files, lookups and suites."""

from __future__ import annotations

import random
import subprocess
import sys
import time

import embodied_gym
import pytest
import yaml
from embodied_gym.envs.voxel.tasks import registry
from embodied_gym.envs.voxel.tasks.registry import UnknownTaskError, get_spec, suite, suite_names, tasks


@pytest.fixture(scope="module")
def programmatic_yaml(reference_data):
    with (reference_data / "minedojo" / "programmatic_tasks.yaml").open() as handle:
        return yaml.safe_load(handle)


def test_category_counts_match_minedojo():
    assert len(tasks("harvest")) == 895
    assert len(tasks("combat")) == 471
    assert len(tasks("techtree")) == 213
    assert len(tasks("survival")) == 2
    assert len(tasks("programmatic")) == 1581
    assert len(tasks("creative")) == 1560
    assert tasks("playthrough") == ["playthrough"]
    assert len(tasks()) == 1581 + 1560 + 1


def test_ids_and_prompts_match_programmatic_tasks_yaml(programmatic_yaml):
    assert set(tasks("programmatic")) == set(programmatic_yaml)
    sample = random.Random(0).sample(sorted(programmatic_yaml), 60)
    for task_id in sample:
        spec = get_spec(task_id)
        assert spec.prompt == programmatic_yaml[task_id]["prompt"]
        assert spec.guidance == programmatic_yaml[task_id]["guidance"]
        assert spec.category == programmatic_yaml[task_id]["category"]


def test_shipped_table_is_up_to_date_with_reference_data(reference_data):
    result = subprocess.run(
        [sys.executable, "scripts/build_minedojo_tasks.py", "--check", "--reference-data", str(reference_data / "minedojo")],
        cwd=registry.TABLE_PATH.parents[3], capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_harvest_spec_fields():
    spec = get_spec("harvest_8_iron_ingot_with_furnace_and_fuel")
    assert spec.target_names == ("iron_ingot",) and spec.target_quantities == (8,)
    assert spec.reward_weights == (1.0,)
    assert [(i.slot, i.name, i.quantity) for i in spec.initial_inventory] == [("mainhand", "furnace", 1), (1, "coal", 20)]
    milk = get_spec("harvest_milk_with_empty_bucket_and_cow")
    assert milk.target_names == ("milk_bucket",) and milk.initial_mobs == ("cow",)
    assert milk.initial_mob_spawn_range_low == (-10, 1, -10) and milk.initial_mob_spawn_range_high == (10, 1, 10)
    biome = get_spec("harvest_1_log_jungle")
    assert biome.specified_biome == "jungle" and biome.start_time is None


def test_combat_specs_resolve_minedojo_night_defaults():
    night = get_spec("combat_zombie_plains_iron_armors_iron_sword_shield")
    assert night.target_names == ("zombie",) and night.initial_mobs == ("zombie",)
    assert night.always_night and not night.allow_time_passage and night.start_time == 18000
    assert not night.allow_mob_spawn and night.specified_biome == "plains"
    slots = {item.slot: item.name for item in night.initial_inventory}
    assert slots == {"mainhand": "iron_sword", "offhand": "shield", "head": "iron_helmet",
                     "chest": "iron_chestplate", "legs": "iron_leggings", "feet": "iron_boots"}
    # CombatMeta starts at night unless a spec says otherwise: the end/nether templates leave it out
    end = get_spec("combat_enderman_end_diamond_armors_diamond_sword_shield")
    assert end.start_at_night and end.start_time == 13000 and end.allow_time_passage
    day = get_spec("combat_cow_plains_barehand")
    assert not day.start_at_night and day.start_time is None and day.initial_inventory == ()


def test_techtree_and_survival_specs():
    spec = get_spec("techtree_from_wood_to_stone_pickaxe")
    assert spec.target_names == ("stone_pickaxe",) and spec.use_reward_weights == (10.0,)
    assert [i.name for i in spec.initial_inventory] == ["wooden_pickaxe", "wooden_axe", "wooden_hoe", "wooden_sword", "wooden_shovel"]
    assert get_spec("techtree_from_barehand_to_leather_boots").target_names == ("leather_boots",)
    survival = get_spec("survival_sword_food")
    assert survival.target_days == 100 and survival.success_reward == 100.0 and survival.per_day_reward == 1.0


def test_creative_and_playthrough_have_prompts_and_no_targets():
    creative = get_spec("creative:92")
    assert creative.category == "creative" and creative.prompt == "Build a swimming pool."
    assert creative.target_names == ()
    play = get_spec("playthrough")
    assert play.category == "playthrough" and "Ender Dragon" in play.prompt


def test_unknown_id_lists_nearest_ids():
    with pytest.raises(UnknownTaskError) as caught:
        get_spec("harvest_1_logs")
    message = str(caught.value)
    assert "harvest_1_log" in message and "nearest" in message
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, ValueError)
    with pytest.raises(UnknownTaskError, match="category"):
        tasks("harvets")


def test_pattern_listing_and_root_function():
    milk = tasks("harvest", pattern="harvest_milk*")
    assert "harvest_milk_with_empty_bucket_and_cow" in milk and all(t.startswith("harvest_milk") for t in milk)
    assert embodied_gym.tasks("combat") == tasks("combat")


def test_suites():
    starter = suite("starter")
    assert len(starter) == 64 and len(set(starter)) == 64
    assert suite("starter-programmatic-standard")[0] == "harvest_milk_with_empty_bucket_and_cow"
    assert "creative:92" in suite("starter-creative-standard")
    assert set(suite("quick")) <= set(tasks("programmatic"))
    assert "quick" in suite_names()
    with pytest.raises(UnknownTaskError, match="starter"):
        suite("startr")


def test_gym_ids_registered_for_every_task():
    import gymnasium
    from embodied_gym.envs.voxel.ids import TIME_LIMITS, gym_id, task_id_of

    for task_id in tasks():
        spec = gymnasium.spec(gym_id(task_id))
        assert spec.kwargs["task_id"] == task_id
    assert gymnasium.spec(gym_id("harvest_1_log")).max_episode_steps == TIME_LIMITS["harvest"]
    assert gym_id("creative:7") == "embodied_gym/MineDojo-creative_7-v0"
    assert task_id_of(gym_id("creative:7")) == "creative:7"


def test_import_stays_fast():
    # CPU time, not wall time: the shared test machine may be heavily loaded
    code = "import time; t=time.process_time(); import embodied_gym; print(time.process_time()-t)"
    timings = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout) for _ in range(2)]
    assert min(timings) < 0.5, timings
    code = ("import time, gymnasium; from embodied_gym.envs.voxel import ids; t=time.process_time(); ids.register(); "
            "print(time.process_time()-t)")
    register = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert register < 0.15, register


def test_spec_lookup_is_cached_and_fast():
    get_spec("harvest_1_log")
    start = time.perf_counter()
    for task_id in tasks("programmatic")[:500]:
        get_spec(task_id)
    assert time.perf_counter() - start < 1.0
