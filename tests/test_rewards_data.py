"""Captions from info, clip cutting, shards + manifest, and the contrastive loss / training loop."""

from __future__ import annotations

import json

import numpy as np
import pytest
from embodied_gym.rewards.captions import HouseCaptioner, VoxelCaptioner, canonical_prompt, phrasings
from embodied_gym.rewards.data import DatasetError, ShardWriter, iter_clip_batches, read_manifest
from embodied_gym.rewards.make_data import cut_clips


def voxel_info(inventory=None, kills=None, uses=None):
    return {"inventory": dict(inventory or {}), "stat": {"kill_entity": dict(kills or {}), "use_item": dict(uses or {})}}


def test_voxel_captioner_reads_inventory_kills_and_uses():
    cap = VoxelCaptioner()
    cap.reset(voxel_info({"bucket": 1}))
    assert cap.step(voxel_info({"bucket": 1})) == []
    assert cap.step(voxel_info({"bucket": 1, "log": 1})) == ["voxel/get/log"]
    assert cap.step(voxel_info({"bucket": 1, "log": 1, "log2": 1})) == ["voxel/get/log"]  # acacia is a log too
    assert cap.step(voxel_info({"log": 1, "log2": 1, "beef": 1}, kills={"cow": 1})) == ["voxel/kill/cow"]
    # wool dropped by a killed sheep is not "shear a sheep"; wool right after using shears is
    assert cap.step(voxel_info({"log": 1, "log2": 1, "beef": 1, "wool": 1}, kills={"cow": 1})) == []
    assert cap.step(voxel_info({"log": 1, "log2": 1, "beef": 1, "wool": 3}, kills={"cow": 1},
                               uses={"shears": 1})) == ["voxel/get/wool"]
    # MineDojo's array form of the inventory is read too
    cap.reset({"inventory": {"name": ["air", "dirt"], "quantity": [0, 1]}})
    assert cap.step({"inventory": {"name": ["dirt", "dirt"], "quantity": [1, 1]}}) == ["voxel/get/dirt"]


def test_house_captioner_reads_ai2thor_metadata():
    def meta(room, objects):
        return {"metadata": {"agent": {"roomType": room}, "objects": objects}}

    mug = {"objectType": "Mug", "visible": True, "distance": 0.8, "isPickedUp": False}
    sofa_far = {"objectType": "Sofa", "visible": True, "distance": 4.0}
    cap = HouseCaptioner()
    cap.reset(meta("LivingRoom", [sofa_far]))
    assert cap.step(meta("Kitchen", [sofa_far])) == ["house/enter/Kitchen"]
    assert cap.step(meta("Kitchen", [mug])) == ["house/see/Mug"]
    assert cap.step(meta("Kitchen", [{**mug, "isPickedUp": True}])) == ["house/pickup/Mug"]
    fridge = {"objectType": "Fridge", "visible": True, "distance": 1.0, "isOpen": True}
    assert cap.step(meta("Kitchen", [{**mug, "isPickedUp": True}, fridge])) == ["house/open/Fridge"]


def test_phrasings_split_train_and_heldout():
    for event in ("voxel/get/log", "voxel/kill/cow", "voxel/kill/zombie", "voxel/get/wheat_seeds", "house/enter/Kitchen",
                  "house/pickup/AlarmClock", "voxel/idle"):
        train, heldout = phrasings(event)
        assert train and heldout and not set(train) & set(heldout)
    assert canonical_prompt("house/see/CoffeeTable") == "look at the coffee table"
    with pytest.raises(KeyError):
        phrasings("moon/jump/high")


def test_cut_clips_pads_with_the_first_frame_and_stores_only_clip_frames():
    rng = np.random.default_rng(0)
    kept = np.stack([np.full((3, 4, 4), k, np.uint8) for k in range(41)])  # kept frames 0..40 of an episode
    events = [[] for _ in range(41)]
    events[6] = ["voxel/get/log"]
    stored, clips = cut_clips(kept, events, "voxel/idle", num_frames=16, after=2, idle_every=8, rng=rng)
    assert [e for _, e in clips] == ["voxel/get/log"] * 3
    windows = [stored[s : s + 16, 0, 0, 0].tolist() for s, _ in clips]
    # clips end at the event frame and the 2 after it; frames before the episode are its first frame
    assert windows[0] == [0] * 10 + [1, 2, 3, 4, 5, 6]
    assert windows[2] == [0] * 8 + list(range(1, 9))
    assert len(stored) == 9 + 15 - 6  # padded positions 6 .. 23 only: later frames are in no clip
    # two events far apart: each gets its own windows, frames between them are not stored
    events[40] = ["voxel/kill/cow"]
    stored, clips = cut_clips(kept, events, "voxel/idle", 16, 1, 8, rng)
    assert [stored[s + 15, 0, 0, 0] for s, _ in clips] == [6, 7, 40]
    assert [stored[s, 0, 0, 0] for s, _ in clips][2] == 25
    assert len(stored) == 17 + 16  # padded positions 6 .. 22 and 40 .. 55
    # without events: idle windows every idle_every kept frames, all inside the episode
    stored, idle = cut_clips(kept, [[] for _ in range(41)], "voxel/idle", 16, 2, 8, rng)
    assert idle and all(e == "voxel/idle" for _, e in idle)
    assert all(s + 16 <= len(stored) for s, _ in idle)
    assert cut_clips(kept[:5], [[] for _ in range(5)], "voxel/idle", 16, 2, 8, rng)[1] == []


