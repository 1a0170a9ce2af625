"""MineDojo's action and observation spaces, as Gymnasium spaces.

Action: ``MultiDiscrete([3, 3, 4, 25, 25, 8, 244, 36])`` with no-op ``[0, 0, 0, 12, 12, 0, 0, 0]``:

====  =====================================================================================
0     0 no-op, 1 forward, 2 back
1     0 no-op, 1 left, 2 right
2     0 no-op, 1 jump, 2 sneak, 3 sprint
3     camera pitch delta: ``index * 15 - 180`` degrees (12 = no change)
4     camera yaw delta: ``index * 15 - 180`` degrees (12 = no change)
5     functional: 0 no-op, 1 use, 2 drop, 3 attack, 4 craft/smelt, 5 equip, 6 place, 7 destroy
6     craft/smelt argument: index into MineDojo's 244 items (:data:`CRAFT_SMELT_ITEMS`)
7     equip / place / destroy argument: inventory slot 0..35
====  =====================================================================================

Observation: MineDojo's dict (``rgb``, ``inventory``, ``equipment``, ``life_stats``, ``location_stats``,
``nearby_tools``, ``damage_source``, ``voxels``, ``masks``, ``delta_inv``) key by key and shape by
shape. MineDojo's name arrays (item and block names) are ``int32`` ids into
:func:`name_vocabulary` -- the same encoding the real-MineDojo backend uses, so one agent reads both;
:func:`decode_names` turns them back into MineDojo's strings.
"""

from __future__ import annotations

from functools import lru_cache

import gymnasium as gym
import numpy as np

from ...procgen.catalog.minecraft import load_catalog

ACTION_NVEC = (3, 3, 4, 25, 25, 8, 244, 36)
NOOP = (0, 0, 0, 12, 12, 0, 0, 0)
FUNCTIONAL = ("no_op", "use", "drop", "attack", "craft", "equip", "place", "destroy")
N_SLOTS = 36
CAMERA_BIN_DEGREES = 15.0


class InvalidActionError(ValueError):
    """An action outside MineDojo's action space; the message names the bad index and its range."""


@lru_cache(maxsize=1)
def name_vocabulary() -> tuple[str, ...]:
    """Item names (catalog order, so an item id is its name id), then block-only names, then extras."""
    cat = load_catalog()
    names = list(cat.item_names)
    seen = set(names)
    for name in cat.block_names:
        if name not in seen:
            names.append(name)
            seen.add(name)
    for extra in ("air", "none"):
        if extra not in seen:
            names.append(extra)
            seen.add(extra)
    return tuple(names)


def decode_names(ids: np.ndarray) -> np.ndarray:
    """Name ids -> MineDojo's strings (with spaces: ``"crafting table"``)."""
    vocab = np.array([n.replace("_", " ") for n in name_vocabulary()] + ["unknown"], dtype=object)
    ids = np.asarray(ids)
    return vocab[np.where(ids < 0, len(vocab) - 1, ids)]


def craft_smelt_items() -> tuple[str, ...]:
    return load_catalog().craft_smelt_items


def action_space() -> gym.spaces.MultiDiscrete:
    return gym.spaces.MultiDiscrete(np.array(ACTION_NVEC, dtype=np.int64))


def validate_action(action) -> np.ndarray:
    """Return the action as int64[8], or raise :class:`InvalidActionError` saying what is wrong."""
    return validate_actions(action, None)


def validate_actions(actions, num_envs: int | None) -> np.ndarray:
    """A vector env's (num_envs, 8) actions as int64, checked in one pass; ``num_envs=None``: one action,
    shape (8,). The error names the env whose action is wrong."""
    try:
        a = np.asarray(actions)
    except Exception as exc:  # pragma: no cover - numpy accepts nearly anything
        raise InvalidActionError(f"action must be 8 integers, got {actions!r}") from exc
    shape = (8,) if num_envs is None else (num_envs, 8)
    if a.shape != shape:
        what = "action" if num_envs is None else f"actions of {num_envs} envs"
        raise InvalidActionError(f"{what} must have shape {shape} as MultiDiscrete{list(ACTION_NVEC)}, "
                                 f"got shape {a.shape}")
    if a.dtype.kind not in "iub":
        if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
            a = a.astype(np.int64)
        else:
            raise InvalidActionError(f"action entries must be integers, got dtype {a.dtype}: {a.tolist()}")
    a = a.astype(np.int64)
    bad = np.argwhere((a < 0) | (a >= np.array(ACTION_NVEC)))
    if bad.size:
        *env, i = (int(v) for v in bad[0])
        where = f"action[{i}]" if not env else f"actions[{env[0]}][{i}] (env {env[0]})"
        what = {6: f" (craft/smelt item index into {ACTION_NVEC[6]} MineDojo items)", 7: " (inventory slot)"}.get(i, "")
        raise InvalidActionError(
            f"{where} = {int(a[tuple(bad[0])])} is out of range [0, {ACTION_NVEC[i]}){what}; action space is "
            f"MultiDiscrete({list(ACTION_NVEC)})")
    return a


