"""``embodied-gym rewards make-data``: roll out agents in our worlds and cut captioned 16-frame clips.

Each *plan* pairs a gym id with an agent (scripted seekers make events happen; wanderers and random
agents give background footage). Every episode records the frames the agent saw; a per-world captioner
reads ``info`` after every step and marks events (a log entered the inventory, a cow was killed). Frames
are kept every ``frame_stride`` steps, aligned so the last step is kept, so a 16-frame clip spans
``16 * frame_stride`` steps -- long enough to show a tree being chopped, not just the final tick.

Clips: for each event, windows ending at the event frame and up to ``after`` frames later; for episodes
without events, ``idle`` windows. Episodes whose seed falls in the held-out set (``seed % 10 == 0``)
go to the ``test`` split: their worlds are never seen in training.
Workers run in separate processes, each writing its own shards; the manifests are merged at the end.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from embodied_gym.rewards.captions import CAPTIONERS, canonical_prompt, phrasings
from embodied_gym.rewards.data import DATASET_INFO, MANIFEST, ShardWriter


@dataclass(frozen=True)
class Plan:
    """One kind of episode: which env, which agent, how many steps at most, and its sampling weight."""

    world: str
    env_id: str
    agent: str  # "random" | "wander" | "seek:<kind>:<target>"
    max_steps: int
    weight: float = 1.0


def _voxel(task: str) -> str:
    return f"embodied_gym/MineDojo-{task}-v0"


VOXEL_PLANS: tuple[Plan, ...] = (
    Plan("voxel", _voxel("harvest_8_log"), "seek:block:log", 600, 3.0),
    Plan("voxel", _voxel("harvest_1_log_plains"), "seek:block:log", 300, 0.5),
    Plan("voxel", _voxel("harvest_1_log_taiga"), "seek:block:log", 300, 0.5),
    Plan("voxel", _voxel("harvest_8_dirt"), "seek:block:dirt", 400, 1.5),
    Plan("voxel", _voxel("harvest_8_beef"), "seek:mob:cow", 400, 1.0),
    Plan("voxel", _voxel("harvest_8_porkchop"), "seek:mob:pig", 400, 1.0),
    Plan("voxel", _voxel("harvest_8_mutton"), "seek:mob:sheep", 400, 1.0),
    Plan("voxel", _voxel("harvest_8_chicken"), "seek:mob:chicken", 400, 0.5),
    Plan("voxel", _voxel("combat_cow_forest_leather_armors_wooden_sword_shield"), "seek:mob:cow", 200, 1.0),
    Plan("voxel", _voxel("combat_pig_forest_leather_armors_wooden_sword_shield"), "seek:mob:pig", 200, 0.7),
    Plan("voxel", _voxel("combat_sheep_forest_leather_armors_wooden_sword_shield"), "seek:mob:sheep", 200, 0.7),
    Plan("voxel", _voxel("combat_chicken_forest_leather_armors_wooden_sword_shield"), "seek:mob:chicken", 200, 0.5),
    Plan("voxel", _voxel("combat_zombie_forest_leather_armors_wooden_sword_shield"), "seek:mob:zombie", 200, 1.0),
    Plan("voxel", _voxel("harvest_milk_with_empty_bucket_and_cow"), "seek:mob:cow:use", 200, 1.0),
    Plan("voxel", _voxel("harvest_wool_with_shears_and_sheep"), "seek:mob:sheep:use", 200, 1.0),
    Plan("voxel", _voxel("harvest_1_log"), "wander", 200, 1.5),
    Plan("voxel", _voxel("harvest_1_log"), "random", 160, 0.5),
)

HOUSE_ACTIONS = ("MoveAhead", "RotateLeft", "RotateRight", "LookUp", "LookDown", "PickupObject", "PutObject",
                 "OpenObject", "ToggleObjectOn")

HOUSE_PLANS: tuple[Plan, ...] = (
    Plan("house", "embodied_gym/House-RoomNav-v0", "house-wander", 240, 1.0),
    Plan("house", "embodied_gym/House-ObjectNav-v0", "house-wander", 240, 1.0),
)

PLANS: dict[str, tuple[Plan, ...]] = {"voxel": VOXEL_PLANS, "house": HOUSE_PLANS}


def make_env(plan: Plan, image_size: tuple[int, int]):
    """The plan's env at ``image_size``; house envs get the interaction actions the wander agent uses."""
    import gymnasium as gym

    if plan.world == "house":
        return gym.make(plan.env_id, width=image_size[1], height=image_size[0], actions=HOUSE_ACTIONS,
                        max_episode_steps=plan.max_steps + 1)
    return gym.make(plan.env_id, image_size=tuple(image_size))


