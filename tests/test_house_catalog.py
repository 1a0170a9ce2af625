"""The shipped asset catalog matches ProcTHOR's databases and answers bad ids helpfully."""

from __future__ import annotations

import json

import pytest
from embodied_gym.procgen.catalog.assets import (
    AssetInfo,
    UnknownAssetError,
    all_assets,
    assets_of_type,
    get_asset,
)
from embodied_gym.procgen.catalog.house_catalog import CATALOG_PATH


def test_get_asset_has_type_size_split_and_flags():
    fridge = get_asset("Fridge_1")
    assert isinstance(fridge, AssetInfo)
    assert fridge.object_type == "Fridge"
    assert len(fridge.size) == 3 and all(s > 0.3 for s in fridge.size)
    assert fridge.openable and fridge.receptacle and not fridge.pickupable
    apple = next(a for a in all_assets().values() if a.object_type == "Apple")
    assert apple.pickupable


def test_unknown_asset_error_is_a_keyerror_listing_near_ids():
    with pytest.raises(UnknownAssetError) as err:
        get_asset("Fridge_1x")
    assert isinstance(err.value, KeyError)
    assert "Fridge_1" in str(err.value)
    assert "Fridge_1" in err.value.suggestions


def test_catalog_matches_reference_asset_database(reference_data):
    db = json.loads((reference_data / "procthor" / "asset-database.json").read_text())
    ref = {a["assetId"]: (t, a["boundingBox"]) for t, entries in db.items() for a in entries}
    assert set(ref) == set(all_assets())
    for asset_id, (object_type, bb) in ref.items():
        info = get_asset(asset_id)
        assert info.object_type == object_type
        assert info.size == pytest.approx((bb["x"], bb["y"], bb["z"]), abs=1e-4)


def test_shipped_catalog_is_what_the_build_script_produces(reference_data, tmp_path):
    from importlib.util import module_from_spec, spec_from_file_location
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "build_house_catalog.py"
    spec = spec_from_file_location("build_house_catalog", script)
    mod = module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "cat.json"
    assert mod.main(["--source", str(reference_data / "procthor"), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == json.loads(CATALOG_PATH.read_text())


def test_assets_of_type_respects_split():
    train = assets_of_type("Sofa", "train")
    assert train and all(a.split in ("train", "") for a in train)
    assert len(assets_of_type("Sofa")) > len(train)
    with pytest.raises(KeyError, match="Sofa"):
        assets_of_type("Sofaa")
