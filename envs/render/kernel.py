"""The numba kernels: per-pixel brick-map ray casting, entity boxes, procedural textures, shading.

Why it is fast: each ray first jumps through empty space using the coarse grid's Chebyshev distances
(one jump clears a whole cube of empty bricks; the coarse grid is read as 32-bit words, see
``batch.cell_words``, to halve its cache footprint), and only walks voxel by voxel (Amanatides-Woo DDA)
inside bricks that hold something. Entities are boxes tested only for pixels inside their projected
screen rectangle. Work is split over cameras x rows with ``prange`` so one call fills both cores.

Why it is deterministic: no reductions across threads, no random state; ``fastmath`` is restricted
to flags that do not assume away infinities or NaNs, and the same compiled code runs in every process
(``cache=True``), so the same inputs give the same bits.

Static scenes can skip the traversal: the raster path (bottom of this module) finds each pixel's
first hit by drawing the faces of the scene's visible voxels merged into boxes (``boxes.py``), and
hands it to the same per-pixel code.

Depth is *planar* (distance along the camera's forward axis, as AI2-THOR reports it): ray directions
are ``forward + a*right + b*up`` with unit ``forward``, so the ray parameter ``t`` is the planar depth.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .batch import (
    SF_AMB,
    SF_FOG,
    SF_GROUND_Y,
    SF_HAS_GROUND,
    SF_HOR,
    SF_OX,
    SF_OY,
    SF_OZ,
    SF_SUN,
    SF_SUNK,
    SF_VIEW,
    SF_VS,
    SF_ZEN,
    SI_B,
    SI_BOX,
    SI_CHUNK,
    SI_COARSE,
    SI_CX,
    SI_CY,
    SI_CZ,
    SI_GROUND_PART,
    SI_LIGHT,
    SI_NBOX,
    SI_NBOX_OPAQUE,
    SI_NCHUNK,
    SI_PART,
    SI_SHIFT,
    SI_TOP,
    SI_YHI,
    SI_YLO,
)
from .boxes import BOX_FACES, CH_G0, CH_G1, CH_HI, CH_LO, CH_O0, CH_O1
from .materials import (
    TEX_BRICK,
    TEX_CARPET,
    TEX_GRASS,
    TEX_LEAVES,
    TEX_ORE,
    TEX_PLANKS,
    TEX_STONE,
    TEX_TILES,
    TEX_WATER,
    TEX_WOOD,
)

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
ROWS_PER_JOB = 8  # image rows per parallel job of the ray caster
BIG = 1e30
NEAR = 1e-3


@njit(cache=True, fastmath=FASTMATH)
def _hash(a, b, c):
    """Integer hash of three ints -> float in [0, 1). Stable across processes and platforms."""
    h = (a * 374761393 + b * 668265263 + c * 1274126177) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1103515245) & 0xFFFFFFFF
    h = h ^ (h >> 16)
    return (h & 0xFFFFFF) * (1.0 / 16777216.0)


@njit(cache=True, fastmath=FASTMATH)
def _frac(x):
    return x - math.floor(x)


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _albedo(mrow, m, tr, tg, tb, u, v, axis, up, wy):
    """Material colour at in-face coordinates (u, v) metres, with its procedural texture (inlined
    into the per-pixel code: as a call it was ~12% of a block-world frame; same bits). ``mrow``:
    columns 0-7 and 10 of material m's row of the material table, as a tuple (an array argument would
    cost an atomic reference-count increment and decrement per call, i.e. per pixel: ~10% of a block
    world frame)."""
    kind = int(mrow[6])
    s = mrow[7]
    amp = mrow[8]
    tu = u * s
    tv = v * s
    iu = math.floor(tu)
    iv = math.floor(tv)
    mix = 0.0
    n = _hash(iu, iv, m * 8 + axis)
    bright = 1.0 + amp * (2.0 * n - 1.0)
    if kind == TEX_WOOD:
        plank = iv
        seg = math.floor(tu * 0.25 + _hash(plank, 7, m))
        grain = _hash(plank, math.floor(tu * 6.0), m + 11)
        bright = 1.0 + amp * (2.0 * grain - 1.0) + 0.18 * (_hash(plank, seg, m + 3) - 0.5)
        if _frac(tv) < 0.07:
            mix = 1.0
    elif kind == TEX_PLANKS:
        plank = math.floor(tv * 0.25)
        seg = math.floor(tu * 0.125 + 0.5 * (plank & 1))
        bright = 1.0 + amp * (2.0 * n - 1.0) + 0.15 * (_hash(plank, seg, m + 3) - 0.5)
        if _frac(tv * 0.25) < 0.07 or _frac(tu * 0.125 + 0.5 * (plank & 1)) < 0.03:
            mix = 1.0
    elif kind == TEX_TILES:
        bright = 1.0 + amp * (2.0 * n - 1.0)
        if _frac(tu) < 0.05 or _frac(tv) < 0.05:
            mix = 1.0
    elif kind == TEX_CARPET:
        if _hash(iu, iv, m + 5) > 0.72:
            mix = 0.6
    elif kind == TEX_STONE:
        blob = _hash(math.floor(tu * 0.25), math.floor(tv * 0.25), m + 17)
        if blob > 0.62:
            mix = 0.55
    elif kind == TEX_ORE:
        cluster = _hash(math.floor(tu * 0.34), math.floor(tv * 0.34), m + 29)
        if cluster > 0.35 and _hash(iu, iv, m + 31) > 0.58:
            mix = 1.0
    elif kind == TEX_LEAVES:
        if n < 0.28:
            mix = 1.0
    elif kind == TEX_BRICK:
        row = math.floor(tv * 3.0)
        if _frac(tv * 3.0) < 0.12 or _frac(tu * 1.5 + 0.5 * (row & 1)) < 0.06:
            mix = 1.0
        else:
            bright = 1.0 + amp * (2.0 * _hash(row, math.floor(tu * 1.5 + 0.5 * (row & 1)), m) - 1.0)
    elif kind == TEX_GRASS:
        if axis == 1 and up:
            mix = 0.0
        elif axis == 1 or _frac(wy) < 0.8125 - 0.0625 * (n > 0.6):
            mix = 1.0
    elif kind == TEX_WATER:
        bright = 1.0 + amp * (2.0 * _hash(iu, iv, 3) - 1.0)
    r = (mrow[0] + (mrow[3] - mrow[0]) * mix) * bright * tr
    g = (mrow[1] + (mrow[4] - mrow[1]) * mix) * bright * tg
    b = (mrow[2] + (mrow[5] - mrow[2]) * mix) * bright * tb
    return r, g, b


@njit(cache=True)
def occupancy_and_tops_kernel(grid, b, opaque_part, occupied, top):
    """One pass over a dense (nx, ny, nz) grid of part ids (see ``VoxelScene.from_dense``): which bricks
    of side ``b`` hold a non-empty voxel (``occupied``, zeroed by the caller) and per (x, z) column
    1 + the y of the highest opaque voxel (``top``, zeroed; 0 where there is none)."""
    nx, ny, nz = grid.shape
    for x in range(nx):
        bx = x // b
        for y in range(ny):
            by = y // b
            for z in range(nz):
                v = grid[x, y, z]
                if v != 0:
                    occupied[bx, by, z // b] = True
                    if opaque_part[v] and top[x, z] <= y:
                        top[x, z] = y + 1


@njit(cache=True)
def gather_bricks_kernel(grid, b, index, cdims_y, cdims_z, bricks):
    """Brick ``n`` of ``bricks`` (zeroed, (len(index), b**3)) := the voxels of coarse cell ``index[n]``
    (a flat index into the (cx, cy, cz) coarse grid) in (x, y, z) order, z fastest; zeros past the grid."""
    nx, ny, nz = grid.shape
    for n in range(index.shape[0]):
        c = index[n]
        bz = c % cdims_z
        by = (c // cdims_z) % cdims_y
        bx = c // (cdims_z * cdims_y)
        for lx in range(b):
            x = bx * b + lx
            if x >= nx:
                break
            for ly in range(b):
                y = by * b + ly
                if y >= ny:
                    break
                row = (lx * b + ly) * b
                for lz in range(b):
                    z = bz * b + lz
                    if z >= nz:
                        break
                    bricks[n, row + lz] = grid[x, y, z]


@njit(cache=True)
def octant_distance_kernel(occupied, cap, out):
    """Forward king-move distance per octant (see ``types.octant_distance``)."""
    nx, ny, nz = occupied.shape
    for o in range(8):
        sx = 1 if o & 4 else -1
        sy = 1 if o & 2 else -1
        sz = 1 if o & 1 else -1
        for ii in range(nx):
            x = nx - 1 - ii if sx > 0 else ii
            for jj in range(ny):
                y = ny - 1 - jj if sy > 0 else jj
                for kk in range(nz):
                    z = nz - 1 - kk if sz > 0 else kk
                    if occupied[x, y, z]:
                        out[x, y, z, o] = 0
                        continue
                    best = cap - 1
                    for d in range(1, 8):
                        xx = x + sx * ((d >> 2) & 1)
                        yy = y + sy * ((d >> 1) & 1)
                        zz = z + sz * (d & 1)
                        if 0 <= xx < nx and 0 <= yy < ny and 0 <= zz < nz:
                            v = out[xx, yy, zz, o]
                            if v < best:
                                best = v
                    out[x, y, z, o] = best + 1


@njit(cache=True, fastmath=FASTMATH)
def _face_factor(axis, up):
    if axis == 1:
        return 1.0 if up else 0.5
    if axis == 0:
        return 0.8
    return 0.65


@njit(cache=True, fastmath=FASTMATH)
def _top_at(top, toff, nx, nz, ix, iz):
    """Column top (1 + highest opaque voxel y) at fine column (ix, iz); 0 outside the grid."""
    if ix < 0 or iz < 0 or ix >= nx or iz >= nz:
        return 0
    return top[toff + ix * nz + iz]


@njit(cache=True, fastmath=FASTMATH)
def _light_at(light, loff, cx, cz, bs, ix, iz):
    if ix < 0 or iz < 0:
        return 0.0
    lx = ix >> bs
    lz = iz >> bs
    if lx >= cx or lz >= cz:
        return 0.0
    return light[loff + lx * cz + lz]


@njit(cache=True, fastmath=FASTMATH)
def entity_rects(cpos, cyaw, cpitch, cfov, cscene, ebox, eoff, height, width, vis_n, vis_idx, vis_rect):
    """Per camera, the entities of its scene whose box may be visible, with their pixel rectangles.

    A box crossing the near plane gets the rectangle of its part in front of it (its corners there
    and the points where its edges cross the plane), as ``_clipped_rect`` does for scene boxes; only
    an eye inside the box (or within the near distance of it) gets the whole screen. (It used to be
    the whole screen for any box crossing the plane: the mobs and items beside a player looking up or
    down then cost a per-pixel entity test on every pixel, ~10 us a camera each.)
    Serial on purpose: it is microseconds of work even for 64 cameras, and a numba thread-pool launch
    waits for every worker to be scheduled, which on a busy CPU cost ~90 ms per call (measured with the
    box at load 8: 11 single-env steps/s, this function 98% of the time).
    """
    n_cam = cpos.shape[0]
    cap = vis_idx.shape[1]
    xs = np.empty(8)
    ys = np.empty(8)
    zs = np.empty(8)
    for c in range(n_cam):
        s = cscene[c]
        yaw = cyaw[c] * (math.pi / 180.0)
        pit = cpitch[c] * (math.pi / 180.0)
        sy, cy, sp, cp = math.sin(yaw), math.cos(yaw), math.sin(pit), math.cos(pit)
        fx, fy, fz = sy * cp, -sp, cy * cp
        rx, rz = cy, -sy
        ux, uy, uz = sy * sp, cp, cy * sp
        ty = math.tan(cfov[c] * (math.pi / 360.0))
        tx = ty * width / height
        reach = NEAR * math.sqrt(1.0 + tx * tx + ty * ty) * 1.01  # farthest a pixel ray's near point lies
        count = 0
        for e in range(eoff[s], eoff[s + 1]):
            if count >= cap:
                break
            ex, ey, ez = ebox[e, 0], ebox[e, 1], ebox[e, 2]
            hx, hy, hz = ebox[e, 3], ebox[e, 4], ebox[e, 5]
            ya = ebox[e, 6] * (math.pi / 180.0)
            es, ec = math.sin(ya), math.cos(ya)
            xmin, xmax, ymin, ymax = BIG, -BIG, BIG, -BIG
            front = 0
            for corner in range(8):
                lx = hx if corner & 1 else -hx
                ly = hy if corner & 2 else -hy
                lz = hz if corner & 4 else -hz
                wx = ex + ec * lx + es * lz - cpos[c, 0]
                wy = ey + ly - cpos[c, 1]
                wz = ez - es * lx + ec * lz - cpos[c, 2]
                zs[corner] = wx * fx + wy * fy + wz * fz
                xs[corner] = wx * rx + wz * rz
                ys[corner] = wx * ux + wy * uy + wz * uz
                if zs[corner] > NEAR:
                    front += 1
                    xmin = min(xmin, xs[corner] / (zs[corner] * tx))
                    xmax = max(xmax, xs[corner] / (zs[corner] * tx))
                    ymin = min(ymin, ys[corner] / (zs[corner] * ty))
                    ymax = max(ymax, ys[corner] / (zs[corner] * ty))
            if front == 0:
                continue
            whole = False
            if front < 8:
                # the eye in the box's frame: inside it (or nearly), every pixel may see the box
                dx, dy, dz = cpos[c, 0] - ex, cpos[c, 1] - ey, cpos[c, 2] - ez
                if (abs(ec * dx - es * dz) <= hx + reach and abs(dy) <= hy + reach
                        and abs(es * dx + ec * dz) <= hz + reach):
                    whole = True
                else:  # where the box's 12 edges cross the near plane
                    for n in range(8):
                        for bit in (1, 2, 4):
                            m = n | bit
                            if m == n or (zs[n] > NEAR) == (zs[m] > NEAR):
                                continue
                            w = (NEAR - zs[n]) / (zs[m] - zs[n])
                            px = (xs[n] + (xs[m] - xs[n]) * w) / (NEAR * tx)
                            py = (ys[n] + (ys[m] - ys[n]) * w) / (NEAR * ty)
                            xmin = min(xmin, px)
                            xmax = max(xmax, px)
                            ymin = min(ymin, py)
                            ymax = max(ymax, py)
            if whole:
                c0, r0, c1, r1 = 0, 0, width - 1, height - 1
            else:
                # (bounded: a point just past the near plane projects far out)
                xmin, xmax = min(max(xmin, -2.0), 2.0), min(max(xmax, -2.0), 2.0)
                ymin, ymax = min(max(ymin, -2.0), 2.0), min(max(ymax, -2.0), 2.0)
                c0 = int(math.floor((xmin + 1.0) * 0.5 * width)) - 1
                c1 = int(math.floor((xmax + 1.0) * 0.5 * width)) + 1
                r0 = int(math.floor((1.0 - ymax) * 0.5 * height)) - 1
                r1 = int(math.floor((1.0 - ymin) * 0.5 * height)) + 1
                if c1 < 0 or r1 < 0 or c0 >= width or r0 >= height:
                    continue
            vis_idx[c, count] = e
            vis_rect[c, count, 0] = c0
            vis_rect[c, count, 1] = r0
            vis_rect[c, count, 2] = c1
            vis_rect[c, count, 3] = r1
            count += 1
        vis_n[c] = count


@njit(cache=True, fastmath=FASTMATH)
def camera_basis(cyaw, cpitch, cfov, height, width):
    """Per camera ``(sin yaw, cos yaw, sin pitch, cos pitch, tan(fov/2), tan(fov/2) * width/height)``,
    computed once per call rather than once per image row."""
    basis = np.empty((cyaw.shape[0], 6))
    for c in range(cyaw.shape[0]):
        yaw = cyaw[c] * (math.pi / 180.0)
        pit = cpitch[c] * (math.pi / 180.0)
        basis[c, 0], basis[c, 1] = math.sin(yaw), math.cos(yaw)
        basis[c, 2], basis[c, 3] = math.sin(pit), math.cos(pit)
        ty = math.tan(cfov[c] * (math.pi / 360.0))
        basis[c, 4], basis[c, 5] = ty, ty * width / height
    return basis


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _slab_axis(o_, inv, lo, hi, tn, tf, ea, a):
    """Narrow the ray's [tn, tf] to the slab lo <= o + t*d <= hi of axis ``a`` (``inv`` = 1/d, 0 for a ray
    parallel to the slab: then it is all or nothing), keeping in ``ea`` the axis whose slab the ray
    enters last (the box face it enters through)."""
    if inv == 0.0:
        if o_ < lo or o_ > hi:
            return BIG, tf, ea
        return tn, tf, ea
    ta = (lo - o_) * inv
    tb = (hi - o_) * inv
    if ta > tb:
        ta, tb = tb, ta
    if ta > tn:
        return ta, min(tf, tb), a
    return tn, min(tf, tb), ea


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _entry_cell(p, org, ivs, lo, hi, entry_axis, forward):
    """Voxel index along one axis of the cell a ray enters a box [lo, hi) from at world coordinate p:
    across the entry face on the entry axis, else p's cell held inside the box (rounding at its edge)."""
    if entry_axis:
        return lo - 1 if forward else hi
    return min(max(int(math.floor((p - org) * ivs)), lo), hi - 1)


