"""Floorplan: an interior boundary on a cell grid, then rooms grown inside it.

The boundary is a rectangle sized to the rooms' total target area with up to two corner cuts
(L-, T- and U-ish outlines). Rooms start as spread-out 2 x 2 seed blocks and grow as rectangles
(the room with the largest area deficit takes a whole row or column at a time, preferring the side
that keeps it square); then the leftover cells join, one ring at a time, the neighbouring room that
is furthest below its target, which is where L- and U-shaped rooms come from. Growth keeps every
room 4-connected. The result is an integer grid: room index per cell, -1 outside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .specs import ROOM_AREA_RANGE

OUTSIDE = -1


def between(rng: np.random.Generator, lo: float, hi: float) -> float:
    """Uniform draw on [lo, hi] that tolerates hi < lo by float rounding (returns lo then)."""
    return float(rng.uniform(lo, max(lo, hi)))


class FloorplanError(RuntimeError):
    """This draw produced no acceptable floorplan; the caller retries with a fresh sub-seed."""


@dataclass
class Floorplan:
    grid: np.ndarray  # (rows, cols) int16; rows run along +z, cols along +x
    room_types: tuple[str, ...]
    cell_size: float  # metres per cell

    @property
    def n_rooms(self) -> int:
        return len(self.room_types)


def _boundary(rng: np.random.Generator, n_cells: int) -> np.ndarray:
    """A boolean mask of at least ``n_cells`` cells: a rectangle with up to two corner cuts."""
    aspect = rng.uniform(0.7, 1.45)
    n_cuts = int(rng.choice(3, p=[0.45, 0.4, 0.15])) if n_cells >= 8 else 0
    # grow the rectangle so that it still holds n_cells after the cuts
    inflate = 1.0 + 0.18 * n_cuts
    cols = max(2, int(round(np.sqrt(n_cells * inflate * aspect))))
    rows = max(2, int(np.ceil(n_cells * inflate / cols)))
    mask = np.ones((rows, cols), dtype=bool)
    corners = [(0, 0), (0, 1), (1, 0), (1, 1)]
    order = rng.permutation(4)[:n_cuts]
    for k in order:
        cr, cc = corners[int(k)]
        h = int(rng.integers(1, max(2, rows // 2)))
        w = int(rng.integers(1, max(2, cols // 2)))
        trial = mask.copy()
        rs = slice(0, h) if cr == 0 else slice(rows - h, rows)
        cs = slice(0, w) if cc == 0 else slice(cols - w, cols)
        trial[rs, cs] = False
        if trial.sum() >= n_cells:
            mask = trial
    return mask


def _target_cells(rng: np.random.Generator, room_types: tuple[str, ...], cell_size: float) -> np.ndarray:
    areas = np.array([rng.uniform(*ROOM_AREA_RANGE[t]) for t in room_types])
    return np.maximum(4, np.round(areas / (cell_size * cell_size))).astype(int)


def _pick_seeds(rng: np.random.Generator, mask: np.ndarray, n: int) -> list[tuple[int, int]]:
    """Top-left cells of 2x2 seed blocks, spread out: each is the best of a few random candidates
    by distance to the seeds already placed. Starting from 2x2 blocks guarantees every room has
    space for a door and furniture, whatever its neighbours do later."""
    free = mask.copy()
    seeds: list[tuple[int, int]] = []
    for _ in range(n):
        ok = free[:-1, :-1] & free[1:, :-1] & free[:-1, 1:] & free[1:, 1:]
        cand_all = np.argwhere(ok)
        if len(cand_all) == 0:
            raise FloorplanError("no room left for a seed block")
        cand = cand_all[rng.integers(0, len(cand_all), size=min(6, len(cand_all)))]
        if seeds:
            s = np.array(seeds)
            d = np.abs(cand[:, None, :] - s[None, :, :]).sum(-1).min(1)
            best = cand[int(np.argmax(d))]
        else:
            best = cand[0]
        r, c = int(best[0]), int(best[1])
        free[r : r + 2, c : c + 2] = False
        seeds.append((r, c))
    return seeds


def _grow(rng: np.random.Generator, mask: np.ndarray, targets: np.ndarray) -> np.ndarray:
    rows, cols = mask.shape
    n = len(targets)
    grid = np.full(mask.shape, OUTSIDE, dtype=np.int16)
    seeds = _pick_seeds(rng, mask, n)
    rect = []
    for i, (r, c) in enumerate(seeds):
        grid[r : r + 2, c : c + 2] = i
        rect.append([r, r + 2, c, c + 2])  # r0, r1, c0, c1 (exclusive)
    area = np.full(n, 4, dtype=int)
    free = mask & (grid == OUTSIDE)

    # Phase 1: rectangular growth, one row/column at a time, neediest room first.
    active = set(range(n))
    while active:
        deficit = {i: targets[i] - area[i] for i in active}
        i = max(active, key=lambda k: (deficit[k], -k))
        if deficit[i] <= 0:
            active.discard(i)
            continue
        r0, r1, c0, c1 = rect[i]
        h, w = r1 - r0, c1 - c0
        dirs = list(rng.permutation(4))
        # prefer the direction that keeps the room closest to square (then the flatter aspect;
        # remaining ties keep the random order)
        dirs.sort(key=lambda d: (abs(np.log((h + (d < 2)) / (w + (d >= 2)))),
                                 (h + 1) / w if d < 2 else h / (w + 1)))
        grown = False
        for d in dirs:
            if d == 0 and r0 > 0:
                sl = (r0 - 1, slice(c0, c1))
            elif d == 1 and r1 < rows:
                sl = (r1, slice(c0, c1))
            elif d == 2 and c0 > 0:
                sl = (slice(r0, r1), c0 - 1)
            elif d == 3 and c1 < cols:
                sl = (slice(r0, r1), c1)
            else:
                continue
            if free[sl].all():
                grid[sl] = i
                free[sl] = False
                area[i] += w if d < 2 else h
                if d == 0:
                    rect[i][0] -= 1
                elif d == 1:
                    rect[i][1] += 1
                elif d == 2:
                    rect[i][2] -= 1
                else:
                    rect[i][3] += 1
                grown = True
                break
        if not grown:
            active.discard(i)

    # Phase 2+3: fill every remaining cell from a neighbouring room, neediest room first.
    # (L-shaped extensions arise naturally: a room takes the free strip along one of its sides.)
    while free.any():
        best = None
        cells = np.argwhere(free)
        for r, c in cells:
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < rows and 0 <= cc < cols and grid[rr, cc] >= 0:
                    k = int(grid[rr, cc])
                    key = (targets[k] - area[k], -k)
                    if best is None or key > best[0]:
                        best = (key, k)
        if best is None:
            raise FloorplanError("free cells not adjacent to any room")
        k = best[1]
        # give room k every free cell touching it (one growth ring), in one step
        touch = np.zeros_like(free)
        own = grid == k
        touch[1:, :] |= own[:-1, :]
        touch[:-1, :] |= own[1:, :]
        touch[:, 1:] |= own[:, :-1]
        touch[:, :-1] |= own[:, 1:]
        touch &= free
        grid[touch] = k
        free[touch] = False
        area[k] += int(touch.sum())
    return grid


def _acceptable(grid: np.ndarray, n: int) -> bool:
    """Every room needs a 2x2 block of cells somewhere (room for a door and furniture)."""
    for k in range(n):
        own = grid == k
        block = own[:-1, :-1] & own[1:, :-1] & own[:-1, 1:] & own[1:, 1:]
        if not block.any():
            return False
    return True


def generate_floorplan(rng: np.random.Generator, room_types: tuple[str, ...], cell_size: float) -> Floorplan:
    """One floorplan draw for ``room_types``; raises FloorplanError when the draw is unusable."""
    targets = _target_cells(rng, room_types, cell_size)
    mask = _boundary(rng, int(targets.sum()))
    # rescale targets so they add up to the boundary's cell count
    targets = np.maximum(4, np.round(targets * mask.sum() / targets.sum())).astype(int)
    grid = _grow(rng, mask, targets)
    if not _acceptable(grid, len(room_types)):
        raise FloorplanError("room too thin")
    return Floorplan(grid=grid, room_types=tuple(room_types), cell_size=cell_size)