def test_cut_clips_before_an_event_and_hard_negatives_between_events():
    kept = np.stack([np.full((3, 4, 4), k, np.uint8) for k in range(81)])
    events = [[] for _ in range(81)]
    events[60] = ["voxel/kill/zombie"]
    stored, clips = cut_clips(kept, events, "voxel/idle", 16, 1, 4, np.random.default_rng(0), before=3,
                              idle_between=True)
    ends = {(int(stored[s + 15, 0, 0, 0]), e) for s, e in clips}
    # the event's caption goes to the clips ending 3 kept frames before it through 1 after it
    assert {k for k, e in ends if e == "voxel/kill/zombie"} == {57, 58, 59, 60, 61}
    idle = sorted(k for k, e in ends if e == "voxel/idle")
    assert idle, "the stretch before the zombie fight gives hard negatives"
    # none holds the event frame or ends within before + 2 = 5 kept frames ahead of it
    assert all(k + 5 < 60 or k - 15 > 60 for k in idle)
    assert any(k < 60 for k in idle) and any(k > 60 for k in idle)  # before the fight, and once it is out of view
    # the default cuts no idle clips from an episode with events (the former behaviour)
    _, plain = cut_clips(kept, events, "voxel/idle", 16, 1, 4, np.random.default_rng(0))
    assert {e for _, e in plain} == {"voxel/kill/zombie"} and len(plain) == 2


def test_shards_roundtrip_and_streaming(tmp_path):
    writer = ShardWriter(tmp_path, frames_per_shard=50, compress=True)
    rng = np.random.default_rng(1)
    episodes = []
    for ep in range(6):
        frames = rng.integers(0, 255, (30, 3, 8, 8), dtype=np.uint8)
        episodes.append(frames)
        writer.add_episode(frames, [dict(start=s, num_frames=16, event="voxel/kill/cow", caption="kill a cow",
                                         split="train", world="voxel", seed=ep) for s in (0, 14)])
    writer.close({"seed": 7})
    assert json.loads((tmp_path / "dataset.json").read_text())["seed"] == 7
    records = read_manifest(tmp_path)
    assert len(records) == 12 and len({r.shard for r in records}) == 3
    seen = 0
    for batch, recs in iter_clip_batches(tmp_path, records, 5, np.random.default_rng(0), drop_last=False):
        for clip, rec in zip(batch, recs, strict=True):
            ep = episodes[rec.seed]
            assert np.array_equal(clip, ep[0:16]) or np.array_equal(clip, ep[14:30])
            seen += 1
    assert seen == 12
    # exact content check for one record
    frames_ep0 = episodes[0]
    rec = records[1]
    batch, recs = next(iter_clip_batches(tmp_path, [rec], 1, np.random.default_rng(0)))
    np.testing.assert_array_equal(batch[0], frames_ep0[14:30])
    with pytest.raises(DatasetError):
        writer2 = ShardWriter(tmp_path / "x")
        writer2.add_episode(np.zeros((10, 3, 8, 8), np.uint8), [dict(start=0, num_frames=16, event="e", caption="",
                                                                   split="train", world="voxel", seed=0)])
    with pytest.raises(DatasetError, match="manifest"):
        read_manifest(tmp_path / "empty")


def test_contrastive_loss_treats_same_event_clips_as_positives():
    torch = pytest.importorskip("torch")
    from embodied_gym.rewards.train import contrastive_loss

    events = ["a", "a", "b"]
    # perfect block structure: each clip matches both captions of its own event equally
    good = torch.tensor([[10.0, 10.0, -10.0], [10.0, 10.0, -10.0], [-10.0, -10.0, 10.0]])
    bad = torch.tensor([[10.0, -10.0, -10.0], [-10.0, 10.0, -10.0], [-10.0, -10.0, 10.0]])
    assert contrastive_loss(good, events) < contrastive_loss(bad, events)
    assert contrastive_loss(good, events).item() == pytest.approx(np.log(2) * 2 / 3, abs=1e-4)


