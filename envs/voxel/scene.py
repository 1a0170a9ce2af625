"""Adapter from a VoxelWorld to the shared renderer (``envs/render``): world -> scene, cameras, entities.

The renderer draws a brick-map :class:`VoxelScene`. Packing the whole loaded area every step would cost
more than the step itself, so each world keeps a *window* (``WINDOW`` x 128 x ``WINDOW`` blocks centred
on the player) packed in a :class:`SceneBatch`; block edits are pushed with ``set_voxels`` and the
window is rebuilt only when the player walks ``RECENTER`` blocks from its centre, new chunks appear inside
it or day turns to night. (With the player ``RECENTER`` blocks off centre the window's edge can come to
``WINDOW/2 - RECENTER`` = 32 blocks, inside the 24-40 m fog band: up to ~1% of a 128x128 frame looking
that way differs from a centred window. A 112-block window or ``RECENTER`` 8 would hide it, at -25-35%
batched throughput or twice the rebuilds of a walking agent; measured 2026-11-28, left as is.)

Part id == block id; the part table maps each block kind to a renderer material, tinted towards the
catalog's block colour. Mobs and dropped items are entity boxes.
"""

from __future__ import annotations

from functools import lru_cache

import numba
import numpy as np

from ...procgen.catalog.minecraft import load_catalog
from ...procgen.terrain import CHUNK
from ..render.api import render_batch
from ..render.batch import SceneBatch
from ..render.materials import material_array, material_id
from ..render.types import Cameras, EntityBatch, PartTable, SceneStyle, VoxelScene
from . import physics

WINDOW = 96
RECENTER = 16
VIEW_DISTANCE = 40.0
FOV_DEG = 70.0  # Minecraft's default field of view
HELD_ITEM_MATERIAL = "planks"

_MATERIAL_OF = {
    "grass": "grass_block", "dirt": "dirt", "stone": "stone", "cobblestone": "cobblestone", "bedrock": "bedrock",
    "sand": "sand", "gravel": "gravel", "water": "water", "flowing_water": "water", "log": "log", "log2": "log",
    "planks": "planks", "leaves": "leaves", "leaves2": "leaves", "coal_ore": "coal_ore", "iron_ore": "iron_ore",
    "gold_ore": "gold_ore", "diamond_ore": "diamond_ore", "redstone_ore": "redstone_ore",
    "lit_redstone_ore": "redstone_ore", "lapis_ore": "diamond_ore", "emerald_ore": "diamond_ore",
    "quartz_ore": "iron_ore", "snow_layer": "snow", "snow": "snow", "ice": "ice", "packed_ice": "ice",
    "wool": "wool", "clay": "clay", "lava": "lava", "flowing_lava": "lava", "glass": "block_glass",
    "glass_pane": "block_glass", "tallgrass": "leaves", "double_plant": "leaves", "vine": "leaves",
    "waterlily": "leaves", "cactus": "leaves", "reeds": "leaves", "crafting_table": "planks", "furnace": "cobblestone",
    "lit_furnace": "cobblestone", "sandstone": "sand", "mycelium": "dirt", "netherrack": "stone",
    "soul_sand": "dirt", "end_stone": "sand", "obsidian": "bedrock", "mossy_cobblestone": "cobblestone",
}
#: blocks drawn with a material of another name that already looks right (no tint towards the catalog colour)
_SAME_LOOK = frozenset({"grass", "flowing_water", "flowing_lava", "snow_layer", "glass", "lit_redstone_ore"})
_MOB_MATERIAL = {"mob_dark": ("zombie", "husk", "spider", "cave_spider", "enderman", "wither_skeleton", "squid",
                              "horse", "donkey", "wolf", "bat", "endermite"),
                 "mob_white": ("skeleton", "stray", "sheep", "chicken", "ghast", "polar_bear", "llama", "rabbit"),
                 "mob_green": ("creeper", "slime", "witch", "guardian"),
                 "mob_pink": ("pig", "zombie_pigman", "mooshroom")}
MOB_CLASS_BASE = 1000
ITEM_CLASS = 999
#: colour multiplier of a mob for the 10 ticks after it is hurt (Minecraft tints a hurt mob red): a strike
#: is visible in the frames, not only in the stats, so a policy or a video-language reward can see it
HURT_TINT = (1.0, 0.45, 0.45)