def caption_info(plan: Plan, env, info: dict) -> dict:
    """What the world's captioner reads. Voxel: the env's MineDojo-format info. House: AI2-THOR metadata
    from the world, plus the room type under the agent (``agent.roomType``), which AI2-THOR leaves out."""
    if plan.world != "house":
        return info
    world = env.unwrapped.world
    meta = world.metadata()
    room_id = world.floor.room_at(world.agent.x, world.agent.z)
    types = {r["id"]: r.get("roomType") for r in world.house.get("rooms", [])}
    meta["agent"]["roomType"] = types.get(room_id)
    return {"metadata": meta}

#: the block kinds a seeker mines for an event item (grass blocks drop dirt, stone drops cobblestone)
SEEK_BLOCKS = {"log": ("log", "log2"), "dirt": ("dirt", "grass"), "cobblestone": ("stone",)}
SEEK_DROPS = {"log": ("log", "log2"), "dirt": ("dirt",), "cobblestone": ("cobblestone",)}


def make_agent(plan: Plan, env, rng: np.random.Generator):
    from embodied_gym.rewards.agents import HouseWanderAgent, RandomAgent, VoxelSeekAgent, VoxelWanderAgent

    if plan.agent == "house-wander":
        return HouseWanderAgent(env, rng)
    if plan.agent == "random":
        return RandomAgent(env, rng)
    if plan.agent == "wander":
        return VoxelWanderAgent(env, rng)
    if plan.agent.startswith("seek:"):
        _, kind, target, *mode = plan.agent.split(":")
        return VoxelSeekAgent(env, rng, target, kind, blocks=SEEK_BLOCKS.get(target), drops=SEEK_DROPS.get(target),
                              use=mode == ["use"])
    raise ValueError(f"unknown agent {plan.agent!r}; accepted: random, wander, seek:<block|mob>:<target>[:use]")


def _chw(frame: np.ndarray) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.ndim == 3 and frame.shape[-1] == 3 and frame.shape[0] != 3:
        frame = frame.transpose(2, 0, 1)
    return np.ascontiguousarray(frame, dtype=np.uint8)


def run_episode(env, plan: Plan, seed: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[list[str]]]:
    """Frames (reset frame first) and, per step, the events the captioner saw after it."""
    obs, info = env.reset(seed=seed)
    agent = make_agent(plan, env, rng)
    agent.reset(obs, info)
    captioner = CAPTIONERS[plan.world]()
    captioner.reset(caption_info(plan, env, info))
    frames = [_chw(obs["rgb"] if isinstance(obs, dict) else obs)]
    events: list[list[str]] = [[]]
    for _ in range(plan.max_steps):
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
        frames.append(_chw(obs["rgb"] if isinstance(obs, dict) else obs))
        events.append(captioner.step(caption_info(plan, env, info)))
        if terminated or truncated:
            break
    return frames, events


