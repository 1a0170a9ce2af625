"""VoxelEnv API: MineDojo's spaces, env checkers, determinism, save/restore, errors, task set-up."""

from __future__ import annotations

import warnings

import embodied_gym  # noqa: F401  (registers the ids)
import gymnasium as gym
import numpy as np
import pytest
from embodied_gym.envs.voxel.env import VoxelEnv
from embodied_gym.envs.voxel.spaces import ACTION_NVEC, NOOP, InvalidActionError, decode_names
from embodied_gym.envs.voxel.tasks.spec import InventoryItem, TaskSpec
from voxel_helpers import act, arena, craft_index, flat_env, give


def _flat(tree, prefix=""):
    if isinstance(tree, dict):
        out = {}
        for k, v in tree.items():
            out.update(_flat(v, f"{prefix}{k}/"))
        return out
    return {prefix[:-1]: np.asarray(tree)}


def _same(a, b) -> bool:
    fa, fb = _flat(a), _flat(b)
    return fa.keys() == fb.keys() and all(fa[k].dtype == fb[k].dtype and np.array_equal(fa[k], fb[k]) for k in fa)


def test_action_space_is_minedojos():
    env = VoxelEnv(image_size=64)
    assert isinstance(env.action_space, gym.spaces.MultiDiscrete)
    assert env.action_space.nvec.tolist() == [3, 3, 4, 25, 25, 8, 244, 36]
    assert list(ACTION_NVEC) == [3, 3, 4, 25, 25, 8, 244, 36]
    assert env.noop().tolist() == list(NOOP) == [0, 0, 0, 12, 12, 0, 0, 0]


def test_craft_smelt_items_follow_minedojo_order():
    items = VoxelEnv(image_size=64).world.cat.craft_smelt_items
    assert len(items) == 244 and len(set(items)) == 244
    # hand-craftable (sorted), then table-only (sorted), then smeltable (sorted): MineDojo's rule
    assert items[0] == "blaze_powder" and items[29] == "planks" and items[41] == "stick"
    assert items[54] == "acacia_boat" and items[-20] == "baked_potato" and items[-1] == "stone"
    assert items.index("crafting_table") < 54 <= items.index("wooden_pickaxe") < 224 <= items.index("iron_ingot")


def test_observation_keys_and_shapes():
    env = VoxelEnv(image_size=(48, 80))
    obs, _ = env.reset(seed=0)
    assert set(obs) == {"rgb", "inventory", "equipment", "life_stats", "location_stats", "nearby_tools",
                        "damage_source", "voxels", "masks", "delta_inv"}
    assert obs["rgb"].shape == (3, 48, 80) and obs["rgb"].dtype == np.uint8
    assert obs["inventory"]["name"].shape == (36,) and obs["equipment"]["name"].shape == (6,)
    assert obs["voxels"]["block_name"].shape == (3, 3, 3)
    assert obs["masks"]["craft_smelt"].shape == (244,) and obs["masks"]["action_type"].shape == (8,)
    assert obs["masks"]["action_arg"].shape == (8, 1)
    assert obs["delta_inv"]["dec_name_by_craft"].shape == (4,)
    assert obs["life_stats"]["life"].tolist() == [20.0] and obs["life_stats"]["oxygen"].tolist() == [300.0]
    assert env.observation_space.contains(obs)
    assert set(decode_names(obs["inventory"]["name"])) == {"air"}
    assert obs["rgb"].std() > 5, "the first-person frame shows terrain and sky, not a blank image"


def test_default_image_size_is_minedojos():
    env = VoxelEnv()
    assert env.observation_space["rgb"].shape == (3, 160, 256)


def test_gymnasium_check_env():
    from gymnasium.utils.env_checker import check_env

    env = gym.make("embodied_gym/Voxel-Open-v0", image_size=64, render_mode="rgb_array")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped, skip_render_check=False)
    assert [str(w.message) for w in caught] == [], "check_env passes without a single warning"


