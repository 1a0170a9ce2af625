"""Evaluation runs: agents from specs, determinism, parallel/Ray equivalence, SIGKILL resume."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from embodied_gym.leaderboard.agents import AgentSpecError, build_agent, describe_agent
from embodied_gym.leaderboard.runner import evaluate
from embodied_gym.leaderboard.store import ResultsStore
from embodied_gym.leaderboard.suites import get_suite
from leaderboard_toy_env import toy_suite

TESTS = Path(__file__).resolve().parent
KEY_COLUMNS = ("task_id", "seed", "success", "spl", "return", "length", "truncated")


def _rows(db: Path, agent: str | None = None) -> list[tuple]:
    with ResultsStore(db) as store:
        rows = [r for r in store.episodes() if agent is None or r["agent_name"] == agent]
    return sorted(tuple(r[c] for c in KEY_COLUMNS) for r in rows)


def test_agent_specs_resolve_or_fail_clearly(tmp_path):
    assert describe_agent("random") == ("random", "random")
    assert describe_agent("leaderboard_toy_env:greedy") == ("greedy", "leaderboard_toy_env:greedy")
    with pytest.raises(AgentSpecError, match="unknown agent 'bogus'.*random.*oracle.*module:factory"):
        build_agent("bogus")
    # a checkpoint's fingerprint covers its metadata: the same weights played differently are another agent
    ckpt = tmp_path / "final.zip"
    ckpt.write_bytes(b"weights")
    (tmp_path / "final.json").write_text('{"deterministic": true}')
    name, argmax = describe_agent(str(ckpt))
    (tmp_path / "final.json").write_text('{"deterministic": false}')
    assert name == "ppo:" + tmp_path.name and describe_agent(str(ckpt))[1] != argmax
    with pytest.raises(AgentSpecError, match="no attribute"):
        build_agent("leaderboard_toy_env:nothing_here")
    with pytest.raises(AgentSpecError, match=r"agent 'oracle' cannot play \['leaderboard_toy_env:GridGoal-v0'"):
        evaluate(toy_suite(episodes=1), "oracle", tmp_path / "r.sqlite", progress=False)


def test_oracle_beats_random_on_gymnasium_suite(tmp_path):
    db = tmp_path / "r.sqlite"
    suite = get_suite("gymnasium")
    for spec in ("random", "oracle"):
        summary = evaluate(suite, spec, db, progress=False, gifs=False)
        assert summary.written == suite.num_episodes and summary.complete
    with ResultsStore(db) as store:
        by = {}
        for r in store.episodes():
            by.setdefault(r["agent_name"], []).append(r["success"])
    assert all(by["oracle"]) and not any(by["random"])


def test_same_results_in_any_process_and_resume_skips_done(tmp_path):
    suite = toy_suite(episodes=4)
    seq, par = tmp_path / "seq.sqlite", tmp_path / "par.sqlite"
    evaluate(suite, "random", seq, progress=False)
    evaluate(suite, "random", par, workers=2, progress=False)
    assert _rows(seq) == _rows(par) and len(_rows(seq)) == suite.num_episodes
    again = evaluate(suite, "random", seq, progress=False)
    assert again.written == 0 and again.already_done == suite.num_episodes
    assert (seq.parent / "media" / "random" / "leaderboard_toy_env_GridGoal-v0.gif").is_file()


def test_sigkill_mid_evaluation_loses_and_duplicates_nothing(tmp_path):
    db = tmp_path / "r.sqlite"
    script = (
        "import sys; from leaderboard_toy_env import toy_suite;"
        "from embodied_gym.leaderboard.runner import evaluate;"
        "evaluate(toy_suite(episodes=10, delay=0.01), 'random', sys.argv[1], progress=False, gifs=False)"
    )
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    proc = subprocess.Popen([sys.executable, "-c", script, str(db)], env=env)
    try:
        deadline = time.monotonic() + 120
        done = 0
        while done < 4:
            assert time.monotonic() < deadline, "evaluation made no progress"
            assert proc.poll() is None, "evaluation finished before it could be killed; slow the toy env down"
            time.sleep(0.05)
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=5) as conn:
                        done = conn.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT id, task_id, seed, return, created FROM episodes ORDER BY id").fetchall()
    suite = toy_suite(episodes=10, delay=0.01)
    assert 4 <= len(before) < suite.num_episodes

    summary = evaluate(suite, "random", db, progress=False, gifs=False)
    assert summary.already_done == len(before)
    assert summary.written == suite.num_episodes - len(before)
    with sqlite3.connect(db) as conn:
        after = conn.execute("SELECT id, task_id, seed, return, created FROM episodes ORDER BY id").fetchall()
        runs = conn.execute("SELECT status FROM runs ORDER BY id").fetchall()
    assert after[: len(before)] == before  # every finished episode survived, untouched
    keys = [(r[1], r[2]) for r in after]
    assert len(keys) == len(set(keys)) == suite.num_episodes  # nothing twice, nothing missing
    assert [r[0] for r in runs] == ["running", "finished"]  # the killed run never finished
    # the resumed results equal an uninterrupted evaluation's
    clean = tmp_path / "clean.sqlite"
    evaluate(suite, "random", clean, progress=False, gifs=False)
    assert _rows(db) == _rows(clean)


@pytest.mark.slow
def test_ray_gives_the_same_results_as_local(tmp_path):
    ray = pytest.importorskip("ray")
    suite = toy_suite(episodes=3)
    local, remote = tmp_path / "local.sqlite", tmp_path / "ray.sqlite"
    evaluate(suite, "random", local, progress=False, gifs=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(TESTS)}})
    try:
        summary = evaluate(suite, "random", remote, ray_address="local", progress=False, gifs=False)
    finally:
        ray.shutdown()
    assert summary.written == suite.num_episodes
    assert _rows(local) == _rows(remote)
    with ResultsStore(remote) as store:
        assert store.runs()[0]["backend"] == "ray:local"
