"""Mob kinds (Minecraft 1.11 facts): health, size, speed, attack, drops, xp and where they spawn.

Names are MineDojo's entity names (``kill_entity`` stat keys). Behaviour is deliberately simple
(wander, chase, melee / shoot / explode) and lives in :func:`envs.voxel.physics.mobs_tick`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class UnknownMobError(KeyError):
    """A mob name the voxel world does not simulate."""


@dataclass(frozen=True)
class MobKind:
    name: str
    health: float
    width: float
    height: float
    speed: float  # blocks per tick
    hostile: bool = False
    damage: float = 0.0
    drops: tuple[tuple[str, int, int], ...] = ()
    xp: int = 0
    flying: bool = False
    aquatic: bool = False
    burns_in_day: bool = False
    ranged: bool = False
    explodes: bool = False
    neutral: bool = False  # attacks only once hurt


MOB_KINDS: tuple[MobKind, ...] = (
    MobKind("cow", 10, 0.9, 1.4, 0.1, drops=(("leather", 0, 2), ("beef", 1, 3)), xp=2),
    MobKind("pig", 10, 0.9, 0.9, 0.1, drops=(("porkchop", 1, 3),), xp=2),
    MobKind("sheep", 8, 0.9, 1.3, 0.1, drops=(("wool", 1, 1), ("mutton", 1, 2)), xp=2),
    MobKind("chicken", 4, 0.4, 0.7, 0.1, drops=(("feather", 0, 2), ("chicken", 1, 1)), xp=2),
    MobKind("rabbit", 3, 0.4, 0.5, 0.15, drops=(("rabbit_hide", 0, 1), ("rabbit", 0, 1)), xp=2),
    MobKind("horse", 22, 1.4, 1.6, 0.17, drops=(("leather", 0, 2),), xp=2),
    MobKind("donkey", 22, 1.4, 1.5, 0.17, drops=(("leather", 0, 2),), xp=2),
    MobKind("llama", 22, 0.9, 1.87, 0.15, drops=(("leather", 0, 2),), xp=2),
    MobKind("mooshroom", 10, 0.9, 1.4, 0.1, drops=(("leather", 0, 2), ("beef", 1, 3)), xp=2),
    MobKind("squid", 10, 0.8, 0.8, 0.05, drops=(("dye", 1, 3),), xp=2, aquatic=True),
    MobKind("villager", 20, 0.6, 1.95, 0.1),
    MobKind("bat", 6, 0.5, 0.9, 0.1, flying=True),
    MobKind("wolf", 8, 0.6, 0.85, 0.15, damage=4, neutral=True, xp=2),
    MobKind("polar_bear", 30, 1.3, 1.4, 0.12, damage=6, neutral=True, drops=(("fish", 0, 2),), xp=2),
    MobKind("zombie", 20, 0.6, 1.95, 0.12, hostile=True, damage=3, drops=(("rotten_flesh", 0, 2),), xp=5, burns_in_day=True),
    MobKind("husk", 20, 0.6, 1.95, 0.12, hostile=True, damage=3, drops=(("rotten_flesh", 0, 2),), xp=5),
    MobKind("skeleton", 20, 0.6, 1.99, 0.12, hostile=True, damage=3, drops=(("bone", 0, 2), ("arrow", 0, 2)), xp=5, burns_in_day=True, ranged=True),
    MobKind("stray", 20, 0.6, 1.99, 0.12, hostile=True, damage=3, drops=(("bone", 0, 2), ("arrow", 0, 2)), xp=5, burns_in_day=True, ranged=True),
    MobKind("spider", 16, 1.4, 0.9, 0.15, hostile=True, damage=2, drops=(("string", 0, 2), ("spider_eye", 0, 1)), xp=5),
    MobKind("cave_spider", 12, 0.7, 0.5, 0.15, hostile=True, damage=2, drops=(("string", 0, 2),), xp=5),
    MobKind("creeper", 20, 0.6, 1.7, 0.1, hostile=True, damage=0, drops=(("gunpowder", 0, 2),), xp=5, explodes=True),
    MobKind("enderman", 40, 0.6, 2.9, 0.15, hostile=False, damage=7, drops=(("ender_pearl", 0, 1),), xp=5, neutral=True),
    MobKind("witch", 26, 0.6, 1.95, 0.1, hostile=True, damage=6, drops=(("glass_bottle", 0, 2), ("redstone", 0, 2), ("glowstone_dust", 0, 2),
                                                                            ("sugar", 0, 2), ("stick", 0, 2), ("spider_eye", 0, 2),
                                                                            ("gunpowder", 0, 2)), xp=5, ranged=True),
    MobKind("slime", 16, 2.04, 2.04, 0.1, hostile=True, damage=4, drops=(("slime_ball", 0, 2),), xp=4),
    MobKind("silverfish", 8, 0.4, 0.3, 0.12, hostile=True, damage=1, xp=5),
    MobKind("guardian", 30, 0.85, 0.85, 0.08, hostile=True, damage=6, drops=(("prismarine_shard", 0, 2), ("fish", 0, 1)), xp=10, aquatic=True, ranged=True),
    MobKind("zombie_pigman", 20, 0.6, 1.95, 0.12, damage=9, neutral=True, drops=(("rotten_flesh", 0, 1), ("gold_nugget", 0, 1)), xp=5),
    MobKind("ghast", 10, 4.0, 4.0, 0.05, hostile=True, damage=6, drops=(("ghast_tear", 0, 1), ("gunpowder", 0, 2)), xp=5, flying=True, ranged=True),
    MobKind("blaze", 20, 0.6, 1.8, 0.08, hostile=True, damage=5, drops=(("blaze_rod", 0, 1),), xp=10, flying=True, ranged=True),
    MobKind("magma_cube", 16, 2.04, 2.04, 0.1, hostile=True, damage=6, drops=(("magma_cream", 0, 1),), xp=4),
    MobKind("wither_skeleton", 20, 0.7, 2.4, 0.12, hostile=True, damage=8, drops=(("coal", 0, 1), ("bone", 0, 2)), xp=5),
    MobKind("endermite", 8, 0.4, 0.3, 0.12, hostile=True, damage=2, xp=3),
    MobKind("shulker", 30, 1.0, 1.0, 0.0, hostile=True, damage=4, drops=(("shulker_shell", 0, 1),), xp=5, ranged=True),
    MobKind("ender_dragon", 200, 16.0, 8.0, 0.2, hostile=True, damage=10, xp=12000, flying=True),
)
MOB_INDEX: dict[str, int] = {m.name: k for k, m in enumerate(MOB_KINDS)}

#: Passive mobs placed at world creation, by biome id
PASSIVE_BY_BIOME: dict[int, tuple[str, ...]] = {
    1: ("cow", "pig", "sheep", "chicken", "horse", "donkey"), 4: ("cow", "pig", "sheep", "chicken", "wolf"),
    27: ("cow", "pig", "sheep", "chicken"), 5: ("cow", "pig", "sheep", "wolf", "rabbit", "chicken"),
    21: ("chicken", "pig", "cow"), 6: ("cow", "pig", "sheep", "chicken"), 3: ("llama", "sheep", "cow", "chicken"),
    35: ("horse", "cow", "sheep", "llama", "chicken"), 12: ("rabbit", "polar_bear"), 2: ("rabbit",),
    14: ("mooshroom",), 0: ("squid",), 7: ("squid",), 16: ("chicken",),
}
#: Hostile mobs spawned in the dark, by biome id (the default row is key -1)
HOSTILE_BY_BIOME: dict[int, tuple[str, ...]] = {
    -1: ("zombie", "skeleton", "spider", "creeper", "zombie", "skeleton", "spider", "creeper", "enderman"),
    2: ("husk", "skeleton", "spider", "creeper", "husk"),
    12: ("zombie", "stray", "spider", "creeper", "stray"),
    6: ("zombie", "skeleton", "spider", "creeper", "witch", "slime"),
    8: ("zombie_pigman", "ghast", "magma_cube", "blaze", "wither_skeleton"),
    9: ("enderman", "endermite", "shulker"),
}


def mob_id(name: str) -> int:
    try:
        return MOB_INDEX[name]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(name, list(MOB_INDEX), n=3)
        raise UnknownMobError(f"unknown mob {name!r}; nearest known: {near}") from None


def param_table() -> np.ndarray:
    """The float64 table ``mobs_tick`` reads (columns as ``physics.P_*``)."""
    rows = []
    for m in MOB_KINDS:
        rows.append([float(m.hostile), m.speed, m.damage, m.width, m.height, float(m.flying), float(m.aquatic),
                     float(m.burns_in_day), float(m.ranged), float(m.explodes), float(m.neutral)])
    return np.array(rows, dtype=np.float64)
