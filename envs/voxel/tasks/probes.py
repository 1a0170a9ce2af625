"""Behaviours of the embedded voxel world, measured by running small seeded worlds.

The coverage table (:mod:`coverage`) must neither promise what the world cannot do nor miss what it
can, and it must notice when the world changes. So instead of declaring "herds respawn", "chickens lay
eggs", "skeletons spawn in caves by day" or "gravel drops flint", each of those is *observed* here:

* :func:`hunt` -- a world left running with a hunter standing at the spawn: every ``HUNT_EVERY`` ticks
  every mob within ``HUNT_RADIUS`` blocks (any depth: caves count) is counted and removed, so the world's
  spawners (herds that come back, hostile mobs in dark caves by day, on the surface at night) keep
  refilling the area. The counts at each of ``CHECKPOINTS`` ticks are how many mobs of each kind a
  player could have killed there within that time (an upper bound: walking and fighting take time).
* :func:`laid` -- the same world left alone: items that appear next to a live mob without the player
  doing anything (a chicken's egg) are counted per (mob, item).
* :func:`block_drop_rates` -- a block broken many times by hand in a seeded world: the mean count of
  each item it drops (gravel gives flint 1 time in 10, oak leaves an apple).

Everything is deterministic (fixed seeds) and cached per process; a full coverage run spends a few
seconds here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

#: world seeds each probe is run with; results are averaged over them
PROBE_SEEDS: tuple[int, ...] = (0, 1)
#: ticks at which cumulative counts are kept (the task time limits of envs/voxel/ids.py fall on them)
CHECKPOINTS: tuple[int, ...] = (2000, 6000, 12000)
#: the hunter removes every mob this close (horizontally, in blocks, at any depth) ...
HUNT_RADIUS = 48.0
#: ... this often (ticks)
HUNT_EVERY = 100
#: an item that appears this close (blocks) to a live mob is counted as laid by it
LAY_RADIUS = 1.5
#: the world size probes run in (the env's default)
PROBE_WORLD_SIZE = 256
#: a night probe starts at dusk (Minecraft: night is ticks 13000-23000)
NIGHT_START = 13000


@dataclass(frozen=True)
class Observed:
    """Cumulative counts at each of :data:`CHECKPOINTS` in one probe world."""

    counts: tuple[tuple[tuple[str, int], ...], ...]

    def at(self, ticks: int) -> dict[str, int]:
        """Counts up to the last checkpoint not after ``ticks`` (empty before the first)."""
        best: dict[str, int] = {}
        for checkpoint, row in zip(CHECKPOINTS, self.counts, strict=True):
            if checkpoint <= ticks:
                best = dict(row)
        return best


def _probe_world(biome: str | None, start_time: int | None, seed: int):
    from embodied_gym.envs.voxel.tasks.spec import TaskSpec
    from embodied_gym.envs.voxel.world import VoxelWorld

    spec = TaskSpec(task_id="coverage_probe", category="harvest", prompt="", specified_biome=biome,
                    start_time=start_time)
    world = VoxelWorld(PROBE_WORLD_SIZE)
    world.reset(seed, spec)
    return world


def _keep_alive(world) -> None:
    """The observer must outlive the probe (it is not what is measured)."""
    p = world.player
    p.health, p.food, p.alive = 20.0, 20, True


def _snapshot(counter: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items()))


@cache
def hunt(biome: str | None, start_time: int | None, seed: int) -> Observed:
    """Mobs of each kind a hunter at the spawn meets (and removes) within each checkpoint's ticks."""
    from embodied_gym.envs.voxel.mobs import MOB_KINDS

    world = _probe_world(biome, start_time, seed)
    noop = np.array([0, 0, 0, 12, 12, 0, 0, 0])
    met: dict[str, int] = {}
    rows = []
    for tick in range(1, CHECKPOINTS[-1] + 1):
        world.step(noop)
        if tick % HUNT_EVERY == 0:
            _keep_alive(world)
            near = np.abs(world.mob_pos[:, [0, 2]] - world.player.pos[[0, 2]]).max(1) <= HUNT_RADIUS
            for m in np.flatnonzero(world.mob_alive & near):
                name = MOB_KINDS[int(world.mob_kind[m])].name
                met[name] = met.get(name, 0) + 1
                world.mob_alive[m] = False
        if tick in CHECKPOINTS:
            rows.append(_snapshot(met))
    return Observed(tuple(rows))