@lru_cache(maxsize=1)
def part_table():
    """Renderer parts for every block kind (part id == block id; semantic class == block id)."""

    cat = load_catalog()
    mats_table = material_array()
    mats, tints = [], []
    for k, name in enumerate(cat.block_names):
        if k == 0:
            mats.append(0)
            tints.append((1.0, 1.0, 1.0))
            continue
        tool = int(cat.tool_class[k])
        fallback = "planks" if tool == 2 else ("dirt" if tool == 3 else "stone")
        m = material_id(_MATERIAL_OF.get(name, fallback))
        base = np.maximum(mats_table[m, 0:3], 0.05)
        want = cat.colors[k].astype(np.float32) / 255.0
        mat_name = _MATERIAL_OF.get(name, fallback)
        borrowed = mat_name != name and name not in _SAME_LOOK
        tint = np.clip(want / base, 0.2, 3.0) if borrowed or name in ("log", "log2", "leaves", "leaves2",
                                                                      "planks") else np.ones(3)
        mats.append(m)
        tints.append(tuple(float(t) for t in tint))
    n = len(cat.block_names)
    return PartTable.build(mats, list(range(n)), [0] * n, tints)


@lru_cache(maxsize=1)
def mob_materials() -> np.ndarray:
    from .mobs import MOB_KINDS

    out = np.full(len(MOB_KINDS), material_id("mob_skin"), np.int32)
    for mat, names in _MOB_MATERIAL.items():
        for k, m in enumerate(MOB_KINDS):
            if m.name in names:
                out[k] = material_id(mat)
    return out


def style_for(world):

    if world.dimension == "nether":
        return SceneStyle(view_distance=VIEW_DISTANCE, fog_start=12.0, sky_zenith=(0.25, 0.05, 0.04),
                          sky_horizon=(0.35, 0.1, 0.06), sun_strength=0.0, ambient=0.75)
    if world.dimension == "end":
        return SceneStyle(view_distance=VIEW_DISTANCE, fog_start=24.0, sky_zenith=(0.08, 0.05, 0.12),
                          sky_horizon=(0.15, 0.12, 0.2), sun_strength=0.0, ambient=0.7)
    if world.is_night():
        return SceneStyle(view_distance=VIEW_DISTANCE, fog_start=20.0, sky_zenith=(0.02, 0.02, 0.06),
                          sky_horizon=(0.05, 0.05, 0.1), sun_strength=0.05, ambient=0.25)
    return SceneStyle(view_distance=VIEW_DISTANCE, fog_start=24.0, ambient=0.5, sun_strength=0.6,
                      sun_direction=(0.4, 0.8, 0.3))


