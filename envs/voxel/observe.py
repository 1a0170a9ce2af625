"""Builds MineDojo's observation dict from a VoxelWorld, writing into preallocated (batched) arrays.

One code path serves the single env (batch of 1) and the native vector env (batch of N): every key is
an array with a leading batch axis, and :func:`fill` writes world ``i`` into row ``i``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ...procgen.catalog.minecraft import load_catalog
from ...procgen.terrain import SEA_LEVEL
from . import physics
from .spaces import name_vocabulary

BIOME_CLIMATE = {  # biome id -> (rainfall, temperature), Minecraft 1.11
    0: (0.5, 0.5), 1: (0.4, 0.8), 2: (0.0, 2.0), 3: (0.3, 0.2), 4: (0.8, 0.7), 5: (0.8, 0.25), 6: (0.9, 0.8),
    7: (0.5, 0.5), 8: (0.0, 2.0), 9: (0.5, 0.5), 12: (0.5, 0.0), 14: (1.0, 0.9), 16: (0.4, 0.8), 21: (0.9, 0.95),
    27: (0.6, 0.6), 35: (0.0, 1.2),
}


@lru_cache(maxsize=1)
def tables() -> dict:
    """Per-block and per-item lookup arrays, and the craft/smelt recipe table for the mask."""
    cat = load_catalog()
    vocab = {n: k for k, n in enumerate(name_vocabulary())}
    t = {
        "block_vocab": np.array([vocab[n] for n in cat.block_names], np.int32),
        "collidable": cat.collidable, "no_tool": cat.needs_no_tool, "liquid": cat.liquid,
        "solid": cat.collidable & cat.opaque, "burn": cat.can_burn, "light": cat.opaque,
        "max_dur": cat.durability.astype(np.float32),
        "placeable": np.array([n in cat.placeable for n in cat.item_names]),
        "offhand_ok": np.array([it["slot"] != "mainhand" for it in cat.items]),
    }
    rec_item, rec_ids, rec_cnt = [], [], []
    for k, name in enumerate(cat.craft_smelt_items):
        smelt = k >= cat.n_hand_craft + cat.n_table_craft
        recipes = cat.smelting.get(name, []) if smelt else cat.crafting.get(name, [])
        for r in recipes:
            ids = [cat.item_id(i) for i, _ in r.ingredients][:9]
            cnt = [n for _, n in r.ingredients][:9]
            rec_item.append(k)
            rec_ids.append(ids + [0] * (9 - len(ids)))
            rec_cnt.append(cnt + [0] * (9 - len(cnt)))
    t["rec_item"] = np.array(rec_item, np.int64)
    t["rec_ids"] = np.array(rec_ids, np.int64)
    t["rec_cnt"] = np.array(rec_cnt, np.int64)
    t["n_hand"], t["n_table"] = cat.n_hand_craft, cat.n_table_craft
    t["cube_offsets"] = np.indices((3, 3, 3)).reshape(3, -1).T.astype(np.float64)
    return t


def allocate(space, n: int) -> dict:
    """Zeroed arrays with a leading batch axis of ``n`` for every leaf of the observation space."""
    import gymnasium as gym

    def alloc(sp):
        if isinstance(sp, gym.spaces.Dict):
            return {k: alloc(v) for k, v in sp.spaces.items()}
        if isinstance(sp, gym.spaces.Discrete):
            return np.zeros(n, np.int64)
        return np.zeros((n, *sp.shape), sp.dtype)

    buf = alloc(space)
    # values that never change are written once here, not every step
    buf["masks"]["action_arg"][:] = np.array([0, 0, 0, 0, 1, 1, 1, 1], bool)[:, None]
    buf["location_stats"]["sea_level"][:] = SEA_LEVEL
    air = load_catalog().item_id("air")
    for key, arr in buf["delta_inv"].items():
        if key.startswith(("inc_name", "dec_name")):
            arr[:] = air
    return buf


class Taker:
    """Copies row ``i`` of a batched observation into a fresh nested dict (what a single env returns).

    The nesting is resolved once (views into the buffer), so each call is a flat loop of
    ``ndarray.copy`` calls. Views do not survive pickling, so they are re-made on unpickle.
    """

    def __init__(self, buf: dict, space, i: int) -> None:
        import gymnasium as gym

        self.buf, self.i = buf, i
        self.discrete = {(k, kk) for k, v in space.spaces.items() if isinstance(v, gym.spaces.Dict)
                         for kk, vv in v.spaces.items() if isinstance(vv, gym.spaces.Discrete)}
        self._bind()

    def _bind(self) -> None:
        i = self.i
        self.plan = []
        for k, v in self.buf.items():
            if isinstance(v, dict):
                self.plan.append((k, [(kk, vv[i, ...], (k, kk) in self.discrete) for kk, vv in v.items()]))
            else:
                self.plan.append((k, v[i, ...]))

    def __getstate__(self) -> dict:
        return {"buf": self.buf, "i": self.i, "discrete": self.discrete}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind()

    def __call__(self) -> dict:
        out = {}
        for k, v in self.plan:
            if isinstance(v, list):
                out[k] = {kk: (np.int64(arr) if disc else arr.copy()) for kk, arr, disc in v}
            else:
                out[k] = v.copy()
        return out


def copy_tree(buf):
    """A copy of a (batched) observation: fresh arrays the caller may keep."""
    if isinstance(buf, dict):
        return {k: copy_tree(v) for k, v in buf.items()}
    return buf.copy()


def take(buf, i: int, space):
    """Row ``i`` of a batched observation, copied (what a single env returns)."""
    import gymnasium as gym

    if isinstance(buf, dict):
        return {k: take(v, i, space[k]) for k, v in buf.items()}
    if isinstance(space, gym.spaces.Discrete):
        return np.int64(buf[i])
    return np.array(buf[i], copy=True)


def craft_mask(counts: np.ndarray, table: bool, furnace: bool) -> np.ndarray:
    t = tables()
    ok = np.all(counts[t["rec_ids"]] >= t["rec_cnt"], axis=1)
    mask = np.bincount(t["rec_item"], weights=ok, minlength=244) > 0
    if not table:
        mask[t["n_hand"]:t["n_hand"] + t["n_table"]] = False
    if not furnace:
        mask[t["n_hand"] + t["n_table"]:] = False
    return mask


def fill(out: dict, i: int, world, rgb: np.ndarray | None, prev_counts: np.ndarray | None,
         crafted: int) -> np.ndarray:
    """Write world's observation into row ``i`` of ``out``; returns the inventory counts (for delta_inv)."""
    t = tables()
    p = world.player
    inv = world.inventory
    if rgb is not None:
        out["rgb"][i] = rgb
    o = out["inventory"]
    o["name"][i] = inv.item
    o["quantity"][i] = inv.qty
    o["variant"][i] = inv.variant
    maxd = t["max_dur"][inv.item]
    o["max_durability"][i] = maxd
    o["cur_durability"][i] = np.where(maxd > 0, maxd - inv.damage, 0)
    e = out["equipment"]
    eq_items = inv.eq_item.copy()
    eq_qty = inv.eq_qty.copy()
    eq_dmg = inv.eq_damage.copy()
    eq_items[0], eq_qty[0], eq_dmg[0] = inv.item[0], inv.qty[0], inv.damage[0]
    e["name"][i] = eq_items
    e["quantity"][i] = eq_qty
    emax = t["max_dur"][eq_items]
    e["max_durability"][i] = emax
    e["cur_durability"][i] = np.where(emax > 0, emax - eq_dmg, 0)
    ls = out["life_stats"]
    ls["life"][i, 0] = p.health
    ls["oxygen"][i, 0] = max(0, p.oxygen)
    ls["armor"][i, 0] = inv.armor_points()
    ls["food"][i, 0] = p.food
    ls["saturation"][i, 0] = p.saturation
    ls["xp"][i, 0] = min(p.xp, 1395)
    ls["is_sleeping"][i] = p.is_sleeping
    loc = out["location_stats"]
    loc["pos"][i] = p.pos
    loc["yaw"][i, 0] = p.yaw
    loc["pitch"][i, 0] = p.pitch
    bx = min(max(int(p.pos[0]), 0), world.size - 1)
    bz = min(max(int(p.pos[2]), 0), world.size - 1)
    biome = int(world.biomes[bx, bz])
    loc["biome_id"][i] = biome
    rain, temp = BIOME_CLIMATE.get(biome, (0.5, 0.5))
    loc["rainfall"][i, 0] = rain
    loc["temperature"][i, 0] = min(temp, 1.0)
    sky = world.can_see_sky()
    loc["can_see_sky"][i] = int(sky)
    sky_light = world.sky_light()
    loc["light_level"][i, 0] = sky_light if sky else 0
    loc["sky_light_level"][i, 0] = sky_light / 15.0
    loc["sun_brightness"][i, 0] = 0.2 if world.is_night() else 0.94
    table, furnace = world.nearby_tools()
    out["nearby_tools"]["table"][i] = table
    out["nearby_tools"]["furnace"][i] = furnace
    ds = out["damage_source"]
    dmg = p.last_damage
    ds["damage_amount"][i, 0] = dmg.get("amount", 0.0)
    ds["hunger_damage"][i, 0] = dmg.get("amount", 0.0) if dmg.get("source") == "starve" else 0.0
    ds["is_explosion"][i] = dmg.get("explosion", False)
    ds["is_fire_damage"][i] = dmg.get("fire", False)
    ds["is_projectile"][i] = dmg.get("projectile", False)
    ds["is_unblockable"][i] = dmg.get("source") in ("drown", "starve", "fall")
    p.last_damage = {}
    # 3 x 3 x 3 voxels around the feet block (block-derived arrays cached until the cube or world changes)
    fx, fy, fz = int(math.floor(p.pos[0])), int(math.floor(p.pos[1])), int(math.floor(p.pos[2]))
    v = out["voxels"]
    key = (fx, fy, fz, world.version, world.generation)
    cached = getattr(world, "_obs_voxel_cache", None)
    if cached is None or cached[0] != key:
        cube = np.zeros((3, 3, 3), np.uint8)
        xs, ys, zs = slice(max(fx - 1, 0), fx + 2), slice(max(fy - 1, 0), fy + 2), slice(max(fz - 1, 0), fz + 2)
        sub = world.blocks[xs, ys, zs]
        ox, oy, oz = xs.start - (fx - 1), ys.start - (fy - 1), zs.start - (fz - 1)
        cube[ox:ox + sub.shape[0], oy:oy + sub.shape[1], oz:oz + sub.shape[2]] = sub
        cached = (key, {"block_name": t["block_vocab"][cube], "is_collidable": t["collidable"][cube],
                        "is_tool_not_required": t["no_tool"][cube], "blocks_movement": t["collidable"][cube],
                        "is_liquid": t["liquid"][cube], "is_solid": t["solid"][cube], "can_burn": t["burn"][cube],
                        "blocks_light": t["light"][cube]})
        world._obs_voxel_cache = cached
    for name, arr in cached[1].items():
        v[name][i] = arr
    eye = p.pos + (0.0, physics.EYE_HEIGHT, 0.0)
    g = t["cube_offsets"] + (fx - 1 + 0.5 - eye[0], fy - 1 + 0.5 - eye[1], fz - 1 + 0.5 - eye[2])
    look = world.look_vector()
    v["cos_look_vec_angle"][i] = (g @ look / np.maximum(np.linalg.norm(g, axis=1), 1e-9)).reshape(3, 3, 3)
    # masks, as MineDojo's ARMasksWrapper computes them
    counts = inv.counts()
    mkey = (table, furnace)
    mcache = getattr(world, "_obs_mask_cache", None)
    if mcache is not None and mcache[0] == mkey and np.array_equal(mcache[1], counts):
        cm = mcache[2]
    else:
        cm = craft_mask(counts, table, furnace)
        world._obs_mask_cache = (mkey, counts, cm)
    occupied = inv.item != world.air_item
    m = out["masks"]
    m["craft_smelt"][i] = cm
    m["destroy"][i] = occupied
    m["place"][i] = occupied & t["placeable"][inv.item]
    eq = occupied.copy()
    eq[0] = eq[0] and t["offhand_ok"][inv.item[0]]
    m["equip"][i] = eq
    # order: no_op, use, drop, attack, craft, equip, place, destroy
    m["action_type"][i] = (True, True, occupied[0], True, bool(cm.any()) and not occupied.all(), eq.any(),
                           m["place"][i].any(), occupied.any())
    # inventory change since the last step, split by craft and other causes
    d = out["delta_inv"]
    air = world.air_item
    if d["inc_quantity_by_craft"][i, 0] or d["inc_quantity_by_other"][i, 0] or d["dec_quantity_by_craft"][i, 0] \
            or d["dec_quantity_by_other"][i, 0] or d["inc_name_by_craft"][i, 0] != air:
        for key in ("inc_name_by_craft", "dec_name_by_craft", "inc_name_by_other", "dec_name_by_other"):
            d[key][i] = air
        for key in ("inc_quantity_by_craft", "dec_quantity_by_craft", "inc_quantity_by_other", "dec_quantity_by_other"):
            d[key][i] = 0
    if prev_counts is not None and not np.array_equal(counts, prev_counts):
        delta = counts - prev_counts
        inc = np.flatnonzero(delta > 0)[:1]
        dec = np.flatnonzero(delta < 0)[:4]
        by = "craft" if crafted >= 0 and crafted in inc else "other"
        if inc.size:
            d[f"inc_name_by_{by}"][i, :inc.size] = inc
            d[f"inc_quantity_by_{by}"][i, :inc.size] = delta[inc]
        if dec.size:
            d[f"dec_name_by_{by}"][i, :dec.size] = dec
            d[f"dec_quantity_by_{by}"][i, :dec.size] = -delta[dec]
    return counts