@cache
def laid(biome: str | None, start_time: int | None, seed: int) -> Observed:
    """Items that appear beside a live mob in a world left alone, keyed ``"mob:item"``."""
    from embodied_gym.envs.voxel.mobs import MOB_KINDS

    world = _probe_world(biome, start_time, seed)
    noop = np.array([0, 0, 0, 12, 12, 0, 0, 0])
    seen: dict[str, int] = {}
    rows = []
    before = world.item_alive.copy()
    for tick in range(1, CHECKPOINTS[-1] + 1):
        world.step(noop)
        new = np.flatnonzero(world.item_alive & ~before)
        for k in new:
            alive = np.flatnonzero(world.mob_alive)
            if alive.size == 0:
                continue
            d = np.linalg.norm(world.mob_pos[alive] - world.item_pos[k], axis=1)
            j = int(np.argmin(d))
            if d[j] <= LAY_RADIUS:
                key = f"{MOB_KINDS[int(world.mob_kind[alive[j]])].name}:{world.cat.item_names[int(world.item_id[k])]}"
                seen[key] = seen.get(key, 0) + int(world.item_count[k])
        before = world.item_alive.copy()
        if tick % HUNT_EVERY == 0:
            _keep_alive(world)
        if tick in CHECKPOINTS:
            rows.append(_snapshot(seen))
    return Observed(tuple(rows))


def _mean(observations: list[Observed], ticks: int) -> dict[str, float]:
    total: dict[str, float] = {}
    for obs in observations:
        for name, n in obs.at(ticks).items():
            total[name] = total.get(name, 0.0) + n / len(observations)
    return total


def mob_supply(biome: str | None, night: bool, ticks: int) -> dict[str, float]:
    """Mean number of each mob kind a hunter meets within ``ticks`` (over :data:`PROBE_SEEDS`)."""
    start = NIGHT_START if night else None
    return _mean([hunt(biome, start, s) for s in PROBE_SEEDS], ticks)


def laid_supply(biome: str | None, night: bool, ticks: int) -> dict[tuple[str, str], float]:
    """Mean number of items laid within ``ticks``, keyed (mob, item) (over :data:`PROBE_SEEDS`)."""
    start = NIGHT_START if night else None
    out = _mean([laid(biome, start, s) for s in PROBE_SEEDS], ticks)
    return {tuple(key.split(":", 1)): n for key, n in out.items()}  # type: ignore[misc]


@cache
def block_drop_rates(block: str, variant: int = 0, trials: int = 1000, seed: int = 0) -> dict[str, float]:
    """Mean count of each item ``block`` (of ``variant``) drops when broken by hand, over ``trials``
    breaks in a seeded world (the world's own break rule, the one the attack action ends in)."""
    from embodied_gym.envs.voxel.world import VoxelWorld

    world = VoxelWorld(64)
    world.reset(seed)
    cat = world.cat
    block_id = cat.block_id(block, variant)
    if cat.block_names[block_id] != block or int(cat.block_variant[block_id]) != variant:
        raise KeyError(f"the catalog has no block {block!r} of variant {variant}")
    _, drops = world.break_ticks(block_id)
    x, z = int(world.player.pos[0]), int(world.player.pos[2])
    y = min(int(world.player.pos[1]) + 20, world.blocks.shape[1] - 2)
    totals: dict[str, float] = {}
    for _ in range(trials):
        world.item_alive[:] = False
        world.blocks[x, y, z] = block_id
        world._break_block(x, y, z, block_id, drops)
        for k in np.flatnonzero(world.item_alive):
            name = cat.item_names[int(world.item_id[k])]
            totals[name] = totals.get(name, 0.0) + int(world.item_count[k]) / trials
    return totals


