"""One reproduction run end to end, and the report it feeds (table, verdict, plot)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch as th
from embodied_gym.agents.grounded.experiment import ExperimentError, run_condition

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "reproduce_kumar2022.py"


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    before = th.get_num_threads()
    th.set_num_threads(1)
    yield
    th.set_num_threads(before)


def test_run_is_deterministic_and_scores_both_test_sets(reference_data, tmp_path):
    gsp_dir = reference_data / "kumar2022"
    first = run_condition("gsp", "program_library", seed=3, timesteps=256, gsp_dir=gsp_dir, cache_dir=tmp_path)
    second = run_condition("gsp", "program_library", seed=3, timesteps=256, gsp_dir=gsp_dir, cache_dir=tmp_path)
    assert first.timesteps >= 256 and len(first.structured_whites) == 25 and len(first.control_whites) == 25
    assert (first.structured_whites, first.control_whites) == (second.structured_whites, second.control_whites)
    assert (tmp_path / "targets-gsp-program_library.npy").is_file()
    with pytest.raises(ExperimentError, match="unknown condition"):
        run_condition("gsp", "program", 0, 256, gsp_dir)


def test_report_states_whether_the_paper_ordering_holds(tmp_path):
    spec = importlib.util.spec_from_file_location("reproduce_kumar2022", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Synthetic runs where language and library programs have the largest GSP advantage.
    advantage = {"none": 0, "autoencoder": 0, "language": 2, "program_library": 3, "program_no_library": 1}
    with (tmp_path / "runs-gsp.jsonl").open("w") as fh:
        for condition, adv in advantage.items():
            for seed in range(3):
                fh.write(json.dumps({"condition": condition, "seed": seed, "timesteps": 1000,
                                     "structured_whites": [2] * 25, "control_whites": [2 + adv] * 25}) + "\n")
    text = module.report(tmp_path, ["gsp"])
    assert "**holds**" in text and "| human language | 3 | 2.00 [2.00, 2.00] | 4.00" in text
    assert (tmp_path / "kumar2022.png").stat().st_size > 10_000