def test_sb3_check_env():
    sb3_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env = VoxelEnv(image_size=64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sb3_checker.check_env(env, warn=True)
    # the only remark: SB3 policies want MineDojo's nested Dict flattened (agents/sb3 has that wrapper)
    assert [str(w.message)[:40] for w in caught] == ["Nested observation spaces are not suppor"]


def test_same_seed_same_episode_bit_for_bit():
    a, b = VoxelEnv(image_size=64), VoxelEnv(image_size=64)
    oa, _ = a.reset(seed=11)
    ob, _ = b.reset(seed=11)
    assert _same(oa, ob)
    assert np.array_equal(a.world.blocks, b.world.blocks)
    rng = np.random.default_rng(0)
    for _ in range(150):
        action = rng.integers(0, ACTION_NVEC)
        ra = a.step(action)
        rb = b.step(action)
        assert _same(ra[0], rb[0]) and ra[1:4] == rb[1:4]
    assert np.array_equal(a.world.blocks, b.world.blocks)


def test_different_seeds_give_different_worlds():
    a = VoxelEnv(image_size=64)
    a.reset(seed=1)
    blocks = a.world.blocks.copy()
    a.reset(seed=2)
    assert not np.array_equal(blocks, a.world.blocks)


def test_save_restore_is_exact():
    env = VoxelEnv(image_size=64)
    env.reset(seed=5)
    rng = np.random.default_rng(1)
    for _ in range(40):
        env.step(rng.integers(0, ACTION_NVEC))
    state = env.get_state()
    actions = [rng.integers(0, ACTION_NVEC) for _ in range(60)]
    first = [env.step(a) for a in actions]
    env.set_state(state)
    again = [env.step(a) for a in actions]
    for x, y in zip(first, again, strict=True):
        assert _same(x[0], y[0]) and x[1:4] == y[1:4]


@pytest.mark.parametrize("bad, fragment", [
    ([0, 0, 0, 12, 12, 0, 244, 0], "action[6] = 244"),
    ([3, 0, 0, 12, 12, 0, 0, 0], "action[0] = 3"),
    ([0, 0, 0, 12, 12, 8, 0, 0], "action[5] = 8"),
    ([0, 0, 0, 12, 12, 0, 0, 36], "action[7] = 36"),
    ([0, 0, 0, 12, 12, 0, 0], "shape (8,)"),
    ([0, 0, 0, 12.5, 12, 0, 0, 0], "integers"),
])
def test_bad_actions_raise_clear_errors(bad, fragment):
    env = VoxelEnv(image_size=64)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=None) as err:
        env.step(np.array(bad))
    assert fragment in str(err.value)
    assert isinstance(err.value, ValueError)


def test_unknown_item_name_is_a_typed_error():
    from embodied_gym.procgen.catalog.minecraft import UnknownItemError

    env = VoxelEnv(image_size=64)
    with pytest.raises(UnknownItemError, match="iron_ingot"):
        env.world.cat.item_id("iron_ingots")
    with pytest.raises(KeyError):
        env.world.cat.item_id("no such thing")


def test_impossible_actions_leave_the_world_unchanged():
    env = flat_env(seed=4)
    w = env.world
    give(env, "stick", 1)
    before = w.get_state()
    for action in (act(fn=4, craft=craft_index(env, "wooden_pickaxe")),  # no planks, no table
                   act(fn=4, craft=craft_index(env, "iron_ingot")),  # no furnace
                   act(fn=4, craft=craft_index(env, "planks")),  # no log
                   act(fn=5, slot=20), act(fn=6, slot=20), act(fn=7, slot=20)):  # empty slot
        env.step(action)
    after = w.get_state()
    assert np.array_equal(before["blocks"], after["blocks"])
    assert all(np.array_equal(before["inventory"][k], after["inventory"][k]) for k in before["inventory"])
    assert after["stats"]["craft_item"] == {}