def test_merge_datasets_points_into_the_sources(tmp_path):
    from embodied_gym.rewards.data import merge_datasets

    rng = np.random.default_rng(2)
    sources = []
    for k in range(2):
        writer = ShardWriter(tmp_path / f"src{k}")
        frames = rng.integers(0, 255, (16, 3, 8, 8), dtype=np.uint8)
        writer.add_episode(frames, [dict(start=0, num_frames=16, event="voxel/idle", caption="walk around",
                                         split="test", world="voxel", seed=k)])
        writer.close({"seed": k, "frame_stride": 4})
        sources.append((tmp_path / f"src{k}", frames))
    info = merge_datasets(tmp_path / "all", [s for s, _ in sources])
    assert info["num_clips"] == 2 and info["seed"] == [0, 1]
    records = read_manifest(tmp_path / "all")
    for rec in records:
        batch, _ = next(iter_clip_batches(tmp_path / "all", [rec], 1, np.random.default_rng(0)))
        np.testing.assert_array_equal(batch[0], sources[rec.seed][1])


@pytest.mark.slow
def test_make_data_on_the_voxel_world_produces_captioned_clips(tmp_path):
    """End to end on the real voxel world: scripted seekers make events, clips land in shards."""
    from embodied_gym.rewards.make_data import make_data

    info = make_data(tmp_path, worlds=("voxel",), episodes=6, seed=3, workers=1, log=lambda *_: None)
    records = read_manifest(tmp_path)
    assert info["num_clips"] == len(records) > 0
    assert all(r.num_frames == 16 and r.world == "voxel" for r in records)
    assert any(r.event.startswith("voxel/get/") or r.event.startswith("voxel/kill/") for r in records)
    batch, recs = next(iter_clip_batches(tmp_path, records, 1, np.random.default_rng(0)))
    assert batch.shape == (1, 16, 3, 64, 64) and batch.dtype == np.uint8
    # same seed, same dataset, whatever the number of worker processes
    again = make_data(tmp_path / "again", worlds=("voxel",), episodes=6, seed=3, workers=2, log=lambda *_: None)
    assert again["counts"] == info["counts"]
    again_records = read_manifest(tmp_path / "again")
    key = [(r.episode, r.event, r.caption, r.seed) for r in records]
    assert key == [(r.episode, r.event, r.caption, r.seed) for r in again_records]
    for rec, rec2 in list(zip(records, again_records, strict=True))[:8]:
        a = next(iter_clip_batches(tmp_path, [rec], 1, np.random.default_rng(0)))[0]
        b = next(iter_clip_batches(tmp_path / "again", [rec2], 1, np.random.default_rng(0)))[0]
        np.testing.assert_array_equal(a, b)


def test_voxel_rollout_frames_are_the_env_observations():
    """The kept frames of a direct world rollout are what gym.make(id).reset(seed)/step(...) would show."""
    import embodied_gym  # noqa: F401
    import gymnasium as gym
    from embodied_gym.rewards.make_data import Plan, VoxelRollout

    plan = Plan("voxel", "embodied_gym/MineDojo-harvest_1_log-v0", "random", 8)
    frames, events, steps = VoxelRollout((32, 32)).run(plan, 11, np.random.default_rng([11, 0]), stride=4)
    assert frames.shape == (3, 3, 32, 32) and steps == 8 and len(events) == 3
    env = gym.make(plan.env_id, image_size=(32, 32))
    obs, _ = env.reset(seed=11)
    np.testing.assert_array_equal(frames[0], obs["rgb"])
    agent_rng = np.random.default_rng([11, 0])
    for t in range(1, 9):
        action = (agent_rng.random(env.action_space.nvec.shape) * env.action_space.nvec).astype(np.int64)
        obs, *_ = env.step(action)
        if t % 4 == 0:
            np.testing.assert_array_equal(frames[t // 4], obs["rgb"])


def test_make_data_rejects_bad_arguments(tmp_path):
    from embodied_gym.rewards.make_data import make_data

    with pytest.raises(ValueError, match="frame_stride"):
        make_data(tmp_path, frame_stride=0, log=lambda *_: None)
    with pytest.raises(ValueError, match="worlds"):
        make_data(tmp_path, worlds=("nether",), log=lambda *_: None)


@pytest.mark.slow
def test_make_data_stops_at_the_requested_clips(tmp_path):
    from embodied_gym.rewards.make_data import make_data

    info = make_data(tmp_path, worlds=("voxel",), episodes=40, seed=4, workers=1, clips=5, log=lambda *_: None)
    assert 5 <= info["num_clips"] == len(read_manifest(tmp_path)) and info["episodes"] < 40
    with pytest.raises(ValueError, match="clips"):
        make_data(tmp_path / "bad", clips=0, log=lambda *_: None)