class WorldView:
    """The packed window of one world plus what is needed to keep it in sync cheaply."""

    def __init__(self) -> None:
        self.scene = None
        self.origin = (0, 0)
        self.version = -1
        self.night = None
        self.grid = None
        self.generation = -1

    def needs_rebuild(self, world) -> bool:
        if self.scene is None or self.night != world.is_night() or self.dim != world.dimension \
                or self.generation != world.generation:
            return True
        cx = self.origin[0] + WINDOW // 2
        cz = self.origin[1] + WINDOW // 2
        p = world.player.pos
        if abs(p[0] - cx) > RECENTER or abs(p[2] - cz) > RECENTER:
            return True
        if self.chunks != world.chunks_generated:
            # chunks generated since the build: only those overlapping the window need a new one (the
            # ring the player's walk brings in lies mostly beyond it; a rebuild costs ~5-8 ms). Blocks
            # they wrote into the window (a tree across the border) still reach it through edits().
            new = np.argwhere(world.chunk_done & ~self.chunks_done)
            x0, z0 = self.origin
            lo_x, lo_z = new[:, 0] * CHUNK, new[:, 1] * CHUNK
            if np.any((lo_x < x0 + WINDOW) & (lo_x + CHUNK > x0) & (lo_z < z0 + WINDOW) & (lo_z + CHUNK > z0)):
                return True
            self.chunks, self.chunks_done = world.chunks_generated, world.chunk_done.copy()
        return False

    def build(self, world):

        x0 = int(np.clip(int(world.player.pos[0]) - WINDOW // 2, 0, world.size - WINDOW))
        z0 = int(np.clip(int(world.player.pos[2]) - WINDOW // 2, 0, world.size - WINDOW))
        self.origin = (x0, z0)
        self.grid = world.blocks[x0:x0 + WINDOW, :, z0:z0 + WINDOW].copy()
        self.scene = VoxelScene.from_dense(self.grid, part_table(), origin=(float(x0), 0.0, float(z0)),
                                           voxel_size=1.0, brick=4, style=style_for(world))
        self.version = world.version
        self.night = world.is_night()
        self.dim = world.dimension
        self.chunks = world.chunks_generated
        self.chunks_done = world.chunk_done.copy()
        self.generation = world.generation
        return self.scene

    def edits(self, world) -> tuple[np.ndarray, np.ndarray] | None:
        """Voxels of the window that changed since the last sync: (ijk (K, 3), new part ids)."""
        if world.version == self.version:
            return None
        x0, z0 = self.origin
        now = world.blocks[x0:x0 + WINDOW, :, z0:z0 + WINDOW]
        # flatnonzero, not argwhere: on the 96 x 128 x 96 window argwhere took ~1.7 ms even with nothing
        # changed (most version bumps leave the window as it was), flatnonzero ~0.1 ms
        flat = np.flatnonzero(now != self.grid)
        self.version = world.version
        if flat.size == 0:
            return None
        ijk = np.stack(np.unravel_index(flat, self.grid.shape), axis=1)
        vals = now[ijk[:, 0], ijk[:, 1], ijk[:, 2]]
        self.grid[ijk[:, 0], ijk[:, 1], ijk[:, 2]] = vals
        return ijk, vals.astype(np.int64)


def camera_arrays(worlds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eye positions and renderer yaw/pitch (renderer yaw = -Minecraft yaw; pitch clamped to +-89.9)."""
    n = len(worlds)
    pos = np.empty((n, 3))
    yaw = np.empty(n)
    pitch = np.empty(n)
    for i, w in enumerate(worlds):
        pos[i] = w.player.pos
        pos[i, 1] += physics.EYE_HEIGHT if not w.player.is_sleeping else 0.3
        yaw[i] = -w.player.yaw
        pitch[i] = min(89.9, max(-89.9, w.player.pitch))
    return pos, yaw, pitch


def entity_batch(worlds):
    """Mob and dropped-item boxes of every world, grouped by world (each world's mobs, then its items),
    for :func:`render_batch`.

    Built directly (not through ``EntityBatch.build``): the rows are already in world order and every
    size comes from the mob table, so the per-step validation would only cost time. Every world's
    fixed-size mob and item arrays are stacked and the rows picked in one pass (one world at a time
    this cost ~27 us a world-step, a tenth of a 16-world vector step).
    """
    n = len(worlds)
    mob_alive = np.array([w.mob_alive for w in worlds])
    item_alive = np.array([w.item_alive for w in worlds])
    wm, mm = np.nonzero(mob_alive)
    wi, ii = np.nonzero(item_alive)
    if wm.size == 0 and wi.size == 0:
        return _empty_entities(n)
    kinds = np.array([w.mob_kind for w in worlds])[wm, mm]
    params = worlds[0].mob_params  # every world's is mobs.param_table()
    hw = params[kinds, physics.P_WIDTH] * 0.5
    hh = params[kinds, physics.P_HEIGHT] * 0.5
    box = np.empty((wm.size + wi.size, 7), np.float32)
    mobs, items = box[:wm.size], box[wm.size:]
    mobs[:, 0:3] = np.array([w.mob_pos for w in worlds])[wm, mm]
    mobs[:, 1] += hh
    mobs[:, 3], mobs[:, 4], mobs[:, 5], mobs[:, 6] = hw, hh, hw, 0.0
    items[:, 0:3] = np.array([w.item_pos for w in worlds])[wi, ii]
    items[:, 1] += 0.125
    items[:, 3:6] = 0.125
    items[:, 6] = 45.0
    tint = np.ones((box.shape[0], 3), np.float32)
    times = np.array([w.time for w in worlds], np.int64)
    hurt = times[wm] < np.array([w.mob_hurt_until for w in worlds])[wm, mm]
    tint[:wm.size][hurt] = HURT_TINT  # Minecraft's red flash while a mob is hurt
    mat = np.concatenate([mob_materials()[kinds], np.full(wi.size, _item_material(), np.int32)])
    cls = np.concatenate([(MOB_CLASS_BASE + kinds).astype(np.int32), np.full(wi.size, ITEM_CLASS, np.int32)])
    inst = np.concatenate([(mm + 1).astype(np.int32), (1000 + ii).astype(np.int32)])
    offsets = np.zeros(n + 1, np.int64)
    if n == 1:  # one world's rows are already in order: its mobs, then its items
        offsets[1] = box.shape[0]
        return EntityBatch(box, mat, cls, inst, tint, offsets)
    world = np.concatenate([wm, wi])
    order = np.argsort(world, kind="stable")  # by world; within one, mobs (first above) before items
    offsets[1:] = np.cumsum(np.bincount(world, minlength=n))
    return EntityBatch(box[order], mat[order], cls[order], inst[order], tint[order], offsets)


@lru_cache(maxsize=1)
def _item_material() -> int:

    return material_id("wool")


@lru_cache(maxsize=8)
def _empty_entities(n: int):

    return EntityBatch.empty(n)


class BatchRenderer:
    """Renders N worlds in one ``render_batch`` call, keeping each world's window packed."""

    def __init__(self, n: int, height: int, width: int, parallel: bool | None = None) -> None:
        self.parallel = parallel  # None: the renderer decides (threads when several cameras)
        self.views = [WorldView() for _ in range(n)]
        self.batch = None
        self.height, self.width = height, width
        self.out = None

    def render(self, worlds, out: np.ndarray | None = None) -> np.ndarray:
        """(N, 3, H, W) uint8 first-person frames, with the block-breaking progress as a darkened crosshair:
        drawn straight into ``out`` when given (an (N, 3, H, W) uint8 array, e.g. the observation
        buffer: no copy), else a view into the renderer's buffer, overwritten by the next call."""

        if self.batch is None:
            for v, w in zip(self.views, worlds, strict=True):
                v.build(w)
            self.batch = SceneBatch([v.scene for v in self.views])
        # Only the window that moved (or took a big edit) is swapped: the other windows' block edits
        # live in the batch alone (set_voxels), and repacking from their built scenes would drop them.
        for i, (v, w) in enumerate(zip(self.views, worlds, strict=True)):
            if v.needs_rebuild(w):
                v.build(w)
                self.batch.replace_scene(i, v.scene)
                continue
            e = v.edits(w)
            if e is not None and len(e[0]) > 512:  # a blast or a big edit: a new window is cheaper
                v.build(w)
                self.batch.replace_scene(i, v.scene)
            elif e is not None:
                self.batch.set_voxels(i, e[0], e[1])
        pos, yaw, pitch = camera_arrays(worlds)
        n = len(worlds)
        cams = Cameras(pos, yaw.astype(np.float32), pitch.astype(np.float32), np.full(n, FOV_DEG, np.float32),
                       np.arange(n, dtype=np.int32))
        if out is not None:
            target = {"rgb": out.transpose(0, 2, 3, 1)}  # drawn channel-first through the view
        else:
            if self.out is None:
                self.out = {"rgb": np.empty((len(worlds), self.height, self.width, 3), np.uint8)}
            target = self.out
        ents = entity_batch(worlds)
        threads = numba.get_num_threads() if len(worlds) == 1 and len(ents.box) else 1
        if threads > 1:
            # one camera: the renderer's parallel entity pass only adds thread hand-off latency
            numba.set_num_threads(1)
        try:
            res = render_batch(self.batch, cams, self.width, self.height, outputs=("rgb",),
                               entities=ents, out=target, parallel=self.parallel)
        finally:
            if threads > 1:
                numba.set_num_threads(threads)
        rgb = res["rgb"]
        overlay_hud(rgb, worlds)
        return rgb.transpose(0, 3, 1, 2)


@lru_cache(maxsize=1)
def _item_colors() -> np.ndarray:
    """Per item id: the colour of its block, or a neutral grey for non-block items."""
    cat = load_catalog()
    out = np.full((len(cat.item_names), 3), 160, np.uint8)
    for k, name in enumerate(cat.item_names):
        if (name, 0) in cat.block_index:
            out[k] = cat.colors[cat.block_index[(name, 0)]]
    return out


def overlay_hud(rgb: np.ndarray, worlds) -> None:
    """Draw the held item (bottom-right swatch, block colour) and the mining progress (crosshair bar)."""
    n, h, w, _ = rgb.shape
    s = max(2, h // 10)
    colors = _item_colors()
    for i, wd in enumerate(worlds):
        held = wd.inventory.held
        if held != wd.air_item:
            rgb[i, h - s - 1:h - 1, w - 2 * s - 1:w - s - 1] = colors[held]
        prog = wd.player.mine_progress
        if prog > 0:
            length = max(1, int(round(prog * (w // 4))))
            rgb[i, h // 2 + 2:h // 2 + 4, w // 2 - w // 8:w // 2 - w // 8 + length] = (255, 255, 255)
