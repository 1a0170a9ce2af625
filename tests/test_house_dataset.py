"""Datasets: identical whatever the number of workers or the backend; the CLI end to end."""

from __future__ import annotations

import gzip

import pytest
from embodied_gym.cli import main
from embodied_gym.procgen.house import generate_house, generate_houses, load_houses
from embodied_gym.procgen.house.dataset import write_house_dataset


def test_house_i_is_the_same_for_any_number_of_workers(tmp_path):
    one = write_house_dataset(tmp_path / "w1", 10, "train", seed=3, workers=1, chunk=3, progress=False)
    two = write_house_dataset(tmp_path / "w2", 10, "train", seed=3, workers=2, chunk=4, progress=False)
    assert gzip.decompress(one.read_bytes()) == gzip.decompress(two.read_bytes())
    houses = list(load_houses(two))
    assert len(houses) == 10
    assert houses[7] == generate_house(3, "train", index=7)


def test_generate_houses_streams_in_order():
    got = list(generate_houses(5, "val", seed=1, workers=1, chunk=2))
    assert got == [generate_house(1, "val", index=i) for i in range(5)]


def test_bad_dataset_arguments():
    with pytest.raises(ValueError, match="split"):
        list(generate_houses(2, "dev"))
    with pytest.raises(ValueError, match="workers"):
        list(generate_houses(2, "train", workers=0))
    with pytest.raises(ValueError, match="n must"):
        list(generate_houses(-1))


def test_cli_generate_stats_draw(tmp_path, capsys):
    out = tmp_path / "ds"
    assert main(["generate", "houses", "--n", "6", "--split", "test", "--seed", "2", "--out", str(out),
                 "--workers", "1", "--no-progress"]) == 0
    assert (out / "test.jsonl.gz").is_file()
    assert main(["houses", "stats", str(out)]) == 0
    text = capsys.readouterr().out
    assert "houses: 6" in text and "rooms per house" in text
    assert (out / "house_stats.png").stat().st_size > 10_000
    pngs = tmp_path / "png"
    assert main(["houses", "draw", str(out), "--indices", "0", "5", "--out", str(pngs)]) == 0
    assert sorted(p.name for p in pngs.glob("*.png")) == ["test_00000.png", "test_00005.png"]
    assert main(["houses", "draw", "--seed", "0", "--indices", "1", "--out", str(pngs), "--navgrid"]) == 0
    assert (pngs / "train_00001.png").is_file()


@pytest.mark.slow
def test_ray_backend_matches_local(tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        via_ray = write_house_dataset(tmp_path / "ray", 8, "train", seed=5, use_ray=True, chunk=3, progress=False)
    finally:
        ray.shutdown()
    local = write_house_dataset(tmp_path / "local", 8, "train", seed=5, workers=1, chunk=5, progress=False)
    assert gzip.decompress(via_ray.read_bytes()) == gzip.decompress(local.read_bytes())


@pytest.mark.slow
def test_ten_thousand_houses_follow_the_spec_weights(tmp_path):
    """The acceptance run: 10,000 houses, every one validated during generation, rooms-per-house
    matching the spec weights (chi-square, 99.9% level)."""
    from collections import Counter

    from embodied_gym.procgen.house.specs import expected_rooms_distribution

    n = 10_000
    path = write_house_dataset(tmp_path, n, "train", seed=0, workers=2, progress=False)
    rooms = Counter()
    count = 0
    for house in load_houses(path, validate="schema"):
        rooms[len(house["rooms"])] += 1
        count += 1
    assert count == n
    expected = expected_rooms_distribution()
    chi2 = sum((rooms[k] - n * p) ** 2 / (n * p) for k, p in expected.items())
    assert set(rooms) <= set(expected)
    assert chi2 < 27.9  # 99.9% quantile, 9 degrees of freedom


def test_cli_validate_reports_bad_houses(tmp_path, capsys):
    import json

    good = generate_house(0, "train", index=0)
    bad = json.loads(json.dumps(good))
    bad["doors"][0]["wall0"] = "wall|nowhere"
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    assert main(["houses", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "mixed.jsonl:1: doors[0].wall0" in out and "1/2 houses valid" in out
    single = tmp_path / "one.json"
    single.write_text(json.dumps(good))
    assert main(["houses", "validate", str(single), "--level", "full"]) == 0
