"""Loading houses: dicts, strings, files, datasets; ProcTHOR schema 0.0.1 upgraded on load."""

from __future__ import annotations

import copy
import gzip
import json

import pytest
from embodied_gym.procgen.house import (
    HouseValidationError,
    generate_house,
    load_house,
    load_houses,
    upgrade_house,
    validate_house,
    write_houses,
)


@pytest.fixture(scope="module")
def house():
    return generate_house(9, "train", spec="kitchen-living-bedroom")


def to_v001(h: dict) -> dict:
    """Rewrite a 1.0.0 house the way ProcTHOR's 0.0.1 houses store holes and materials."""
    old = copy.deepcopy(h)
    for key in ("doors", "windows"):
        for item in old[key]:
            lo, hi = item.pop("holePolygon")
            centre = {a: (lo[a] + hi[a]) / 2 for a in "xyz"}
            pos = item.pop("assetPosition")
            item["boundingBox"] = {"min": lo, "max": hi}
            item["assetOffset"] = {a: pos[a] - centre[a] for a in "xyz"}
    for room in old["rooms"]:
        room["floorMaterial"] = room["floorMaterial"]["name"]
    for wall in old["walls"]:
        wall["material"] = wall["material"]["name"]
    old["proceduralParameters"]["ceilingMaterial"] = "PureWhite"
    old["metadata"].pop("schema")
    return old


def test_v001_house_is_upgraded_on_load(house):
    old = to_v001(house)
    with pytest.raises(HouseValidationError):
        validate_house(old, level="schema")  # not a 1.0.0 house as it stands
    loaded = load_house(old)
    assert loaded["metadata"]["schema"] == "1.0.0"
    for key in ("doors", "windows"):
        for new, orig in zip(loaded[key], house[key], strict=True):
            assert "boundingBox" not in new and "assetOffset" not in new
            for p, q in zip(new["holePolygon"], orig["holePolygon"], strict=True):
                assert p == pytest.approx(q)
            assert new["assetPosition"] == pytest.approx(orig["assetPosition"])
    assert loaded["walls"][0]["material"] == {"name": house["walls"][0]["material"]["name"]}
    assert loaded["rooms"][0]["floorMaterial"] == {"name": house["rooms"][0]["floorMaterial"]["name"]}
    assert loaded["proceduralParameters"]["ceilingMaterial"] == {"name": "PureWhite"}
    validate_house(loaded, level="full")
    assert old["metadata"].get("schema") is None  # the input is not mutated


def test_explicit_v001_schema_and_unknown_schema(house):
    old = to_v001(house)
    old["metadata"]["schema"] = "0.0.1"
    assert load_house(old)["metadata"]["schema"] == "1.0.0"
    bad = copy.deepcopy(house)
    bad["metadata"]["schema"] = "2.0.0"
    with pytest.raises(HouseValidationError) as err:
        load_house(bad)
    assert err.value.field == "metadata.schema"


def test_v001_hole_without_bounding_box(house):
    old = to_v001(house)
    del old["doors"][0]["boundingBox"]
    with pytest.raises(HouseValidationError) as err:
        load_house(old)
    assert err.value.field.startswith("doors[0]")


def test_load_from_path_string_and_gzip(house, tmp_path):
    p = tmp_path / "h.json"
    p.write_text(json.dumps(house))
    assert load_house(p) == house
    assert load_house(str(p)) == house
    assert load_house(json.dumps(house)) == house
    gz = tmp_path / "h.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(house).encode()))
    assert load_house(gz) == house
    with pytest.raises(FileNotFoundError):
        load_house(tmp_path / "missing.json")
    with pytest.raises(HouseValidationError):
        load_house("{not json")
    with pytest.raises(TypeError):
        load_house(42)


def test_write_and_stream_dataset(tmp_path):
    houses = [generate_house(1, "val", index=i) for i in range(4)]
    path = tmp_path / "val.jsonl.gz"
    assert write_houses(houses, path) == 4
    assert list(load_houses(path)) == houses
    assert list(load_houses(path, validate="full")) == houses


def test_upgrade_keeps_1_0_0_unchanged(house):
    assert upgrade_house(house) == house
    assert upgrade_house(house) is not house