@cache
def portal_travel(seed: int = 0) -> tuple[str, ...]:
    """Dimensions a player is in, in order, who builds a 4 x 5 obsidian frame in front of the spawn,
    lights it with flint and steel (the use action, looking at the frame's bottom), walks in, waits, steps
    out and back in: ``("overworld", "nether", "overworld")`` when nether portals work both ways."""
    from embodied_gym.envs.voxel.world import PORTAL_TICKS, VoxelWorld

    world = VoxelWorld(PROBE_WORLD_SIZE)
    world.reset(seed)
    world.allow_spawn = False
    world.mob_alive[:] = False
    p = world.player
    x, y, z = (int(np.floor(v)) for v in p.pos)
    world.blocks[x - 2:x + 4, y:y + 5, z:z + 3] = 0  # room for the frame, in front of the player (+z)
    world.blocks[x - 2:x + 4, y - 1, z:z + 3] = world.cat.block_id("stone")
    for i in range(-1, 3):
        for j in range(-1, 4):
            if i in (-1, 2) or j in (-1, 3):
                world.set_block(x + i, y + j, z + 1, "obsidian")
    world.inventory.set_slot(0, world.cat.item_id("flint_and_steel"), 1)
    p.yaw, p.pitch = 0.0, 60.0
    visited = [world.dimension]
    noop = np.array([0, 0, 0, 12, 12, 0, 0, 0])
    world.step(np.array([0, 0, 0, 12, 12, 1, 0, 0]))  # use: light the frame
    p.pos = np.array([x + 0.5, float(y), z + 1.5])  # step into the opening
    for _ in range(PORTAL_TICKS + 1):
        world.step(noop)
        _keep_alive(world)
    visited.append(world.dimension)
    if visited[-1] != visited[0]:
        arrived = p.pos.copy()
        p.pos = arrived + np.array([0.0, 0.0, 1.0])  # out of the portal ...
        world.step(noop)
        p.pos = arrived  # ... and back in
        for _ in range(PORTAL_TICKS + 1):
            world.step(noop)
            _keep_alive(world)
        visited.append(world.dimension)
    return tuple(visited)


@dataclass(frozen=True)
class FishingResult:
    """What an ideal fisher (who reels in the tick a fish bites) lands per cast, and how long a cast
    takes from casting to the catch."""

    per_catch: tuple[tuple[str, float], ...]
    mean_ticks: float


@cache
def fishing(casts: int = 150, seed: int = 0) -> FishingResult:
    """Cast a fishing rod onto a pond ``casts`` times with the use action and reel in when the fish
    bites (read from the world's state): the mean count of each item landed per cast, and ticks per cast."""
    from embodied_gym.envs.voxel.world import VoxelWorld

    world = VoxelWorld(64)
    world.reset(seed)
    world.allow_spawn = False
    world.mob_alive[:] = False
    p = world.player
    x, y, z = (int(np.floor(v)) for v in p.pos)
    world.blocks[x - 3:x + 4, y:y + 4, z + 1:z + 7] = 0
    world.blocks[x - 3:x + 4, y - 1, z + 2:z + 7] = world.cat.block_id("water")  # a pond ahead
    rod = world.cat.item_id("fishing_rod")
    p.yaw, p.pitch = 0.0, 30.0
    use = np.array([0, 0, 0, 12, 12, 1, 0, 0])
    noop = np.array([0, 0, 0, 12, 12, 0, 0, 0])
    landed: dict[str, float] = {}
    start = world.time
    for _ in range(casts):
        world.inventory.set_slot(0, rod, 1)  # a fresh rod: wear is not what is measured
        world.step(use)
        if p.fish_bite_at < 0:
            raise RuntimeError("the fishing probe's cast did not reach the pond")
        while world.time < p.fish_bite_at:
            world.step(noop)
            _keep_alive(world)
        before = world.inventory.counts().copy()
        world.step(use)
        for i in np.flatnonzero(world.inventory.counts() > before):
            name = world.cat.item_names[int(i)]
            landed[name] = landed.get(name, 0.0) + float(world.inventory.counts()[i] - before[i]) / casts
    return FishingResult(tuple(sorted(landed.items())), (world.time - start) / casts)
