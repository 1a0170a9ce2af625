"""numba kernels behind navgrid.py (imported lazily: compiling costs time once, then is cached)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def rasterise(nx, nz, ox, oz, res, radius, poly_xy, poly_off, walls, rects):
    """Room index per grid point (-1 outside every room) and a free mask for a disc agent.

    poly_xy: (P, 2) all room polygon vertices, poly_off: (R+1,) start of each room's vertices;
    walls: (W, 4) solid wall pieces x0, z0, x1, z1; rects: (M, 4) obstacle footprints x0, z0, x1, z1.
    """
    room = np.full((nz, nx), -1, dtype=np.int16)
    n_rooms = poly_off.shape[0] - 1
    for r in range(n_rooms):
        s, e = poly_off[r], poly_off[r + 1]
        minx, maxx = poly_xy[s, 0], poly_xy[s, 0]
        minz, maxz = poly_xy[s, 1], poly_xy[s, 1]
        for k in range(s, e):
            minx = min(minx, poly_xy[k, 0])
            maxx = max(maxx, poly_xy[k, 0])
            minz = min(minz, poly_xy[k, 1])
            maxz = max(maxz, poly_xy[k, 1])
        j0 = max(0, int(np.floor((minx - ox) / res)))
        j1 = min(nx, int(np.ceil((maxx - ox) / res)) + 1)
        i0 = max(0, int(np.floor((minz - oz) / res)))
        i1 = min(nz, int(np.ceil((maxz - oz) / res)) + 1)
        for i in range(i0, i1):
            z = oz + (i + 0.5) * res
            for j in range(j0, j1):
                x = ox + (j + 0.5) * res
                inside = False
                for k in range(s, e):
                    k2 = k + 1 if k + 1 < e else s
                    ax, az = poly_xy[k, 0], poly_xy[k, 1]
                    bx, bz = poly_xy[k2, 0], poly_xy[k2, 1]
                    if (az > z) != (bz > z):
                        xi = ax + (z - az) * (bx - ax) / (bz - az)
                        if x < xi:
                            inside = not inside
                if inside:
                    room[i, j] = r
    free = room >= 0
    r2 = radius * radius
    for w in range(walls.shape[0]):
        x0, z0, x1, z1 = walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]
        dx, dz = x1 - x0, z1 - z0
        L2 = dx * dx + dz * dz
        j0 = max(0, int(np.floor((min(x0, x1) - radius - ox) / res)))
        j1 = min(nx, int(np.ceil((max(x0, x1) + radius - ox) / res)) + 1)
        i0 = max(0, int(np.floor((min(z0, z1) - radius - oz) / res)))
        i1 = min(nz, int(np.ceil((max(z0, z1) + radius - oz) / res)) + 1)
        for i in range(i0, i1):
            z = oz + (i + 0.5) * res
            for j in range(j0, j1):
                if not free[i, j]:
                    continue
                x = ox + (j + 0.5) * res
                t = 0.0
                if L2 > 0:
                    t = ((x - x0) * dx + (z - z0) * dz) / L2
                    t = min(1.0, max(0.0, t))
                px, pz = x0 + t * dx - x, z0 + t * dz - z
                if px * px + pz * pz < r2:
                    free[i, j] = False
    for m in range(rects.shape[0]):
        x0, z0, x1, z1 = rects[m, 0], rects[m, 1], rects[m, 2], rects[m, 3]
        j0 = max(0, int(np.floor((x0 - radius - ox) / res)))
        j1 = min(nx, int(np.ceil((x1 + radius - ox) / res)) + 1)
        i0 = max(0, int(np.floor((z0 - radius - oz) / res)))
        i1 = min(nz, int(np.ceil((z1 + radius - oz) / res)) + 1)
        for i in range(i0, i1):
            z = oz + (i + 0.5) * res
            for j in range(j0, j1):
                x = ox + (j + 0.5) * res
                ddx = max(x0 - x, 0.0, x - x1)
                ddz = max(z0 - z, 0.0, z - z1)
                if ddx * ddx + ddz * ddz < r2:
                    free[i, j] = False
    return room, free


@njit(cache=True)
def flood(free, si, sj):
    """4-connected reachable mask from grid point (si, sj) over ``free``."""
    nz, nx = free.shape
    seen = np.zeros((nz, nx), dtype=np.bool_)
    if not free[si, sj]:
        return seen
    qi = np.empty(nz * nx, dtype=np.int32)
    qj = np.empty(nz * nx, dtype=np.int32)
    head, tail = 0, 1
    qi[0], qj[0] = si, sj
    seen[si, sj] = True
    while head < tail:
        i, j = qi[head], qj[head]
        head += 1
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            a, b = i + di, j + dj
            if 0 <= a < nz and 0 <= b < nx and free[a, b] and not seen[a, b]:
                seen[a, b] = True
                qi[tail], qj[tail] = a, b
                tail += 1
    return seen