def test_craft_mask_tracks_ingredients_and_table():
    env = flat_env(seed=4)
    give(env, "log", 1)
    obs, *_ = env.step(act())
    mask = obs["masks"]["craft_smelt"]
    assert mask[craft_index(env, "planks")] and not mask[craft_index(env, "stick")]
    obs, *_ = env.step(act(fn=4, craft=craft_index(env, "planks")))
    assert obs["masks"]["craft_smelt"][craft_index(env, "stick")]
    assert not obs["masks"]["craft_smelt"][craft_index(env, "wooden_pickaxe")]
    d = obs["delta_inv"]
    assert decode_names(d["inc_name_by_craft"])[0] == "planks" and d["inc_quantity_by_craft"][0] == 4


def test_task_setup_inventory_mobs_night():
    spec = TaskSpec(
        task_id="combat_zombie_test", category="combat", prompt="combat a zombie",
        initial_inventory=(InventoryItem("mainhand", "iron_sword"), InventoryItem("head", "iron_helmet"),
                           InventoryItem(3, "cooked_beef", 5)),
        initial_mobs=("zombie", "zombie"), start_at_night=True, allow_mob_spawn=False, specified_biome="plains")
    env = VoxelEnv(task=spec, image_size=64)
    obs, info = env.reset(seed=0)
    w = env.world
    assert w.is_night() and not w.allow_spawn
    assert info["inventory"] == {"iron_sword": 1, "iron_helmet": 1, "cooked_beef": 5}
    assert decode_names(obs["equipment"]["name"]).tolist()[:5] == ["iron sword", "air", "air", "air", "iron helmet"]
    mobs = [e for e in w.entities() if e["name"] == "zombie"]
    assert len(mobs) == 2
    for m in mobs:
        assert np.all(np.abs(m["pos"][[0, 2]] - w.player.pos[[0, 2]]) <= 7.6)
    generated = np.repeat(np.repeat(w.chunk_done, 16, axis=0), 16, axis=1)
    assert generated.sum() >= 49 * 256 and (w.biomes[generated] == 1).all()


@pytest.mark.parametrize("biome, dimension", [("nether", "nether"), ("the_end", "end"), ("desert", "overworld")])
def test_specified_biome_and_dimensions(biome, dimension):
    spec = TaskSpec(task_id="t", category="harvest", prompt="p", specified_biome=biome)
    env = VoxelEnv(task=spec, image_size=64)
    obs, _ = env.reset(seed=2)
    assert env.world.dimension == dimension
    names = set(env.world.cat.block_names[i] for i in np.unique(env.world.blocks))
    expect = {"nether": "netherrack", "end": "end_stone", "overworld": "sand"}[dimension]
    assert expect in names
    w = env.world
    assert w.player.alive and obs["life_stats"]["life"][0] == 20
    x, y, z = (int(v) for v in w.player.pos)
    assert w.collidable[w.blocks[x, y - 1, z]] and not w.liquid_kind[w.blocks[x, y - 1, z]], "standing on ground"
    assert w.blocks[x, y, z] == 0 and w.blocks[x, y + 1, z] == 0, "with room to stand"
    for _ in range(40):
        env.step(env.noop())
    assert w.player.health == 20 and abs(w.player.pos[1] - y) < 1e-6


class _CountLogs:
    """A minimal rule: success once 1 log is in the inventory."""

    def reset(self, world):
        self.resets = getattr(self, "resets", 0) + 1

    def step(self, world, info):
        return float(info["inventory"].get("log", 0)), info["inventory"].get("log", 0) >= 1


def test_rule_hook_gives_reward_and_terminates_on_success():
    rule = _CountLogs()
    env = VoxelEnv(rule=rule, image_size=64)
    env.reset(seed=0)
    assert rule.resets == 1
    arena(env)
    *_, r, term, _, info = env.step(act())
    assert r == 0.0 and not term
    give(env, "log", 1)
    _, r, term, trunc, info = env.step(act())
    assert r == 1.0 and term and not trunc and info["success"]


