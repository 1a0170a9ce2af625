"""Suites and the SQLite results store: validation, versioning, resume, concurrent writers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from embodied_gym.leaderboard.store import EpisodeRecord, ResultsStore, StoreError
from embodied_gym.leaderboard.suites import Suite, SuiteError, SuiteTask, get_suite
from leaderboard_toy_env import toy_suite

TESTS = Path(__file__).resolve().parent


def _record(task: str, seed: int, ret: float = 1.0) -> EpisodeRecord:
    return EpisodeRecord(task_id=task, seed=seed, success=True, spl=0.5, episode_return=ret, length=3,
                         truncated=False, duration_s=0.01)


def test_builtin_suites_are_versioned_and_pin_episodes():
    for name in ("quick", "standard", "full", "gymnasium"):
        suite = get_suite(name)
        assert suite.version and suite.num_episodes == len(suite.tasks) * suite.episodes_per_task
        assert suite.fingerprint == get_suite(name).fingerprint
    assert get_suite("quick").num_episodes < get_suite("standard").num_episodes <= get_suite("full").num_episodes


def test_suite_rejects_bad_definitions(tmp_path):
    with pytest.raises(SuiteError, match="unknown suite 'nope'.*quick"):
        get_suite("nope")
    with pytest.raises(SuiteError, match="repeats a seed"):
        SuiteTask("CartPole-v1", (1, 1))
    with pytest.raises(SuiteError, match="success rule"):
        SuiteTask("CartPole-v1", (1,), success="return>lots")
    with pytest.raises(SuiteError, match="same number of seeds"):
        Suite("s", "1", (SuiteTask("A-v0", (1, 2)), SuiteTask("B-v0", (1,))))
    bad = tmp_path / "suite.yaml"
    bad.write_text("name: x\nversion: 1\n")
    with pytest.raises(SuiteError, match="lacks the field 'tasks'"):
        get_suite(str(bad))


def test_suite_file_round_trip(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nversion: 2\ntasks:\n  - task_id: CartPole-v1\n    seeds: [3, 4]\n"
                    "    success: return>=100\n")
    suite = get_suite(str(path))
    assert suite.name == "mine" and suite.version == "2"
    assert suite.tasks[0].return_threshold == 100.0 and suite.tasks[0].seeds == (3, 4)


def test_store_refuses_changed_suite_under_same_version(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        store.register_suite(toy_suite(episodes=2))
        assert store.register_suite(toy_suite(episodes=2)) == store.register_suite(toy_suite(episodes=2))
        with pytest.raises(StoreError, match="bump the suite's version"):
            store.register_suite(toy_suite(episodes=3))
        store.register_suite(toy_suite(episodes=3, version="2"))  # a new version is fine


def test_store_is_wal_and_never_duplicates_an_episode(tmp_path):
    with ResultsStore(tmp_path / "r.sqlite") as store:
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        agent = store.register_agent("a", "random", "random")
        assert store.register_agent("a", "random", "random") == agent
        suite = store.register_suite(toy_suite(episodes=2))
        run = store.start_run(agent, suite, "local", 2)
        assert store.add_episode(agent, suite, run, _record("t", 1, ret=1.0))
        assert not store.add_episode(agent, suite, run, _record("t", 1, ret=99.0))
        rows = store.episodes()
        assert len(rows) == 1 and rows[0]["return"] == 1.0
        assert store.done_keys(agent, suite) == {("t", 1)}


_WRITER = """
import sys
from embodied_gym.leaderboard.store import EpisodeRecord, ResultsStore
from leaderboard_toy_env import toy_suite
db, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with ResultsStore(db) as store:
    agent = store.register_agent(name, name, name)
    suite = store.register_suite(toy_suite(episodes=2))
    run = store.start_run(agent, suite, "local", n)
    for i in range(n):
        store.add_episode(agent, suite, run, EpisodeRecord("task", i, True, None, float(i), 1, False, 0.0))
"""


def test_two_concurrent_writers_lose_nothing(tmp_path):
    db = tmp_path / "r.sqlite"
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    n = 150
    # two different agents and two processes writing the same agent's episodes, all at once
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(db), name, str(n)], env=env)
             for name in ("alpha", "beta", "beta")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    with ResultsStore(db) as store:
        rows = store.episodes()
    by_agent: dict[str, list[int]] = {}
    for r in rows:
        by_agent.setdefault(r["agent_name"], []).append(r["seed"])
    assert sorted(by_agent["alpha"]) == list(range(n))
    assert sorted(by_agent["beta"]) == list(range(n))  # both beta writers: each episode exactly once
