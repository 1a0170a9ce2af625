"""The GSP reader and the GSP board sets (reference data read from ../shared/reference-data/kumar2022)."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.envs.tiles.boards import board_set
from embodied_gym.envs.tiles.env import TilesEnv
from embodied_gym.envs.tiles.gsp import GSPDataError, load_gsp


@pytest.fixture(scope="module")
def gsp_dir(reference_data):
    return reference_data / "kumar2022"


def test_reader_splits(gsp_dir):
    data = load_gsp(gsp_dir)
    assert len(data.full_masks) == 7959 and len(data.described_masks) == 500
    assert len(data.train_indices) == 475
    assert np.isin(data.test_masks, data.described_masks).all()
    assert data.program_embeddings["library"].shape == (500, 64)
    assert sum(len(d) for d in data.descriptions) == 5592


def test_test_boards_start_on_their_fixed_tile(gsp_dir):
    raw = np.load(gsp_dir / "gsp_4x4_sample.npy")
    starts = np.load(gsp_dir / "gsp_4x4_sample_starts.npy")
    env = TilesEnv("gsp-test", gsp_dir=gsp_dir, max_steps=120)
    for i in (0, 13, 24):
        obs, info = env.reset(seed=i, options={"board_index": i})
        r, c = starts[i]
        assert obs[r * 4 + c] == 1.0 and (obs[:16] >= 0).sum() == 1
        assert env.get_state().red == int((raw[i].reshape(-1).astype(np.int64) << np.arange(16)).sum())
        assert info["description"]  # every test board is one of the described 500


def test_training_sets(gsp_dir):
    train = board_set("gsp-train", gsp_dir)
    assert len(train) == 475 and all(train.descriptions)
    assert not np.isin(train.masks, board_set("gsp-test", gsp_dir).masks).any()
    full = board_set("gsp", gsp_dir)
    assert abs(full.weights.sum() - 1) < 1e-9 and full.weights.max() > full.weights.min()
    control = board_set("gsp-control", gsp_dir)
    assert len(control) == 25 and (control.starts >= 0).all()


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(GSPDataError, match="not a folder"):
        load_gsp(tmp_path / "nope")
    with pytest.raises(GSPDataError, match="lacks"):
        load_gsp(tmp_path)