def test_rule_must_have_reset_and_step():
    with pytest.raises(TypeError, match="reset"):
        VoxelEnv(rule=object())


@pytest.mark.slow  # the first multi-threaded render compiles the renderer's parallel kernel
def test_open_id_and_make_vec():
    env = gym.make("embodied_gym/Voxel-Open-v0", image_size=64)
    obs, _ = env.reset(seed=0)
    assert obs["rgb"].shape == (3, 64, 64)
    venv = gym.make_vec("embodied_gym/Voxel-Open-v0", num_envs=3, image_size=64)
    obs, info = venv.reset(seed=0)
    assert obs["rgb"].shape == (3, 3, 64, 64) and obs["inventory"]["name"].shape == (3, 36)
    obs, r, term, trunc, info = venv.step(venv.action_space.sample())
    assert r.shape == (3,) and venv.observation_space.contains(obs)


def test_vector_env_matches_single_envs():
    from embodied_gym.envs.voxel.vector import VoxelVectorEnv

    venv = VoxelVectorEnv(2, image_size=64, render_parallel=False)
    vobs, _ = venv.reset(seed=[7, 8])
    singles = [VoxelEnv(image_size=64) for _ in range(2)]
    for k, e in enumerate(singles):
        e.reset(seed=7 + k)
    rng = np.random.default_rng(3)
    for _ in range(30):
        acts = rng.integers(0, ACTION_NVEC, size=(2, 8))
        vobs, vr, vt, vtr, _ = venv.step(acts)
        for k, e in enumerate(singles):
            o, r, t, tr, _ = e.step(acts[k])
            for group, value in o.items():  # every key: the batched observation is built world by world
                for key, arr in (value.items() if isinstance(value, dict) else [(None, value)]):
                    row = (vobs[group] if key is None else vobs[group][key])[k]
                    assert np.array_equal(row, arr), (group, key)


def test_vector_env_names_the_env_whose_action_is_out_of_range():
    from embodied_gym.envs.voxel.vector import VoxelVectorEnv

    venv = VoxelVectorEnv(3, image_size=32, render_parallel=False)
    venv.reset(seed=0)
    acts = np.tile(np.array(NOOP), (3, 1))
    acts[1, 6] = 244
    with pytest.raises(InvalidActionError, match=r"actions\[1\]\[6\] \(env 1\) = 244 is out of range \[0, 244\)"):
        venv.step(acts)
    with pytest.raises(InvalidActionError, match=r"shape \(3, 8\)"):
        venv.step(acts[:2])


def test_vector_env_autoresets_after_death():
    from embodied_gym.envs.voxel.vector import VoxelVectorEnv

    venv = VoxelVectorEnv(2, image_size=64, max_episode_steps=5, render_parallel=False)
    venv.reset(seed=0)
    noop = np.tile(np.array(NOOP), (2, 1))
    for _ in range(4):
        _, _, term, trunc, _ = venv.step(noop)
    _, _, term, trunc, _ = venv.step(noop)
    assert trunc.all() and not term.any()
    obs, r, term, trunc, _ = venv.step(noop)  # the autoreset step
    assert not trunc.any() and (r == 0).all()


def test_frames_show_mobs_items_night_and_mining_progress():
    from embodied_gym.envs.voxel.mobs import mob_id

    env = flat_env(seed=9)
    w = env.world
    x, z = int(w.player.pos[0]), int(w.player.pos[2])
    base, *_ = env.step(act())
    w.spawn_mob(mob_id("cow"), (x + 0.5, 61.0, z + 3.5))
    w.mob_params = w.mob_params.copy()
    w.mob_params[:, 1] = 0.0  # mobs stand still for the comparison
    with_cow, *_ = env.step(act())
    centre = (slice(None), slice(24, 48), slice(24, 40))
    assert np.abs(with_cow["rgb"][centre].astype(int) - base["rgb"][centre]).mean() > 10
    w.mob_alive[:] = False
    w.drop_item(w.cat.item_id("log"), 1, (x + 0.5, 61.0, z + 2.5))
    with_item, *_ = env.step(act())
    assert not np.array_equal(with_item["rgb"], base["rgb"])
    w.item_alive[:] = False
    w.day_time = 15000
    night, *_ = env.step(act())
    assert night["rgb"].mean() < base["rgb"].mean() - 20
    w.day_time = 1000
    w.set_block(x, 62, z + 1, "stone")
    before, *_ = env.step(act())
    mining, *_ = env.step(act(fn=3))
    assert not np.array_equal(mining["rgb"], before["rgb"]), "the breaking progress is drawn"