def observation_space(image_size: tuple[int, int]) -> gym.spaces.Dict:
    h, w = image_size
    n_names = len(name_vocabulary())
    B = gym.spaces.Box

    def names(shape):
        return B(-1, n_names - 1, shape=shape, dtype=np.int32)

    def f32(lo, hi, shape=(1,)):
        return B(np.float32(lo), np.float32(hi), shape=shape, dtype=np.float32)

    def flag(shape=()):
        return B(0, 1, shape=shape, dtype=np.bool_)

    def slots(n):
        return gym.spaces.Dict({
            "name": names((n,)), "quantity": f32(0, 64, (n,)), "variant": f32(0, 15, (n,)),
            "cur_durability": f32(0, 1561, (n,)), "max_durability": f32(0, 1561, (n,)),
        })

    vox = (3, 3, 3)
    return gym.spaces.Dict({
        "rgb": B(0, 255, shape=(3, h, w), dtype=np.uint8),
        "inventory": slots(N_SLOTS),
        "equipment": slots(6),
        "life_stats": gym.spaces.Dict({
            "life": f32(0, 20), "oxygen": f32(0, 300), "armor": f32(0, 20), "food": f32(0, 20),
            "saturation": f32(0, 20), "xp": f32(0, 1395), "is_sleeping": gym.spaces.Discrete(2),
        }),
        "location_stats": gym.spaces.Dict({
            "pos": f32(-640000.0, 640000.0, (3,)), "yaw": f32(-180, 180), "pitch": f32(-180, 180),
            "biome_id": B(0, 167, shape=(), dtype=np.int64), "rainfall": f32(0, 1), "temperature": f32(0, 1),
            "can_see_sky": B(0, 1, shape=(), dtype=np.int64), "is_raining": B(0, 1, shape=(), dtype=np.int64),
            "light_level": f32(0, 15), "sky_light_level": f32(0, 1), "sun_brightness": f32(0, 1),
            "sea_level": f32(0, 255),
        }),
        "nearby_tools": gym.spaces.Dict({"table": flag(), "furnace": flag()}),
        "damage_source": gym.spaces.Dict({
            "damage_amount": f32(0, 40), "damage_distance": f32(0, 640000.0), "damage_pitch": f32(-90, 90),
            "damage_yaw": f32(-180, 180), "hunger_damage": f32(0, 20), "is_explosion": flag(),
            "is_fire_damage": flag(), "is_magic_damage": flag(), "is_projectile": flag(), "is_unblockable": flag(),
        }),
        "voxels": gym.spaces.Dict({
            "block_name": names(vox), "is_collidable": flag(vox), "is_tool_not_required": flag(vox),
            "blocks_movement": flag(vox), "is_liquid": flag(vox), "is_solid": flag(vox), "can_burn": flag(vox),
            "blocks_light": flag(vox), "cos_look_vec_angle": f32(-1, 1, vox),
        }),
        "masks": gym.spaces.Dict({
            "action_type": flag((8,)), "action_arg": flag((8, 1)), "equip": flag((N_SLOTS,)),
            "place": flag((N_SLOTS,)), "destroy": flag((N_SLOTS,)), "craft_smelt": flag((ACTION_NVEC[6],)),
        }),
        "delta_inv": gym.spaces.Dict({
            "inc_name_by_craft": names((1,)), "inc_quantity_by_craft": f32(0, 64, (1,)),
            "dec_name_by_craft": names((4,)), "dec_quantity_by_craft": f32(0, 64, (4,)),
            "inc_name_by_other": names((1,)), "inc_quantity_by_other": f32(0, 64, (1,)),
            "dec_name_by_other": names((4,)), "dec_quantity_by_other": f32(0, 64, (4,)),
        }),
    })
