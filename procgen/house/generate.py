"""``generate_house``: one seed in, one complete, validated AI2-THOR house dict out.

Pipeline: room spec -> interior boundary + floorplan -> walls, doors, windows, materials, lights
-> floor objects, wall objects, small objects -> agent start pose -> validation. A draw that
cannot be completed (say, furniture cuts a room off) is retried with the next attempt's sub-seed,
keeping the room spec, so the spec distribution is exactly the weighted one and house ``i`` of a
split depends only on ``(seed, split, i)``.
"""

from __future__ import annotations

import numpy as np

from .floorplan import FloorplanError, generate_floorplan
from .specs import RoomSpec, get_spec, sample_spec
from .structure import build_structure, lights_and_parameters
from .validate import HouseValidationError, validate_house

SPLITS = ("train", "val", "test")
SCHEMA_VERSION = "1.0.0"
MAX_ATTEMPTS = 64


class HouseGenerationError(RuntimeError):
    """No valid house came out of MAX_ATTEMPTS draws (should not happen for the built-in specs)."""


def _split_code(split: str) -> int:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")
    return SPLITS.index(split)


def house_entropy(seed: int, split: str, index: int | None) -> list[int]:
    """The SeedSequence entropy of a house: (seed, split, index) so any worker can rebuild house i."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    ent = [int(seed), _split_code(split)]
    if index is not None:
        if index < 0:
            raise ValueError(f"index must be >= 0, got {index}")
        ent.append(int(index))
    return ent


def _start_pose(rng: np.random.Generator, house: dict) -> dict | None:
    """A random free point from which every room is reachable, or None."""
    from .navgrid import build_navgrid

    nav = build_navgrid(house)
    free = np.argwhere(nav.free)
    if len(free) == 0:
        return None
    i, j = free[int(rng.integers(len(free)))]
    x, z = nav.point(int(i), int(j))
    reach = nav.reachable_from(x, z)
    if len(np.unique(nav.room_index[reach])) != len(nav.room_ids):
        # try a point of the biggest component instead: pick from the largest room's free points
        return None
    return {
        "horizon": 30,
        "position": {"x": round(x, 4), "y": 0.95, "z": round(z, 4)},
        "rotation": {"x": 0, "y": float(rng.integers(4)) * 90.0, "z": 0},
        "standing": True,
    }


def _attempt(rng: np.random.Generator, spec: RoomSpec, split: str) -> dict:
    from .objects import place_objects

    cell = float(np.round(rng.uniform(1.05, 1.45), 2))
    fp = generate_floorplan(rng, spec.rooms, cell)
    st = build_structure(rng, fp)
    objects = place_objects(rng, fp, st, split)
    house = {
        "rooms": st.rooms,
        "walls": st.walls,
        "doors": st.doors,
        "windows": st.windows,
        "objects": objects,
        "proceduralParameters": lights_and_parameters(rng, st.rooms, st.wall_height),
        "metadata": {"schema": SCHEMA_VERSION, "roomSpecId": spec.spec_id, "warnings": {}},
    }
    agent = _start_pose(rng, house)
    if agent is None:
        raise FloorplanError("start pose cannot reach every room")
    house["metadata"]["agent"] = agent
    return house


def generate_house(
    seed: int,
    split: str = "train",
    spec: str | None = None,
    *,
    index: int | None = None,
    validate: bool = True,
) -> dict:
    """Generate one house in AI2-THOR's house schema 1.0.0.

    ``seed`` (with ``split`` and, for datasets, ``index``) fixes the house bit for bit. ``spec``
    forces a room spec id (see :data:`specs.ROOM_SPECS`); by default one is drawn by weight.
    Assets come from ``split``'s asset pool. With ``validate`` (the default) the house is checked
    at the "full" level before it is returned.
    """
    entropy = house_entropy(seed, split, index)
    base = np.random.default_rng(np.random.SeedSequence(entropy))
    room_spec = get_spec(spec) if spec is not None else sample_spec(base)
    last: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        rng = np.random.default_rng(np.random.SeedSequence(entropy + [1_000_003, attempt]))
        try:
            house = _attempt(rng, room_spec, split)
            if validate:
                validate_house(house, level="full")
        except (FloorplanError, HouseValidationError) as e:
            last = e
            continue
        house["metadata"]["generator"] = {"name": "embodied-gym", "seed": int(seed), "split": split,
                                          "index": index, "attempt": attempt}
        return house
    raise HouseGenerationError(f"no valid house for seed={seed} split={split} index={index} spec={room_spec.spec_id}: {last}")
