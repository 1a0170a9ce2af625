"""VoxelWorld: the state and rules of the Minecraft-like world (no gym, no rendering).

State, all inspectable (the planning oracle of the task registry reads it):

* ``blocks[x, y, z]`` -- ``uint8`` block-kind ids (``catalog.block_names[id]``), world coordinates are
  array coordinates (x, z in ``[0, size)``, y in ``[0, 128)``, y up); :meth:`block_at` gives the name.
  Chunks (16 x 16 columns) are generated lazily as the player comes within ``LOAD_RADIUS`` chunks.
* ``player`` -- :class:`PlayerState` (position of the feet, yaw/pitch in degrees as Minecraft, health,
  food, saturation, oxygen, xp, ...); ``inventory`` -- :class:`Inventory` (slot 0 = main hand).
* mobs -- ``mob_kind / mob_pos / mob_health / mob_alive`` arrays; :meth:`entities` lists live ones.
* dropped items -- ``item_id / item_count / item_pos / item_alive`` arrays.
* ``stats`` -- MineDojo-named counters: ``mine_block``, ``craft_item``, ``use_item``, ``kill_entity``,
  ``pickup``, ``drop``, ``damage_taken``; plus ``time_since_death`` (ticks) in :meth:`task_info`.
* ``villages`` -- where each village's house door is; ``day_time`` (ticks, night is 13000-23000),
  ``time`` (ticks since reset), ``dimension``, ``biomes[x, z]`` / ``heights[x, z]`` per column,
  ``nearby_tools()`` (crafting table, furnace within ``CRAFT_RADIUS``), ``break_ticks(block id)``.

One :meth:`step` is one game tick (20 per second). An action is MineDojo's 8-number vector; see
``envs/voxel/actions.py`` for the meaning of each index. Impossible actions (crafting without the
ingredients, placing with nothing targeted, equipping an empty slot) change nothing, as in MineDojo.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from ...procgen.catalog.minecraft import TOOL_CLASSES, load_catalog
from ...procgen.terrain import BIOME_IDS, CHUNK, SEA_LEVEL, WORLD_HEIGHT, TerrainGenerator
from ...procgen.terrain.noise import hash3
from . import physics
from .inventory import ARMOR_SLOT_OF_PIECE, EQUIPMENT_ORDER, Inventory
from .mobs import HOSTILE_BY_BIOME, MOB_KINDS, PASSIVE_BY_BIOME, mob_id, param_table

TICKS_PER_DAY = 24000
REACH = 4.5  # survival block reach
ENTITY_REACH = 3.0
LOAD_RADIUS = 3  # chunks around the player kept generated
MAX_MOBS = 48
DESPAWN_DISTANCE = 96.0  # mobs farther than this (x or z) from the player are removed
MAX_ITEMS = 64
CRAFT_RADIUS = 3  # blocks: a crafting table / furnace this close counts as nearby
EAT_TICKS = 32
HOSTILE_CAP = 8
#: by mob kind: whether the herd cap counts it (the land animals that herds bring)
_HERD_KIND = np.array([any(m.name in kinds for kinds in PASSIVE_BY_BIOME.values()) and not m.aquatic
                       for m in MOB_KINDS], bool)
#: new herds arrive only while fewer land animals than this are within HERD_RANGE blocks (x and z)
HERD_CAP = 6
HERD_RANGE = 48
#: ticks between herd arrivals (Minecraft 1.11 runs its animal spawner every 400 ticks; 600 here keeps
#: the balance the coverage table was measured with)
HERD_PERIOD = 600
#: experience from mining (Minecraft 1.11), when the ore drops its gem or dust rather than itself
ORE_XP = {"coal_ore": (0, 2), "diamond_ore": (3, 7), "emerald_ore": (3, 7), "lapis_ore": (2, 5),
          "redstone_ore": (1, 5), "lit_redstone_ore": (1, 5), "quartz_ore": (2, 5)}


#: ticks a player stands in a nether portal before it moves them (Minecraft 1.11, survival: 4 s)
PORTAL_TICKS = 80
#: per-dimension state a portal trip keeps for the dimension left behind
DIMENSION_ARRAYS: tuple[str, ...] = (
    "blocks", "heights", "biomes", "chunk_done", "mob_kind", "mob_pos", "mob_vel", "mob_health", "mob_alive",
    "mob_timer", "mob_cooldown", "mob_aggro", "mob_sheared", "mob_hurt_until", "item_id", "item_count", "item_pos",
    "item_vel", "item_alive", "item_age")
#: fishing (Minecraft 1.11, no enchantments): a line cast on water within FISH_CAST_RANGE blocks gets a
#: bite after FISH_WAIT ticks, which lasts FISH_BITE ticks; reeling in during it lands one catch:
#: fish 85 % (cod 60, salmon 25, clownfish 2, pufferfish 13 within it), junk 10 %, treasure 5 %
FISH_CAST_RANGE = 12.0
FISH_WAIT = (100, 600)
FISH_BITE = (20, 40)
FISH_CATCH: tuple[tuple[str, int, float], ...] = (
    ("fish", 0, 0.85 * 0.60), ("fish", 1, 0.85 * 0.25), ("fish", 2, 0.85 * 0.02), ("fish", 3, 0.85 * 0.13),
    ("leather", 0, 0.10 * 10 / 83), ("leather_boots", 0, 0.10 * 10 / 83), ("rotten_flesh", 0, 0.10 * 10 / 83),
    ("stick", 0, 0.10 * 5 / 83), ("string", 0, 0.10 * 5 / 83), ("potion", 0, 0.10 * 10 / 83),
    ("bone", 0, 0.10 * 10 / 83), ("dye", 0, 0.10 * 1 / 83), ("tripwire_hook", 0, 0.10 * 10 / 83),
    ("bowl", 0, 0.10 * 10 / 83), ("fishing_rod", 0, 0.10 * 2 / 83),
    ("waterlily", 0, 0.05 / 6), ("name_tag", 0, 0.05 / 6), ("saddle", 0, 0.05 / 6), ("bow", 0, 0.05 / 6),
    ("fishing_rod", 0, 0.05 / 6), ("enchanted_book", 0, 0.05 / 6))
#: ripe crop blocks that drop seeds beside their crop (Minecraft 1.11: 0-3 seeds each)
CROP_SEEDS = {"wheat": "wheat_seeds", "beetroots": "beetroot_seeds"}
#: slimes spawn below this height in slime chunks (one chunk in ten), whatever the light (Minecraft 1.11)
SLIME_MAX_Y = 40


class InvalidActionError(ValueError):
    """An action vector outside MineDojo's ``MultiDiscrete([3,3,4,25,25,8,244,36])``."""


@dataclass
class PlayerState:
    pos: np.ndarray = field(default_factory=lambda: np.zeros(3))
    vel: np.ndarray = field(default_factory=lambda: np.zeros(3))
    yaw: float = 0.0
    pitch: float = 0.0
    on_ground: bool = False
    fall_distance: float = 0.0
    health: float = 20.0
    food: int = 20
    saturation: float = 5.0
    exhaustion: float = 0.0
    oxygen: int = 300
    xp: int = 0
    is_sleeping: bool = False
    alive: bool = True
    ticks_alive: int = 0
    regen_timer: int = 0
    fire_ticks: int = 0
    mine_target: tuple = (-1, -1, -1)
    mine_progress: float = 0.0
    use_ticks: int = 0
    fuel_credit: int = 0  # furnace ticks already paid for by burnt fuel
    bow_ready: int = 0  # tick from which the bow can shoot again
    portal_ticks: int = 0  # ticks spent in a nether portal; -1: just arrived, waiting to step out
    fish_bite_at: int = -1  # tick a fish bites the cast line (-1: no line in the water)
    fish_bite_ticks: int = 0  # how long that bite lasts: reeling in within it lands the catch
    last_damage: dict = field(default_factory=dict)