@njit(cache=True, fastmath=FASTMATH)
def _render_rows(c, row0, row1,
              si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats,
              cpos, basis, cscene, ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
              height, width, want_rgb, want_depth, want_sem, want_inst,
              out_rgb, out_depth, out_sem, out_inst, boxes, hit_t, hit_box, hit_axis, glass, gbox, gtile, gtile_idx,
              gsort, eye_glass, gcount, gent_t, gent_b, gent_a):
    """Render image rows [row0, row1) of camera c (several rows per call: a call costs ~0.8 us of
    argument set-up, as much as a dozen pixels).

    The first hit of each pixel's ray comes from walking the brick map (``boxes`` None: numba compiles
    this case without the raster branch), or else from the
    per-pixel buffers the raster path filled for this camera (``hit_t`` distance, ``hit_box`` box, ``hit_axis`` face
    axis; ``glass`` the transparent boxes in view with their screen rectangles, listed per GTILE x GTILE tile in
    ``gtile_idx[gtile[k]:gtile[k + 1]]`` (see ``_glass_tiles``), ``gsort`` scratch
    for one pixel's glass hits, ``eye_glass`` the part of a transparent voxel holding the eye or -1,
    ``gcount``/``gent_t``/``gent_b``/``gent_a`` the glass entries the visibility pass drew per pixel;
    see the raster section below). Everything else
    (entities, ground, glass compositing order, shading) is this one code path for both.
    """
    s = cscene[c]
    # ---- scene constants
    b = si[s, SI_B]
    bs = si[s, SI_SHIFT]
    bm = b - 1
    ylo = si[s, SI_YLO]
    yhi = si[s, SI_YHI]
    cxn, cyn, czn = si[s, SI_CX], si[s, SI_CY], si[s, SI_CZ]
    nx, nz = cxn * b, czn * b
    coff, toff, loff, poff = si[s, SI_COARSE], si[s, SI_TOP], si[s, SI_LIGHT], si[s, SI_PART]
    gpart = si[s, SI_GROUND_PART]
    orx, ory, orz, vs = sf[s, SF_OX], sf[s, SF_OY], sf[s, SF_OZ], sf[s, SF_VS]
    ivs = 1.0 / vs
    view, fog = sf[s, SF_VIEW], sf[s, SF_FOG]
    fog_span = max(view - fog, 1e-6)
    sunx, suny, sunz, sunk, amb = sf[s, SF_SUN], sf[s, SF_SUN + 1], sf[s, SF_SUN + 2], sf[s, SF_SUNK], sf[s, SF_AMB]
    hr, hg, hb = sf[s, SF_HOR], sf[s, SF_HOR + 1], sf[s, SF_HOR + 2]
    zr, zg, zb = sf[s, SF_ZEN], sf[s, SF_ZEN + 1], sf[s, SF_ZEN + 2]
    has_ground = sf[s, SF_HAS_GROUND] > 0.5
    gy = sf[s, SF_GROUND_Y]
    # ---- camera basis
    sy, cy, sp, cp, ty, tx = basis[c, 0], basis[c, 1], basis[c, 2], basis[c, 3], basis[c, 4], basis[c, 5]
    ox, oy, oz = cpos[c, 0], cpos[c, 1], cpos[c, 2]
    gx0, gy0, gz0 = (ox - orx) * ivs, (oy - ory) * ivs, (oz - orz) * ivs
    nvis = vis_n[c]
    # per visible entity, what does not depend on the pixel: the cosine and sine of its yaw and the eye
    # in its frame (computed per pixel, the sin/cos were a fifth of a voxel-env frame with ~15 mobs)
    eloc = np.empty((max(nvis, 1), 5))
    for q in range(nvis):
        e = vis_idx[c, q]
        ya = ebox[e, 6] * (math.pi / 180.0)
        es, ec = math.sin(ya), math.cos(ya)
        rxo, ryo, rzo = ox - ebox[e, 0], oy - ebox[e, 1], oz - ebox[e, 2]
        eloc[q, 0], eloc[q, 1] = ec, es
        eloc[q, 2], eloc[q, 3], eloc[q, 4] = ec * rxo - es * rzo, ryo, es * rxo + ec * rzo
    rowq = np.empty(max(nvis, 1), np.int64)  # the visible entities whose rectangle spans this row, in order
    for row in range(row0, row1):
        nrow = 0
        for q in range(nvis):
            if vis_rect[c, q, 1] <= row <= vis_rect[c, q, 3]:
                rowq[nrow] = q
                nrow += 1
        vrow = (1.0 - 2.0 * (row + 0.5) / height) * ty
        bdx = sy * cp + vrow * sy * sp
        bdy = -sp + vrow * cp
        bdz = cy * cp + vrow * cy * sp
        for col in range(width):
            ucol = (2.0 * (col + 0.5) / width - 1.0) * tx
            dx = bdx + ucol * cy
            dy = bdy
            dz = bdz - ucol * sy
            dlen = math.sqrt(dx * dx + dy * dy + dz * dz)
            t_end = view / dlen
            kind = 0  # 0 sky, 1 voxel, 2 entity, 3 ground
            if has_ground and dy < 0.0 and oy > gy:
                tg = (gy - oy) / dy
                if tg < t_end:
                    t_end = tg
                    kind = 3
            # ---- entities (only those whose screen rectangle holds this pixel)
            ent = -1
            e_axis = 1
            e_up = True
            elx = 0.0
            ely = 0.0
            elz = 0.0
            for qi in range(nrow):
                q = rowq[qi]
                if col < vis_rect[c, q, 0] or col > vis_rect[c, q, 2]:
                    continue
                e = vis_idx[c, q]
                ec, es, lox, ryo, loz = eloc[q, 0], eloc[q, 1], eloc[q, 2], eloc[q, 3], eloc[q, 4]
                ldx = ec * dx - es * dz
                ldz = es * dx + ec * dz
                tn = -BIG
                tf = BIG
                ax = 1
                hit = True
                for a in range(3):
                    if a == 0:
                        o_, d_, h_ = lox, ldx, ebox[e, 3]
                    elif a == 1:
                        o_, d_, h_ = ryo, dy, ebox[e, 4]
                    else:
                        o_, d_, h_ = loz, ldz, ebox[e, 5]
                    if abs(d_) < 1e-12:
                        if o_ < -h_ or o_ > h_:
                            hit = False
                        continue
                    inv = 1.0 / d_
                    t1 = (-h_ - o_) * inv
                    t2 = (h_ - o_) * inv
                    if t1 > t2:
                        t1, t2 = t2, t1
                    if t1 > tn:
                        tn = t1
                        ax = a
                    if t2 < tf:
                        tf = t2
                if not hit or tn > tf or tn <= NEAR or tn >= t_end:
                    continue
                t_end = tn
                kind = 2
                ent = e
                e_axis = ax
                elx = lox + tn * ldx
                ely = ryo + tn * dy
                elz = loz + tn * ldz
                if ax == 0:
                    e_up = ldx < 0.0
                elif ax == 1:
                    e_up = dy < 0.0
                else:
                    e_up = ldz < 0.0
            if boxes is not None:
                # ---- raster path: the first opaque hit comes from the box depth buffer (see below) ...
                pix = row * width + col
                bidx = hit_box[pix]
                t = hit_t[pix]
                hit_part = -1
                axis = 1
                ix = 0
                iy = 0
                iz = 0
                gdx, gdy, gdz = dx, dy, dz
                limit = t_end
                if bidx >= 0 and t < t_end:
                    hit_part = poff + boxes[bidx, 6]
                    limit = t
                    axis = hit_axis[pix]
                    ix = min(max(int(math.floor((ox + t * dx - orx) * ivs)), boxes[bidx, 0]), boxes[bidx, 3] - 1)
                    iy = min(max(int(math.floor((oy + t * dy - ory) * ivs)), boxes[bidx, 1]), boxes[bidx, 4] - 1)
                    iz = min(max(int(math.floor((oz + t * dz - orz) * ivs)), boxes[bidx, 2]), boxes[bidx, 5] - 1)
                    if axis == 0:
                        ix = boxes[bidx, 3] - 1 if dx < 0.0 else boxes[bidx, 0]
                    elif axis == 1:
                        iy = boxes[bidx, 4] - 1 if dy < 0.0 else boxes[bidx, 1]
                    else:
                        iz = boxes[bidx, 5] - 1 if dz < 0.0 else boxes[bidx, 2]
                # ... and the glass in front of it composites front to back, once per run of one part (as
                # a run of glass voxels does in the traversal below). A run starts where the ray enters a
                # voxel of a transparent part from one that is not of that part; the boxes hold only the
                # glass voxels such an entry can reach (see ``boxes.merge_region``), so each box the ray
                # meets starts a run unless the voxel it enters the box from is of the box's part (then
                # the ray is still in the run it entered earlier, through voxels no box holds). The eye's
                # own voxel, if transparent, opens a run at distance 0 (``eye_glass``).
                thr = 1.0
                addr = 0.0
                addg = 0.0
                addb = 0.0
                first_t = -1.0
                first_part = -1
                n_hits = 0
                if eye_glass >= 0:
                    gsort[0, 0], gsort[0, 1] = 0.0, eye_glass
                    n_hits = 1
                # the glass entries the visibility pass drew for this pixel: none, one (its distance, box
                # and face axis kept), or more (then the boxes listed for its tile are slab-tested)
                gc = gcount[pix]
                tk = (row // GTILE) * ((width + GTILE - 1) // GTILE) + col // GTILE
                n_try = 0
                if gc == 1:
                    n_try = 1
                elif gc == 2:
                    n_try = gtile[tk + 1] - gtile[tk]
                    igx = 1.0 / dx if abs(dx) >= 1e-12 else 0.0  # one reciprocal per axis for all its panes
                    igy = 1.0 / dy if abs(dy) >= 1e-12 else 0.0
                    igz = 1.0 / dz if abs(dz) >= 1e-12 else 0.0
                for it in range(n_try):
                    if gc == 1:
                        b_ = gent_b[pix]
                        tn = gent_t[pix]
                        ea = gent_a[pix]
                        gp = poff + boxes[b_, 6]
                        if tn >= limit:
                            continue
                    else:
                        g = gtile_idx[gtile[tk] + it]
                        if col < glass[g, 1] or col > glass[g, 3] or row < glass[g, 2] or row > glass[g, 4]:
                            continue
                        if gbox[g, 6] > limit * (1.0 + 1e-6) + 1e-6:  # wholly behind this pixel's hit
                            continue
                        tn, tf, ea = _slab_axis(ox, igx, gbox[g, 0], gbox[g, 3], -BIG, BIG, -1, 0)
                        tn, tf, ea = _slab_axis(oy, igy, gbox[g, 1], gbox[g, 4], tn, tf, ea, 1)
                        tn, tf, ea = _slab_axis(oz, igz, gbox[g, 2], gbox[g, 5], tn, tf, ea, 2)
                        b_ = glass[g, 0]
                        gp = poff + boxes[b_, 6]
                        if tn <= 0.0:  # the eye is in (or on) this box
                            if gp == eye_glass:
                                continue
                            tn = 0.0
                        if tn >= tf or tn >= limit:
                            continue
                    if tn > 0.0:  # the voxel the ray enters the box from
                        qx = _entry_cell(ox + tn * dx, orx, ivs, boxes[b_, 0], boxes[b_, 3], ea == 0, dx > 0.0)
                        qy = _entry_cell(oy + tn * dy, ory, ivs, boxes[b_, 1], boxes[b_, 4], ea == 1, dy > 0.0)
                        qz = _entry_cell(oz + tn * dz, orz, ivs, boxes[b_, 2], boxes[b_, 5], ea == 2, dz > 0.0)
                        if qx >= 0 and qy >= 0 and qz >= 0 and qx < nx and qy < cyn * b and qz < nz:
                            cv = coarse[coff + ((qx >> bs) * cyn + (qy >> bs)) * czn + (qz >> bs)]
                            if (cv & 15) == 0 and pool[((cv >> 4) << (bs * 3)) + (((qx & bm) << (bs + bs))
                                                                                | ((qy & bm) << bs) | (qz & bm))] \
                                    == boxes[b_, 6]:
                                continue
                    j = n_hits  # insertion sort by entry distance (a handful of panes at most)
                    while j > 0 and gsort[j - 1, 0] > tn:
                        gsort[j, 0], gsort[j, 1] = gsort[j - 1, 0], gsort[j - 1, 1]
                        j -= 1
                    gsort[j, 0], gsort[j, 1] = tn, gp
                    n_hits += 1
                for h in range(n_hits):
                    gp = int(gsort[h, 1])
                    if first_t < 0.0:
                        first_t = gsort[h, 0]
                        first_part = gp
                    m = pmat[gp]
                    alpha = mats[m, 8]
                    w = thr * alpha
                    addr += w * mats[m, 0] * ptint[gp, 0]
                    addg += w * mats[m, 1] * ptint[gp, 1]
                    addb += w * mats[m, 2] * ptint[gp, 2]
                    thr *= 1.0 - alpha
            else:
                # ---- voxel grid: clip the ray to the occupied slab of the grid box
                # (a zero direction component becomes a tiny positive one: no special cases below)
                gdx, gdy, gdz = dx * ivs, dy * ivs, dz * ivs
                if abs(gdx) < 1e-9:
                    gdx = 1e-9
                if abs(gdy) < 1e-9:
                    gdy = 1e-9
                if abs(gdz) < 1e-9:
                    gdz = 1e-9
                invx = 1.0 / gdx
                invy = 1.0 / gdy
                invz = 1.0 / gdz
                posx = gdx > 0.0
                posy = gdy > 0.0
                posz = gdz > 0.0
                if posx:
                    tax, tbx = -gx0 * invx, (nx - gx0) * invx
                else:
                    tax, tbx = (nx - gx0) * invx, -gx0 * invx
                if posy:
                    tay, tby = (ylo - gy0) * invy, (yhi - gy0) * invy
                else:
                    tay, tby = (yhi - gy0) * invy, (ylo - gy0) * invy
                if posz:
                    taz, tbz = -gz0 * invz, (nz - gz0) * invz
                else:
                    taz, tbz = (nz - gz0) * invz, -gz0 * invz
                t0 = 0.0
                axis = -1
                if tax > t0:
                    t0 = tax
                    axis = 0
                if tay > t0:
                    t0 = tay
                    axis = 1
                if taz > t0:
                    t0 = taz
                    axis = 2
                t1 = min(t_end, tbx, tby, tbz)
                thr = 1.0
                addr = 0.0
                addg = 0.0
                addb = 0.0
                first_t = -1.0
                first_part = -1
                hit_part = -1
                t = t0
                ix = 0
                iy = 0
                iz = 0
                if t0 < t1:
                    ix = min(max(int(math.floor(gx0 + t0 * gdx)), 0), nx - 1)
                    iy = min(max(int(math.floor(gy0 + t0 * gdy)), ylo), yhi - 1)
                    iz = min(max(int(math.floor(gz0 + t0 * gdz)), 0), nz - 1)
                    if axis == 0:
                        ix = 0 if posx else nx - 1
                    elif axis == 1:
                        iy = ylo if posy else yhi - 1
                    elif axis == 2:
                        iz = 0 if posz else nz - 1
                    stx = 1 if posx else -1
                    sty = 1 if posy else -1
                    stz = 1 if posz else -1
                    tdx, tdy, tdz = abs(invx), abs(invy), abs(invz)
                    last_trans = 0
                    oshift = 4 * ((4 if posx else 0) + (2 if posy else 0) + (1 if posz else 0))
                    while True:
                        bxi = ix >> bs
                        byi = iy >> bs
                        bzi = iz >> bs
                        cell = coff + (bxi * cyn + byi) * czn + bzi
                        cv = coarse[cell]
                        if cv & 15:
                            # jump to where the ray leaves the box of empty bricks ahead of it (its octant)
                            k = (cv >> oshift) & 15
                            ex = ((((bxi + k) << bs) if posx else ((bxi - k + 1) << bs)) - gx0) * invx
                            ey = ((((byi + k) << bs) if posy else ((byi - k + 1) << bs)) - gy0) * invy
                            ez = ((((bzi + k) << bs) if posz else ((bzi - k + 1) << bs)) - gz0) * invz
                            if ex <= ey and ex <= ez:
                                t = ex
                                axis = 0
                            elif ey <= ez:
                                t = ey
                                axis = 1
                            else:
                                t = ez
                                axis = 2
                            if t >= t1:
                                break
                            lo_x = (bxi << bs) if posx else ((bxi - k + 1) << bs)
                            hi_x = (((bxi + k) << bs) if posx else ((bxi + 1) << bs)) - 1
                            lo_y = (byi << bs) if posy else ((byi - k + 1) << bs)
                            hi_y = (((byi + k) << bs) if posy else ((byi + 1) << bs)) - 1
                            lo_z = (bzi << bs) if posz else ((bzi - k + 1) << bs)
                            hi_z = (((bzi + k) << bs) if posz else ((bzi + 1) << bs)) - 1
                            if axis == 0:
                                ix = hi_x + 1 if posx else lo_x - 1
                            else:
                                ix = min(max(int(math.floor(gx0 + t * gdx)), lo_x), hi_x)
                            if axis == 1:
                                iy = hi_y + 1 if posy else lo_y - 1
                            else:
                                iy = min(max(int(math.floor(gy0 + t * gdy)), lo_y), hi_y)
                            if axis == 2:
                                iz = hi_z + 1 if posz else lo_z - 1
                            else:
                                iz = min(max(int(math.floor(gz0 + t * gdz)), lo_z), hi_z)
                            if ix < 0 or iy < ylo or iz < 0 or ix >= nx or iy >= yhi or iz >= nz:
                                break
                            last_trans = 0
                            continue
                        # ---- fine DDA inside an occupied brick
                        base = (cv >> 4) << (bs * 3)
                        x0b = bxi * b
                        y0b = byi * b
                        z0b = bzi * b
                        tmx = ((ix + 1 if posx else ix) - gx0) * invx
                        tmy = ((iy + 1 if posy else iy) - gy0) * invy
                        tmz = ((iz + 1 if posz else iz) - gz0) * invz
                        done = False
                        while True:
                            p = pool[base + (((ix & bm) << (bs + bs)) | ((iy & bm) << bs) | (iz & bm))]
                            if p != 0:
                                gp = poff + p
                                m = pmat[gp]
                                alpha = mats[m, 8]
                                if alpha >= 1.0:
                                    hit_part = gp
                                    done = True
                                    break
                                if p != last_trans:
                                    if first_t < 0.0:
                                        first_t = t
                                        first_part = gp
                                    w = thr * alpha
                                    addr += w * mats[m, 0] * ptint[gp, 0]
                                    addg += w * mats[m, 1] * ptint[gp, 1]
                                    addb += w * mats[m, 2] * ptint[gp, 2]
                                    thr *= 1.0 - alpha
                                    last_trans = p
                            else:
                                last_trans = 0
                            if tmx <= tmy and tmx <= tmz:
                                t = tmx
                                tmx += tdx
                                ix += stx
                                axis = 0
                                if ix < x0b or ix >= x0b + b:
                                    break
                            elif tmy <= tmz:
                                t = tmy
                                tmy += tdy
                                iy += sty
                                axis = 1
                                if iy < y0b or iy >= y0b + b:
                                    break
                            else:
                                t = tmz
                                tmz += tdz
                                iz += stz
                                axis = 2
                                if iz < z0b or iz >= z0b + b:
                                    break
                            if t >= t1:
                                done = True
                                break
                        if done or t >= t1:
                            break
                        if ix < 0 or iy < ylo or iz < 0 or ix >= nx or iy >= yhi or iz >= nz:
                            break
            # ---- resolve what this pixel sees
            cls_id = 0
            inst_id = 0
            if hit_part >= 0:
                kind = 1
                t_hit = t
                if axis < 0:
                    axis = 1
                if axis == 0:
                    up = gdx < 0.0
                elif axis == 1:
                    up = gdy < 0.0
                else:
                    up = gdz < 0.0
                cls_id = pcls[hit_part]
                inst_id = pinst[hit_part]
            elif kind == 2:
                t_hit = t_end
                cls_id = ecls[ent]
                inst_id = einst[ent]
            elif kind == 3:
                t_hit = t_end
                cls_id = pcls[gpart]
                inst_id = pinst[gpart]
            else:
                t_hit = t_end
            if first_t >= 0.0:
                depth = first_t
                cls_id = pcls[first_part]
                inst_id = pinst[first_part]
            elif kind == 0:
                depth = view
            else:
                depth = t_hit
            if want_depth:
                out_depth[c, row, col] = depth
            if want_sem:
                out_sem[c, row, col] = cls_id
            if want_inst:
                out_inst[c, row, col] = inst_id
            if not want_rgb:
                continue
            # ---- shading
            idlen = 1.0 / dlen
            if kind == 0:
                sdy = dy * idlen
                sfac = min(max(sdy * 1.4, 0.0), 1.0)
                r = hr + (zr - hr) * sfac
                g = hg + (zg - hg) * sfac
                bl = hb + (zb - hb) * sfac
                sd = (dx * sunx + dy * suny + dz * sunz) * idlen
                if sd > 0.9992:
                    r, g, bl = 1.0, 0.97, 0.86
            else:
                px = ox + t_hit * dx
                py = oy + t_hit * dy
                pz = oz + t_hit * dz
                if kind == 1:
                    m = pmat[hit_part]
                    tr, tg_, tb = ptint[hit_part, 0], ptint[hit_part, 1], ptint[hit_part, 2]
                    if axis == 0:
                        uu, vv = pz, py
                        nxv, nyv, nzv = (1.0 if up else -1.0), 0.0, 0.0
                        ax_ = ix + (1 if up else -1)
                        ay_ = iy
                        az_ = iz
                    elif axis == 1:
                        uu, vv = px, pz
                        nxv, nyv, nzv = 0.0, (1.0 if up else -1.0), 0.0
                        ax_ = ix
                        ay_ = iy + (1 if up else -1)
                        az_ = iz
                    else:
                        uu, vv = px, py
                        nxv, nyv, nzv = 0.0, 0.0, (1.0 if up else -1.0)
                        ax_ = ix
                        ay_ = iy
                        az_ = iz + (1 if up else -1)
                    fa = axis
                    wy = (iy + 0.5) * vs + ory if axis != 1 else py
                elif kind == 2:
                    m = emat[ent]
                    tr, tg_, tb = etint[ent, 0], etint[ent, 1], etint[ent, 2]
                    fa = e_axis
                    up = e_up
                    sgn = 1.0 if up else -1.0
                    ya = ebox[ent, 6] * (math.pi / 180.0)
                    es, ec = math.sin(ya), math.cos(ya)
                    if fa == 0:
                        uu, vv = elz, ely
                        nxv, nyv, nzv = ec * sgn, 0.0, -es * sgn
                    elif fa == 1:
                        uu, vv = elx, elz
                        nxv, nyv, nzv = 0.0, sgn, 0.0
                    else:
                        uu, vv = elx, ely
                        nxv, nyv, nzv = es * sgn, 0.0, ec * sgn
                    ax_ = int(math.floor((px - orx) * ivs + nxv))
                    ay_ = int(math.floor((py - ory) * ivs + nyv))
                    az_ = int(math.floor((pz - orz) * ivs + nzv))
                    wy = ely + ebox[ent, 4]
                else:
                    m = pmat[gpart]
                    tr, tg_, tb = ptint[gpart, 0], ptint[gpart, 1], ptint[gpart, 2]
                    fa = 1
                    up = True
                    uu, vv = px, pz
                    nxv, nyv, nzv = 0.0, 1.0, 0.0
                    ax_ = int(math.floor((px - orx) * ivs))
                    ay_ = int(math.floor((py - ory) * ivs + 0.5))
                    az_ = int(math.floor((pz - orz) * ivs))
                    wy = py
                mrow = (mats[m, 0], mats[m, 1], mats[m, 2], mats[m, 3], mats[m, 4], mats[m, 5], mats[m, 6], mats[m, 7],
                        mats[m, 10])
                r, g, bl = _albedo(mrow, m, tr, tg_, tb, uu, vv, fa, up, wy)
                lit = _top_at(top, toff, nx, nz, ax_, az_) <= ay_
                lam = nxv * sunx + nyv * suny + nzv * sunz
                sun = sunk * lam if (lit and lam > 0.0) else 0.0
                shade = _face_factor(fa, up) * (amb + _light_at(light, loff, cxn, czn, bs, ax_, az_)) + sun
                emit = mats[m, 9]
                shade = shade * (1.0 - emit) + emit
                r *= shade
                g *= shade
                bl *= shade
                f = min(max((t_hit * dlen - fog) / fog_span, 0.0), 1.0)
                r += (hr - r) * f
                g += (hg - g) * f
                bl += (hb - bl) * f
            r = r * thr + addr
            g = g * thr + addg
            bl = bl * thr + addb
            out_rgb[c, row, col, 0] = min(int(r * 255.0 + 0.5), 255)
            out_rgb[c, row, col, 1] = min(int(g * 255.0 + 0.5), 255)
            out_rgb[c, row, col, 2] = min(int(bl * 255.0 + 0.5), 255)


@njit(parallel=True, cache=True, fastmath=FASTMATH)
def render_parallel(si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats,
                cpos, cyaw, cpitch, cfov, cscene,
                ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                height, width, want_rgb, want_depth, want_sem, want_inst,
                out_rgb, out_depth, out_sem, out_inst):
    """Render every camera, blocks of rows spread over all numba threads; writes only the wanted outputs."""
    basis = camera_basis(cyaw, cpitch, cfov, height, width)
    blocks = (height + ROWS_PER_JOB - 1) // ROWS_PER_JOB
    for job in prange(cpos.shape[0] * blocks):
        c = job // blocks
        row0 = (job - c * blocks) * ROWS_PER_JOB
        _render_rows(c, row0, min(row0 + ROWS_PER_JOB, height),
                     si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats,
                     cpos, basis, cscene, ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                     height, width, want_rgb, want_depth, want_sem, want_inst,
                     out_rgb, out_depth, out_sem, out_inst, None, None, None, None, None, None, None, None, None, -1,
                     None, None, None, None)


@njit(cache=True, fastmath=FASTMATH)
def render_serial(si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats,
                cpos, cyaw, cpitch, cfov, cscene,
                ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                height, width, want_rgb, want_depth, want_sem, want_inst,
                out_rgb, out_depth, out_sem, out_inst):
    """Same as :func:`render_parallel` on the calling thread (no thread-pool start-up per call)."""
    basis = camera_basis(cyaw, cpitch, cfov, height, width)
    for c in range(cpos.shape[0]):
        _render_rows(c, 0, height,
                     si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats,
                     cpos, basis, cscene, ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                     height, width, want_rgb, want_depth, want_sem, want_inst,
                     out_rgb, out_depth, out_sem, out_inst, None, None, None, None, None, None, None, None, None, -1,
                     None, None, None, None)


# ================================================================================================
# Raster path (``render_batch(method="raster")``): per camera, draw the front faces of a static
# scene's boxes into a depth buffer, then finish every pixel in ``_render_rows`` (``boxes`` given):
# entities, ground, glass compositing and shading are the ray caster's own code.
#
# Why it is faster: the ray caster spends ~85% of a house frame walking voxels; a house is ~500 boxes
# (``boxes.py``), of which a camera sees a few hundred, so finding each pixel's first hit by filling
# box faces costs a few nanoseconds per covered pixel instead of a traversal per pixel.
#
# How a face is filled: for each image row, the pixel-centre rays of the row form a fan; the columns
# whose ray meets the face rectangle (at positive distance) are an interval solved in closed form from
# five linear inequalities in the column coordinate, so there is no near-plane clipping and no edge
# approximation: a pixel is covered exactly when the ray through its centre meets the face, and its
# depth is that ray's distance to the face plane, computed as the ray caster does (planar depth along
# a ray ``forward + u*right + v*up``). The nearest face per pixel wins (plain depth test); rows are
# limited to the face's projected extent (clipped at the near plane).
#
# Only the open part of a face is drawn (``boxes.face_rects``): a face cell against an opaque voxel is
# never a first hit, and two thirds of the block world's faces are wholly hidden so.
#
# Transparent boxes (glass, water) composite front to back in front of a pixel's opaque hit, once per
# run of one part (as the ray caster composites a run of glass voxels once). They hold only the voxels
# where a run can start (a water body's surface, not its inside), and their faces only the cells whose
# neighbour across is neither opaque nor of their part (``boxes.face_rects``): after the opaque boxes,
# those open faces are filled like opaque ones, but as *entries* per pixel (distance, box, axis) in
# front of the opaque depth. A pixel with one entry (nearly every glass pixel: one water surface)
# composites it unless the voxel it enters the box from is of the box's part (one voxel lookup: the
# open rectangle is a bounding one); a pixel with two or more slab-tests the glass boxes listed for
# its 4 x 4 tile (``_glass_tiles``, built only for cameras that have such pixels), the same test. The
# eye's own voxel, if transparent, opens a run at 0. Block test world, 64x64: +30% frames/s over
# slab-testing every listed box per pixel, the same pixels as the ray caster.
#
# Boxes are drawn nearest first, and a box whose screen rectangle lies wholly behind what 8 x 8-pixel
# tiles already hold is skipped.
#
# Deterministic: each camera is computed by one thread with no shared state.
# Kept in this module with ``_render_rows``: numba's disk cache notices edits only in a function's
# own file, so kernels that inline each other must share one.
# ================================================================================================

EPS_PX = 1e-6  # face intervals grow by this fraction of a pixel, so abutting faces leave no crack
TILE = 8  # pixels per side of the tiles whose farthest depth lets hidden boxes be skipped
GTILE = 4  # pixels per side of the tiles that list the glass boxes a pixel tests (4 x 4: 3% faster than 8 x 8 at 64x64)


@njit(cache=True, fastmath=FASTMATH)
def _clip(lo, hi, alpha, beta, inv_beta):
    """Intersect [lo, hi] with {u : alpha + beta*u >= 0} (``inv_beta`` = 1/beta when beta != 0);
    an empty result has lo > hi."""
    if beta > 0.0:
        lo = max(lo, -alpha * inv_beta)
    elif beta < 0.0:
        hi = min(hi, -alpha * inv_beta)
    elif alpha < 0.0:
        lo, hi = 1.0, -1.0
    return lo, hi


@njit(cache=True, fastmath=FASTMATH)
def _inv(x):
    return 1.0 / x if x != 0.0 else 0.0


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _face_rows(q, fx, fy, fz, ux, uy, uz, ty, height):
    """Rows [r0, r1] whose centre line may cross the face with corners ``q`` (a tuple of four (x, y, z),
    camera-relative), from its projection clipped at the near plane; r0 > r1 when it lies behind the
    camera."""
    vmin, vmax = BIG, -BIG
    for n in range(4):
        m = (n + 1) & 3
        za = q[n][0] * fx + q[n][1] * fy + q[n][2] * fz
        zb = q[m][0] * fx + q[m][1] * fy + q[m][2] * fz
        ya = q[n][0] * ux + q[n][1] * uy + q[n][2] * uz
        if za > NEAR:
            v = ya / za
            vmin = min(vmin, v)
            vmax = max(vmax, v)
        if (za > NEAR) != (zb > NEAR):
            yb = q[m][0] * ux + q[m][1] * uy + q[m][2] * uz
            w = (NEAR - za) / (zb - za)
            v = (ya + (yb - ya) * w) / NEAR
            vmin = min(vmin, v)
            vmax = max(vmax, v)
    if vmin > vmax:
        return 1, 0
    half = 0.5 * height
    lo = (1.0 - vmax / ty) * half - 0.5 - EPS_PX
    hi = (1.0 - vmin / ty) * half - 0.5 + EPS_PX
    lo = min(max(lo, -1.0), height + 1.0)
    hi = min(max(hi, -1.0), height + 1.0)
    return max(int(math.ceil(lo)), 0), min(int(math.floor(hi)), height - 1)


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _box_near(lo, hi, o, f, r, u, tx, ty, view):
    """Planar depth of the nearest point of box [lo, hi] (a lower bound), or -1 when the box lies
    wholly outside the view frustum (near plane, 4 sides, view range)."""
    cx = 0.5 * (lo[0] + hi[0]) - o[0]
    cy = 0.5 * (lo[1] + hi[1]) - o[1]
    cz = 0.5 * (lo[2] + hi[2]) - o[2]
    hx = 0.5 * (hi[0] - lo[0])
    hy = 0.5 * (hi[1] - lo[1])
    hz = 0.5 * (hi[2] - lo[2])
    zc = cx * f[0] + cy * f[1] + cz * f[2]
    zr = hx * abs(f[0]) + hy * abs(f[1]) + hz * abs(f[2])
    if zc + zr <= NEAR or zc - zr > view:
        return -1.0
    for side in range(4):
        if side < 2:
            sg = 1.0 if side == 0 else -1.0
            nx_, ny_, nz_ = sg * r[0] - tx * f[0], sg * r[1] - tx * f[1], sg * r[2] - tx * f[2]
        else:
            sg = 1.0 if side == 2 else -1.0
            nx_, ny_, nz_ = sg * u[0] - ty * f[0], sg * u[1] - ty * f[1], sg * u[2] - ty * f[2]
        if cx * nx_ + cy * ny_ + cz * nz_ - (hx * abs(nx_) + hy * abs(ny_) + hz * abs(nz_)) > 0.0:
            return -1.0
    return max(zc - zr, 0.0)


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _box_rect(lo, hi, o, f, r, u, tx, ty, height, width):
    """Pixel rectangle (c0, r0, c1, r1) that the projection of box [lo, hi] may cover, a pixel wider
    on every side. A box crossing the near plane is clipped there (see ``_clipped_rect``)."""
    cmin, cmax, rmin, rmax = BIG, -BIG, BIG, -BIG
    for n in range(8):
        px = (hi[0] if n & 1 else lo[0]) - o[0]
        py = (hi[1] if n & 2 else lo[1]) - o[1]
        pz = (hi[2] if n & 4 else lo[2]) - o[2]
        zc = px * f[0] + py * f[1] + pz * f[2]
        if zc <= NEAR:
            return _clipped_rect(lo, hi, o, f, r, u, tx, ty, height, width)
        iz = 1.0 / zc
        uu = (px * r[0] + pz * r[2]) * iz
        vv = (px * u[0] + py * u[1] + pz * u[2]) * iz
        cmin = min(cmin, uu)
        cmax = max(cmax, uu)
        rmin = min(rmin, vv)
        rmax = max(rmax, vv)
    return _pixel_rect(cmin, cmax, rmin, rmax, tx, ty, height, width)


@njit(cache=True, fastmath=FASTMATH)
def _pixel_rect(cmin, cmax, rmin, rmax, tx, ty, height, width):
    cmin = min(max(cmin / tx, -2.0), 2.0)  # (bounded: a point just past the near plane projects far out)
    cmax = min(max(cmax / tx, -2.0), 2.0)
    rmin = min(max(rmin / ty, -2.0), 2.0)
    rmax = min(max(rmax / ty, -2.0), 2.0)
    c0 = max(int(math.floor((cmin + 1.0) * 0.5 * width)) - 1, 0)
    c1 = min(int(math.floor((cmax + 1.0) * 0.5 * width)) + 1, width - 1)
    r0 = max(int(math.floor((1.0 - rmax) * 0.5 * height)) - 1, 0)
    r1 = min(int(math.floor((1.0 - rmin) * 0.5 * height)) + 1, height - 1)
    return c0, r0, c1, r1


@njit(cache=True, fastmath=FASTMATH)
def _clipped_rect(lo, hi, o, f, r, u, tx, ty, height, width):
    """``_box_rect`` of a box with corners behind the near plane: the projection of its part beyond
    the plane (corners in front, plus where its 12 edges cross the plane). Only a ray that meets the
    box closer than the near plane could fall outside it, and no pixel ray can while the eye is more
    than NEAR * |ray direction| from the box; nearer than that, the whole image."""
    d2 = 0.0
    for a in range(3):
        g = max(lo[a] - o[a], o[a] - hi[a], 0.0)
        d2 += g * g
    if d2 <= NEAR * NEAR * (1.0 + tx * tx + ty * ty) * 1.01:
        return 0, 0, width - 1, height - 1
    xs = np.empty(8)
    ys = np.empty(8)
    zs = np.empty(8)
    for n in range(8):
        px = (hi[0] if n & 1 else lo[0]) - o[0]
        py = (hi[1] if n & 2 else lo[1]) - o[1]
        pz = (hi[2] if n & 4 else lo[2]) - o[2]
        zs[n] = px * f[0] + py * f[1] + pz * f[2]
        xs[n] = px * r[0] + pz * r[2]
        ys[n] = px * u[0] + py * u[1] + pz * u[2]
    cmin, cmax, rmin, rmax = BIG, -BIG, BIG, -BIG
    for n in range(8):
        if zs[n] > NEAR:
            cmin = min(cmin, xs[n] / zs[n])
            cmax = max(cmax, xs[n] / zs[n])
            rmin = min(rmin, ys[n] / zs[n])
            rmax = max(rmax, ys[n] / zs[n])
        for bit in (1, 2, 4):
            m = n | bit
            if m == n or (zs[n] > NEAR) == (zs[m] > NEAR):
                continue
            w = (NEAR - zs[n]) / (zs[m] - zs[n])
            xx = (xs[n] + (xs[m] - xs[n]) * w) / NEAR
            yy = (ys[n] + (ys[m] - ys[n]) * w) / NEAR
            cmin = min(cmin, xx)
            cmax = max(cmax, xx)
            rmin = min(rmin, yy)
            rmax = max(rmax, yy)
    if cmin > cmax:  # wholly behind the near plane
        return 0, 0, -1, -1
    return _pixel_rect(cmin, cmax, rmin, rmax, tx, ty, height, width)


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _hidden(tile_max, tile_dirty, zt, c0, r0, c1, r1, near, height, width):
    """True when every pixel of rectangle (c0, r0, c1, r1) already holds a surface nearer than
    ``near``; the farthest depth of each 8 x 8 tile is refreshed lazily where faces were drawn.
    Inlined (numba IR), so its array arguments cost no reference counting per box."""
    tw = (width + TILE - 1) // TILE
    for ty_ in range(r0 // TILE, r1 // TILE + 1):
        for tx_ in range(c0 // TILE, c1 // TILE + 1):
            k = ty_ * tw + tx_
            if tile_dirty[k]:
                m = 0.0
                for row in range(ty_ * TILE, min(ty_ * TILE + TILE, height)):
                    base = row * width
                    for col in range(tx_ * TILE, min(tx_ * TILE + TILE, width)):
                        m = max(m, zt[base + col])
                tile_max[k] = m
                tile_dirty[k] = False
            if tile_max[k] >= near:
                return False
    return True


@njit(cache=True, fastmath=FASTMATH)
def _facing(a, lo_a, hi_a, o_a):
    """Column of a box row (``BOX_FACES`` block) of the box's face on axis ``a`` that faces the eye,
    or -1 when none does (the eye is level with the box on that axis). Scalars only: an array
    argument costs an atomic reference-count increment and decrement per call (3 calls per box)."""
    if o_a < lo_a:
        return BOX_FACES + 8 * a
    if o_a > hi_a:
        return BOX_FACES + 8 * a + 4
    return -1


@njit(cache=True, fastmath=FASTMATH)
def _stable_order(key, n, order):
    """``order[:n]`` = the stable ascending order of ``key[:n]`` (as ``np.argsort(kind="mergesort")``),
    by insertion: a block-world chunk has a few dozen candidate boxes, and the library sort's
    allocations and merge passes cost more (~1% of a frame). Callers sort longer lists with numpy."""
    for i in range(n):
        v = i
        kv = key[i]
        j = i - 1
        while j >= 0 and key[order[j]] > kv:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = v


@njit(cache=True, fastmath=FASTMATH)
def _corner(a, pa, b, c):
    """A point with coordinate ``pa`` on axis ``a`` and ``b``, ``c`` on the other two (x, y, z order)."""
    if a == 0:
        return (pa, b, c)
    if a == 1:
        return (b, pa, c)
    return (b, c, pa)


@njit(cache=True, fastmath=FASTMATH)
def _draw_boxes(cand, order, near, n_cand, boxes, org, vs, o, f, r, u, tx, ty, height, width, zt, zb, za,
                tile_max, tile_dirty, glass_mode, gcount, gent_t, gent_b, gent_a):
    """Draw boxes ``cand[order[:n_cand]]`` (nearest first; ``near``: their nearest depths) into the
    per-pixel buffers (t, box, axis): each box unless its screen rectangle lies wholly behind what
    the tiles already hold (see ``_hidden``), then the open rectangles (``boxes.face_rects``) of its
    (up to three) faces toward the eye.

    One function with the face filling written out in it (no helper taking an array): numba
    increments and decrements an array argument's reference count (atomic instructions) at every call,
    and per box and face that was ~10% of a block-world frame.

    How a face is filled: a row's covered columns satisfy five inequalities ``alpha + beta*u >= 0`` in
    the column coordinate u (ray in front of the plane, hit point within the face on both axes); each
    is a plane through the eye, so beta is the same for every row and alpha is linear in the row
    coordinate.

    ``glass_mode``: the boxes are glass; each covered pixel in front of the opaque depth records an
    entry: the first one's distance, box and face axis, a second (not the same box again, as at a face
    edge) marks the pixel as having several; the depths and tiles are left as they are.
    """
    tw = (width + TILE - 1) // TILE
    for oi in range(n_cand):
        bidx = cand[order[oi]]
        lo = (org[0] + boxes[bidx, 0] * vs, org[1] + boxes[bidx, 1] * vs, org[2] + boxes[bidx, 2] * vs)
        hi = (org[0] + boxes[bidx, 3] * vs, org[1] + boxes[bidx, 4] * vs, org[2] + boxes[bidx, 5] * vs)
        c0, r0, c1, r1 = _box_rect(lo, hi, o, f, r, u, tx, ty, height, width)
        # ---- skip the box when every tile under its rectangle is nearer
        if _hidden(tile_max, tile_dirty, zt, c0, r0, c1, r1, near[order[oi]], height, width):
            continue
        for a in range(3):
            fc = _facing(a, lo[a], hi[a], o[a])
            if fc < 0 or boxes[bidx, fc] >= boxes[bidx, fc + 2]:  # (no face toward the eye, or it is hidden)
                continue
            plane = lo[a] if o[a] < lo[a] else hi[a]
            ab = 1 if a == 0 else 0
            ac = 1 if a == 2 else 2
            lo_b = org[ab] + boxes[bidx, fc] * vs
            lo_c = org[ac] + boxes[bidx, fc + 1] * vs
            hi_b = org[ab] + boxes[bidx, fc + 2] * vs
            hi_c = org[ac] + boxes[bidx, fc + 3] * vs
            pa = plane - o[a]
            q = (_corner(a, pa, lo_b - o[ab], lo_c - o[ac]), _corner(a, pa, hi_b - o[ab], lo_c - o[ac]),
                 _corner(a, pa, hi_b - o[ab], hi_c - o[ac]), _corner(a, pa, lo_b - o[ab], hi_c - o[ac]))
            # ---- fill the face on plane x[a] = plane spanning [lo_b, hi_b] x [lo_c, hi_c]
            k = plane - o[a]
            inv_k = 1.0 / k
            qlb, qhb = (lo_b - o[ab]) * inv_k, (hi_b - o[ab]) * inv_k
            qlc, qhc = (lo_c - o[ac]) * inv_k, (hi_c - o[ac]) * inv_k
            sgn = 1.0 if k > 0.0 else -1.0
            # alpha = p + vrow * v, beta = w for: in front; b >= lo; b <= hi; c >= lo; c <= hi
            p1, v1, w1 = sgn * f[a], sgn * u[a], sgn * r[a]
            p2, v2, w2 = f[ab] - qlb * f[a], u[ab] - qlb * u[a], r[ab] - qlb * r[a]
            p3, v3, w3 = qhb * f[a] - f[ab], qhb * u[a] - u[ab], qhb * r[a] - r[ab]
            p4, v4, w4 = f[ac] - qlc * f[a], u[ac] - qlc * u[a], r[ac] - qlc * r[a]
            p5, v5, w5 = qhc * f[a] - f[ac], qhc * u[a] - u[ac], qhc * r[a] - r[ac]
            i1, i2, i3, i4, i5 = _inv(w1), _inv(w2), _inv(w3), _inv(w4), _inv(w5)
            fr0, fr1 = _face_rows(q, f[0], f[1], f[2], u[0], u[1], u[2], ty, height)
            half_w = 0.5 * width
            col_scale = half_w / tx
            a1 = r[a]
            ks = k * sgn
            for row in range(fr0, fr1 + 1):
                vrow = (1.0 - 2.0 * (row + 0.5) / height) * ty
                ulo, uhi = _clip(-BIG, BIG, p1 + vrow * v1, w1, i1)
                ulo, uhi = _clip(ulo, uhi, p2 + vrow * v2, w2, i2)
                ulo, uhi = _clip(ulo, uhi, p3 + vrow * v3, w3, i3)
                ulo, uhi = _clip(ulo, uhi, p4 + vrow * v4, w4, i4)
                ulo, uhi = _clip(ulo, uhi, p5 + vrow * v5, w5, i5)
                if ulo > uhi:
                    continue
                clo = min(max(ulo * col_scale + half_w - 0.5 - EPS_PX, -1.0), width + 1.0)
                chi = min(max(uhi * col_scale + half_w - 0.5 + EPS_PX, -1.0), width + 1.0)
                c_lo = max(int(math.ceil(clo)), 0)
                c_hi = min(int(math.floor(chi)), width - 1)
                base = row * width
                a0 = f[a] + vrow * u[a]
                if a1 == 0.0:  # floors and ceilings: one distance for the whole row
                    t = k / a0
                    for col in range(base + c_lo, base + c_hi + 1):
                        if t < zt[col]:
                            if glass_mode:  # an entry into a glass box in front of the opaque hit
                                if gcount[col] == 0:
                                    gcount[col] = 1
                                    gent_t[col] = t
                                    gent_b[col] = bidx
                                    gent_a[col] = a
                                elif gcount[col] == 1 and gent_b[col] != bidx:  # (one box twice: at an edge)
                                    gcount[col] = 2
                                continue
                            zt[col] = t
                            zb[col] = bidx
                            za[col] = a
                    continue
                for col in range(c_lo, c_hi + 1):
                    ucol = (2.0 * (col + 0.5) / width - 1.0) * tx
                    den = a0 + ucol * a1
                    if ks < zt[base + col] * den * sgn:  # t = k / den is nearer (den * sgn > 0 here)
                        if glass_mode:  # (written out as above: a helper taking the arrays cost 8%)
                            q_ = base + col
                            if gcount[q_] == 0:
                                gcount[q_] = 1
                                gent_t[q_] = k / den
                                gent_b[q_] = bidx
                                gent_a[q_] = a
                            elif gcount[q_] == 1 and gent_b[q_] != bidx:
                                gcount[q_] = 2
                            continue
                        zt[base + col] = k / den
                        zb[base + col] = bidx
                        za[base + col] = a
        if glass_mode:  # (glass leaves the opaque depths as they are)
            continue
        for ty_ in range(r0 // TILE, r1 // TILE + 1):
            for tx_ in range(c0 // TILE, c1 // TILE + 1):
                tile_dirty[ty_ * tw + tx_] = True


@njit(cache=True, fastmath=FASTMATH)
def _raster_visibility(c, s, si, sf, boxes, chunks, cpos, basis, height, width, zt, zb, za, glass, gbox,
                       gcount, gent_t, gent_b, gent_a):
    """Fill the depth buffers of camera c with its scene's opaque boxes; list the glass boxes in view
    in ``glass`` (index, then its ``_box_rect``) with their world bounds and nearest planar depth in
    ``gbox`` (lo x, y, z, hi x, y, z, depth; read per pixel, so converted once here), and
    return their count.

    Chunks first: a chunk whose bounds lie outside the frustum or view range is skipped with one test,
    and the chunks in view are drawn nearest first, each skipped whole when its screen rectangle lies
    behind what the 8 x 8 tiles already hold; inside a chunk, its boxes in view go nearest first.
    Then the glass boxes in view draw their open faces as per-pixel entries (``gcount``, ``gent_t``,
    ``gent_b``, ``gent_a``: how many, and the first's distance, box and face axis).
    """
    vs = sf[s, SF_VS]
    org = (sf[s, SF_OX], sf[s, SF_OY], sf[s, SF_OZ])
    view = sf[s, SF_VIEW]
    sy, cy, sp, cp, ty, tx = basis[c, 0], basis[c, 1], basis[c, 2], basis[c, 3], basis[c, 4], basis[c, 5]
    f = (sy * cp, -sp, cy * cp)
    r = (cy, 0.0, -sy)
    u = (sy * sp, cp, cy * sp)
    o = (cpos[c, 0], cpos[c, 1], cpos[c, 2])
    zt[:] = BIG
    zb[:] = -1
    first = si[s, SI_BOX]
    ch0 = si[s, SI_CHUNK]
    n_chunks = si[s, SI_NCHUNK]
    ch_idx = np.empty(max(n_chunks, 1), np.int32)
    ch_near = np.empty(max(n_chunks, 1))
    n_in = 0
    n_glass = 0
    most = 1
    for ch in range(ch0, ch0 + n_chunks):
        o0, o1, g0, g1 = chunks[ch, CH_O0], chunks[ch, CH_O1], chunks[ch, CH_G0], chunks[ch, CH_G1]
        if o0 == o1 and g0 == g1:
            continue
        lo = (org[0] + chunks[ch, CH_LO] * vs, org[1] + chunks[ch, CH_LO + 1] * vs, org[2] + chunks[ch, CH_LO + 2] * vs)
        hi = (org[0] + chunks[ch, CH_HI] * vs, org[1] + chunks[ch, CH_HI + 1] * vs, org[2] + chunks[ch, CH_HI + 2] * vs)
        zmin = _box_near(lo, hi, o, f, r, u, tx, ty, view)
        if zmin < 0.0:
            continue
        for bidx in range(first + g0, first + g1):
            lo = (org[0] + boxes[bidx, 0] * vs, org[1] + boxes[bidx, 1] * vs, org[2] + boxes[bidx, 2] * vs)
            hi = (org[0] + boxes[bidx, 3] * vs, org[1] + boxes[bidx, 4] * vs, org[2] + boxes[bidx, 5] * vs)
            gz = _box_near(lo, hi, o, f, r, u, tx, ty, view)
            if gz < 0.0:
                continue
            gbox[n_glass, 0], gbox[n_glass, 1], gbox[n_glass, 2] = lo
            gbox[n_glass, 3], gbox[n_glass, 4], gbox[n_glass, 5] = hi
            gbox[n_glass, 6] = gz
            glass[n_glass, 0] = bidx
            glass[n_glass, 1], glass[n_glass, 2], glass[n_glass, 3], glass[n_glass, 4] = _box_rect(
                lo, hi, o, f, r, u, tx, ty, height, width)
            n_glass += 1
        if o1 > o0:
            ch_idx[n_in] = ch
            ch_near[n_in] = zmin
            n_in += 1
            most = max(most, o1 - o0)
    chunk_order = np.argsort(ch_near[:n_in], kind="mergesort")
    cand = np.empty(most, np.int32)
    near = np.empty(most)
    order = np.empty(most, np.int64)
    tw = (width + TILE - 1) // TILE
    n_tiles = tw * ((height + TILE - 1) // TILE)
    tile_max = np.full(n_tiles, BIG)
    tile_dirty = np.zeros(n_tiles, np.bool_)
    for ci in range(n_in):
        ch = ch_idx[chunk_order[ci]]
        if ci > 0:  # (nothing is drawn before the first chunk)
            lo = (org[0] + chunks[ch, CH_LO] * vs, org[1] + chunks[ch, CH_LO + 1] * vs,
                  org[2] + chunks[ch, CH_LO + 2] * vs)
            hi = (org[0] + chunks[ch, CH_HI] * vs, org[1] + chunks[ch, CH_HI + 1] * vs,
                  org[2] + chunks[ch, CH_HI + 2] * vs)
            c0, r0, c1, r1 = _box_rect(lo, hi, o, f, r, u, tx, ty, height, width)
            if _hidden(tile_max, tile_dirty, zt, c0, r0, c1, r1, ch_near[chunk_order[ci]], height, width):
                continue
        n_cand = 0
        for bidx in range(first + chunks[ch, CH_O0], first + chunks[ch, CH_O1]):
            lo = (org[0] + boxes[bidx, 0] * vs, org[1] + boxes[bidx, 1] * vs, org[2] + boxes[bidx, 2] * vs)
            hi = (org[0] + boxes[bidx, 3] * vs, org[1] + boxes[bidx, 4] * vs, org[2] + boxes[bidx, 5] * vs)
            f0 = _facing(0, lo[0], hi[0], o[0])
            f1 = _facing(1, lo[1], hi[1], o[1])
            f2 = _facing(2, lo[2], hi[2], o[2])
            if ((f0 < 0 or boxes[bidx, f0] >= boxes[bidx, f0 + 2]) and (f1 < 0 or boxes[bidx, f1] >= boxes[bidx, f1 + 2])
                    and (f2 < 0 or boxes[bidx, f2] >= boxes[bidx, f2 + 2])):
                continue  # (every face toward the eye is hidden)
            zmin = _box_near(lo, hi, o, f, r, u, tx, ty, view)
            if zmin < 0.0:
                continue
            cand[n_cand] = bidx
            near[n_cand] = zmin
            n_cand += 1
        # front to back, so that boxes behind what is already drawn are skipped whole
        if n_cand <= 64:
            _stable_order(near, n_cand, order)
        else:  # (insertion is quadratic)
            order[:n_cand] = np.argsort(near[:n_cand], kind="mergesort")
        _draw_boxes(cand, order, near, n_cand, boxes, org, vs, o, f, r, u, tx, ty, height, width, zt, zb, za,
                    tile_max, tile_dirty, False, gcount, gent_t, gent_b, gent_a)
    if n_glass > 0:  # then the glass boxes' open faces, as entries in front of the opaque depths
        gcand = np.empty(n_glass, np.int32)
        gnear = np.empty(n_glass)
        gorder = np.empty(n_glass, np.int64)
        for g in range(n_glass):
            gcand[g] = glass[g, 0]
            gnear[g] = gbox[g, 6]
            gorder[g] = g
        _draw_boxes(gcand, gorder, gnear, n_glass, boxes, org, vs, o, f, r, u, tx, ty, height, width, zt, zb, za,
                    tile_max, tile_dirty, True, gcount, gent_t, gent_b, gent_a)
    return n_glass


@njit(cache=True, fastmath=FASTMATH, inline="always")
def _outside_tile(cx, cy, cz, hx, hy, hz, f, r, u, ul, ur, vb, vt):
    """Whether the box with centre (cx, cy, cz) (relative to the eye) and half sizes (hx, hy, hz) lies
    wholly outside the frustum of screen coordinates [ul, ur] x [vb, vt] (one of its four side planes,
    which pass through the eye, separates them)."""
    for side in range(4):
        if side == 0:  # right of the left edge
            nx_, ny_, nz_ = r[0] - ul * f[0], r[1] - ul * f[1], r[2] - ul * f[2]
        elif side == 1:  # left of the right edge
            nx_, ny_, nz_ = ur * f[0] - r[0], ur * f[1] - r[1], ur * f[2] - r[2]
        elif side == 2:  # above the bottom edge
            nx_, ny_, nz_ = u[0] - vb * f[0], u[1] - vb * f[1], u[2] - vb * f[2]
        else:  # below the top edge
            nx_, ny_, nz_ = vt * f[0] - u[0], vt * f[1] - u[1], vt * f[2] - u[2]
        if cx * nx_ + cy * ny_ + cz * nz_ + (hx * abs(nx_) + hy * abs(ny_) + hz * abs(nz_)) < 0.0:
            return True
    return False


@njit(cache=True, fastmath=FASTMATH)
def _glass_tiles(glass, gbox, n_glass, zt, boxes, org, vs, o, f, r, u, tx, ty, height, width):
    """Per GTILE x GTILE tile, the glass boxes (rows of ``glass``, in order) that some pixel ray of the tile
    may meet in front of its opaque surface: tile k's are ``idx[start[k]:start[k + 1]]``. A box is
    listed for the tiles its screen rectangle overlaps, less those whose frustum (a pixel wider on
    every side) misses it and those whose opaque surfaces all lie nearer than it (``gbox`` depth past the
    farthest depth in ``zt`` there). Why: a block world has dozens of water and leaf boxes in view,
    and testing every one per pixel cost more than the rest of a pixel's work; a thin water box's
    rectangle is mostly empty, and many lie behind nearer ground. A box left out could not have
    passed the per-pixel slab test, so the pixels are the same."""
    tw = (width + GTILE - 1) // GTILE
    th = (height + GTILE - 1) // GTILE
    n_tiles = tw * th
    far = np.empty(n_tiles)
    for ty_ in range(th):
        for tx_ in range(tw):
            m = 0.0
            for row in range(ty_ * GTILE, min(ty_ * GTILE + GTILE, height)):
                base = row * width
                for col in range(tx_ * GTILE, min(tx_ * GTILE + GTILE, width)):
                    m = max(m, zt[base + col])
            far[ty_ * tw + tx_] = m * (1.0 + 1e-6) + 1e-6  # (a margin for rounding in either test)
    total = 0
    for g in range(n_glass):
        total += (max(glass[g, 4] // GTILE - glass[g, 2] // GTILE + 1, 0)
                  * max(glass[g, 3] // GTILE - glass[g, 1] // GTILE + 1, 0))  # (an empty rectangle has c0 > c1)
    pair_k = np.empty(max(total, 1), np.int32)
    pair_g = np.empty(max(total, 1), np.int32)
    n_pairs = 0
    start = np.zeros(n_tiles + 1, np.int32)
    cs = 2.0 * tx / width
    rs = 2.0 * ty / height
    for g in range(n_glass):
        b = glass[g, 0]
        hx = 0.5 * (boxes[b, 3] - boxes[b, 0]) * vs
        hy = 0.5 * (boxes[b, 4] - boxes[b, 1]) * vs
        hz = 0.5 * (boxes[b, 5] - boxes[b, 2]) * vs
        cx = org[0] + 0.5 * (boxes[b, 0] + boxes[b, 3]) * vs - o[0]
        cy = org[1] + 0.5 * (boxes[b, 1] + boxes[b, 4]) * vs - o[1]
        cz = org[2] + 0.5 * (boxes[b, 2] + boxes[b, 5]) * vs - o[2]
        for ty_ in range(glass[g, 2] // GTILE, glass[g, 4] // GTILE + 1):
            vt = ty - (ty_ * GTILE - 1) * rs  # (the tile's rows, a pixel wider on each side)
            vb = ty - (min(ty_ * GTILE + GTILE, height) + 1) * rs
            for tx_ in range(glass[g, 1] // GTILE, glass[g, 3] // GTILE + 1):
                k = ty_ * tw + tx_
                if gbox[g, 6] > far[k]:
                    continue
                ul = (tx_ * GTILE - 1) * cs - tx
                ur = (min(tx_ * GTILE + GTILE, width) + 1) * cs - tx
                if _outside_tile(cx, cy, cz, hx, hy, hz, f, r, u, ul, ur, vb, vt):
                    continue
                pair_k[n_pairs] = k
                pair_g[n_pairs] = g
                n_pairs += 1
                start[k + 1] += 1
    for k in range(n_tiles):
        start[k + 1] += start[k]
    fill = start[:n_tiles].copy()
    idx = np.empty(max(n_pairs, 1), np.int32)
    for n in range(n_pairs):  # (pairs are in box order, so each tile's list is too)
        k = pair_k[n]
        idx[fill[k]] = pair_g[n]
        fill[k] += 1
    return start, idx


@njit(cache=True, fastmath=FASTMATH)
def _eye_part(c, s, si, sf, coarse, pool, cpos):
    """Scene-local part of the voxel camera c's eye lies in (0: empty or outside the grid)."""
    ivs = 1.0 / sf[s, SF_VS]
    ix = int(math.floor((cpos[c, 0] - sf[s, SF_OX]) * ivs))
    iy = int(math.floor((cpos[c, 1] - sf[s, SF_OY]) * ivs))
    iz = int(math.floor((cpos[c, 2] - sf[s, SF_OZ]) * ivs))
    b, bs = si[s, SI_B], si[s, SI_SHIFT]
    cxn, cyn, czn = si[s, SI_CX], si[s, SI_CY], si[s, SI_CZ]
    if ix < 0 or iy < 0 or iz < 0 or ix >= cxn * b or iy >= cyn * b or iz >= czn * b:
        return 0
    cv = coarse[si[s, SI_COARSE] + ((ix >> bs) * cyn + (iy >> bs)) * czn + (iz >> bs)]
    if cv & 15:  # an empty cell
        return 0
    bm = b - 1
    return pool[((cv >> 4) << (bs * 3)) + (((ix & bm) << (bs + bs)) | ((iy & bm) << bs) | (iz & bm))]


@njit(cache=True, fastmath=FASTMATH)
def _camera(c, use_boxes, si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats, boxes, chunks,
            cpos, basis, cscene,
            ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
            height, width, want_rgb, want_depth, want_sem, want_inst,
            out_rgb, out_depth, out_sem, out_inst):
    """Camera c: box visibility then the shared row renderer, or plain ray casting where its scene
    has no usable boxes or the eye sits inside an opaque voxel (there every ray hits at once; boxes
    hold only a solid's surface, so from inside it they would show its far walls)."""
    s = cscene[c]
    eye = _eye_part(c, s, si, sf, coarse, pool, cpos)
    eye_opaque = eye != 0 and mats[pmat[si[s, SI_PART] + eye], 8] >= 1.0
    eye_glass = si[s, SI_PART] + eye if eye != 0 else -1  # (a transparent eye voxel's part, or -1)
    if use_boxes[s] and si[s, SI_NBOX] >= 0 and not eye_opaque:
        zt = np.empty(height * width)
        zb = np.empty(height * width, np.int32)
        za = np.empty(height * width, np.int8)
        glass = np.empty((max(si[s, SI_NBOX] - si[s, SI_NBOX_OPAQUE], 1), 5), np.int32)
        gbox = np.empty((glass.shape[0], 7))
        gsort = np.empty((glass.shape[0] + 1, 2))  # (entry distance, part) of a pixel's runs; + the eye's
        gcount = np.zeros(height * width, np.int8)  # glass entries drawn per pixel (2: two or more)
        gent_t = np.empty(height * width)
        gent_b = np.empty(height * width, np.int32)
        gent_a = np.empty(height * width, np.int8)
        n_glass = _raster_visibility(c, s, si, sf, boxes, chunks, cpos, basis, height, width, zt, zb, za, glass,
                                     gbox, gcount, gent_t, gent_b, gent_a)
        sy, cy, sp, cp, ty, tx = basis[c, 0], basis[c, 1], basis[c, 2], basis[c, 3], basis[c, 4], basis[c, 5]
        several = False
        for q in range(height * width):
            if gcount[q] == 2:
                several = True
                break
        if several:  # only pixels with two or more entries slab-test the glass boxes listed per tile
            gtile, gtile_idx = _glass_tiles(glass, gbox, n_glass, zt, boxes,
                                            (sf[s, SF_OX], sf[s, SF_OY], sf[s, SF_OZ]), sf[s, SF_VS],
                                            (cpos[c, 0], cpos[c, 1], cpos[c, 2]), (sy * cp, -sp, cy * cp),
                                            (cy, 0.0, -sy), (sy * sp, cp, cy * sp), tx, ty, height, width)
        else:
            gtile = np.zeros(((width + GTILE - 1) // GTILE) * ((height + GTILE - 1) // GTILE) + 1, np.int32)
            gtile_idx = np.zeros(1, np.int32)
        _render_rows(c, 0, height,
                     si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats,
                     cpos, basis, cscene, ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                     height, width, want_rgb, want_depth, want_sem, want_inst,
                     out_rgb, out_depth, out_sem, out_inst, boxes, zt, zb, za, glass, gbox, gtile, gtile_idx, gsort,
                     eye_glass, gcount, gent_t, gent_b, gent_a)
        return
    _render_rows(c, 0, height,
                 si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats,
                 cpos, basis, cscene, ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                 height, width, want_rgb, want_depth, want_sem, want_inst,
                 out_rgb, out_depth, out_sem, out_inst, None, None, None, None, None, None, None, None, None, -1,
                 None, None, None, None)


@njit(parallel=True, cache=True, fastmath=FASTMATH)
def raster_parallel(use_boxes, si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats, boxes, chunks,
                    cpos, cyaw, cpitch, cfov, cscene,
                    ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                    height, width, want_rgb, want_depth, want_sem, want_inst,
                    out_rgb, out_depth, out_sem, out_inst):
    """Every camera through the raster path, cameras spread over numba's threads."""
    basis = camera_basis(cyaw, cpitch, cfov, height, width)
    for c in prange(cpos.shape[0]):
        _camera(c, use_boxes, si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats, boxes, chunks,
                cpos, basis, cscene,
                ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                height, width, want_rgb, want_depth, want_sem, want_inst,
                out_rgb, out_depth, out_sem, out_inst)


@njit(cache=True, fastmath=FASTMATH)
def raster_serial(use_boxes, si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats, boxes, chunks,
                  cpos, cyaw, cpitch, cfov, cscene,
                  ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                  height, width, want_rgb, want_depth, want_sem, want_inst,
                  out_rgb, out_depth, out_sem, out_inst):
    """Same as :func:`raster_parallel` on the calling thread."""
    basis = camera_basis(cyaw, cpitch, cfov, height, width)
    for c in range(cpos.shape[0]):
        _camera(c, use_boxes, si, sf, coarse, pool, top, light, pmat, pcls, pinst, ptint, mats, boxes, chunks,
                cpos, basis, cscene,
                ebox, emat, ecls, einst, etint, vis_n, vis_idx, vis_rect,
                height, width, want_rgb, want_depth, want_sem, want_inst,
                out_rgb, out_depth, out_sem, out_inst)


def empty_outputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Placeholders passed for outputs the caller did not ask for (never written)."""
    return (np.zeros((1, 1, 1, 3), np.uint8), np.zeros((1, 1, 1), np.float32),
            np.zeros((1, 1, 1), np.int32), np.zeros((1, 1, 1), np.int32))
