"""Metrics (through rliable) and the text / HTML leaderboard."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.leaderboard.metrics import AGGREGATES, aggregate, leaderboard_results
from embodied_gym.leaderboard.report import format_table, load_leaderboard, write_html
from embodied_gym.leaderboard.rliable_compat import rliable_modules
from embodied_gym.leaderboard.runner import evaluate
from embodied_gym.leaderboard.suites import SuiteError
from leaderboard_toy_env import toy_suite


def test_aggregates_are_rliables_and_reproducible():
    rng = np.random.default_rng(0)
    scores = {"a": rng.random((10, 3)), "b": (rng.random((10, 3)) > 0.5).astype(float)}
    matrices = {k: {"success": v, "score": v} for k, v in scores.items()}
    est, profiles = aggregate(matrices, reps=200, seed=3)
    _, metrics = rliable_modules()
    for agent, m in scores.items():
        e = est[agent]["success"]
        assert e["iqm"].point == pytest.approx(metrics.aggregate_iqm(m))
        assert e["median"].point == pytest.approx(metrics.aggregate_median(m))
        assert e["optimality_gap"].point == pytest.approx(metrics.aggregate_optimality_gap(m))
        for name in AGGREGATES:
            assert e[name].low <= e[name].point + 1e-9 and e[name].point <= e[name].high + 1e-9
        prof, low, high = profiles[agent]["score"]
        assert prof[0] >= prof[-1] and np.all(low <= high + 1e-12)
    again, _ = aggregate(matrices, reps=200, seed=3)
    assert again == est  # same scores, same intervals
    state = np.random.get_state()[1].copy()  # noqa: NPY002  (checks rliable leaves it alone)
    aggregate(matrices, reps=200, seed=4)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002  (global RNG left as it was)


def test_incomplete_agents_get_no_aggregate_and_sort_last():
    suite = toy_suite(episodes=2)
    full = [{"task_id": t.task_id, "seed": s, "success": 1, "spl": 0.5, "return": 1.0, "length": 3, "gif": None}
            for t, s in suite.episodes()]
    results = leaderboard_results(suite, {"partial": full[:1], "full": full}, reps=200)
    assert [r.agent for r in results] == ["full", "partial"]
    assert results[0].aggregates["score"]["mean"].point == pytest.approx(0.5)
    assert not results[1].aggregates and results[1].episodes == 1


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("board")
    suite = toy_suite(episodes=4)
    for spec in ("random", "leaderboard_toy_env:greedy"):
        evaluate(suite, spec, out / "results.sqlite", progress=False)
    return out


def test_table_and_html(board_dir, tmp_path):
    board = load_leaderboard(board_dir / "results.sqlite", "toy", reps=300)
    table = format_table(board)
    lines = table.splitlines()
    assert "greedy" in lines[3] and "1.00 [1.00, 1.00]" in lines[3]  # the oracle-like agent ranks first
    assert "random" in lines[4]
    page = write_html(board, tmp_path / "site")  # a folder other than the store's: GIFs are copied
    html = page.read_text()
    assert html.count('class="sortable-table"') == 2 + len(board.suite.tasks)  # main, per task, runs
    for rel in ("plots/aggregates_success.png", "plots/profiles.png", "plots/per_task.png",
                "media/greedy/leaderboard_toy_env_GridGoal-v0.gif"):
        assert (tmp_path / "site" / rel).is_file() and rel in html
    with pytest.raises(SuiteError, match="no results for suite 'quick'"):
        load_leaderboard(board_dir / "results.sqlite", "quick")
    with pytest.raises(FileNotFoundError, match="embodied-gym evaluate"):
        load_leaderboard(tmp_path / "missing.sqlite", "toy")


def test_a_renamed_version_replaces_the_old_rows(tmp_path):
    from embodied_gym.leaderboard.store import EpisodeRecord, ResultsStore

    suite = toy_suite(episodes=2)
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as store:
        suite_id = store.register_suite(suite)
        for fingerprint, success in (("v1", False), ("v2", True)):  # same name, retrained model
            agent = store.register_agent("ppo", "x.zip", fingerprint)
            run = store.start_run(agent, suite_id, "local", suite.num_episodes)
            for task, seed in suite.episodes():
                store.add_episode(agent, suite_id, run, EpisodeRecord(task.task_id, seed, success, None, 1.0, 3,
                                                                      False, 0.0))
    board = load_leaderboard(db, "toy", reps=200)
    (row,) = board.results
    assert row.episodes == suite.num_episodes and row.aggregates["success"]["mean"].point == 1.0
