"""numba kernel of the house voxeliser (see ``scene.py``): an object's shaped, rotated box into the grid.

Why a kernel: a house has ~30 objects, and the numpy form built a dozen temporary masks over each
object's bounding region (~45 us an object, ~1.4 ms a house build); one loop over the region's voxels
does the same tests without them. The arithmetic is the numpy form's, operation for operation (no
fastmath), so the voxels are the same.
"""

from __future__ import annotations

import math

from numba import njit

# shape codes (scene.py maps object types to them)
PLAIN, TABLE, CHAIR, STOOL, SOFA, BED, SHELF = range(7)


@njit(cache=True)
def fill_object(grid, ox, oy, oz, vs, cx, cy, cz, hx, hy, hz, rad, c, s, shape, part):
    """Set to ``part`` every voxel of ``grid`` whose centre lies inside the object's shape: a box of half
    sizes (hx, hy, hz) centred at (cx, cy, cz), turned by the yaw whose cosine and sine are (c, s), cut
    to legs and a top, a seat and back, ... by ``shape``; ``rad`` = hypot(hx, hz) bounds it in x and z.
    Returns how many voxels were set, or -1 when the bounding region lies outside the grid."""
    nx, ny, nz = grid.shape
    i0 = max(int(math.floor((cx - rad - ox) / vs)), 0)
    j0 = max(int(math.floor((cy - hy - oy) / vs)), 0)
    k0 = max(int(math.floor((cz - rad - oz) / vs)), 0)
    i1 = min(int(math.ceil((cx + rad - ox) / vs)) + 1, nx)
    j1 = min(int(math.ceil((cy + hy - oy) / vs)) + 1, ny)
    k1 = min(int(math.ceil((cz + rad - oz) / vs)) + 1, nz)
    if i1 <= i0 or j1 <= j0 or k1 <= k0:
        return -1
    leg = min(0.05, 0.25 * hx, 0.25 * hz)
    top_y = hy - max(0.06, 0.12 * hy)
    seat_y = -hy + (1.8 if shape == STOOL else 0.9) * hy
    filled = 0
    for i in range(i0, i1):
        x = ox + (i + 0.5) * vs - cx
        for k in range(k0, k1):
            z = oz + (k + 0.5) * vs - cz
            lx = c * x - s * z  # world -> object frame (inverse of the yaw rotation)
            lz = s * x + c * z
            if not (abs(lx) <= hx and abs(lz) <= hz):
                continue
            legs = abs(lx) >= hx - 2 * leg and abs(lz) >= hz - 2 * leg
            for j in range(j0, j1):
                ly = oy + (j + 0.5) * vs - cy
                if not abs(ly) <= hy:
                    continue
                if shape == TABLE:
                    keep = ly >= top_y or legs
                elif shape == CHAIR or shape == STOOL:
                    seat = ly >= seat_y - 0.05 and ly <= seat_y
                    back = lz <= -hz + 0.06 and ly > seat_y and shape != STOOL
                    keep = seat or back or (legs and ly < seat_y)
                elif shape == SOFA:
                    keep = ly <= -hy + 0.9 * hy or lz <= -hz + 0.5 * hz or (abs(lx) >= 0.8 * hx and ly <= -hy + 1.3 * hy)
                elif shape == BED:
                    keep = ly <= -hy + 1.1 * hy or lz <= -hz + 0.12
                elif shape == SHELF:
                    board = 0.04
                    keep = (lz <= -hz + board or abs(lx) >= hx - board or (ly + hy) % 0.35 < board
                            or ly >= hy - board)
                else:
                    keep = True
                if keep:
                    grid[i, j, k] = part
                    filled += 1
    return filled