def test_a_struck_mob_flashes_red_for_ten_ticks():
    """As in Minecraft, a hurt mob is drawn tinted red while it is invulnerable (10 ticks), so a strike
    shows in the frames."""
    from embodied_gym.envs.voxel.mobs import mob_id

    env = flat_env(seed=9)
    w = env.world
    x, z = int(w.player.pos[0]), int(w.player.pos[2])
    w.spawn_mob(mob_id("cow"), (x + 0.5, 61.0, z + 2.0))
    w.mob_params = w.mob_params.copy()
    w.mob_params[:, 1] = 0.0  # the cow stands still
    w.player.pitch = 20.0  # looking down at it
    centre = (slice(None), slice(28, 60), slice(20, 44))

    def redness(frame):
        rgb = frame["rgb"][centre].astype(int)
        return (rgb[0] - rgb[1]).mean()

    calm, *_ = env.step(act())
    struck, *_ = env.step(act(fn=3))
    assert w.mob_alive.any() and (w.time < w.mob_hurt_until[w.mob_alive]).any(), "the strike landed"
    assert redness(struck) > redness(calm) + 15
    for _ in range(10):
        later, *_ = env.step(act())
    assert abs(redness(later) - redness(calm)) < 5


def test_a_pickled_env_continues_identically():
    import pickle

    env = VoxelEnv(image_size=64)
    env.reset(seed=12)
    rng = np.random.default_rng(2)
    for _ in range(10):
        env.step(rng.integers(0, ACTION_NVEC))
    twin = pickle.loads(pickle.dumps(env))
    for _ in range(15):
        action = rng.integers(0, ACTION_NVEC)
        assert _same(env.step(action)[0], twin.step(action)[0])


def test_minedojo_vector_entry_point_sets_up_each_world():
    from embodied_gym.envs.voxel.vector import make_minedojo_vector_env

    venv = make_minedojo_vector_env(num_envs=2, task_id="harvest_milk_with_empty_bucket_and_cow", image_size=64,
                                    max_episode_steps=3, render_parallel=False)
    venv.reset(seed=0)
    assert [w.task_info()["inventory"] for w in venv.worlds] == [{"bucket": 1}, {"bucket": 1}]
    assert all(any(e["name"] == "cow" for e in w.entities()) for w in venv.worlds)
    for _ in range(3):
        _, r, term, trunc, _ = venv.step(np.tile(np.array(NOOP), (2, 1)))
    assert trunc.all() and r.shape == (2,)


def test_bad_constructor_arguments_and_craft_names():
    from embodied_gym.procgen.catalog.minecraft import UnknownItemError

    with pytest.raises(ValueError, match="image_size"):
        VoxelEnv(image_size=(8, 8))
    with pytest.raises(ValueError, match="render_mode"):
        VoxelEnv(render_mode="human")
    with pytest.raises(ValueError, match="world size"):
        VoxelEnv(world_size=100)
    env = VoxelEnv(image_size=64)
    env.reset(seed=0)
    with pytest.raises(UnknownItemError, match="wooden_pickaxe"):
        env.world.craft("wooden_pickax")
    with pytest.raises(RuntimeError, match="reset"):
        VoxelEnv(image_size=64).step(env.noop())


