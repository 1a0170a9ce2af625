"""A* over standing cells of a voxel grid, allowed to dig (numba kernel, arrays in, arrays out).

A *cell* is where the player's feet are. From a cell the player can walk to a horizontal neighbour on
the same level, jump up one block, walk off an edge and fall at most ``max_fall`` blocks, or dig the
block under its feet and drop into it. Passing through a solid cell costs the ticks needed to break it
(``clear_cost``); ``inf`` marks cells that can never be entered (bedrock, lava, outside the world).

The oracle calls :func:`find_path` on a window of the world around the player; the kernel is pure and
compiled once (``cache=True``), so a search of a few hundred thousand cells takes milliseconds where a
Python search took seconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_DX = np.array([0, 0, -1, 1], dtype=np.int64)
_DZ = np.array([1, -1, 0, 0], dtype=np.int64)


@njit(cache=True)
def _push(heap_key, heap_node, size, key, node):
    i = size
    heap_key[i] = key
    heap_node[i] = node
    while i > 0:
        parent = (i - 1) // 2
        if heap_key[parent] <= heap_key[i]:
            break
        heap_key[parent], heap_key[i] = heap_key[i], heap_key[parent]
        heap_node[parent], heap_node[i] = heap_node[i], heap_node[parent]
        i = parent
    return size + 1


@njit(cache=True)
def _pop(heap_key, heap_node, size):
    key = heap_key[0]
    node = heap_node[0]
    size -= 1
    heap_key[0] = heap_key[size]
    heap_node[0] = heap_node[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and heap_key[left + 1] < heap_key[left]:
            child = left + 1
        if heap_key[i] <= heap_key[child]:
            break
        heap_key[i], heap_key[child] = heap_key[child], heap_key[i]
        heap_node[i], heap_node[child] = heap_node[child], heap_node[i]
        i = child
    return key, node, size


@njit(cache=True)
def _standable(solid, water, lava, x, y, z):
    if y < 1 or lava[x, y, z] or lava[x, y - 1, z]:
        return False
    return solid[x, y - 1, z] or water[x, y, z]


@njit(cache=True)
def astar_kernel(clear_cost, solid, water, lava, goal, sx, sy, sz, gx, gy, gz, max_expansions, max_fall, dx_arr, dz_arr):
    """Path (k, 3) of cells from the start to the first goal cell; if none is reached, to the expanded
    cell nearest the goal point (first row flags it: ``reached`` 1 or 0, then the cells)."""
    nx_, ny_, nz_ = clear_cost.shape
    total = nx_ * ny_ * nz_
    g = np.full(total, np.inf)
    came = np.full(total, -1, np.int64)
    cap = max_expansions * 6 + 64
    heap_key = np.empty(cap)
    heap_node = np.empty(cap, np.int64)
    size = 0
    start = (sx * ny_ + sy) * nz_ + sz
    g[start] = 0.0
    size = _push(heap_key, heap_node, size, float(abs(sx - gx) + abs(sy - gy) + abs(sz - gz)), start)
    best_node = start
    best_h = float(abs(sx - gx) + abs(sy - gy) + abs(sz - gz))
    found = -1
    expanded = 0
    while size > 0 and expanded < max_expansions:
        key, node, size = _pop(heap_key, heap_node, size)
        z = node % nz_
        y = (node // nz_) % ny_
        x = node // (nz_ * ny_)
        gc = g[node]
        h = float(abs(x - gx) + abs(y - gy) + abs(z - gz))
        if key > gc + h + 1e-9:
            continue
        if goal[x, y, z]:
            found = node
            break
        if h < best_h:
            best_h = h
            best_node = node
        expanded += 1
        if size + 16 >= cap:
            break
        for k in range(4):
            nx = x + dx_arr[k]
            nz = z + dz_arr[k]
            if nx < 0 or nz < 0 or nx >= nx_ or nz >= nz_:
                continue
            # level walk
            if y + 1 < ny_ and _standable(solid, water, lava, nx, y, nz):
                c = clear_cost[nx, y, nz] + clear_cost[nx, y + 1, nz]
                if c < np.inf:
                    n = (nx * ny_ + y) * nz_ + nz
                    ng = gc + 1.0 + c
                    if ng < g[n]:
                        g[n] = ng
                        came[n] = node
                        size = _push(heap_key, heap_node, size,
                                     ng + abs(nx - gx) + abs(y - gy) + abs(nz - gz), n)
            # jump up one block
            if y + 2 < ny_ and solid[nx, y, nz] and clear_cost[nx, y, nz] < np.inf and \
                    _standable(solid, water, lava, nx, y + 1, nz):
                c = clear_cost[x, y + 2, z] + clear_cost[nx, y + 1, nz] + clear_cost[nx, y + 2, nz]
                if c < np.inf:
                    n = (nx * ny_ + y + 1) * nz_ + nz
                    ng = gc + 2.0 + c
                    if ng < g[n]:
                        g[n] = ng
                        came[n] = node
                        size = _push(heap_key, heap_node, size,
                                     ng + abs(nx - gx) + abs(y + 1 - gy) + abs(nz - gz), n)
            # walk off an edge
            if y >= 1 and y + 1 < ny_ and not solid[nx, y - 1, nz] and clear_cost[nx, y, nz] == 0.0 \
                    and clear_cost[nx, y + 1, nz] == 0.0 and not water[nx, y, nz]:
                for d in range(1, max_fall + 1):
                    yy = y - d
                    if yy < 1 or solid[nx, yy, nz] or lava[nx, yy, nz]:
                        break
                    if _standable(solid, water, lava, nx, yy, nz):
                        n = (nx * ny_ + yy) * nz_ + nz
                        ng = gc + 1.0 + d
                        if ng < g[n]:
                            g[n] = ng
                            came[n] = node
                            size = _push(heap_key, heap_node, size,
                                         ng + abs(nx - gx) + abs(yy - gy) + abs(nz - gz), n)
                        break
        # dig the block under the feet and drop into the hole (onto the first floor within max_fall)
        if y >= 2 and solid[x, y - 1, z] and clear_cost[x, y - 1, z] < np.inf:
            for d in range(1, max_fall + 1):
                yy = y - d
                if yy < 1 or lava[x, yy, z] or (d > 1 and solid[x, yy, z]):
                    break
                if _standable(solid, water, lava, x, yy, z):
                    n = (x * ny_ + yy) * nz_ + z
                    ng = gc + 1.0 + clear_cost[x, y - 1, z] + d
                    if ng < g[n]:
                        g[n] = ng
                        came[n] = node
                        size = _push(heap_key, heap_node, size, ng + abs(x - gx) + abs(yy - gy) + abs(z - gz), n)
                    break
    end = found if found >= 0 else best_node
    length = 0
    n = end
    while n >= 0:
        length += 1
        n = came[n]
    out = np.empty((length + 1, 3), np.int64)
    out[0, 0] = 1 if found >= 0 else 0
    out[0, 1] = expanded
    out[0, 2] = length
    n = end
    i = length
    while n >= 0:
        out[i, 2] = n % nz_
        out[i, 1] = (n // nz_) % ny_
        out[i, 0] = n // (nz_ * ny_)
        i -= 1
        n = came[n]
    return out


def find_path(clear_cost: np.ndarray, solid: np.ndarray, water: np.ndarray, lava: np.ndarray, goal: np.ndarray,
              start: tuple[int, int, int], goal_point: tuple[int, int, int], max_expansions: int = 200_000,
              max_fall: int = 3) -> tuple[bool, np.ndarray]:
    """(reached a goal cell, cells ``(k, 3)`` from start) in the window's coordinates.

    When no goal cell is reachable within ``max_expansions`` the path leads to the expanded cell
    closest to ``goal_point`` and the flag is False.
    """
    out = astar_kernel(clear_cost, solid, water, lava, goal, int(start[0]), int(start[1]), int(start[2]),
                       int(goal_point[0]), int(goal_point[1]), int(goal_point[2]), int(max_expansions),
                       int(max_fall), _DX, _DZ)
    return bool(out[0, 0]), out[1:].copy()
