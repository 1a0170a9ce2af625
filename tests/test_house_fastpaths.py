"""The house env's fast paths give what the plain computations give: geodesic fields (bucket-queue
Dijkstra) equal a textbook heap Dijkstra bit for bit, ObjectNav's reachability test agrees with the
fields, and a reset that keeps an untouched world's objects still undoes every change to them."""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest
from embodied_gym.envs.house._nav_kernels import dijkstra8
from embodied_gym.envs.house.tasks import OBJECTNAV_TYPES, ObjectNavTask
from embodied_gym.envs.house.world import HouseWorld
from embodied_gym.procgen.house import generate_house


def heap_dijkstra(blocked: np.ndarray, seeds: list[int], cell: float) -> np.ndarray:
    """8-connected Dijkstra with a binary heap, no corner cutting (the reference)."""
    nx, nz = blocked.shape
    dist = np.full(nx * nz, np.inf)
    heap = []
    for s in seeds:
        dist[s] = 0.0
        heap.append((0.0, s))
    heapq.heapify(heap)
    diag = cell * math.sqrt(2.0)
    while heap:
        d, idx = heapq.heappop(heap)
        if d > dist[idx]:
            continue
        i, j = divmod(idx, nz)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                a, b = i + di, j + dj
                if (di == 0 and dj == 0) or not (0 <= a < nx and 0 <= b < nz) or blocked[a, b]:
                    continue
                if di and dj:
                    if blocked[i + di, j] or blocked[i, j + dj]:
                        continue
                    nd = d + diag
                else:
                    nd = d + cell
                if nd < dist[a * nz + b]:
                    dist[a * nz + b] = nd
                    heapq.heappush(heap, (nd, a * nz + b))
    return dist.reshape(nx, nz).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_bucket_dijkstra_equals_heap_dijkstra_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    blocked = rng.random((37, 53)) < (0.1 + 0.05 * seed)
    blocked[rng.integers(37), :] = True  # a wall across the grid: some cells unreachable
    seeds = rng.choice(blocked.size, size=int(rng.integers(1, 6)), replace=False)
    seeds = [int(s) for s in seeds if not blocked.flat[s]] or [int(np.flatnonzero(~blocked.ravel())[0])]
    cell = (0.05, 0.25, 0.1)[seed % 3]
    got = dijkstra8(np.ascontiguousarray(blocked), np.asarray(seeds, np.int64), cell)
    want = heap_dijkstra(blocked, seeds, cell)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    assert np.isinf(got).any() and np.isfinite(got).sum() > len(seeds)


def test_objectnav_reachability_agrees_with_the_fields():
    for key in (3, 8):
        world = HouseWorld(generate_house(key))
        task = ObjectNavTask()
        feasible = task.feasible_types(world)
        present = {o.object_type for o in world.objects}
        with_field = [t for t in OBJECTNAV_TYPES if t in present and np.isfinite(task._field(world, t)).any()]
        assert feasible == with_field and feasible


def test_reset_undoes_changes_to_kept_objects():
    world = HouseWorld(generate_house(4))
    fresh = world.metadata()
    objects = world.objects
    world.reset()
    assert world.objects is objects  # untouched: kept, not copied
    door = next(o for o in world.objects if o.is_door)
    door.is_open = not door.is_open  # an attribute assignment ...
    world._refresh_blocked()
    moved = next(o for o in world.objects if not o.is_door)
    moved.position[0] += 0.5  # ... and an in-place position write
    assert world.metadata() != fresh
    world.reset()
    assert world.objects is not objects and world.metadata() == fresh
    assert world.by_id[door.object_id].is_open != door.is_open
    np.testing.assert_array_equal(world.blocked, HouseWorld(generate_house(4)).blocked)
    moved_again = world.by_id[moved.object_id]
    moved_again.position[2] -= 1.0  # writes to the fresh copies are caught as well
    world.reset()
    assert world.metadata() == fresh
    with pytest.raises(ValueError):
        world.blocked[0, 0] = True  # the shared start-of-episode raster is read-only