class VoxelWorld:
    """One world. ``reset(seed, task)`` builds it; ``step(action)`` advances one tick."""

    def __init__(self, size: int = 256) -> None:
        if size % CHUNK or size < 64:
            raise ValueError(f"world size must be a multiple of {CHUNK} and >= 64, got {size}")
        self.cat = load_catalog()
        self.size = size
        cat = self.cat
        self.collidable = cat.collidable.copy()
        self.liquid_kind = np.zeros(len(cat.block_names), np.int8)
        for k, n in enumerate(cat.block_names):
            if n in ("water", "flowing_water"):
                self.liquid_kind[k] = 1
            elif n in ("lava", "flowing_lava"):
                self.liquid_kind[k] = 2
        self.targetable = ~(cat.liquid | (np.arange(len(cat.block_names)) == 0))
        self.fluid_target = cat.liquid.copy() | self.targetable
        self.mob_params = param_table()
        self.air_item = cat.item_id("air")
        self.id_air = 0
        self.id_water = cat.block_id("water")
        self.id_lava = cat.block_id("lava")
        self.id_table = cat.block_id("crafting_table")
        self.id_furnace = cat.block_id("furnace")
        self.id_lit_furnace = cat.block_id("lit_furnace")
        self.id_bed = cat.block_id("bed")
        self.id_obsidian = cat.block_id("obsidian")
        self.id_portal = cat.block_id("portal")
        self.items_bucket = {n: cat.item_id(n) for n in ("bucket", "water_bucket", "lava_bucket", "milk_bucket", "shears")}
        self.blocks = np.zeros((size, WORLD_HEIGHT, size), np.uint8)
        self.heights = np.zeros((size, size), np.int16)
        self.biomes = np.zeros((size, size), np.int16)
        self.version = 0  # bumped on every block change (renderer caches key on it)
        self.generation = 0  # bumped on reset / set_state: the renderer repacks the whole window
        self.tool_lut = np.zeros(len(cat.block_names), np.uint8)  # bit 1: crafting table, bit 2: furnace
        self.tool_lut[cat.block_id("crafting_table")] = 1
        self.tool_lut[cat.block_id("furnace")] = 2
        self.tool_lut[cat.block_id("lit_furnace")] = 2
        self._near_key = None

    # ------------------------------------------------------------------ reset
    def reset(self, seed: int, task=None) -> None:
        cat = self.cat
        self.seed = int(seed)
        self.task = task
        ss = np.random.SeedSequence(self.seed)
        terrain_seed, rng_seed = ss.generate_state(2)
        self.rng = np.random.default_rng(int(rng_seed))
        biome = getattr(task, "specified_biome", None) if task is not None else None
        self.dimension = "nether" if biome == "nether" else ("end" if biome == "the_end" else "overworld")
        self.terrain = TerrainGenerator(int(terrain_seed), self.dimension, biome)
        self.herds_on = False
        self.portals_lit = False  # a portal exists somewhere: only then does the tick look for the player in one
        self.other_dimension: dict | None = None  # the dimension a portal trip left behind, kept as it was
        self.villages: list[tuple[float, float, float]] = []  # where each village's villager lives
        self.blocks.fill(0)
        self.heights.fill(0)
        self.biomes.fill(0)
        self.chunk_done = np.zeros((self.size // CHUNK, self.size // CHUNK), np.bool_)
        self.chunks_generated = 0
        c = self.size // 2
        self.end_center = (c, c)
        self._ensure_chunks(c, c)
        self.player = PlayerState()
        self.inventory = Inventory(cat)
        self.time = 0
        self.day_time = 0
        self.allow_time = True if task is None else bool(task.allow_time_passage)
        self.allow_spawn = True if task is None else bool(task.allow_mob_spawn)
        self.always_night = False if task is None else bool(task.always_night)
        start_time = getattr(task, "start_time", None) if task is not None else None
        if start_time is not None:
            if not 0 <= int(start_time) < TICKS_PER_DAY:
                raise ValueError(f"start_time must be ticks into the day in [0, {TICKS_PER_DAY}), got {start_time}")
            self.day_time = int(start_time)
        elif task is not None and (task.start_at_night or task.always_night):
            self.day_time = 13000 if not task.always_night else 18000
        self.mob_kind = np.zeros(MAX_MOBS, np.int64)
        self.mob_pos = np.zeros((MAX_MOBS, 3))
        self.mob_vel = np.zeros((MAX_MOBS, 3))
        self.mob_health = np.zeros(MAX_MOBS)
        self.mob_alive = np.zeros(MAX_MOBS, np.bool_)
        self.mob_timer = np.zeros(MAX_MOBS, np.int64)
        self.mob_cooldown = np.zeros(MAX_MOBS, np.int64)
        self.mob_aggro = np.zeros(MAX_MOBS, np.bool_)
        self.mob_sheared = np.zeros(MAX_MOBS, np.bool_)
        self.mob_hurt_until = np.zeros(MAX_MOBS, np.int64)
        self.item_id = np.zeros(MAX_ITEMS, np.int64)
        self.item_count = np.zeros(MAX_ITEMS, np.int64)
        self.item_pos = np.zeros((MAX_ITEMS, 3))
        self.item_vel = np.zeros((MAX_ITEMS, 3))
        self.item_alive = np.zeros(MAX_ITEMS, np.bool_)
        self.item_age = np.zeros(MAX_ITEMS, np.int64)
        self.stats: dict[str, dict[str, int]] = {k: {} for k in (
            "mine_block", "craft_item", "use_item", "kill_entity", "pickup", "drop", "damage_taken")}
        self.events: list[str] = []
        self.version += 1
        self.generation += 1
        self._place_player(c, c)
        if task is not None:
            self._apply_task_setup(task)
        self._spawn_passive()
        for v in self.villages:
            self.spawn_mob(mob_id("villager"), v)
        self.herds_on = True

    def _stand_y(self, x: int, z: int) -> int:
        """Feet height of a dry standing place in column (x, z), or -1 if there is none."""
        if not (0 <= x < self.size and 0 <= z < self.size):
            return -1
        if self.dimension == "nether":  # inside the cavern: on its floor, below the netherrack ceiling
            f = int(self.heights[x, z])
            if f + 2 < WORLD_HEIGHT and self.collidable[self.blocks[x, f, z]] and not self.liquid_kind[self.blocks[x, f, z]] \
                    and self.blocks[x, f + 1, z] == 0 and self.blocks[x, f + 2, z] == 0:
                return f + 1
            return -1
        top = self._top_y(x, z)
        floor = SEA_LEVEL if self.dimension == "overworld" else 1
        if top >= floor and self.collidable[self.blocks[x, top, z]] and not self.liquid_kind[self.blocks[x, top, z]]:
            return top + 1
        return -1

    def _place_player(self, x: int, z: int) -> None:
        """Spawn on dry land near (x, z) (spiral search); on open water if there is no land at all."""
        best, y = (x, z), -1
        for r in range(0, 48, 2):
            for dx in range(-r, r + 1, 2):
                for dz in (-r, r):
                    for (i, k) in ((x + dx, z + dz), (x + dz, z + dx)):
                        y = self._stand_y(i, k)
                        if y >= 0:
                            best = (i, k)
                            break
                    if y >= 0:
                        break
                if y >= 0:
                    break
            if y >= 0:
                break
        i, k = best
        self._ensure_chunks(i, k)
        if y < 0:
            y = self._top_y(i, k) + 1  # the water surface (or whatever is highest)
        self.player.pos = np.array([i + 0.5, float(y), k + 0.5])
        # clear a standing space (trees, cactus) so the spawn is never inside blocks
        for dy in (0, 1):
            if y + dy < WORLD_HEIGHT and self.collidable[self.blocks[i, y + dy, k]]:
                self.blocks[i, y + dy, k] = 0
        self.spawn_point = self.player.pos.copy()

    def _top_y(self, x: int, z: int) -> int:
        col = self.blocks[x, :, z]
        nz = np.flatnonzero(self.collidable[col] | (self.liquid_kind[col] > 0))
        return int(nz[-1]) if nz.size else 0

    def _ensure_chunks(self, x: float, z: float) -> None:
        ci, ck = int(x) // CHUNK, int(z) // CHUNK
        # chunks only ever become done, so a check that passed holds while the player stays in its chunk
        # and ``chunk_done`` is the same array (a reset or a restored state brings a new one; a portal
        # trip rewrites it in place and clears this)
        ready = getattr(self, "_chunks_ready", None)
        if ready is not None and ready[0] == ci and ready[1] == ck and ready[2] is self.chunk_done:
            return
        n = self.chunk_done.shape[0]
        lo_i, hi_i = max(ci - LOAD_RADIUS, 0), min(ci + LOAD_RADIUS, n - 1)
        lo_k, hi_k = max(ck - LOAD_RADIUS, 0), min(ck + LOAD_RADIUS, n - 1)
        if self.chunk_done[lo_i:hi_i + 1, lo_k:hi_k + 1].all():
            self._chunks_ready = (ci, ck, self.chunk_done)
            return
        for i in range(lo_i, hi_i + 1):
            for k in range(lo_k, hi_k + 1):
                if not self.chunk_done[i, k]:
                    self.terrain.generate_chunk(self.blocks, self.heights, self.biomes, i, k, self.end_center)
                    self.chunk_done[i, k] = True
                    self.chunks_generated += 1
                    if self.terrain.village_at(i, k, self.biomes, self.heights):
                        home = (i * CHUNK + 5.5, float(self.heights[i * CHUNK + 8, k * CHUNK + 8] + 1), k * CHUNK + 5.5)
                        self.villages.append(home)
                        if self.herds_on:  # villages found after reset get their villager now
                            self.spawn_mob(mob_id("villager"), home)
                    if self.herds_on:  # chunks generated after reset bring their own herds
                        self._chunk_herd(i, k)
        self.version += 1
        self._chunks_ready = (ci, ck, self.chunk_done)

    def _chunk_herd(self, i: int, k: int) -> None:
        """Minecraft places passive mobs when a chunk is generated: here 1 chunk in 8 gets a small herd."""
        if self.dimension != "overworld" or hash3(i, k, 11, self.seed & 0x7FFFFFFF) >= 0.125:
            return
        x, z = i * CHUNK + CHUNK // 2, k * CHUNK + CHUNK // 2
        options = PASSIVE_BY_BIOME.get(int(self.biomes[x, z]), ())
        if not options:
            return
        kind = mob_id(options[int(hash3(i, k, 12, self.seed & 0x7FFFFFFF) * len(options))])
        for n in range(1 + int(hash3(i, k, 13, self.seed & 0x7FFFFFFF) * 3)):
            xx, zz = x + (n % 2) * 2 - 1, z + (n // 2) * 2 - 1
            top = self._top_y(xx, zz)
            is_water = self.liquid_kind[self.blocks[xx, top, zz]] == 1
            if MOB_KINDS[kind].aquatic == bool(is_water):
                self.spawn_mob(kind, (xx + 0.5, float(top + (0 if is_water else 1)), zz + 0.5))

    def _apply_task_setup(self, task) -> None:
        inv = self.inventory
        for entry in task.initial_inventory:
            item = self.cat.item_id(entry.name)
            if isinstance(entry.slot, str):
                if entry.slot not in EQUIPMENT_ORDER:
                    raise ValueError(f"unknown equipment slot {entry.slot!r}; accepted: {EQUIPMENT_ORDER}")
                inv.set_equipment(entry.slot, item, entry.quantity)
            else:
                if not 0 <= int(entry.slot) < 36:
                    raise ValueError(f"inventory slot {entry.slot} out of range [0, 36)")
                inv.set_slot(int(entry.slot), item, entry.quantity)
        lo = np.array(task.initial_mob_spawn_range_low)
        hi = np.array(task.initial_mob_spawn_range_high)
        nether = self.dimension == "nether"
        for name in task.initial_mobs:
            kind = mob_id(name)
            for _ in range(20):
                off = self.rng.integers(lo, hi + 1)
                x = int(self.player.pos[0] + off[0])
                z = int(self.player.pos[2] + off[2])
                if 0 <= x < self.size and 0 <= z < self.size and (off[0] or off[2]) \
                        and (not nether or self._stand_y(x, z) >= 0):
                    break
            x = min(max(x, 1), self.size - 2)
            z = min(max(z, 1), self.size - 2)
            if MOB_KINDS[kind].flying:
                y = self.player.pos[1] + off[1] + 2
            elif nether:  # on the cavern floor (the column's top is the bedrock roof)
                stand = self._stand_y(x, z)
                y = stand if stand >= 0 else self.player.pos[1]
            else:
                y = self._top_y(x, z) + 1
            self.spawn_mob(kind, (x + 0.5, float(y), z + 0.5))

    def _spawn_passive(self) -> None:
        if self.dimension != "overworld":
            return
        px, pz = int(self.player.pos[0]), int(self.player.pos[2])
        for _g in range(6):
            ang = self.rng.uniform(0, 2 * np.pi)
            dist = self.rng.uniform(8, 36)
            x = int(np.clip(px + np.cos(ang) * dist, 2, self.size - 3))
            z = int(np.clip(pz + np.sin(ang) * dist, 2, self.size - 3))
            options = PASSIVE_BY_BIOME.get(int(self.biomes[x, z]), ())
            if not options:
                continue
            kind = mob_id(options[int(self.rng.integers(len(options)))])
            for _ in range(int(self.rng.integers(2, 4))):
                xx = min(max(x + int(self.rng.integers(-2, 3)), 1), self.size - 2)
                zz = min(max(z + int(self.rng.integers(-2, 3)), 1), self.size - 2)
                top = self._top_y(xx, zz)
                is_water = self.liquid_kind[self.blocks[xx, top, zz]] == 1
                if MOB_KINDS[kind].aquatic != bool(is_water):
                    continue
                self.spawn_mob(kind, (xx + 0.5, float(top + (0 if is_water else 1)), zz + 0.5))

    def spawn_mob(self, kind: int, pos) -> int:
        free = np.flatnonzero(~self.mob_alive)
        if free.size == 0:
            return -1
        m = int(free[0])
        self.mob_kind[m] = kind
        self.mob_pos[m] = pos
        self.mob_vel[m] = 0
        self.mob_health[m] = MOB_KINDS[kind].health
        self.mob_alive[m] = True
        self.mob_timer[m] = 0
        self.mob_cooldown[m] = 0
        self.mob_aggro[m] = False
        self.mob_sheared[m] = False
        self.mob_hurt_until[m] = 0
        return m

    # ------------------------------------------------------------------ inspection
    def block_at(self, x: int, y: int, z: int) -> str:
        if not (0 <= x < self.size and 0 <= y < WORLD_HEIGHT and 0 <= z < self.size):
            return "air"
        return self.cat.block_names[int(self.blocks[x, y, z])]

    def set_block(self, x: int, y: int, z: int, name: str, variant: int = 0) -> None:
        self.blocks[x, y, z] = self.cat.block_id(name, variant)
        self.version += 1

    def entities(self) -> list[dict]:
        """Live mobs and dropped items: name, position, health (mobs) or count (items)."""
        out = []
        for m in np.flatnonzero(self.mob_alive):
            out.append({"type": "mob", "name": MOB_KINDS[int(self.mob_kind[m])].name, "index": int(m),
                        "pos": self.mob_pos[m].copy(), "health": float(self.mob_health[m])})
        for k in np.flatnonzero(self.item_alive):
            out.append({"type": "item", "name": self.cat.item_names[int(self.item_id[k])], "index": int(k),
                        "pos": self.item_pos[k].copy(), "count": int(self.item_count[k])})
        return out

    def look_vector(self) -> np.ndarray:
        yaw, pitch = math.radians(self.player.yaw), math.radians(self.player.pitch)
        return np.array([-math.sin(yaw) * math.cos(pitch), -math.sin(pitch), math.cos(yaw) * math.cos(pitch)])

    def eye(self) -> np.ndarray:
        return self.player.pos + np.array([0.0, physics.EYE_HEIGHT, 0.0])

    def target_block(self, fluids: bool = False):
        """(hit, (x, y, z), face normal, distance) of the block the player looks at within reach."""
        e = self.eye()
        d = self.look_vector()
        hit, x, y, z, nx, ny, nz, t = physics.raycast_voxel(
            self.blocks, self.fluid_target if fluids else self.targetable, e[0], e[1], e[2], d[0], d[1], d[2], REACH)
        return hit, (x, y, z), (nx, ny, nz), t

    def target_mob(self, max_dist: float = ENTITY_REACH) -> int:
        """Index of the nearest live mob whose box the look ray enters within reach and before a block; -1 if none."""
        if not self.mob_alive.any():
            return -1
        e = self.eye()
        d = self.look_vector()
        m, t = physics.ray_mob(self.mob_alive, self.mob_kind, self.mob_pos, self.mob_params, e[0], e[1], e[2],
                               d[0], d[1], d[2], max_dist)
        if m < 0:
            return -1
        hit, _, _, dist = self.target_block()
        if hit and dist < t:
            return -1
        return int(m)

    def nearby_tools(self) -> tuple[bool, bool]:
        """(crafting table nearby, furnace nearby): within ``CRAFT_RADIUS`` blocks of the player."""
        key = (self.version, int(self.player.pos[0]), int(self.player.pos[1]), int(self.player.pos[2]))
        if key != self._near_key:
            p = self.player.pos.astype(int)
            r = CRAFT_RADIUS
            sub = self.blocks[max(p[0] - r, 0):p[0] + r + 1, max(p[1] - r, 0):p[1] + r + 3, max(p[2] - r, 0):p[2] + r + 1]
            bits = int(np.bitwise_or.reduce(self.tool_lut[sub], axis=None)) if sub.size else 0
            self._near = (bool(bits & 1), bool(bits & 2))
            self._near_key = key
        return self._near

    def is_night(self) -> bool:
        return 13000 <= self.day_time % TICKS_PER_DAY < 23000

    def sky_light(self) -> int:
        return 4 if self.is_night() or self.dimension != "overworld" else 15

    def can_see_sky(self) -> bool:
        x, z = int(self.player.pos[0]), int(self.player.pos[2])
        y = int(self.player.pos[1] + physics.EYE_HEIGHT) + 1
        if not (0 <= x < self.size and 0 <= z < self.size) or y >= WORLD_HEIGHT:
            return True
        key = (x, y, z, self.version)
        if key != getattr(self, "_sky_key", None):
            self._sky = not bool(self.cat.opaque[self.blocks[x, y:, z]].any())
            self._sky_key = key
        return self._sky

    def task_info(self) -> dict:
        """MineDojo-format stats read by the task rules: inventory counts, kill_entity, use_item, ..."""
        counts = self.inventory.counts()
        names = self.cat.item_names
        inv = {names[i]: int(counts[i]) for i in np.flatnonzero(counts)}
        for k in range(1, 6):
            it = int(self.inventory.eq_item[k])
            if it != self.air_item:
                inv[names[it]] = inv.get(names[it], 0) + int(self.inventory.eq_qty[k])
        inv.pop("air", None)
        stat = {k: dict(v) for k, v in self.stats.items()}
        stat["time_since_death"] = self.player.ticks_alive
        stat["play_one_minute"] = self.time
        return {"inventory": inv, "stat": stat, "days_alive": self.player.ticks_alive // TICKS_PER_DAY}

    # ------------------------------------------------------------------ saving
    def get_state(self) -> dict:
        """Everything that defines the world now; :meth:`set_state` restores it exactly."""
        skip = {"cat", "collidable", "liquid_kind", "targetable", "fluid_target", "mob_params", "terrain", "tool_lut",
                "_near_key", "_near", "_obs_voxel_cache", "_obs_mask_cache", "_sky_key", "_sky"}
        state = {}
        for k, v in self.__dict__.items():
            if k in skip:
                continue
            if k == "inventory":
                state[k] = v.state()
            elif k == "rng":
                state[k] = copy.deepcopy(v.bit_generator.state)
            else:
                state[k] = copy.deepcopy(v)
        state["terrain_args"] = (self.terrain.seed, self.terrain.dimension, self.terrain.forced_biome)
        return state

    def set_state(self, state: dict) -> None:
        state = copy.deepcopy(state)
        seed, dim, forced = state.pop("terrain_args")
        biome = None
        if forced >= 0:
            biome = {v: k for k, v in BIOME_IDS.items()}[forced]
        self.terrain = TerrainGenerator(seed, dim, biome)
        inv = Inventory(self.cat)
        inv.load(state.pop("inventory"))
        self.inventory = inv
        rng_state = state.pop("rng")
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = rng_state
        version, generation = self.version, self.generation
        for k, v in state.items():
            setattr(self, k, v)
        self.version = max(version, self.version) + 1
        self.generation = max(generation, self.generation) + 1
        self._near_key = None
        self._chunks_ready = None

    # ------------------------------------------------------------------ stepping
    def _count(self, group: str, name: str, n: int = 1) -> None:
        d = self.stats[group]
        d[name] = d.get(name, 0) + n

    def _damage_player(self, amount: float, source: str, *, armor: bool = True, projectile=False,
                       explosion=False, fire=False) -> None:
        if amount <= 0 or not self.player.alive:
            return
        if armor:
            amount *= 1.0 - min(20.0, self.inventory.armor_points()) / 25.0
        self.player.health = max(0.0, self.player.health - amount)
        self.player.last_damage = {"amount": amount, "source": source, "projectile": projectile,
                                   "explosion": explosion, "fire": fire}
        self._count("damage_taken", source, int(round(amount * 10)))
        self.player.is_sleeping = False
        if self.player.health <= 0:
            self.player.alive = False
            self.events.append(f"died:{source}")

    def step(self, action) -> None:
        """Advance one tick under a MineDojo action vector (already validated by the env)."""
        p = self.player
        self.events = []
        a0, a1, a2, a3, a4, fn, craft_arg, slot = (int(v) for v in action)
        # camera: 15-degree bins around the no-op index 12
        p.pitch = min(90.0, max(-90.0, p.pitch + (a3 - 12) * 15.0))
        p.yaw = ((p.yaw + (a4 - 12) * 15.0 + 180.0) % 360.0) - 180.0
        fwd = 1.0 if a0 == 1 else (-1.0 if a0 == 2 else 0.0)
        strafe = 1.0 if a1 == 1 else (-1.0 if a1 == 2 else 0.0)
        jump, sneak, sprint = a2 == 1, a2 == 2, a2 == 3 and fwd > 0
        if p.is_sleeping and (fwd or strafe or jump):
            p.is_sleeping = False
        pos, vel, ground, fall, landed, feet_liq, head_liq = physics.player_tick(
            self.blocks, self.collidable, self.liquid_kind, p.pos, p.vel, p.yaw, fwd, strafe, jump, sneak, sprint,
            p.on_ground, p.fall_distance)
        p.pos, p.vel, p.on_ground, p.fall_distance = pos, vel, bool(ground), float(fall)
        if landed > 3.0:
            self._damage_player(math.ceil(landed - 3.0), "fall", armor=False)
        p.exhaustion += 0.1 * math.hypot(vel[0], vel[2]) * (1.0 if sprint else 0.0) + (0.05 if jump and ground else 0.0)
        self._ensure_chunks(p.pos[0], p.pos[2])
        # functional action
        if fn != 3:
            p.mine_target, p.mine_progress = (-1, -1, -1), 0.0
        if fn != 1:
            p.use_ticks = 0
        if fn == 1:
            self._use()
        elif fn == 2:
            self._drop()
        elif fn == 3:
            self._attack()
        elif fn == 4:
            self.craft(self.cat.craft_smelt_items[craft_arg])
        elif fn == 5:
            self._equip(slot)
        elif fn == 6:
            self._place(slot)
        elif fn == 7:
            if self.inventory.item[slot] != self.air_item:
                self.inventory.clear_slot(slot)
        self._tick_world(feet_liq, head_liq)

    def _tick_world(self, feet_liq: int, head_liq: int) -> None:
        p = self.player
        self.time += 1
        if self.allow_time and not self.always_night:
            self.day_time += 1
        # oxygen and drowning (Minecraft: 300 air, then 2 damage every second)
        if head_liq == 1:
            p.oxygen -= 1
            if p.oxygen <= -20:
                p.oxygen = 0
                self._damage_player(2.0, "drown", armor=False)
        else:
            p.oxygen = min(300, p.oxygen + 4) if p.oxygen < 300 else 300
        if feet_liq == 2:
            p.fire_ticks = 160
            if self.time % 10 == 0:
                self._damage_player(4.0, "lava", fire=True)
        elif p.fire_ticks > 0:
            p.fire_ticks = 0 if feet_liq == 1 else p.fire_ticks - 1
            if self.time % 20 == 0:
                self._damage_player(1.0, "on_fire", armor=False, fire=True)
        # hunger and natural regeneration
        if p.exhaustion >= 4.0:
            p.exhaustion -= 4.0
            if p.saturation > 0:
                p.saturation = max(0.0, p.saturation - 1.0)
            else:
                p.food = max(0, p.food - 1)
        p.regen_timer += 1
        if p.regen_timer >= 80:
            p.regen_timer = 0
            if p.food >= 18 and p.health < 20:
                p.health = min(20.0, p.health + 1.0)
                p.exhaustion += 6.0
            elif p.food == 0:
                self._damage_player(1.0, "starve", armor=False)
        # mobs
        if self.mob_alive.any():
            daylight = not self.is_night() and self.dimension == "overworld"
            melee, ranged, n_explode = physics.mobs_tick(
                self.blocks, self.collidable, self.mob_params, self.mob_kind, self.mob_pos, self.mob_vel,
                self.mob_health, self.mob_alive, self.mob_timer, self.mob_cooldown, self.mob_aggro, p.pos,
                daylight, self.seed & 0x7FFFFFFF, self.time)
            if melee:
                self._damage_player(melee, "mob")
            if ranged:
                self._damage_player(ranged, "arrow", projectile=True)
            if n_explode:
                for m in np.flatnonzero(self.mob_timer == -1):
                    self.mob_timer[m] = 0
                    self._explode(self.mob_pos[m])
            physics.despawn_far(self.mob_alive, self.mob_pos, p.pos, DESPAWN_DISTANCE)
        if self.allow_spawn and self.time % 20 == 0:
            self._spawn_hostile()
        if self.time % 100 == 0 and self.mob_alive.any():
            self._lay_eggs()
        if self.allow_spawn and self.time % HERD_PERIOD == 0:
            self._respawn_herd()
        # dropped items: fall, get picked up, despawn after 5 minutes
        if self.item_alive.any():
            physics.items_tick(self.blocks, self.collidable, self.item_pos, self.item_vel, self.item_alive)
            self.item_age[self.item_alive] += 1
            self.item_alive &= self.item_age < 6000
            self._pickup()
        if self.portals_lit and p.alive:
            self._portal_tick()
        if p.alive:
            p.ticks_alive += 1
        if p.is_sleeping and self.is_night():
            self.day_time = (self.day_time // TICKS_PER_DAY + 1) * TICKS_PER_DAY
            p.is_sleeping = False

    def _spawn_hostile(self) -> None:
        dark = self.is_night() or self.dimension != "overworld"
        if not dark:
            self._spawn_in_caves()
            return
        hostile = self.mob_params[self.mob_kind, physics.P_HOSTILE] > 0
        if int((self.mob_alive & hostile).sum()) >= HOSTILE_CAP:
            return
        x0, z0 = self.player.pos[0], self.player.pos[2]
        ang = hash3(self.time, 1, 0, self.seed & 0x7FFFFFFF) * 2 * np.pi
        dist = 20 + hash3(self.time, 2, 0, self.seed & 0x7FFFFFFF) * 20
        x = int(np.clip(x0 + np.cos(ang) * dist, 1, self.size - 2))
        z = int(np.clip(z0 + np.sin(ang) * dist, 1, self.size - 2))
        if not self.chunk_done[x // CHUNK, z // CHUNK]:
            return
        if self.dimension == "nether":  # on the cavern floor, not on the bedrock roof above it
            y = self._stand_y(x, z)
            if y < 0:
                return
        else:
            top = self._top_y(x, z)
            if self.liquid_kind[self.blocks[x, top, z]]:
                return
            y = top + 1
        key = 8 if self.dimension == "nether" else (9 if self.dimension == "end" else int(self.biomes[x, z]))
        options = HOSTILE_BY_BIOME.get(key, HOSTILE_BY_BIOME[-1])
        name = options[int(hash3(self.time, 3, 0, self.seed & 0x7FFFFFFF) * len(options))]
        self.spawn_mob(mob_id(name), (x + 0.5, float(y), z + 0.5))

    def _spawn_in_caves(self) -> None:
        """By day hostile mobs still spawn in the dark: in cave air pockets (no sky light) near the player."""
        hostile = self.mob_params[self.mob_kind, physics.P_HOSTILE] > 0
        if int((self.mob_alive & hostile).sum()) >= HOSTILE_CAP // 2:
            return
        s = self.seed & 0x7FFFFFFF
        x = int(np.clip(self.player.pos[0] + (hash3(self.time, 4, 0, s) - 0.5) * 48, 1, self.size - 2))
        z = int(np.clip(self.player.pos[2] + (hash3(self.time, 5, 0, s) - 0.5) * 48, 1, self.size - 2))
        if not self.chunk_done[x // CHUNK, z // CHUNK]:
            return
        col = self.blocks[x, :, z]
        top = int(self.heights[x, z])
        solid = self.collidable[col]
        cands = np.flatnonzero((col[1:top - 3] == 0) & (col[2:top - 2] == 0) & solid[0:top - 4]) + 1
        if cands.size == 0:
            return
        y = int(cands[int(hash3(self.time, 6, 0, s) * cands.size)])
        if abs(y - self.player.pos[1]) < 4 and abs(x - self.player.pos[0]) < 8 and abs(z - self.player.pos[2]) < 8:
            return
        options = HOSTILE_BY_BIOME.get(int(self.biomes[x, z]), HOSTILE_BY_BIOME[-1])
        name = options[int(hash3(self.time, 7, 0, s) * len(options))]
        if y < SLIME_MAX_Y and hash3(x // CHUNK, z // CHUNK, 31, s) < 0.1 and hash3(self.time, 8, 0, s) < 0.5:
            name = "slime"  # a slime chunk: half the spawns below y 40 there are slimes
        self.spawn_mob(mob_id(name), (x + 0.5, float(y), z + 0.5))

    def herd_members(self) -> np.ndarray:
        """Mask of the mobs the herd cap counts: live land animals within ``HERD_RANGE`` blocks (x and z).

        Like Minecraft's creature cap it leaves out water mobs (squid have their own cap there) and
        villagers (they belong to villages, not to the land's animals), so a lake full of squid or a
        village does not stop cows from ever coming."""
        near = np.abs(self.mob_pos[:, [0, 2]] - self.player.pos[[0, 2]]).max(1) < HERD_RANGE
        return self.land_animals() & near

    def land_animals(self) -> np.ndarray:
        """Mask of the live mobs of the kinds the herd cap counts, wherever they are (see :meth:`herd_members`):
        the land kinds that herds bring (``PASSIVE_BY_BIOME``), so neutral monsters such as endermen
        count with the monsters, as in Minecraft, not with the animals."""
        return self.mob_alive & _HERD_KIND[self.mob_kind]

    def _respawn_herd(self) -> None:
        """Keep the land around the player stocked: with fewer than ``HERD_CAP`` land animals within
        ``HERD_RANGE`` blocks, a new herd arrives 24-40 blocks away (as the chunks a Minecraft player
        explores bring theirs)."""
        if self.dimension != "overworld":
            return
        if int(self.herd_members().sum()) >= HERD_CAP:
            return
        s = self.seed & 0x7FFFFFFF
        ang = hash3(self.time, 21, 0, s) * 2 * np.pi
        dist = 24 + hash3(self.time, 22, 0, s) * 16
        x = int(np.clip(self.player.pos[0] + np.cos(ang) * dist, 2, self.size - 3))
        z = int(np.clip(self.player.pos[2] + np.sin(ang) * dist, 2, self.size - 3))
        if not self.chunk_done[x // CHUNK, z // CHUNK]:
            return
        options = PASSIVE_BY_BIOME.get(int(self.biomes[x, z]), ())
        if not options:
            return
        kind = mob_id(options[int(hash3(self.time, 23, 0, s) * len(options))])
        for n in range(2 + int(hash3(self.time, 24, 0, s) * 2)):
            xx, zz = x + (n % 2) * 2 - 1, z + (n // 2) * 2 - 1
            top = self._top_y(xx, zz)
            is_water = self.liquid_kind[self.blocks[xx, top, zz]] == 1
            if MOB_KINDS[kind].aquatic == bool(is_water):
                self.spawn_mob(kind, (xx + 0.5, float(top + (0 if is_water else 1)), zz + 0.5))

    # ------------------------------------------------------------------ nether portals
    def _light_portal(self, x: int, y: int, z: int) -> bool:
        """Fill the 2-wide, 3-tall air opening of an obsidian frame that contains (x, y, z) with portal
        blocks (Minecraft 1.11's smallest nether portal; the frame's corners are optional)."""
        for ax, az in ((1, 0), (0, 1)):
            for shift in (0, -1):
                for dy in (0, -1, -2):
                    bx, by, bz = x + shift * ax, y + dy, z + shift * az  # bottom-left cell of the opening
                    inside = [(bx + i * ax, by + j, bz + i * az) for i in range(2) for j in range(3)]
                    frame = [(bx + i * ax, by + j, bz + i * az) for i in range(2) for j in (-1, 3)]
                    frame += [(bx + i * ax, by + j, bz + i * az) for i in (-1, 2) for j in range(3)]
                    if not all(0 <= c[0] < self.size and 1 <= c[1] < WORLD_HEIGHT - 1 and 0 <= c[2] < self.size
                               for c in inside + frame):
                        continue
                    if all(self.blocks[c] == 0 for c in inside) and all(self.blocks[c] == self.id_obsidian for c in frame):
                        for c in inside:
                            self.blocks[c] = self.id_portal
                        self.version += 1
                        self.portals_lit = True
                        return True
        return False

    def _portal_tick(self) -> None:
        p = self.player
        x, y, z = (int(math.floor(v)) for v in p.pos)
        inside = 0 <= x < self.size and 0 <= y < WORLD_HEIGHT and 0 <= z < self.size and self.blocks[x, y, z] == self.id_portal
        if not inside:
            p.portal_ticks = 0
        elif p.portal_ticks >= 0:
            p.portal_ticks += 1
            if p.portal_ticks >= PORTAL_TICKS:
                self._travel()

    def _travel(self) -> None:
        """Through a nether portal, overworld <-> nether. The dimension left behind is kept as it is
        (blocks, mobs, dropped items); the other one is restored, or generated on the first trip, with an
        obsidian-framed portal where the player arrives (standing in it, as in Minecraft)."""
        p = self.player
        here = {name: getattr(self, name).copy() for name in DIMENSION_ARRAYS}
        here.update(dimension=self.dimension, terrain_args=(self.terrain.seed, self.terrain.dimension, self.terrain.forced_biome),
                    villages=list(self.villages), spawn_point=self.spawn_point.copy(), pos=p.pos.copy(),
                    chunks_generated=self.chunks_generated)
        there, self.other_dimension = self.other_dimension, here
        self._chunks_ready = None  # chunk_done is rewritten in place below
        if there is not None:
            for name in DIMENSION_ARRAYS:
                getattr(self, name)[...] = there[name]
            seed, dim, forced = there["terrain_args"]
            self.terrain = TerrainGenerator(seed, dim, None if forced < 0 else {v: k for k, v in BIOME_IDS.items()}[forced])
            self.dimension, self.villages, self.spawn_point = dim, there["villages"], there["spawn_point"]
            self.chunks_generated = there["chunks_generated"]
            p.pos = there["pos"].copy()
        else:
            target = "nether" if self.dimension == "overworld" else "overworld"
            spawn_point = self.spawn_point.copy()
            for name in DIMENSION_ARRAYS:
                arr = getattr(self, name)
                arr[...] = False if arr.dtype == np.bool_ else 0
            self.dimension = target
            self.terrain = TerrainGenerator(self.terrain.seed, target, None)
            self.villages = []
            c = self.size // 2
            self._ensure_chunks(c, c)
            self._place_player(c, c)
            self.spawn_point = spawn_point  # dying still respawns in the overworld
            self._build_portal(*(int(math.floor(v)) for v in p.pos))
        p.vel[:] = 0
        p.fall_distance = 0.0
        p.portal_ticks = -1  # arrived standing in the portal: it works again once stepped out of
        p.mine_target, p.mine_progress = (-1, -1, -1), 0.0
        self.version += 1
        self.generation += 1
        self.events.append(f"travel:{self.dimension}")

    def _build_portal(self, x: int, y: int, z: int) -> None:
        """An obsidian frame along x with its lit 2 x 3 opening at (x..x+1, y..y+2, z)."""
        for i in range(-1, 3):
            for j in range(-1, 4):
                xx, yy = x + i, y + j
                if 0 <= xx < self.size and 1 <= yy < WORLD_HEIGHT - 1:
                    edge = i in (-1, 2) or j in (-1, 3)
                    self.blocks[xx, yy, z] = self.id_obsidian if edge else self.id_portal
        self.portals_lit = True

    def _lay_eggs(self) -> None:
        """Chickens lay an egg every 6,000-12,000 ticks (Minecraft), here a 1-in-90 chance per 100 ticks."""
        chicken = mob_id("chicken")
        for m in np.flatnonzero(self.mob_alive & (self.mob_kind == chicken)):
            if hash3(self.time, int(m), 8, self.seed & 0x7FFFFFFF) < 1.0 / 90.0:
                self.drop_item(self.cat.item_id("egg"), 1, self.mob_pos[m] + [0, 0.3, 0])

    def _explode(self, center: np.ndarray) -> None:
        c = center.astype(int)
        r = 3
        xs = slice(max(c[0] - r, 0), c[0] + r + 1)
        ys = slice(max(c[1] - r, 1), c[1] + r + 1)
        zs = slice(max(c[2] - r, 0), c[2] + r + 1)
        gx, gy, gz = np.ogrid[xs, ys, zs]
        sphere = (gx - center[0]) ** 2 + (gy - center[1]) ** 2 + (gz - center[2]) ** 2 <= r * r
        region = self.blocks[xs, ys, zs]
        breakable = (self.cat.hardness[region] >= 0) & (self.cat.hardness[region] < 10)
        region[sphere & breakable] = 0
        self.version += 1
        d = float(np.linalg.norm(self.player.pos + [0, 0.9, 0] - center))
        if d < 6.0:
            self._damage_player((1.0 - d / 6.0) * 43.0 * 0.5, "explosion", explosion=True)

    def _pickup(self) -> None:
        p = self.player.pos
        near = self.item_alive & (np.abs(self.item_pos[:, 0] - p[0]) < 1.425) & (np.abs(self.item_pos[:, 2] - p[2]) < 1.425) \
            & (self.item_pos[:, 1] > p[1] - 0.75) & (self.item_pos[:, 1] < p[1] + 2.3) & (self.item_age > 10)
        for k in np.flatnonzero(near):
            it, n = int(self.item_id[k]), int(self.item_count[k])
            left = self.inventory.add(it, n)
            if left < n:
                self._count("pickup", self.cat.item_names[it], n - left)
            if left == 0:
                self.item_alive[k] = False
            else:
                self.item_count[k] = left

    def drop_item(self, item: int, count: int, pos, vel=(0.0, 0.1, 0.0)) -> None:
        free = np.flatnonzero(~self.item_alive)
        k = int(free[0]) if free.size else int(np.argmax(self.item_age))
        self.item_id[k], self.item_count[k] = item, count
        self.item_pos[k], self.item_vel[k] = pos, vel
        self.item_alive[k], self.item_age[k] = True, 0

    # ------------------------------------------------------------------ functional actions
    def _held_tool(self) -> tuple[str, int, float, float]:
        it = self.cat.items[self.inventory.held]
        return it.get("tool", ""), it.get("tier", -1), it.get("speed", 1.0), it.get("attack", 1.0)

    def break_ticks(self, block: int) -> tuple[int, bool]:
        """(ticks to break ``block`` with the held item, whether it drops). -1 ticks: unbreakable."""
        hardness = float(self.cat.hardness[block])
        if hardness < 0 or self.liquid_kind[block]:
            return -1, False
        tool, tier, speed, _ = self._held_tool()
        need = TOOL_CLASSES[int(self.cat.tool_class[block])]
        min_tier = int(self.cat.min_tier[block])
        right_tool = need != "" and tool == need
        if need == "pickaxe" and min_tier >= 0:
            can_harvest = right_tool and tier >= min_tier
        else:
            can_harvest = True
        if need == "shears" and self.cat.block_names[block] in ("leaves", "leaves2", "web", "vine", "tallgrass"):
            can_harvest = True
        if hardness == 0:
            return 1, can_harvest
        per_tick = (speed if right_tool else 1.0) / hardness / (30.0 if can_harvest else 100.0)
        return int(math.ceil(1.0 / per_tick - 1e-9)), can_harvest

    def _attack(self) -> None:
        p = self.player
        m = self.target_mob()
        if m >= 0:
            p.mine_target, p.mine_progress = (-1, -1, -1), 0.0
            if self.time < self.mob_hurt_until[m]:
                return  # Minecraft: a hurt mob is invulnerable for 10 ticks
            self.mob_hurt_until[m] = self.time + 10
            _, _, _, dmg = self._held_tool()
            self.mob_health[m] -= dmg
            self.mob_aggro[m] = True
            d = self.look_vector()
            self.mob_vel[m] += [d[0] * 0.4, 0.3, d[2] * 0.4]
            p.exhaustion += 0.1
            if self.cat.items[self.inventory.held].get("tool") in ("sword", "axe", "pickaxe", "shovel", "hoe"):
                self._count("use_item", self.cat.item_names[self.inventory.held])
                self.inventory.wear_tool(0)
            if self.mob_health[m] <= 0:
                self._kill_mob(m)
            return
        hit, (x, y, z), _, _ = self.target_block()
        if not hit:
            p.mine_target, p.mine_progress = (-1, -1, -1), 0.0
            return
        block = int(self.blocks[x, y, z])
        if p.mine_target != (x, y, z):
            p.mine_target, p.mine_progress = (x, y, z), 0.0
        ticks, drops = self.break_ticks(block)
        if ticks < 0:
            return
        p.mine_progress += 1.0 / ticks
        if p.mine_progress >= 1.0 - 1e-9:
            self._break_block(x, y, z, block, drops)
            p.mine_target, p.mine_progress = (-1, -1, -1), 0.0

    def _break_block(self, x: int, y: int, z: int, block: int, drops: bool) -> None:
        name = self.cat.block_names[block]
        self.blocks[x, y, z] = 0
        self.version += 1
        self._count("mine_block", name)
        self.player.exhaustion += 0.005
        held = self.inventory.held
        tool = self.cat.items[held].get("tool")
        if tool in ("pickaxe", "axe", "shovel", "shears", "sword", "hoe"):
            self._count("use_item", self.cat.item_names[held])  # Minecraft counts a tool's block break as a use
            self.inventory.wear_tool(0)
        if not drops:
            return
        if tool == "shears" and name in ("leaves", "leaves2", "tallgrass", "web", "vine"):
            item, n = self.cat.item_id(name), 1
            variant = int(self.cat.block_variant[block])
        else:
            drop_name, lo, hi = self.cat.drops[block]
            if not drop_name:
                return
            item = self.cat.item_id(drop_name)
            n = int(self.rng.integers(lo, hi + 1))
            variant = int(self.cat.block_variant[block]) if drop_name == name else 0
            if name in ("leaves", "leaves2"):
                # saplings 5 %; oak and dark-oak leaves also drop an apple (Minecraft 0.5 %, raised to 2 %)
                if self.rng.random() < 0.02 and (name, int(self.cat.block_variant[block])) in (("leaves", 0), ("leaves2", 1)):
                    self.drop_item(self.cat.item_id("apple"), 1, (x + 0.5, y + 0.25, z + 0.5))
                if n and self.rng.random() > 0.05:
                    n = 0
            if name == "web" and tool != "sword":
                n = 0  # string needs a sword (shears take the web itself, above); by hand nothing drops
            if name == "gravel" and self.rng.random() < 0.1:
                item = self.cat.item_id("flint")  # Minecraft: gravel drops flint 1 time in 10
            if name == "tallgrass" and n and self.rng.random() > 0.125:
                n = 0
        lo_hi = ORE_XP.get(name)
        if lo_hi and item != self.cat.item_id(name):  # ores that drop a gem or dust also give experience
            self.player.xp += int(self.rng.integers(lo_hi[0], lo_hi[1] + 1))
        if n <= 0:
            return
        del variant  # variants of dropped items are not tracked separately (all planks craft alike)
        self.drop_item(item, n, (x + 0.5, y + 0.25, z + 0.5))
        seeds = CROP_SEEDS.get(name)
        if seeds:  # a ripe crop also gives 0-3 seeds (Minecraft 1.11)
            k = int(self.rng.integers(0, 4))
            if k:
                self.drop_item(self.cat.item_id(seeds), k, (x + 0.5, y + 0.25, z + 0.5))

    def _kill_mob(self, m: int) -> None:
        kind = MOB_KINDS[int(self.mob_kind[m])]
        self.mob_alive[m] = False
        self._count("kill_entity", kind.name)
        self.player.xp += kind.xp
        for item, lo, hi in kind.drops:
            n = int(self.rng.integers(lo, hi + 1))
            if item == "wool" and self.mob_sheared[m]:
                n = 0
            if n > 0:
                self.drop_item(self.cat.item_id(item), n, self.mob_pos[m] + [0, 0.5, 0])

    def _use(self) -> None:
        """Right click: eat/drink (32 ticks), buckets, shears, sleep, or place the held block."""
        p = self.player
        inv = self.inventory
        held = inv.held
        info = self.cat.items[held]
        name = self.cat.item_names[held]
        m = self.target_mob()
        if m >= 0:
            kind = MOB_KINDS[int(self.mob_kind[m])].name
            if held == self.items_bucket["bucket"] and kind in ("cow", "mooshroom"):
                self._replace_one_held(self.items_bucket["milk_bucket"])
                self._count("use_item", "bucket")
                return
            if held == self.items_bucket["shears"] and kind == "sheep" and not self.mob_sheared[m]:
                self.mob_sheared[m] = True
                toward = self.player.pos - self.mob_pos[m]
                toward = toward / max(float(np.linalg.norm(toward)), 1e-9) * 0.25
                self.drop_item(self.cat.item_id("wool"), int(self.rng.integers(1, 4)), self.mob_pos[m] + [0, 1.0, 0],
                               (toward[0], 0.2, toward[2]))
                inv.wear_tool(0)
                self._count("use_item", "shears")
                return
            if held == self.cat.item_id("bowl") and kind == "mooshroom":
                self._replace_one_held(self.cat.item_id("mushroom_stew"))
                self._count("use_item", "bowl")
                return
        if name == "bow":
            self._shoot()
            return
        piece = ARMOR_SLOT_OF_PIECE.get(name.rsplit("_", 1)[-1])
        if piece is not None or name == "elytra":
            self._wear_held(piece or "chest")
            return
        if name == "flint_and_steel":
            hit, (x, y, z), (nx, ny, nz), _ = self.target_block()
            if hit:  # Minecraft: it lights the block face it is used on (fire is not simulated) ...
                self._count("use_item", name)
                inv.wear_tool(0)
                if self.blocks[x, y, z] == self.id_obsidian:  # ... and an obsidian frame becomes a portal
                    self._light_portal(x + nx, y + ny, z + nz)
            return
        if name == "fishing_rod":
            self._fish()
            return
        if name in ("clock", "compass", "map", "filled_map", "carrot_on_a_stick", "ender_pearl",
                    "snowball", "egg", "experience_bottle", "ender_eye"):
            self._count("use_item", name)  # items whose right-click is their use
            if name in ("ender_pearl", "snowball", "egg", "experience_bottle", "ender_eye"):
                inv.qty[0] -= 1  # thrown
                if inv.qty[0] == 0:
                    inv.clear_slot(0)
            return
        if "food" in info or name == "milk_bucket":
            if name != "milk_bucket" and p.food >= 20 and name not in ("golden_apple", "chorus_fruit"):
                p.use_ticks = 0
                return
            p.use_ticks += 1
            if p.use_ticks >= EAT_TICKS:
                p.use_ticks = 0
                if name == "milk_bucket":
                    self._replace_one_held(self.items_bucket["bucket"])
                else:
                    hunger, sat = info["food"]
                    p.food = min(20, p.food + hunger)
                    p.saturation = min(float(p.food), p.saturation + sat)
                    empty = {"mushroom_stew": "bowl", "rabbit_stew": "bowl", "beetroot_soup": "bowl"}.get(name)
                    if empty:
                        self._replace_one_held(self.cat.item_id(empty))
                    else:
                        inv.qty[0] -= 1
                        if inv.qty[0] == 0:
                            inv.clear_slot(0)
                self._count("use_item", name)
            return
        if held in (self.items_bucket["bucket"], self.items_bucket["water_bucket"], self.items_bucket["lava_bucket"]):
            hit, (x, y, z), (nx, ny, nz), _ = self.target_block(fluids=(held == self.items_bucket["bucket"]))
            if not hit:
                return
            if held == self.items_bucket["bucket"]:
                liq = self.liquid_kind[self.blocks[x, y, z]]
                if liq:
                    self.blocks[x, y, z] = 0
                    self.version += 1
                    self._replace_one_held(self.items_bucket["water_bucket" if liq == 1 else "lava_bucket"])
                    self._count("use_item", "bucket")
            else:
                tx, ty, tz = x + nx, y + ny, z + nz
                if self._can_place_at(tx, ty, tz):
                    water = held == self.items_bucket["water_bucket"]
                    new = self.id_water if water else self.id_lava
                    if self.blocks[tx, ty, tz] == (self.id_lava if water else self.id_water):
                        new = self.cat.block_id("obsidian")  # water meeting still lava sets obsidian
                    self.blocks[tx, ty, tz] = new
                    self.version += 1
                    self._count("use_item", name)
                    self._replace_one_held(self.items_bucket["bucket"])
            return
        hit, (x, y, z), (nx, ny, nz), _ = self.target_block()
        if hit and self.blocks[x, y, z] == self.id_bed:
            if self.is_night():
                p.is_sleeping = True
            return
        if hit and (info["block"] or name in self.cat.places_block) and name in self.cat.placeable:
            self._place_item_at(0, x + nx, y + ny, z + nz)
        elif info.get("tool") and hit:
            self._count("use_item", name)  # e.g. a hoe on dirt, flint and steel: counted as a use

    def _fish(self) -> None:
        """The use action with a fishing rod: cast the line (onto water the look ray meets within
        ``FISH_CAST_RANGE``), or reel it in -- during a bite that lands a catch (Minecraft 1.11 odds).
        Both count as a use of the rod, as Minecraft's use statistic does."""
        p = self.player
        self._count("use_item", "fishing_rod")
        if p.fish_bite_at >= 0:  # reel in
            if p.fish_bite_at <= self.time < p.fish_bite_at + p.fish_bite_ticks:
                weights = np.array([w for _, _, w in FISH_CATCH])
                k = min(int(np.searchsorted(np.cumsum(weights), self.rng.random() * weights.sum(), side="right")),
                        len(FISH_CATCH) - 1)
                item, variant, _ = FISH_CATCH[k]
                item_id = self.cat.item_id(item)
                if self.inventory.add(item_id, 1, variant):
                    self.drop_item(item_id, 1, self.player.pos + [0, 1.0, 0])
                self.inventory.wear_tool(0)
            p.fish_bite_at = -1
            return
        e, d = self.eye(), self.look_vector()
        hit, x, y, z, _, _, _, _ = physics.raycast_voxel(
            self.blocks, self.fluid_target, e[0], e[1], e[2], d[0], d[1], d[2], FISH_CAST_RANGE)
        if hit and self.liquid_kind[self.blocks[x, y, z]] == 1:
            p.fish_bite_at = self.time + int(self.rng.integers(FISH_WAIT[0], FISH_WAIT[1] + 1))
            p.fish_bite_ticks = int(self.rng.integers(FISH_BITE[0], FISH_BITE[1] + 1))

    def _wear_held(self, slot: str) -> None:
        """Right-click with armour in the main hand puts it on -- in Minecraft 1.11 only into an empty
        armour slot -- and counts as the item's use (techtree rules: obtained *and used*)."""
        inv = self.inventory
        k = EQUIPMENT_ORDER.index(slot)
        if inv.eq_item[k] != self.air_item:
            return
        item = int(inv.item[0])
        inv.eq_item[k], inv.eq_qty[k], inv.eq_damage[k] = item, 1, int(inv.damage[0])
        inv.qty[0] -= 1
        if inv.qty[0] == 0:
            inv.clear_slot(0)
        self._count("use_item", self.cat.item_names[item])

    def _shoot(self) -> None:
        """Loose an arrow (needs one in the inventory; one shot per 20 ticks): hits the first mob on the
        look ray within 24 blocks for 6 damage (a fully drawn 1.11 bow does 6-10)."""
        p = self.player
        arrow = self.cat.item_id("arrow")
        if self.inventory.count(arrow) == 0 or self.time < p.bow_ready:
            return
        p.bow_ready = self.time + 20
        self.inventory.remove(arrow, 1)
        self._count("use_item", "bow")
        self.inventory.wear_tool(0)
        m = self.target_mob(max_dist=24.0)
        if m >= 0 and self.time >= self.mob_hurt_until[m]:
            self.mob_hurt_until[m] = self.time + 10
            self.mob_health[m] -= 6.0
            self.mob_aggro[m] = True
            if self.mob_health[m] <= 0:
                self._kill_mob(m)

    def _replace_one_held(self, new_item: int) -> None:
        inv = self.inventory
        if inv.qty[0] > 1:
            inv.qty[0] -= 1
            if inv.add(new_item, 1):
                self.drop_item(new_item, 1, self.player.pos + [0, 1.0, 0])
        else:
            inv.set_slot(0, new_item, 1)

    def _can_place_at(self, x: int, y: int, z: int) -> bool:
        if not (0 <= x < self.size and 0 <= y < WORLD_HEIGHT and 0 <= z < self.size):
            return False
        cur = int(self.blocks[x, y, z])
        if cur != 0 and not self.liquid_kind[cur] and self.collidable[cur]:
            return False
        p = self.player.pos
        overlaps = (x < p[0] + 0.3 and x + 1 > p[0] - 0.3 and z < p[2] + 0.3 and z + 1 > p[2] - 0.3
                    and y < p[1] + 1.8 and y + 1 > p[1])
        return not overlaps

    def _place_item_at(self, slot: int, x: int, y: int, z: int) -> bool:
        inv = self.inventory
        item = int(inv.item[slot])
        name = self.cat.item_names[item]
        if not self._can_place_at(x, y, z):
            return False
        try:  # most items place the block of their own name; a repeater item places unpowered_repeater
            block = self.cat.block_id(self.cat.places_block.get(name, name), int(inv.variant[slot]))
        except KeyError:
            return False
        if name == "furnace":
            block = self.id_furnace
        self.blocks[x, y, z] = block
        self.version += 1
        inv.qty[slot] -= 1
        if inv.qty[slot] == 0:
            inv.clear_slot(slot)
        self._count("use_item", name)
        return True

    def _place(self, slot: int) -> None:
        inv = self.inventory
        item = int(inv.item[slot])
        if item == self.air_item or self.cat.item_names[item] not in self.cat.placeable:
            return
        hit, (x, y, z), (nx, ny, nz), _ = self.target_block()
        if hit:
            self._place_item_at(slot, x + nx, y + ny, z + nz)
            return
        # nothing targeted: place in front of the feet, as the MineDojo place command does
        d = self.look_vector()
        fx = int(math.floor(self.player.pos[0] + np.sign(d[0]) * (abs(d[0]) > 0.38)))
        fz = int(math.floor(self.player.pos[2] + np.sign(d[2]) * (abs(d[2]) > 0.38)))
        fy = int(math.floor(self.player.pos[1]))
        if (fx, fz) != (int(self.player.pos[0]), int(self.player.pos[2])):
            self._place_item_at(slot, fx, fy, fz)

    def _equip(self, slot: int) -> None:
        inv = self.inventory
        item = int(inv.item[slot])
        if item == self.air_item:
            return
        name = self.cat.item_names[item]
        piece = name.rsplit("_", 1)[-1]
        if piece in ARMOR_SLOT_OF_PIECE or name in ("shield", "elytra"):
            eq = ARMOR_SLOT_OF_PIECE.get(piece, "offhand" if name == "shield" else "chest")
            k = EQUIPMENT_ORDER.index(eq)
            old = (int(inv.eq_item[k]), int(inv.eq_qty[k]), int(inv.eq_damage[k]))
            inv.eq_item[k], inv.eq_qty[k], inv.eq_damage[k] = item, 1, int(inv.damage[slot])
            self._count("use_item", name)  # putting armour on is its use (Minecraft's right-click equip)
            inv.qty[slot] -= 1
            if inv.qty[slot] == 0:
                inv.clear_slot(slot)
                if old[0] != self.air_item:
                    inv.item[slot], inv.qty[slot], inv.damage[slot] = old
            elif old[0] != self.air_item:
                inv.add(old[0], old[1])
            return
        if slot == 0:
            return
        for arr in (inv.item, inv.qty, inv.damage, inv.variant):
            arr[0], arr[slot] = arr[slot], arr[0]

    def _drop(self) -> None:
        inv = self.inventory
        item = int(inv.item[0])
        if item == self.air_item:
            return
        inv.qty[0] -= 1
        if inv.qty[0] == 0:
            inv.clear_slot(0)
        d = self.look_vector()
        k_before = int((~self.item_alive).sum())
        self.drop_item(item, 1, self.eye() - [0, 0.3, 0], (d[0] * 0.3, 0.1, d[2] * 0.3))
        self.item_age[np.flatnonzero(self.item_alive)[-1] if k_before else 0] = -30  # no instant re-pickup
        self._count("drop", self.cat.item_names[item])

    def craft(self, name: str) -> bool:
        """Craft or smelt one batch of ``name`` (MineDojo's craft / craft_with_table / smelt commands).

        Returns False, with nothing changed, when it is impossible: no recipe satisfied by the
        inventory, no crafting table / furnace nearby when one is needed, no fuel, or no room.
        """
        cat = self.cat
        if name not in cat.craft_smelt_items:
            import difflib

            from ...procgen.catalog.minecraft import UnknownItemError

            near = difflib.get_close_matches(name, cat.craft_smelt_items, n=3)
            raise UnknownItemError(f"{name!r} is not one of MineDojo's 244 craft/smelt items; nearest: {near}")
        k = cat.craft_smelt_items.index(name)
        smelt = k >= cat.n_hand_craft + cat.n_table_craft
        if smelt:
            if not self.nearby_tools()[1]:
                return False
            recipes = cat.smelting.get(name, [])
        else:
            needs_table = k >= cat.n_hand_craft
            if needs_table and not self.nearby_tools()[0]:
                return False
            recipes = [r for r in cat.crafting.get(name, []) if needs_table or r.size <= 4]
        counts = self.inventory.counts()
        for r in recipes:
            need = [(cat.item_id(i), n) for i, n in r.ingredients]
            if all(counts[i] >= n for i, n in need):
                out = cat.item_id(r.out)
                fuel_plan = None
                if smelt:
                    fuel_plan = self._fuel_plan(counts, dict(need))
                    if fuel_plan is None:
                        continue
                if not self.inventory.room_for(out, r.count):
                    # the slots the ingredients free up count too
                    if not any(counts[i] == n for i, n in need):
                        return False
                for i, n in need:
                    self.inventory.remove(i, n)
                if fuel_plan:
                    fuel_item, n_fuel, credit = fuel_plan
                    if n_fuel:
                        self.inventory.remove(fuel_item, n_fuel)
                        if cat.item_names[fuel_item] == "lava_bucket":
                            self.inventory.add(self.items_bucket["bucket"], 1)
                    self.player.fuel_credit = credit
                left = self.inventory.add(out, r.count)
                if left:
                    self.drop_item(out, left, self.player.pos + [0, 1.0, 0])
                self._count("craft_item", r.out, r.count)
                return True
        return False

    def _fuel_plan(self, counts: np.ndarray, reserved: dict[int, int]):
        """(fuel item, how many to burn, credit left) to smelt one item (200 ticks); None if no fuel."""
        need = 200
        if self.player.fuel_credit >= need:
            return (self.air_item, 0, self.player.fuel_credit - need)
        best = None
        for idx in np.flatnonzero(counts):
            ticks = self.cat.items[int(idx)].get("fuel")
            if not ticks:
                continue
            avail = int(counts[idx]) - reserved.get(int(idx), 0)
            if avail <= 0:
                continue
            n = math.ceil((need - self.player.fuel_credit) / ticks)
            if n <= avail and (best is None or ticks > best[3]):
                best = (int(idx), n, self.player.fuel_credit + n * ticks - need, ticks)
        return None if best is None else best[:3]
