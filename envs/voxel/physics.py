"""Numba kernels for the voxel world: player movement with collision, voxel ray casts, mob behaviour.

All kernels are pure (arrays in, arrays/tuples out) and deterministic; randomness comes from
``hash3(seed, tick, ...)``, never from a global generator. Out-of-bounds cells count as solid, so a
body can never leave the loaded area.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ...procgen.terrain.noise import hash3

GRAVITY = 0.08
DRAG = 0.98
JUMP_VELOCITY = 0.42
WALK = 0.2158  # blocks per tick (4.317 m/s)
SPRINT = 0.2806
SNEAK = 0.0647
SWIM = 0.1
PLAYER_HALF_WIDTH = 0.3
PLAYER_HEIGHT = 1.8
EYE_HEIGHT = 1.62


@njit(cache=True, inline="always")
def _solid(blocks, collidable, x, y, z):
    if x < 0 or z < 0 or x >= blocks.shape[0] or z >= blocks.shape[2] or y >= blocks.shape[1]:
        return True
    if y < 0:
        return True
    return collidable[blocks[x, y, z]]


@njit(cache=True)
def box_collides(blocks, collidable, x, y, z, hw, h):
    """Does the box [x-hw, x+hw] x [y, y+h] x [z-hw, z+hw] overlap a collidable voxel?"""
    x0 = int(math.floor(x - hw + 1e-7))
    x1 = int(math.floor(x + hw - 1e-7))
    y0 = int(math.floor(y + 1e-7))
    y1 = int(math.floor(y + h - 1e-7))
    z0 = int(math.floor(z - hw + 1e-7))
    z1 = int(math.floor(z + hw - 1e-7))
    for i in range(x0, x1 + 1):
        for j in range(y0, y1 + 1):
            for k in range(z0, z1 + 1):
                if _solid(blocks, collidable, i, j, k):
                    return True
    return False


@njit(cache=True)
def move_body(blocks, collidable, pos, vel, hw, h):
    """Move a box by ``vel`` one axis at a time, stopping at collisions. Returns (pos, vel, on_ground)."""
    x, y, z = pos[0], pos[1], pos[2]
    vx, vy, vz = vel[0], vel[1], vel[2]
    on_ground = False
    if vy != 0.0:
        ny = y + vy
        if box_collides(blocks, collidable, x, ny, z, hw, h):
            if vy < 0:
                on_ground = True
                ny = math.floor(y + 1e-7) if math.floor(y + 1e-7) < y else y
                # snap down onto the voxel below
                while ny > y + vy and not box_collides(blocks, collidable, x, ny - 0.0625, z, hw, h):
                    ny -= 0.0625
            else:
                ny = y
            vy = 0.0
        y = ny
    if vx != 0.0:
        if not box_collides(blocks, collidable, x + vx, y, z, hw, h):
            x += vx
        else:
            vx = 0.0
    if vz != 0.0:
        if not box_collides(blocks, collidable, x, y, z + vz, hw, h):
            z += vz
        else:
            vz = 0.0
    if not on_ground and vy == 0.0 and box_collides(blocks, collidable, x, y - 0.001, z, hw, h):
        on_ground = True
    out = np.empty(3)
    out[0], out[1], out[2] = x, y, z
    v = np.empty(3)
    v[0], v[1], v[2] = vx, vy, vz
    return out, v, on_ground


@njit(cache=True)
def player_tick(blocks, collidable, liquid_kind, pos, vel, yaw_deg, fwd, strafe, jump, sneak, sprint, on_ground,
                fall_distance):
    """One tick of player physics. ``liquid_kind[id]``: 0 none, 1 water, 2 lava.

    Returns (pos, vel, on_ground, fall_distance, landed_fall, feet_liquid, head_liquid).
    """
    fx = int(math.floor(pos[0]))
    fz = int(math.floor(pos[2]))
    fy = int(math.floor(pos[1] + 0.1))
    hy = int(math.floor(pos[1] + EYE_HEIGHT))
    feet_liquid = 0
    head_liquid = 0
    if 0 <= fx < blocks.shape[0] and 0 <= fz < blocks.shape[2]:
        if 0 <= fy < blocks.shape[1]:
            feet_liquid = liquid_kind[blocks[fx, fy, fz]]
        if 0 <= hy < blocks.shape[1]:
            head_liquid = liquid_kind[blocks[fx, hy, fz]]
    speed = WALK
    if sprint:
        speed = SPRINT
    if sneak:
        speed = SNEAK
    if feet_liquid > 0:
        speed = SWIM if feet_liquid == 1 else SWIM * 0.5
    yaw = math.radians(yaw_deg)
    # Minecraft convention: yaw 0 faces +z, yaw 90 faces -x
    dx = -math.sin(yaw) * fwd + math.cos(yaw) * -strafe
    dz = math.cos(yaw) * fwd + math.sin(yaw) * -strafe
    norm = math.sqrt(dx * dx + dz * dz)
    v = vel.copy()
    if norm > 0:
        v[0] = dx / norm * speed
        v[2] = dz / norm * speed
    else:
        v[0] = 0.0
        v[2] = 0.0
    if feet_liquid > 0:
        v[1] = v[1] * 0.8 - 0.02
        if jump:
            v[1] += 0.06
        v[1] = min(max(v[1], -0.3), 0.12)
    else:
        if jump and on_ground:
            v[1] = JUMP_VELOCITY
        else:
            v[1] = (v[1] - GRAVITY) * DRAG
    # sneaking keeps the player from walking off an edge
    if sneak and on_ground and feet_liquid == 0:
        if not box_collides(blocks, collidable, pos[0] + v[0], pos[1] - 0.6, pos[2], PLAYER_HALF_WIDTH, 0.5):
            v[0] = 0.0
        if not box_collides(blocks, collidable, pos[0], pos[1] - 0.6, pos[2] + v[2], PLAYER_HALF_WIDTH, 0.5):
            v[2] = 0.0
    new_pos, v, ground = move_body(blocks, collidable, pos, v, PLAYER_HALF_WIDTH, PLAYER_HEIGHT)
    landed = 0.0
    if feet_liquid > 0:
        fall_distance = 0.0
    elif ground:
        landed = fall_distance
        fall_distance = 0.0
    elif new_pos[1] < pos[1]:
        fall_distance += pos[1] - new_pos[1]
    return new_pos, v, ground, fall_distance, landed, feet_liquid, head_liquid


@njit(cache=True)
def raycast_voxel(blocks, targetable, ox, oy, oz, dx, dy, dz, reach):
    """First targetable voxel along a ray (Amanatides-Woo DDA).

    Returns (hit, x, y, z, nx, ny, nz, distance); (nx, ny, nz) is the face normal that was crossed.
    """
    x = int(math.floor(ox))
    y = int(math.floor(oy))
    z = int(math.floor(oz))
    step_x = 1 if dx > 0 else -1
    step_y = 1 if dy > 0 else -1
    step_z = 1 if dz > 0 else -1
    inf = 1e30
    t_dx = abs(1.0 / dx) if dx != 0 else inf
    t_dy = abs(1.0 / dy) if dy != 0 else inf
    t_dz = abs(1.0 / dz) if dz != 0 else inf
    t_mx = ((x + 1 - ox) if dx > 0 else (ox - x)) * t_dx if dx != 0 else inf
    t_my = ((y + 1 - oy) if dy > 0 else (oy - y)) * t_dy if dy != 0 else inf
    t_mz = ((z + 1 - oz) if dz > 0 else (oz - z)) * t_dz if dz != 0 else inf
    nx = 0
    ny = 0
    nz = 0
    t = 0.0
    while t <= reach:
        if 0 <= x < blocks.shape[0] and 0 <= y < blocks.shape[1] and 0 <= z < blocks.shape[2]:
            if targetable[blocks[x, y, z]]:
                return True, x, y, z, nx, ny, nz, t
        else:
            return False, x, y, z, nx, ny, nz, t
        if t_mx < t_my and t_mx < t_mz:
            x += step_x
            t = t_mx
            t_mx += t_dx
            nx, ny, nz = -step_x, 0, 0
        elif t_my < t_mz:
            y += step_y
            t = t_my
            t_my += t_dy
            nx, ny, nz = 0, -step_y, 0
        else:
            z += step_z
            t = t_mz
            t_mz += t_dz
            nx, ny, nz = 0, 0, -step_z
    return False, x, y, z, nx, ny, nz, t


# Mob parameter columns (float64 table, one row per mob kind)
P_HOSTILE, P_SPEED, P_DAMAGE, P_WIDTH, P_HEIGHT, P_FLYING, P_AQUATIC, P_BURNS, P_RANGED, P_EXPLODES, P_NEUTRAL = range(11)


@njit(cache=True)
def line_of_sight(blocks, collidable, ax, ay, az, bx, by, bz):
    """Whether the segment a -> b crosses no collidable block (sampled every 0.2 blocks; the end cells
    are skipped so the shooter's and the target's own cells never block it)."""
    dx, dy, dz = bx - ax, by - ay, bz - az
    length = math.sqrt(dx * dx + dy * dy + dz * dz)
    n = int(length / 0.2)
    a_cell = (int(math.floor(ax)), int(math.floor(ay)), int(math.floor(az)))
    b_cell = (int(math.floor(bx)), int(math.floor(by)), int(math.floor(bz)))
    for i in range(1, n):
        t = i / n
        x = int(math.floor(ax + dx * t))
        y = int(math.floor(ay + dy * t))
        z = int(math.floor(az + dz * t))
        if (x, y, z) == a_cell or (x, y, z) == b_cell:
            continue
        if 0 <= x < blocks.shape[0] and 0 <= y < blocks.shape[1] and 0 <= z < blocks.shape[2]:
            if collidable[blocks[x, y, z]]:
                return False
    return True


@njit(cache=True)
def ray_mob(alive, kind, pos, params, ex, ey, ez, dx, dy, dz, max_dist):
    """(index, distance) of the nearest live mob whose box the ray from (ex, ey, ez) along (dx, dy, dz)
    enters within ``max_dist`` (slab test; a box the eye is inside counts at 0), or (-1, inf)."""
    ix = 1.0 / (dx if dx != 0.0 else 1e-12)
    iy = 1.0 / (dy if dy != 0.0 else 1e-12)
    iz = 1.0 / (dz if dz != 0.0 else 1e-12)
    best, best_t = -1, np.inf
    for m in range(alive.shape[0]):
        if not alive[m]:
            continue
        hw = params[kind[m], P_WIDTH] * 0.5
        hh = params[kind[m], P_HEIGHT]
        ax, bx = (pos[m, 0] - hw - ex) * ix, (pos[m, 0] + hw - ex) * ix
        ay, by = (pos[m, 1] - 0.0 - ey) * iy, (pos[m, 1] + hh - ey) * iy
        az, bz = (pos[m, 2] - hw - ez) * iz, (pos[m, 2] + hw - ez) * iz
        tmin = max(min(ax, bx), min(ay, by), min(az, bz))
        tmax = min(max(ax, bx), max(ay, by), max(az, bz))
        if tmax >= max(tmin, 0.0) and tmin <= max_dist:
            t = max(tmin, 0.0)
            if t < best_t:
                best, best_t = m, t
    return best, best_t


@njit(cache=True)
def despawn_far(alive, pos, player_pos, distance):
    """Mark dead every mob more than ``distance`` blocks from the player along x or z."""
    for m in range(alive.shape[0]):
        if alive[m] and max(abs(pos[m, 0] - player_pos[0]), abs(pos[m, 2] - player_pos[2])) > distance:
            alive[m] = False


@njit(cache=True)
def mobs_tick(blocks, collidable, params, kind, pos, vel, health, alive, timer, cooldown, aggro, player_pos,
              daylight, seed, tick):
    """One tick for every live mob. Mutates the mob arrays in place.

    Returns (melee_damage, ranged_damage, n_explosions) and writes exploding mobs' ``alive`` to False
    with ``timer`` = -1 so the caller can apply the blast.
    """
    melee = 0.0
    ranged = 0.0
    n_explode = 0
    for m in range(kind.shape[0]):
        if not alive[m]:
            continue
        p = params[kind[m]]
        hw = p[P_WIDTH] * 0.5
        dxp = player_pos[0] - pos[m, 0]
        dyp = player_pos[1] - pos[m, 1]
        dzp = player_pos[2] - pos[m, 2]
        dist = math.sqrt(dxp * dxp + dyp * dyp + dzp * dzp)
        chasing = (p[P_HOSTILE] > 0 or (p[P_NEUTRAL] > 0 and aggro[m])) and dist < 16.0
        vx = 0.0
        vz = 0.0
        if chasing and dist > 0.8:
            horiz = math.sqrt(dxp * dxp + dzp * dzp) + 1e-9
            want = p[P_SPEED]
            if p[P_RANGED] > 0 and dist < 8.0:
                want = 0.0
            vx = dxp / horiz * want
            vz = dzp / horiz * want
        elif not chasing:
            # wander: pick a heading every 60 ticks, walk for 20 of them
            phase = (tick + m * 17) % 60
            if phase < 20:
                ang = hash3(m, (tick + m * 17) // 60, kind[m], seed) * 6.2832
                vx = math.cos(ang) * p[P_SPEED] * 0.5
                vz = math.sin(ang) * p[P_SPEED] * 0.5
        v = vel[m].copy()
        v[0] = vx
        v[2] = vz
        if p[P_FLYING] > 0:
            v[1] = 0.05 * (1.0 if dyp + 2.0 > 0 else -1.0) if chasing else 0.0
        elif p[P_AQUATIC] > 0:
            v[1] = 0.0
        else:
            v[1] = (v[1] - GRAVITY) * DRAG
        old_x = pos[m, 0]
        old_z = pos[m, 2]
        new_pos, v, ground = move_body(blocks, collidable, pos[m], v, hw, p[P_HEIGHT])
        # hop up one-block steps when blocked while walking
        if ground and (abs(new_pos[0] - old_x) < 1e-9 and vx != 0.0 or abs(new_pos[2] - old_z) < 1e-9 and vz != 0.0):
            v[1] = JUMP_VELOCITY
        pos[m, 0], pos[m, 1], pos[m, 2] = new_pos[0], new_pos[1], new_pos[2]
        vel[m, 0], vel[m, 1], vel[m, 2] = v[0], v[1], v[2]
        if cooldown[m] > 0:
            cooldown[m] -= 1
        if p[P_BURNS] > 0 and daylight:
            cx = int(math.floor(pos[m, 0]))
            cz = int(math.floor(pos[m, 2]))
            exposed = True
            if 0 <= cx < blocks.shape[0] and 0 <= cz < blocks.shape[2]:
                for yy in range(int(pos[m, 1] + p[P_HEIGHT]), blocks.shape[1]):
                    if collidable[blocks[cx, yy, cz]]:
                        exposed = False
                        break
            if exposed and tick % 20 == 0:
                health[m] -= 1.0
                if health[m] <= 0:
                    alive[m] = False
                    timer[m] = -2
                    continue
        if not chasing:
            timer[m] = 0
            continue
        if p[P_EXPLODES] > 0:
            if dist < 3.0:
                timer[m] += 1
                if timer[m] >= 30:
                    alive[m] = False
                    timer[m] = -1
                    n_explode += 1
            else:
                timer[m] = 0
        elif p[P_RANGED] > 0:
            # Minecraft's ranged mobs shoot only at a player they can see: no arrows through rock
            if dist < 15.0 and cooldown[m] == 0 and line_of_sight(
                    blocks, collidable, pos[m, 0], pos[m, 1] + p[P_HEIGHT] * 0.85, pos[m, 2],
                    player_pos[0], player_pos[1] + 1.62, player_pos[2]):
                cooldown[m] = 40
                if hash3(m, tick, 3, seed) < 0.6:
                    ranged += p[P_DAMAGE]
        elif dist < 1.5 + hw and abs(dyp) < 2.0 and cooldown[m] == 0:
            cooldown[m] = 20
            melee += p[P_DAMAGE]
    return melee, ranged, n_explode


@njit(cache=True)
def items_tick(blocks, collidable, pos, vel, alive):
    """Dropped items fall and come to rest."""
    for k in range(pos.shape[0]):
        if not alive[k]:
            continue
        v = vel[k].copy()
        v[0] *= 0.6
        v[2] *= 0.6
        v[1] = (v[1] - 0.04) * 0.98
        new_pos, v, ground = move_body(blocks, collidable, pos[k], v, 0.125, 0.25)
        pos[k, 0], pos[k, 1], pos[k, 2] = new_pos[0], new_pos[1], new_pos[2]
        vel[k, 0], vel[k, 1], vel[k, 2] = v[0], v[1], v[2]