def test_start_time_and_frozen_clock():
    import dataclasses

    fields = {f.name for f in dataclasses.fields(TaskSpec)}
    night = {"start_time": 18000} if "start_time" in fields else {"always_night": True}
    spec = TaskSpec(task_id="t", category="harvest", prompt="p", allow_time_passage=False, **night)
    env = VoxelEnv(task=spec, image_size=64)
    env.reset(seed=0)
    w = env.world
    assert w.day_time == 18000 and w.is_night()
    for _ in range(30):
        env.step(env.noop())
    assert w.day_time == 18000, "allow_time_passage=False freezes the clock"


def test_frames_drawn_into_a_channel_first_buffer_equal_the_returned_ones():
    """The envs hand the renderer their (N, 3, H, W) observation buffer to draw into (through a
    strided view, no copy); the frames must be the ones a plain render returns."""
    from embodied_gym.envs.voxel.mobs import mob_id
    from embodied_gym.envs.voxel.scene import BatchRenderer

    envs = [flat_env(seed=0), flat_env(seed=1)]
    worlds = [e.world for e in envs]
    for w in worlds:  # a mob beside the eye: its entity rectangle crosses the near plane
        w.spawn_mob(mob_id("cow"), tuple(w.player.pos + (0.6, 0.0, 0.3)))
    plain = BatchRenderer(2, 48, 64).render(worlds).copy()
    buf = np.zeros((2, 3, 48, 64), np.uint8)
    returned = BatchRenderer(2, 48, 64).render(worlds, out=buf)
    assert plain.shape == (2, 3, 48, 64) and plain.any()
    np.testing.assert_array_equal(buf, plain)
    np.testing.assert_array_equal(returned, plain)


def test_batched_frames_keep_every_worlds_edits_when_another_window_moves():
    """A block placed in world 0 stays drawn after world 1's render window is rebuilt (night fell
    there): only the moved window is swapped in the packed batch, the others keep their edits."""
    from embodied_gym.envs.voxel.scene import BatchRenderer
    from voxel_helpers import FLOOR

    envs = [flat_env(seed=0), flat_env(seed=1)]
    worlds = [e.world for e in envs]
    renderer = BatchRenderer(2, 32, 32)
    renderer.render(worlds)
    x, z = int(worlds[0].player.pos[0]), int(worlds[0].player.pos[2])
    worlds[0].set_block(x, FLOOR + 1, z + 2, "stone")
    renderer.render(worlds)
    worlds[1].day_time = 14000  # night: world 1's window is built again
    assert renderer.views[1].needs_rebuild(worlds[1])
    renderer.render(worlds)
    view = renderer.views[0]
    ijk = np.array([[x - int(view.scene.origin[0]), FLOOR + 1, z + 2 - int(view.scene.origin[2])]])
    assert int(renderer.batch.get_voxels(0, ijk)[0]) != 0


def test_chunks_generated_beyond_the_render_window_do_not_rebuild_it():
    """A walk generates a ring of chunks LOAD_RADIUS chunks away, mostly outside the 96-block render
    window: rebuilding the window for those (5-8 ms) was a tenth of a random agent's step time."""
    from embodied_gym.envs.voxel.scene import WorldView
    from embodied_gym.envs.voxel.world import CHUNK, VoxelWorld

    w = VoxelWorld(256)
    w.reset(3)
    ci, ck = int(w.player.pos[0]) // CHUNK + 1, int(w.player.pos[2]) // CHUNK
    w.chunk_done[ci, ck] = False  # as if the chunk beside the player's were not generated yet
    view = WorldView()
    view.build(w)
    assert not view.needs_rebuild(w)
    before = w.chunks_generated
    w._ensure_chunks(8.0, 8.0)  # the far corner: chunks 0-3 of x and z, all left of the window
    assert w.chunks_generated > before and 4 * CHUNK <= view.origin[0]
    assert not view.needs_rebuild(w)
    w._ensure_chunks(float(ci * CHUNK + 1), float(ck * CHUNK + 1))  # the one inside the window
    assert w.chunk_done[ci, ck] and view.needs_rebuild(w)
