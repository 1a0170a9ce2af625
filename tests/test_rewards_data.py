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


def test_cut_clips_aligns_events_and_pads_with_the_first_frame():
    rng = np.random.default_rng(0)
    frames = [np.full((3, 4, 4), t, np.uint8) for t in range(41)]  # reset frame + 40 steps
    events = [[] for _ in range(41)]
    events[21] = ["voxel/get/log"]
    stored, clips = cut_clips(frames, events, "voxel/idle", num_frames=16, stride=4, after=2, idle_every=8, rng=rng)
    kept = list(range(40, -1, -4))[::-1]  # the last step is always kept
    assert stored.shape == (15 + len(kept), 3, 4, 4)
    assert (stored[:15] == 0).all()  # padding = the first frame
    starts = [s for s, e in clips]
    assert all(e == "voxel/get/log" for _, e in clips) and len(clips) == 3
    first_clip = stored[starts[0] : starts[0] + 16]
    assert first_clip[-1, 0, 0, 0] == 24  # ends at the first kept frame at/after the event (step 21 -> 24)
    assert first_clip[-2, 0, 0, 0] == 20
    # without events: idle windows
    _, idle = cut_clips(frames, [[] for _ in range(41)], "voxel/idle", 16, 1, 2, 8, rng)
    assert idle and all(e == "voxel/idle" for _, e in idle)


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
    # same seed, same dataset
    again = make_data(tmp_path / "again", worlds=("voxel",), episodes=6, seed=3, workers=1, log=lambda *_: None)
    assert again["counts"] == info["counts"]
