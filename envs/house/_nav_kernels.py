"""numba kernels for the house floor model (pure: arrays in, arrays out)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def dijkstra8(blocked: np.ndarray, seeds: np.ndarray, cell: float) -> np.ndarray:
    """8-connected Dijkstra from ``seeds`` (flat indices) over free cells; diagonal steps cost cell*sqrt(2)
    and may not cut a blocked corner. Returns float32 distances in metres, inf where unreachable.

    The queue is a ring of buckets ``cell`` metres wide (Dial's algorithm): a step costs at least
    ``cell``, so no cell of the lowest bucket can lower another one in it and the bucket may be settled
    in any order, with O(1) work per queued cell instead of a heap's O(log n) (a house floor has
    ~20,000 cells and a new house needs one field per target type). A cell whose distance drops again
    (possible only by a rounding hair) is simply queued again, so the result is the unique fixed point
    ``dist[k] = min over neighbours u of dist[u] + step`` -- the same floats any exact Dijkstra gives,
    whatever order ties are settled in.
    """
    nx, nz = blocked.shape
    n = nx * nz
    dist = np.full(n, np.inf, np.float64)
    # each bucket is a linked list of entries (cell, next entry); a cell lowered into another bucket
    # gets a new entry there, and ``queued_in`` says which of its entries is live (-1: settled)
    cap = 3 * n + seeds.size + 16
    ent_cell = np.empty(cap, np.int64)
    ent_next = np.empty(cap, np.int64)
    queued_in = np.full(n, -1, np.int64)
    head = np.full(4, -1, np.int64)  # a step is < 2 buckets long: only buckets cur .. cur + 2 are live
    used = 0
    queued = 0
    inv = 1.0 / cell
    for s in seeds:
        if queued_in[s] == -1:
            dist[s] = 0.0
            queued_in[s] = 0
            ent_cell[used] = s
            ent_next[used] = head[0]
            head[0] = used
            used += 1
            queued += 1
    diag = cell * np.sqrt(2.0)
    cur = 0
    while queued > 0:
        slot = cur & 3
        e = head[slot]
        if e == -1:
            cur += 1
            continue
        head[slot] = ent_next[e]
        idx = ent_cell[e]
        if queued_in[idx] != cur:
            continue  # a stale entry: the cell moved to a lower bucket (or was settled there)
        queued_in[idx] = -1
        queued -= 1
        d = dist[idx]
        i = idx // nz
        j = idx - i * nz
        for di in range(-1, 2):
            for dj in range(-1, 2):
                if di == 0 and dj == 0:
                    continue
                a = i + di
                b = j + dj
                if a < 0 or a >= nx or b < 0 or b >= nz or blocked[a, b]:
                    continue
                if di != 0 and dj != 0:
                    if blocked[i + di, j] or blocked[i, j + dj]:
                        continue
                    nd = d + diag
                else:
                    nd = d + cell
                k = a * nz + b
                if nd < dist[k]:
                    dist[k] = nd
                    bucket = int(nd * inv)
                    if bucket < cur:
                        bucket = cur
                    if queued_in[k] == bucket:
                        continue  # already queued in that bucket: the lower distance is all it takes
                    if queued_in[k] == -1:
                        queued += 1
                    queued_in[k] = bucket
                    if used == cap:  # (never seen: a cell is queued at most ~2 times)
                        used = _requeue_live(queued_in, ent_cell, ent_next, head)
                    ent_cell[used] = k
                    ent_next[used] = head[bucket & 3]
                    head[bucket & 3] = used
                    used += 1
    return dist.reshape(nx, nz).astype(np.float32)


@njit(cache=True)
def _requeue_live(queued_in: np.ndarray, ent_cell: np.ndarray, ent_next: np.ndarray, head: np.ndarray) -> int:
    """Rebuild the bucket lists from the cells still queued (at most one entry each); returns the
    entries used. (Growing the arrays inside the main loop would make numba's loop several times slower.)"""
    head[:] = -1
    used = 0
    for k in range(queued_in.size):
        b = queued_in[k]
        if b >= 0:
            ent_cell[used] = k
            ent_next[used] = head[b & 3]
            head[b & 3] = used
            used += 1
    return used
