"""``embodied-gym rewards make-data``: roll out agents in our worlds and cut captioned 16-frame clips.

Each *plan* pairs a gym id with an agent (scripted seekers make events happen; wanderers and random
agents give background footage). A clip is 16 frames spaced ``frame_stride`` steps apart, so it spans
``16 * frame_stride`` steps -- long enough to show a tree being chopped, not just the final tick.

Only the frames a clip can hold are rendered: every ``frame_stride``-th step of an episode, counted from
the reset frame (the steps the reward wrapper scores by default). In the voxel world the agents drive
the world directly -- ``world.step`` and one renderer call per kept frame, as the planning benchmark
does -- so the steps in between cost only the world's rules (``gym.make(id).reset(seed=s)`` and this
rollout start from the same world, and a kept frame is the env's observation at that step). The
captioner compares what happened between two kept frames (a log entered the inventory, a cow was
killed) and marks the event on the later frame. Episodes run their plan's full length (a seeker goes on
to the next tree after the first log) unless the player dies.

Clips: for each event, windows ending at the event frame and up to ``after`` frames later; for episodes
without events, ``idle`` windows. Only frames inside some clip are stored. Episodes whose seed falls in
the held-out set (``seed % 10 == 0``) go to the ``test`` split: their worlds are never seen in training.
Workers run in separate processes (one per core), each writing its own shards; the manifests are
merged at the end in episode order, so the dataset does not depend on which worker was faster.
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


def episode_steps(plan: Plan, stride: int) -> int:
    """A plan's episode length rounded up to whole strides, so its last step is a kept frame."""
    return -(-plan.max_steps // stride) * stride


class _WorldHandle:
    """What the scripted voxel agents read from an env (``unwrapped.world``, ``action_space``), for a bare world."""

    def __init__(self, world, action_space) -> None:
        self.world = world
        self.action_space = action_space

    @property
    def unwrapped(self):
        return self


class VoxelRollout:
    """Runs voxel episodes on one reusable world, rendering only the kept frames.

    ``specs`` maps a gym id to its MineDojo task spec (what ``world.reset`` sets the world up for); the
    world's seed is drawn from the episode seed exactly as the gym env's ``reset(seed=...)`` draws it.
    """

    def __init__(self, image_size: tuple[int, int]) -> None:
        import gymnasium as gym
        from embodied_gym.envs.voxel.scene import BatchRenderer
        from embodied_gym.envs.voxel.spaces import validate_action
        from embodied_gym.envs.voxel.world import VoxelWorld

        self._gym = gym
        self.world = VoxelWorld(256)
        self.renderer = BatchRenderer(1, image_size[0], image_size[1], parallel=False)
        self.validate = validate_action
        self.specs: dict[str, object] = {}
        self.action_space = None

    def _spec(self, env_id: str):
        if env_id not in self.specs:
            env = self._gym.make(env_id, image_size=(32, 32))
            self.specs[env_id] = env.unwrapped.task
            self.action_space = env.action_space
            env.close()
        return self.specs[env_id]

    def _frame(self) -> np.ndarray:
        return self.renderer.render([self.world])[0].copy()

    def run(self, plan: Plan, seed: int, rng: np.random.Generator, stride: int) -> tuple[np.ndarray, list[list[str]], int]:
        """(kept frames ``(K, 3, H, W)``, events marked on each kept frame, env steps taken)."""
        spec = self._spec(plan.env_id)
        world = self.world
        world.reset(int(np.random.default_rng(seed).integers(0, 2**31 - 1)), spec)
        agent = make_agent(plan, _WorldHandle(world, self.action_space), rng)
        agent.reset(None, None)
        captioner = CAPTIONERS["voxel"]()
        captioner.reset(world.task_info())
        frames, events = [self._frame()], [[]]
        steps = 0
        for t in range(1, episode_steps(plan, stride) + 1):
            if not world.player.alive:
                break
            world.step(self.validate(agent.act(None, None)))
            steps += 1
            if t % stride == 0:
                frames.append(self._frame())
                events.append(captioner.step(world.task_info()))
        return np.stack(frames), events, steps


def run_episode(env, plan: Plan, seed: int, rng: np.random.Generator,
                stride: int = 1) -> tuple[list[np.ndarray], list[list[str]], int]:
    """Through the gym env (the house world): kept frames (every ``stride``-th step from the reset frame)
    and the events marked on each kept frame (those of the steps since the previous kept frame), and the
    number of env steps taken."""
    obs, info = env.reset(seed=seed)
    agent = make_agent(plan, env, rng)
    agent.reset(obs, info)
    captioner = CAPTIONERS[plan.world]()
    captioner.reset(caption_info(plan, env, info))
    frames = [_chw(obs["rgb"] if isinstance(obs, dict) else obs)]
    events: list[list[str]] = [[]]
    since: list[str] = []
    t = 0
    for t in range(1, episode_steps(plan, stride) + 1):
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
        since += captioner.step(caption_info(plan, env, info))
        if t % stride == 0:
            frames.append(_chw(obs["rgb"] if isinstance(obs, dict) else obs))
            events.append(list(dict.fromkeys(since)))
            since = []
        if terminated or truncated:
            break
    return frames, events, t


def cut_clips(
    frames: np.ndarray | list[np.ndarray],
    events: list[list[str]],
    idle_event: str,
    num_frames: int,
    after: int,
    idle_every: int,
    rng: np.random.Generator,
    before: int = 0,
    idle_between: bool = False,
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Cut clips from an episode's kept frames. Returns the frames to store and (start, event) per clip.

    A clip ending at kept frame ``k`` holds frames ``k-15 .. k``; frames before the episode's first are
    its first frame repeated (the way the reward wrapper pads). Only frames inside some clip are returned,
    and starts index into them.

    Per event marked on kept frame ``k``, clips end at ``k - before .. k + after``: with ``before > 0`` the
    clips that stop while the agent is still closing in and striking also carry the event's caption, so a
    model learns the doing, not only the moment the item appears -- what makes its score rise *along* an
    episode instead of at its last step. ``idle_between`` also cuts idle clips out of episodes with
    events, wherever a clip neither holds an event nor ends within ``before + 2`` kept frames of one: hard
    negatives (the same world and the same mobs in view, the task not being done), without which a model
    learns "a zombie at night" for "kill a zombie".
    """
    frames = np.asarray(frames)
    n = len(frames)
    pad = num_frames - 1
    ends: list[tuple[int, str]] = []
    marks = [(k, e) for k, evs in enumerate(events) for e in evs]
    if marks:
        for k, event in marks:
            ends += [(end, event) for end in range(max(k - before, 0), min(k + after, n - 1) + 1)]
        if idle_between:
            marked = np.zeros(n + before + 2, dtype=np.int64)
            marked[[k for k, _ in marks]] = 1
            seen = np.concatenate([[0], np.cumsum(marked)])  # seen[i] = marks on frames < i
            offset = int(rng.integers(idle_every))
            for end in range(num_frames - 1 + offset, n, idle_every):
                if seen[end + before + 3] == seen[max(end - pad, 0)]:  # no mark in end-pad .. end+before+2
                    ends.append((end, idle_event))
    else:
        offset = int(rng.integers(idle_every))
        ends = [(end, idle_event) for end in range(num_frames - 1 + offset, n, idle_every)]
    if not ends:
        return frames[:0], []
    # padded index p holds frame max(p - pad, 0); a clip ending at kept frame k covers padded k .. k + pad
    used = np.zeros(n + pad, dtype=bool)
    for end, _ in ends:
        used[end : end + pad + 1] = True
    padded_index = np.flatnonzero(used)
    new_index = np.cumsum(used) - 1  # padded position -> position among the stored frames
    stored = frames[np.maximum(padded_index - pad, 0)]
    return stored, [(int(new_index[end]), event) for end, event in ends]


def _worker(args: tuple) -> dict:
    (worker, out, plans, jobs, image_size, num_frames, stride, after, idle_every, heldout_mod, threads,
     deadline, quota, before, idle_between) = args
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("NUMBA_NUM_THREADS", str(threads))
    warnings.filterwarnings("ignore")
    import embodied_gym  # noqa: F401  (registers the ids)

    writer = ShardWriter(Path(out) / f"w{worker:02d}", frames_per_shard=8192, compresslevel=1)
    rollout = None
    envs: dict[str, object] = {}
    counts: dict[str, dict[str, int]] = {"train": {}, "test": {}}
    steps = 0
    episodes_run = 0
    made = 0
    for episode, plan_index, seed in jobs:
        if time.time() > deadline or made >= quota:
            break
        episodes_run += 1
        plan = plans[plan_index]
        rng = np.random.default_rng([seed, plan_index])
        if plan.world == "voxel":
            rollout = rollout or VoxelRollout(tuple(image_size))
            frames, events, n = rollout.run(plan, seed, rng, stride)
        else:
            if plan.env_id not in envs:
                envs[plan.env_id] = make_env(plan, tuple(image_size))
            frames, events, n = run_episode(envs[plan.env_id], plan, seed, rng, stride)
        steps += n
        idle = CAPTIONERS[plan.world].idle_event
        stored, clips = cut_clips(frames, events, idle, num_frames, after, idle_every, rng, before, idle_between)
        if plan.agent.startswith("seek") and all(e == idle for _, e in clips):
            continue  # a seeker that failed shows no clean idle footage either
        split = "test" if seed % heldout_mod == 0 else "train"
        records = []
        for start, event in clips:
            train_phr = phrasings(event)[0]
            records.append(dict(
                start=start, num_frames=num_frames, event=event,
                caption=train_phr[int(rng.integers(len(train_phr)))], split=split, world=plan.world,
                seed=int(seed), env_id=plan.env_id, agent=plan.agent, episode=int(episode),
            ))
            counts[split][event] = counts[split].get(event, 0) + 1
        if records:
            writer.add_episode(stored, records)
            made += len(records)
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
    after: int = 3,
    idle_every: int = 8,
    heldout_mod: int = 10,
    before: int = 0,
    idle_between: bool = False,
    command: str = "",
    max_minutes: float | None = None,
    clips: int | None = None,
    log=print,
) -> dict:
    """Generate ``episodes`` episodes (split over ``workers`` processes) and write shards + manifest.

    ``max_minutes`` stops the workers early (each finishes its current episode); the dataset then holds
    the episodes run so far, and ``dataset.json`` says how many that was. ``clips`` stops each worker once
    it has written its share (``ceil(clips / workers)``), so the dataset holds at least ``clips`` clips if
    ``episodes`` are enough; which episodes that takes then depends on the number of workers (without
    ``clips`` or ``max_minutes`` the dataset is the same for any number of workers).
    """
    import multiprocessing as mp

    unknown = [w for w in worlds if w not in PLANS]
    if unknown:
        raise ValueError(f"unknown worlds {unknown}; accepted: {sorted(PLANS)}")
    for name, value, least in (("episodes", episodes, 1), ("workers", workers, 1), ("num_frames", num_frames, 1),
                               ("frame_stride", frame_stride, 1), ("after", after, 0), ("before", before, 0), ("idle_every", idle_every, 1),
                               ("heldout_mod", heldout_mod, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    if clips is not None and (not isinstance(clips, (int, np.integer)) or isinstance(clips, bool) or clips < 1):
        raise ValueError(f"clips must be an integer >= 1 or None, got {clips!r}")
    quota = -(-clips // workers) if clips is not None else float("inf")
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
        jobs[i % workers].append((i, p, s))
    threads = max(1, (os.cpu_count() or 2) // workers)
    deadline = time.time() + (max_minutes * 60.0 if max_minutes else 1e12)
    args = [(w, str(out), plans, jobs[w], image_size, num_frames, frame_stride, after, idle_every, heldout_mod,
             threads, deadline, quota, before, idle_between) for w in range(workers)]
    start = time.monotonic()
    if workers == 1:
        results = [_worker(args[0])]
    else:
        with mp.get_context("spawn").Pool(workers) as pool:
            results = pool.map(_worker, args)
    elapsed = time.monotonic() - start
    # merge the per-worker manifests into one, in episode order, with shard paths relative to the dataset root
    merged_records = []
    for w in range(workers):
        for line in (out / f"w{w:02d}" / MANIFEST).read_text().splitlines():
            rec = json.loads(line)
            rec["shard"] = f"w{w:02d}/{rec['shard']}"
            merged_records.append(rec)
    merged_records.sort(key=lambda r: r["episode"])  # stable: a worker writes an episode's clips in order
    with (out / MANIFEST).open("w") as merged:
        for rec in merged_records:
            merged.write(json.dumps(rec, sort_keys=True) + "\n")
    total = len(merged_records)
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
        "clips_requested": clips,
        "episodes": sum(r["episodes"] for r in results),
        "env_steps": sum(r["steps"] for r in results),
        "num_clips": total,
        "stored_frames": sum(r["frames"] for r in results),
        "num_frames": num_frames,
        "frame_stride": frame_stride,
        "after": after,
        "before": before,
        "idle_between": idle_between,
        "idle_every": idle_every,
        "image_size": list(image_size),
        "heldout": f"episodes with seed % {heldout_mod} == 0 (unseen worlds); captions: held-out phrasings",
        "counts": counts,
        "prompts": sorted({canonical_prompt(e) for table in counts.values() for e in table}),
        "seconds": elapsed,
    }
    (out / DATASET_INFO).write_text(json.dumps(info, indent=2, sort_keys=True))
    log(f"{total} clips from {info['episodes']} episodes ({info['env_steps']} env steps, "
        f"{info['stored_frames']} frames stored) in {elapsed:.1f} s = {total / max(elapsed, 1e-9):.0f} clips/s "
        f"with {workers} workers -> {out}")
    for split in ("train", "test"):
        log(f"  {split}: " + ", ".join(f"{e}={n}" for e, n in sorted(counts[split].items())))
    if total == 0:
        raise RuntimeError("no clips were produced: no agent made any event happen (see the counts above)")
    return info
