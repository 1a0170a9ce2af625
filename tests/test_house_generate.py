"""Generated houses: deterministic, schema-valid, reachable, overlap-free, real asset ids."""

from __future__ import annotations

import math
from collections import Counter

import jsonschema
import numpy as np
import pytest
from embodied_gym.procgen.catalog.assets import get_asset
from embodied_gym.procgen.house import generate_house, validate_house
from embodied_gym.procgen.house.geometry import object_footprint, room_polygons
from embodied_gym.procgen.house.navgrid import build_navgrid
from embodied_gym.procgen.house.specs import (
    ROOM_SPECS,
    expected_rooms_distribution,
    sample_spec,
    spec_probabilities,
)
from embodied_gym.procgen.house.validate import house_schema


@pytest.fixture(scope="module")
def houses():
    return [generate_house(7, "train", index=i) for i in range(24)]


def test_same_seed_same_house_and_different_index_differs():
    a = generate_house(3, "train", index=5)
    b = generate_house(3, "train", index=5)
    assert a == b
    assert generate_house(3, "train", index=6) != a
    assert generate_house(3, "val", index=5) != a


def test_schema_valid_with_reference_jsonschema(houses):
    validator = jsonschema.Draft202012Validator(house_schema())
    for h in houses:
        validator.validate(h)
        assert h["metadata"]["schema"] == "1.0.0"
        for key in ("rooms", "walls", "doors", "windows", "objects", "proceduralParameters"):
            assert key in h


@pytest.mark.parametrize("spec", [s.spec_id for s in ROOM_SPECS])
def test_every_room_spec_generates_a_valid_house(spec):
    h = generate_house(11, "train", spec=spec)
    validate_house(h, level="full")
    want = Counter(next(s for s in ROOM_SPECS if s.spec_id == spec).rooms)
    assert Counter(r["roomType"] for r in h["rooms"]) == want
    assert h["metadata"]["roomSpecId"] == spec


def test_every_room_reachable_from_start(houses):
    for h in houses:
        nav = build_navgrid(h, 0.25, 0.2)
        pos = h["metadata"]["agent"]["position"]
        reach = nav.reachable_from(pos["x"], pos["z"])
        reached = {nav.room_ids[k] for k in np.unique(nav.room_index[reach]) if k >= 0}
        assert reached == {r["id"] for r in h["rooms"]}


def test_no_overlaps_and_objects_inside_rooms(houses):
    for h in houses:
        boxes = []
        polys = room_polygons(h)
        for obj in h["objects"]:
            size = get_asset(obj["assetId"]).size
            x0, z0, x1, z1 = object_footprint(obj, size)
            y0 = obj["position"]["y"] - size[1] / 2
            # inside the bounding box of some room at least, exact test is validate_house's job
            assert any(p[:, 0].min() - 1e-3 <= x0 and x1 <= p[:, 0].max() + 1e-3 and p[:, 1].min() - 1e-3 <= z0
                       and z1 <= p[:, 1].max() + 1e-3 for p in polys.values())
            for bx0, bz0, bx1, bz1, by0, by1 in boxes:
                overlap = min(x1, bx1) - max(x0, bx0) > 1e-3 and min(z1, bz1) - max(z0, bz0) > 1e-3 and \
                    min(y0 + size[1], by1) - max(y0, by0) > 1e-3
                assert not overlap, obj["id"]
            boxes.append((x0, z0, x1, z1, y0, y0 + size[1]))


def test_small_objects_rest_on_their_receptacle(houses):
    n = 0
    for h in houses:
        for obj in h["objects"]:
            top = obj["position"]["y"] + get_asset(obj["assetId"]).size[1] / 2
            for child in obj["children"]:
                n += 1
                assert child["position"]["y"] - get_asset(child["assetId"]).size[1] / 2 == pytest.approx(top, abs=1e-3)
    assert n > 50


def test_one_exterior_door_and_walls_per_room(houses):
    for h in houses:
        ext = [d for d in h["doors"] if d["wall1"].startswith("wall|exterior")]
        assert len(ext) == 1
        for room in h["rooms"]:
            assert any(w["roomId"] == room["id"] for w in h["walls"])


def test_train_houses_use_train_assets(houses):
    for h in houses:
        stack = list(h["objects"])
        while stack:
            o = stack.pop()
            assert get_asset(o["assetId"]).split in ("train", ""), o["assetId"]
            stack.extend(o["children"])


def test_semantic_groups_appear():
    types = Counter()
    for i in range(30):
        h = generate_house(5, "train", index=i)
        stack = list(h["objects"])
        while stack:
            o = stack.pop()
            types[get_asset(o["assetId"]).object_type] += 1
            stack.extend(o["children"])
    for t in ("Bed", "SideTable", "Fridge", "Toilet", "Sofa", "Television", "DiningTable", "Chair", "Painting"):
        assert types[t] > 0, t


def test_room_spec_sampler_follows_weights():
    rng = np.random.default_rng(0)
    n = 20000
    counts = Counter(sample_spec(rng).spec_id for _ in range(n))
    p = spec_probabilities()
    chi2 = sum((counts[s.spec_id] - n * q) ** 2 / (n * q) for s, q in zip(ROOM_SPECS, p, strict=True))
    assert chi2 < 37.7  # 99.9% quantile of chi-square with 15 dof
    assert math.isclose(sum(expected_rooms_distribution().values()), 1.0)


def test_bad_arguments_raise_typed_errors():
    with pytest.raises(ValueError, match="split"):
        generate_house(0, "training")
    with pytest.raises(KeyError, match="known"):
        generate_house(0, spec="castle")
    with pytest.raises(ValueError, match="seed"):
        generate_house(-1)


def test_placer_refuses_furniture_that_cuts_a_room_between_its_doors():
    from embodied_gym.procgen.house.floorplan import Floorplan
    from embodied_gym.procgen.house.objects import Box, RoomPlacer
    from embodied_gym.procgen.house.structure import build_structure

    grid = np.zeros((4, 9), dtype=np.int16)
    grid[:, 3:6] = 1
    grid[:, 6:] = 2
    fp = Floorplan(grid=grid, room_types=("Bedroom", "LivingRoom", "Kitchen"), cell_size=1.0)
    st = build_structure(np.random.default_rng(0), fp)
    middle_doors = [d for d in st.doors if "room|2" in (d["room0"], d["room1"])]
    assert len(middle_doors) >= 2
    placer = RoomPlacer(np.random.default_rng(0), fp, st, 1, [])
    wall_to_wall = Box(4.2, 0.0, 4.8, 4.0, 0.0, 0.8)  # splits the left door from the right one
    assert not placer.keeps_doors_connected([wall_to_wall])
    assert placer.keeps_doors_connected([Box(4.45, 1.95, 4.55, 2.05, 0.0, 0.5)])
