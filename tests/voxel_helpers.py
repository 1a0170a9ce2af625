"""Shared set-up for the voxel tests: a flat, mob-free arena around the player, and action builders."""

from __future__ import annotations

import numpy as np
from embodied_gym.envs.voxel.env import VoxelEnv

FLOOR = 60


def flat_env(seed: int = 0, **kwargs) -> VoxelEnv:
    env = VoxelEnv(image_size=64, **kwargs)
    env.reset(seed=seed)
    arena(env)
    return env


def arena(env: VoxelEnv, half: int = 12) -> tuple[int, int]:
    """Flatten a (2*half)^2 stone area with a grass floor at y=60, clear mobs and items, stand the
    player at its centre facing +z (yaw 0, pitch 0), daytime, no spawning. Returns the player's (x, z)."""
    w = env.world
    x, z = int(w.player.pos[0]), int(w.player.pos[2])
    sl = (slice(x - half, x + half), slice(None), slice(z - half, z + half))
    w.blocks[sl] = 0
    w.blocks[x - half:x + half, 1:FLOOR, z - half:z + half] = w.cat.block_id("stone")
    w.blocks[x - half:x + half, FLOOR, z - half:z + half] = w.cat.block_id("grass")
    w.version += 1
    w.mob_alive[:] = False
    w.item_alive[:] = False
    w.allow_spawn = False
    w.day_time = 1000
    p = w.player
    p.pos = np.array([x + 0.5, FLOOR + 1.0, z + 0.5])
    p.vel[:] = 0
    p.yaw = 0.0
    p.pitch = 0.0
    p.on_ground = True
    p.fall_distance = 0.0
    return x, z


def act(fn: int = 0, craft: int = 0, slot: int = 0, move: int = 0, jump: int = 0, pitch: int = 12, yaw: int = 12):
    return np.array([move, 0, jump, pitch, yaw, fn, craft, slot], dtype=np.int64)


def craft_index(env: VoxelEnv, name: str) -> int:
    return env.world.cat.craft_smelt_items.index(name)


def give(env: VoxelEnv, name: str, n: int = 1, slot: int | None = None) -> None:
    w = env.world
    item = w.cat.item_id(name)
    if slot is None:
        w.inventory.add(item, n)
    else:
        w.inventory.set_slot(slot, item, n)
