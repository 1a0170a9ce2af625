"""numba kernels for the house floor model (pure: arrays in, arrays out)."""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit


@njit(cache=True)
def dijkstra8(blocked: np.ndarray, seeds: np.ndarray, cell: float) -> np.ndarray:
    """8-connected Dijkstra from ``seeds`` (flat indices) over free cells; diagonal steps cost cell*sqrt(2)
    and may not cut a blocked corner. Returns float32 distances in metres, inf where unreachable."""
    nx, nz = blocked.shape
    dist = np.full(nx * nz, np.inf, np.float64)
    heap = [(0.0, np.int64(0))]
    heap.pop()
    for s in seeds:
        dist[s] = 0.0
        heap.append((0.0, np.int64(s)))
    heapq.heapify(heap)
    diag = cell * np.sqrt(2.0)
    while len(heap) > 0:
        d, idx = heapq.heappop(heap)
        if d > dist[idx]:
            continue
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
                    heapq.heappush(heap, (nd, np.int64(k)))
    return dist.reshape(nx, nz).astype(np.float32)