def cut_clips(
    frames: list[np.ndarray],
    events: list[list[str]],
    idle_event: str,
    num_frames: int,
    stride: int,
    after: int,
    idle_every: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Subsample the episode and cut clips. Returns the stored frames and (start, event) per clip.

    The stored frames are the subsampled episode preceded by ``num_frames - 1`` copies of its first frame,
    so a clip ending early in the episode is padded the way the reward wrapper pads (first frame repeated).
    """
    n = len(frames)
    keep = list(range(n - 1, -1, -stride))[::-1]
    sub = [frames[i] for i in keep]
    pad = num_frames - 1
    stored = np.stack([sub[0]] * pad + sub)
    # map each step's events to the first kept frame at or after it
    marks: list[tuple[int, str]] = []
    for step, evs in enumerate(events):
        if not evs:
            continue
        k = int(np.searchsorted(keep, step))
        for e in evs:
            marks.append((k, e))
    clips: list[tuple[int, str]] = []
    if marks:
        for k, event in marks:
            for end in range(k, min(k + after, len(sub) - 1) + 1):
                clips.append((end + pad - (num_frames - 1), event))
    else:
        offset = int(rng.integers(idle_every))
        for end in range(num_frames - 1 + offset, len(sub), idle_every):
            clips.append((end + pad - (num_frames - 1), idle_event))
    return stored, clips


def _worker(args: tuple) -> dict:
    (worker, out, plans, seeds, image_size, num_frames, stride, after, idle_every, heldout_mod, threads,
     deadline) = args
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("NUMBA_NUM_THREADS", str(threads))
    warnings.filterwarnings("ignore")
    import embodied_gym  # noqa: F401  (registers the ids)
    import gymnasium as gym

    writer = ShardWriter(Path(out) / f"w{worker:02d}", frames_per_shard=8192)
    envs: dict[str, gym.Env] = {}
    counts: dict[str, dict[str, int]] = {"train": {}, "test": {}}
    steps = 0
    episodes_run = 0
    for plan_index, seed in seeds:
        if time.time() > deadline:
            break
        episodes_run += 1
        plan = plans[plan_index]
        if plan.env_id not in envs:
            envs[plan.env_id] = make_env(plan, tuple(image_size))
        env = envs[plan.env_id]
        rng = np.random.default_rng([seed, plan_index])
        frames, events = run_episode(env, plan, seed, rng)
        steps += len(frames) - 1
        idle = CAPTIONERS[plan.world].idle_event
        stored, clips = cut_clips(frames, events, idle, num_frames, stride, after, idle_every, rng)
        if plan.agent.startswith("seek") and all(e == idle for _, e in clips):
            clips = []  # a seeker that failed shows no clean idle footage either
        split = "test" if seed % heldout_mod == 0 else "train"
        records = []
        for start, event in clips:
            train_phr = phrasings(event)[0]
            records.append(dict(
                start=start, num_frames=num_frames, event=event,
                caption=train_phr[int(rng.integers(len(train_phr)))], split=split, world=plan.world,
                seed=int(seed), env_id=plan.env_id, agent=plan.agent,
            ))
            counts[split][event] = counts[split].get(event, 0) + 1
        if records:
            writer.add_episode(stored, records)
    writer.close()
    return {"counts": counts, "steps": steps, "clips": writer.num_clips, "frames": writer.num_frames_written,
            "episodes": episodes_run}


def make_data(
    out: str | Path,
    worlds: tuple[str, ...] = ("voxel",),
    episodes: int = 200,
    seed: int = 0,
    workers: int = 2,
    image_size: tuple[int, int] = (64, 64),
    num_frames: int = 16,
    frame_stride: int = 4,
    after: int = 2,
    idle_every: int = 8,
    heldout_mod: int = 10,
    command: str = "",
    max_minutes: float | None = None,
    log=print,
) -> dict:
    """Generate ``episodes`` episodes (split over ``workers`` processes) and write shards + manifest.

    ``max_minutes`` stops the workers early (each finishes its current episode); the dataset then holds
    the episodes run so far, and ``dataset.json`` says how many that was.
    """
    import multiprocessing as mp

    unknown = [w for w in worlds if w not in PLANS]
    if unknown:
        raise ValueError(f"unknown worlds {unknown}; accepted: {sorted(PLANS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plans = [p for w in worlds for p in PLANS[w]]
    weights = np.array([p.weight for p in plans], dtype=np.float64)
    rng = np.random.default_rng(seed)
    plan_of = rng.choice(len(plans), size=episodes, p=weights / weights.sum())
    # episode seeds are distinct and derived from the data seed, so reruns are identical
    episode_seeds = seed * 1_000_003 + np.arange(episodes)
    jobs = [[] for _ in range(workers)]
    for i, (p, s) in enumerate(zip(plan_of.tolist(), episode_seeds.tolist(), strict=True)):
        jobs[i % workers].append((p, s))
    threads = max(1, (os.cpu_count() or 2) // workers)
    deadline = time.time() + (max_minutes * 60.0 if max_minutes else 1e12)
    args = [(w, str(out), plans, jobs[w], image_size, num_frames, frame_stride, after, idle_every, heldout_mod,
             threads, deadline) for w in range(workers)]
    start = time.monotonic()
    if workers == 1:
        results = [_worker(args[0])]
    else:
        with mp.get_context("spawn").Pool(workers) as pool:
            results = pool.map(_worker, args)
    elapsed = time.monotonic() - start
    # merge the per-worker manifests into one, with shard paths relative to the dataset root
    total = 0
    with (out / MANIFEST).open("w") as merged:
        for w in range(workers):
            sub = out / f"w{w:02d}" / MANIFEST
            for line in sub.read_text().splitlines():
                rec = json.loads(line)
                rec["shard"] = f"w{w:02d}/{rec['shard']}"
                merged.write(json.dumps(rec, sort_keys=True) + "\n")
                total += 1
    counts: dict[str, dict[str, int]] = {"train": {}, "test": {}}
    for r in results:
        for split, table in r["counts"].items():
            for event, n in table.items():
                counts[split][event] = counts[split].get(event, 0) + n
    info = {
        "format": "embodied_gym.rewards.clips.v1",
        "command": command,
        "seed": seed,
        "worlds": list(worlds),
        "episodes_planned": episodes,
        "episodes": sum(r["episodes"] for r in results),
        "env_steps": sum(r["steps"] for r in results),
        "num_clips": total,
        "stored_frames": sum(r["frames"] for r in results),
        "num_frames": num_frames,
        "frame_stride": frame_stride,
        "image_size": list(image_size),
        "heldout": f"episodes with seed % {heldout_mod} == 0 (unseen worlds); captions: held-out phrasings",
        "counts": counts,
        "prompts": sorted({canonical_prompt(e) for table in counts.values() for e in table}),
        "seconds": elapsed,
    }
    (out / DATASET_INFO).write_text(json.dumps(info, indent=2, sort_keys=True))
    log(f"{total} clips from {info['episodes']} episodes ({info['env_steps']} env steps) in {elapsed:.0f} s -> {out}")
    for split in ("train", "test"):
        log(f"  {split}: " + ", ".join(f"{e}={n}" for e, n in sorted(counts[split].items())))
    if total == 0:
        raise RuntimeError("no clips were produced: no agent made any event happen (see the counts above)")
    return info
