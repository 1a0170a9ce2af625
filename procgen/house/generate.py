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


def _start_pose(rng: np.random.Generator, house: dict, wall_pieces: np.ndarray | None = None):
    """A random free point from which every room is reachable (and the navgrid), or None.

    Tries the components of the free grid one by one (a start point can land in a pocket that
    furniture cuts off), so the draw only fails when no component reaches every room.
    """
    from .navgrid import build_navgrid

    nav = build_navgrid(house, wall_pieces=wall_pieces)
    free = nav.free.copy()
    n_rooms = len(nav.room_ids)
    for _ in range(4):
        cand = np.argwhere(free)
        if len(cand) == 0:
            return None, nav
        i, j = cand[int(rng.integers(len(cand)))]
        x, z = nav.point(int(i), int(j))
        reach = nav.reachable_from(x, z)
        if len(np.unique(nav.room_index[reach])) == n_rooms:
            pts = np.argwhere(reach)
            i, j = pts[int(rng.integers(len(pts)))]
            x, z = nav.point(int(i), int(j))
            agent = {
                "horizon": 30,
                "position": {"x": round(x, 4), "y": 0.95, "z": round(z, 4)},
                "rotation": {"x": 0, "y": float(rng.integers(4)) * 90.0, "z": 0},
                "standing": True,
            }
            return agent, nav
        free &= ~reach
    return None, nav


def _unblock(rng: np.random.Generator, house: dict, units: list[list[str]], wall_pieces: np.ndarray, max_tries: int = 6):
    """Furniture cut a room off: take back the single most recent placement unit (a whole group)
    whose removal makes every room reachable. Cheaper than redrawing the house, and it keeps the
    floorplan the seed chose."""
    for unit in reversed(units[-max_tries:] if len(units) > max_tries else units):
        drop = set(unit)
        trial = dict(house)
        trial["objects"] = [o for o in house["objects"] if o["id"] not in drop]
        agent, nav = _start_pose(rng, trial, wall_pieces)
        if agent is not None:
            house["objects"] = trial["objects"]
            return agent, nav
    return None, None


def _attempt(rng: np.random.Generator, spec: RoomSpec, split: str) -> dict:
    from .objects import place_objects

    cell = float(np.round(rng.uniform(1.05, 1.45), 2))
    fp = generate_floorplan(rng, spec.rooms, cell)
    st = build_structure(rng, fp)
    objects, units = place_objects(rng, fp, st, split)
    house = {
        "rooms": st.rooms,
        "walls": st.walls,
        "doors": st.doors,
        "windows": st.windows,
        "objects": objects,
        "proceduralParameters": lights_and_parameters(rng, st.rooms, st.wall_height),
        "metadata": {"schema": SCHEMA_VERSION, "roomSpecId": spec.spec_id, "warnings": {}},
    }
    from .geometry import solid_wall_pieces

    pieces = solid_wall_pieces(house)
    agent, nav = _start_pose(rng, house, pieces)
    if agent is None:
        agent, nav = _unblock(rng, house, units, pieces)
    if agent is None:
        raise FloorplanError("no start pose reaches every room")
    house["metadata"]["agent"] = agent
    return house, nav


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
            house, nav = _attempt(rng, room_spec, split)
            if validate:
                validate_house(house, level="full", navgrid=nav)
        except (FloorplanError, HouseValidationError) as e:
            last = e
            continue
        house["metadata"]["generator"] = {"name": "embodied-gym", "seed": int(seed), "split": split,
                                          "index": index, "attempt": attempt}
        return house
    raise HouseGenerationError(f"no valid house for seed={seed} split={split} index={index} spec={room_spec.spec_id}: {last}")
