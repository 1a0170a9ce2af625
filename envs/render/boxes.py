"""A static scene's visible voxels as a few hundred axis-aligned boxes, for the raster path.

Why: a ray's first hit is always a *visible* voxel (one with an empty or transparent 6-neighbour,
or on the grid border), because the ray reaches it through such a neighbour. Merging the visible
voxels of one part greedily into boxes turns a house's ~250k visible voxels into ~500 boxes (walls,
floors and ceilings are a handful each, furniture a few dozen), and the nearest box a ray enters is
exactly its first hit voxel: any box voxel in front of that one would have been hit first. So the
raster path (``kernel.py``) can find per pixel what the ray caster finds, by drawing box faces
instead of walking voxels.

Boxes are ``(i0, j0, k0, i1, j1, k1, part, faces...)`` int32 rows in fine-voxel coordinates
(half-open ranges) with the scene-local part id, grouped by chunk (see ``CHUNK_METRES``); opaque boxes
come first, transparent ones (glass, water) last. ``faces`` (see ``BOX_FACES``) is, per face, the part
of it that may be seen at all (see :func:`face_rects`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Boxes are grouped by chunk: columns of ``CHUNK_METRES`` x CHUNK_METRES (x, z; full height), merged
# separately so that no box crosses a chunk border. Why: the raster path culls a whole chunk against
# the frustum (and against what nearer chunks already cover) before touching its boxes, and an edit
# re-merges only the chunks it touches. Measured on the block test world (1 m blocks, 32 m view, one
# thread): 36 chunk tests leave ~640 of 3,499 boxes to test per 64x64 camera; frame time 8 m chunks
# 280 us, 12-24 m 272-280 us, 32 m 279-282 us, one chunk 297-302 us. A house (~5 cm voxels, <= 16 m
# across) stays one chunk, so its boxes are what they were.
CHUNK_METRES = 16.0
# A chunk's opaque boxes are further split by height into sections of the chunk's width (a block
# world's 16 m chunk: 16-block layers, as Minecraft's sections), each with its own bounds: a column
# chunk spans bedrock to treetops, so a camera looking up or across the terrain tested every box of
# the nearby chunks one by one (block world, 16 random-walk cameras: kernel 182 -> 143 us a frame).
# Chunk table columns (int32, one row per section; a chunk's transparent boxes in a row of their
# own): box ranges relative to the scene's first box (opaque boxes [CH_O0, CH_O1), transparent
# [CH_G0, CH_G1)), then the tight voxel bounds of those boxes (half-open, i0 j0 k0 i1 j1 k1).
CH_O0, CH_O1, CH_G0, CH_G1, CH_LO, CH_HI = 0, 1, 2, 3, 4, 7
CH_COLUMNS = 10
# Above this many boxes a scene stays on the ray caster under ``method="auto"`` (a guard for scenes
# far busier than any the package makes). History: with chunk culling (2026-11-28 early) a voxel env
# window (96 x 128 x 96 blocks, 40 m view: 5,500-7,300 boxes) rastered only ~13% faster per frame,
# which each new window's box build (~5-8 ms) ate, so the budget was 4,096 and windows were ray cast.
# Since glass entries are drawn per pixel (session 6), the same A/B in one process (4,096 vs 16,384,
# alternating, 08:30 UTC): one env 1,816 / 1,879 -> 2,232 / 2,267 steps/s, batched 16 worlds 2,745 /
# 2,978 -> 3,029 / 3,054 (per CPU-s 1,404 / 1,512 -> 1,650 / 1,670), a new world's reset 9-11 -> 15 ms.
MAX_RASTER_BOXES = 16384
# Box row columns: bounds (i0 j0 k0 i1 j1 k1), part, then per face f = 2 * axis + (0 for the face at
# the low bound, 1 at the high one) four ints from BOX_FACES + 4 * f: the face's open rectangle on its
# other two axes (b, c in x, y, z order: lo b, lo c, hi b, hi c), empty (lo b == hi b) when hidden.
BOX_PART = 6
BOX_FACES = 7
BOX_COLUMNS = BOX_FACES + 24


@njit(cache=True)
def merge_region(padded, opaque_part):
    """Greedy merge (grow along z, then y, then x) of the visible voxels of each part inside a grid
    with a one-voxel margin on every side, into (n, 7) int32 boxes in the coordinates of the inner grid
    (margin excluded). A voxel is visible when it is non-empty and a 6-neighbour (margin included) is
    empty or transparent and not of its own part; a margin of zeros is how a grid border counts as open.

    For an opaque voxel that is the test the ray caster's first hit passes. For a transparent one it
    keeps only the voxels where a run of that part can start (a ray composites a part once per run
    of its voxels: see ``kernel._render_rows``): the inside of a body of water, whose neighbours are
    all water or ground, is left out. On the block test world that drops 40% of the water boxes, and
    every pixel over water tests fewer of them.

    One uint16 per voxel holds the part of a visible voxel not yet in a box (0 otherwise), so the scan
    and the growth tests read one array, not a state grid and the part grid: on generated houses ~20%
    faster than the byte-of-state form (which was 2.2x faster than two boolean grids), the same boxes.
    """
    px, py, pz = padded.shape
    key = np.zeros(padded.shape, np.uint16)
    # per run of 8 voxels along z, whether it held a visible voxel: the scan below skips the others
    # (most of a house's grid is air or the inside of walls; the scan order, and so the boxes, is the same)
    runs = np.zeros((px, py, (pz + 7) >> 3), np.bool_)
    for i in range(1, px - 1):
        for j in range(1, py - 1):
            for k in range(1, pz - 1):
                p = padded[i, j, k]
                if p == 0:
                    continue
                a, b, c = padded[i - 1, j, k], padded[i + 1, j, k], padded[i, j - 1, k]
                d, e, f = padded[i, j + 1, k], padded[i, j, k - 1], padded[i, j, k + 1]
                if ((not opaque_part[a] and a != p) or (not opaque_part[b] and b != p)
                        or (not opaque_part[c] and c != p) or (not opaque_part[d] and d != p)
                        or (not opaque_part[e] and e != p) or (not opaque_part[f] and f != p)):
                    key[i, j, k] = p
                    runs[i, j, k >> 3] = True
    out = np.zeros((64, 7), np.int32)
    n = 0
    for i in range(1, px - 1):
        for j in range(1, py - 1):
            for kr in range(runs.shape[2]):
                if not runs[i, j, kr]:
                    continue
                for k in range(max(kr << 3, 1), min((kr << 3) + 8, pz - 1)):
                    p = key[i, j, k]
                    if p == 0:
                        continue
                    k1 = k + 1
                    while key[i, j, k1] == p:
                        k1 += 1
                    j1 = j + 1
                    while True:
                        ok = True
                        for kk in range(k, k1):
                            if key[i, j1, kk] != p:
                                ok = False
                                break
                        if not ok:
                            break
                        j1 += 1
                    i1 = i + 1
                    while True:
                        ok = True
                        for jj in range(j, j1):
                            for kk in range(k, k1):
                                if key[i1, jj, kk] != p:
                                    ok = False
                                    break
                            if not ok:
                                break
                        if not ok:
                            break
                        i1 += 1
                    for ii in range(i, i1):
                        for jj in range(j, j1):
                            for kk in range(k, k1):
                                key[ii, jj, kk] = 0
                    if n == out.shape[0]:
                        grown = np.zeros((2 * n, 7), np.int32)
                        grown[:n] = out
                        out = grown
                    out[n, 0], out[n, 1], out[n, 2] = i - 1, j - 1, k - 1
                    out[n, 3], out[n, 4], out[n, 5] = i1 - 1, j1 - 1, k1 - 1
                    out[n, 6] = p
                    n += 1
    return out[:n]


@njit(cache=True)
def face_rects(padded, boxes, opaque_part):
    """Per box (rows of ``merge_region`` on the same padded grid) and face, the bounding rectangle
    of the face's open cells: those whose neighbour across the face (margin included) is neither opaque
    nor of the box's own part (for an opaque box the second never adds anything; for a glass or water
    box it leaves only the cells where a ray can enter a new run of its part, see ``kernel.py``).

    Why: a ray that meets a face cell whose neighbour across is opaque has already entered that opaque
    voxel, whose box the ray entered through an open face nearer the eye (the first opaque voxel on a
    ray is entered from a non-opaque one, so it is a visible voxel and lies in a box). So the raster
    path draws only the open rectangle of each face and skips hidden faces: on the block test world
    two thirds of the opaque boxes' faces are hidden (terrain boxes side by side, ground under ground)
    and the open ones cover a third of the faces' area. Columns are in the inner grid's coordinates.
    """
    n = boxes.shape[0]
    out = np.zeros((n, 24), np.int32)
    for q in range(n):
        lo = (boxes[q, 0] + 1, boxes[q, 1] + 1, boxes[q, 2] + 1)
        hi = (boxes[q, 3] + 1, boxes[q, 4] + 1, boxes[q, 5] + 1)
        for a in range(3):
            ab = 1 if a == 0 else 0
            ac = 1 if a == 2 else 2
            for side in range(2):
                x = lo[a] - 1 if side == 0 else hi[a]
                b0, c0, b1, c1 = hi[ab], hi[ac], lo[ab], lo[ac]
                for bb in range(lo[ab], hi[ab]):
                    for cc in range(lo[ac], hi[ac]):
                        if a == 0:
                            v = padded[x, bb, cc]
                        elif a == 1:
                            v = padded[bb, x, cc]
                        else:
                            v = padded[bb, cc, x]
                        if opaque_part[v] or v == boxes[q, 6]:
                            continue
                        b0 = min(b0, bb)
                        b1 = max(b1, bb + 1)
                        c0 = min(c0, cc)
                        c1 = max(c1, cc + 1)
                f = 4 * (2 * a + side)
                if b0 < b1:
                    out[q, f], out[q, f + 1], out[q, f + 2], out[q, f + 3] = b0 - 1, c0 - 1, b1 - 1, c1 - 1
    return out


def chunk_width(voxel_size: float, brick: int) -> int:
    """Chunk side in fine voxels: ``CHUNK_METRES`` rounded to whole bricks (at least one brick)."""
    w = int(round(CHUNK_METRES / voxel_size))
    return max(brick, w // brick * brick)


def chunk_grid(shape: tuple[int, ...], width: int) -> tuple[int, int]:
    """Chunks along x and z of a grid of ``shape`` fine voxels (chunk c = cx * nz_chunks + cz)."""
    return -(-int(shape[0]) // width), -(-int(shape[2]) // width)


def chunk_columns(c: int, shape: tuple[int, ...], width: int) -> tuple[int, int, int, int]:
    """Fine-voxel column range (x0, x1, z0, z1) of chunk c."""
    _ncx, ncz = chunk_grid(shape, width)
    cx, cz = divmod(c, ncz)
    return cx * width, min((cx + 1) * width, int(shape[0])), cz * width, min((cz + 1) * width, int(shape[2]))


def chunk_boxes(padded: np.ndarray, part_opaque: np.ndarray, x0: int, z0: int, band: int | None = None
                ) -> tuple[np.ndarray, int, np.ndarray]:
    """(boxes with opaque ones first, number of opaque, sections) of one chunk, from its voxels with a
    one-voxel margin (``padded[1:-1, 1:-1, 1:-1]`` is the chunk, at fine voxel x0, 0, z0 of the scene).

    ``sections``: (m, 8) int32 rows (first box, end box, bounds i0 j0 k0 i1 j1 k1) over the chunk's
    boxes: its opaque boxes grouped by the layer of ``band`` fine voxels their lowest voxel lies in
    (one group when ``band`` is None), then its transparent boxes, if any, in a row of their own.
    """
    padded = np.ascontiguousarray(padded)
    merged = merge_region(padded, part_opaque)
    boxes = np.concatenate([merged, face_rects(padded, merged, part_opaque)], axis=1)
    for a, shift in ((0, x0), (2, z0)):  # into scene coordinates, faces' open rectangles included
        boxes[:, a] += shift
        boxes[:, a + 3] += shift
        for f in range(6):
            b_axis, c_axis = [(1, 2), (0, 2), (0, 1)][f // 2]
            col = BOX_FACES + 4 * f
            if b_axis == a:
                boxes[:, col] += shift
                boxes[:, col + 2] += shift
            if c_axis == a:
                boxes[:, col + 1] += shift
                boxes[:, col + 3] += shift
    is_opaque = part_opaque[boxes[:, BOX_PART]]
    n_opaque = int(is_opaque.sum())
    layer = boxes[:, 1] // band if band else np.zeros(len(boxes), np.int32)
    # opaque boxes first, by layer; then the transparent ones (stable: each group keeps the merge order)
    order = np.lexsort((np.where(is_opaque, layer, 0), ~is_opaque))
    boxes = np.ascontiguousarray(boxes[order])
    layer = layer[order][:n_opaque]
    cuts = [0, *(np.flatnonzero(np.diff(layer)) + 1).tolist(), n_opaque]
    if len(boxes) > n_opaque:
        cuts.append(len(boxes))
    sections = np.zeros((len(cuts) - 1, 8), np.int32)
    for r, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        sections[r, 0:2] = a, b
        if b > a:
            sections[r, 2:5] = boxes[a:b, 0:3].min(0)
            sections[r, 5:8] = boxes[a:b, 3:6].max(0)
    return boxes, n_opaque, sections


@njit(cache=True)
def gather_region(cells, pool, b, x0, x1, z0, z1):
    """Fine voxels of columns [x0, x1) x [z0, z1) of a brick-map scene (``cells`` (cx, cy, cz): brick
    index, or < 0 where empty; ``pool`` (n, b**3)) with a one-voxel margin, zeros outside the grid:
    what :func:`chunk_boxes` reads, without building the whole dense grid.

    The inner loop runs along z, the axis both a brick (index (x*b + y)*b + z) and the output store
    contiguously: ~3x faster than walking each column up through the bricks.
    """
    cx, cy, cz = cells.shape
    nx, ny, nz = cx * b, cy * b, cz * b
    out = np.zeros((x1 - x0 + 2, ny + 2, z1 - z0 + 2), np.uint16)
    za, zb = max(z0 - 1, 0), min(z1 + 1, nz)
    for x in range(max(x0 - 1, 0), min(x1 + 1, nx)):
        bx, lx, ox = x // b, x % b, x - x0 + 1
        for byi in range(cy):
            for bz in range(za // b, (zb - 1) // b + 1):
                brick = cells[bx, byi, bz]
                if brick < 0:
                    continue
                zs, ze = max(za, bz * b), min(zb, bz * b + b)
                for ly in range(b):
                    src = (lx * b + ly) * b - bz * b
                    oy = byi * b + ly + 1
                    for z in range(zs, ze):
                        out[ox, oy, z - z0 + 1] = pool[brick, src + z]
    return out


def assemble(chunks: list[tuple[np.ndarray, int, np.ndarray]]) -> tuple[np.ndarray, int, np.ndarray]:
    """One scene's box array from its chunks' (boxes, n_opaque, sections): every chunk's opaque boxes
    in chunk order, then every chunk's transparent ones; returns (boxes, number of opaque, chunk table
    with a row per section)."""
    n = len(chunks)
    sizes = np.array([[k, len(b) - k] for b, k, _ in chunks], np.int64).reshape(n, 2)
    n_opaque = int(sizes[:, 0].sum())
    opaque_at = np.cumsum(sizes[:, 0]) - sizes[:, 0]  # each chunk's first opaque box in the scene
    clear_at = n_opaque + np.cumsum(sizes[:, 1]) - sizes[:, 1]  # and its first transparent one
    sections = [sec for _, _, sec in chunks]
    table = np.zeros((sum(len(sec) for sec in sections), CH_COLUMNS), np.int32)
    row = 0
    for c, ((_, k, _), sec) in enumerate(zip(chunks, sections, strict=True)):
        m = len(sec)
        rows = table[row:row + m]
        opaque = sec[:, 1] <= k  # (a transparent row starts at k and ends past it)
        rows[opaque, CH_O0] = opaque_at[c] + sec[opaque, 0]
        rows[opaque, CH_O1] = opaque_at[c] + sec[opaque, 1]
        rows[~opaque, CH_G0] = clear_at[c] + sec[~opaque, 0] - k
        rows[~opaque, CH_G1] = clear_at[c] + sec[~opaque, 1] - k
        rows[:, CH_LO:CH_LO + 6] = sec[:, 2:8]
        row += m
    parts = [b[:k] for b, k, _ in chunks] + [b[k:] for b, k, _ in chunks]
    boxes = np.concatenate(parts) if n else np.zeros((0, BOX_COLUMNS), np.int32)
    return np.ascontiguousarray(boxes, np.int32), n_opaque, table


def scene_boxes(region, shape: tuple[int, int, int], part_opaque: np.ndarray, width: int,
                budget: int | None = None) -> list[tuple[np.ndarray, int, np.ndarray]] | None:
    """Per chunk of side ``width`` (see :func:`chunk_width`) of a grid of ``shape`` fine voxels, its
    (boxes, n_opaque, sections) (see :func:`chunk_boxes`); ``region(x0, x1, z0, z1)`` gives a chunk's voxels with a one-voxel
    margin (see :func:`gather_region`); ``assemble`` turns the result into the scene's arrays.

    ``part_opaque[p]``: whether part p hides what is behind it (material alpha >= 1); row 0 (empty)
    must be False. None as soon as the boxes number more than ``budget``, or are on course to
    (more than 1.25 x budget extrapolated from at least a quarter of the chunks): the rest is not
    merged. Why: an over-budget scene is ray cast, and the voxel env builds a new window every few
    hundred steps (a whole 96 x 128 x 96 window ~5 ms, ~6,500 boxes).
    """
    opaque = np.ascontiguousarray(part_opaque, np.bool_)
    ncx, ncz = chunk_grid(shape, width)
    n = ncx * ncz
    out = []
    total = 0
    for c in range(n):
        x0, x1, z0, z1 = chunk_columns(c, shape, width)
        out.append(chunk_boxes(region(x0, x1, z0, z1), opaque, x0, z0, band=width))
        total += len(out[-1][0])
        if budget is not None and (total > budget or (4 * (c + 1) >= n and total * n > 1.25 * budget * (c + 1))):
            return None
    return out
