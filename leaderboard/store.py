"""The results store: one SQLite file in WAL mode holding agents, suites, runs and episodes.

Why this shape:

- An episode is keyed by (agent, suite, task, seed) with a UNIQUE constraint, and each finished
  episode is committed on its own. A run killed at any instant therefore keeps every episode that
  finished, and the rerun skips them (``pending``) and cannot insert one twice (``INSERT OR IGNORE``).
- WAL mode lets readers (the report) run beside a writer, and ``BEGIN IMMEDIATE`` with a long busy
  timeout serialises concurrent writers instead of failing them, so two evaluations writing at once
  lose nothing.
- ``runs`` records every invocation (who, when, which backend, how it ended) for provenance; an
  episode remembers the run that produced it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from embodied_gym.leaderboard.suites import Suite

SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (name, fingerprint)
);
CREATE TABLE IF NOT EXISTS suites (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    definition TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    suite_id INTEGER NOT NULL REFERENCES suites(id),
    backend TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    episodes_planned INTEGER NOT NULL,
    episodes_written INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    suite_id INTEGER NOT NULL REFERENCES suites(id),
    run_id INTEGER NOT NULL REFERENCES runs(id),
    task_id TEXT NOT NULL,
    seed INTEGER NOT NULL,
    success INTEGER NOT NULL,
    spl REAL,
    return REAL NOT NULL,
    length INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    gif TEXT,
    created TEXT NOT NULL,
    UNIQUE (agent_id, suite_id, task_id, seed)
);
CREATE INDEX IF NOT EXISTS episodes_by_agent_suite ON episodes (agent_id, suite_id);
"""


class StoreError(ValueError):
    """The store refuses an operation (e.g. a suite version reused for different content)."""


@dataclass(frozen=True)
class EpisodeRecord:
    """One finished episode: what the runner produces and the store keeps."""

    task_id: str
    seed: int
    success: bool
    spl: float | None
    episode_return: float
    length: int
    truncated: bool
    duration_s: float
    gif: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ResultsStore:
    """A connection to one results file. Cheap to open; one per process (SQLite connections must not
    cross a fork)."""

    def __init__(self, path: str | os.PathLike[str], busy_timeout_s: float = 120.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so each episode is one transaction.
        self._conn = sqlite3.connect(str(self.path), timeout=busy_timeout_s, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        self._retry(lambda: self._conn.execute("PRAGMA journal_mode = WAL"))
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self._retry(lambda s=statement: self._conn.execute(s))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _retry(fn, attempts: int = 50):  # type: ignore[no-untyped-def]
        """Retry on 'database is locked' that can surface outside the busy handler (e.g. WAL switch)."""
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or i == attempts - 1:
                    raise
                time.sleep(0.05 * (i + 1))
        return None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        cur = self._conn.cursor()
        self._retry(lambda: cur.execute("BEGIN IMMEDIATE"))
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            self._retry(lambda: cur.execute("COMMIT"))

    # -- registration -------------------------------------------------------------------------------
    def register_agent(self, name: str, spec: str, fingerprint: str) -> int:
        with self._write() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO agents (name, spec, fingerprint, created) VALUES (?, ?, ?, ?)",
                (name, spec, fingerprint, _now()),
            )
            row = cur.execute(
                "SELECT id FROM agents WHERE name = ? AND fingerprint = ?", (name, fingerprint)
            ).fetchone()
        return int(row["id"])

    def register_suite(self, suite: Suite) -> int:
        with self._write() as cur:
            row = cur.execute(
                "SELECT id, fingerprint FROM suites WHERE name = ? AND version = ?", (suite.name, suite.version)
            ).fetchone()
            if row is not None:
                if row["fingerprint"] != suite.fingerprint:
                    raise StoreError(
                        f"suite {suite.name!r} version {suite.version!r} is already stored with other "
                        f"episodes (fingerprint {row['fingerprint']} != {suite.fingerprint}); bump the "
                        "suite's version when you change its tasks or seeds"
                    )
                return int(row["id"])
            cur.execute(
                "INSERT INTO suites (name, version, fingerprint, definition, created) VALUES (?, ?, ?, ?, ?)",
                (suite.name, suite.version, suite.fingerprint, json.dumps(suite.to_dict()), _now()),
            )
            return int(cur.lastrowid)

    def start_run(self, agent_id: int, suite_id: int, backend: str, episodes_planned: int) -> int:
        with self._write() as cur:
            cur.execute(
                "INSERT INTO runs (agent_id, suite_id, backend, host, pid, started, status, episodes_planned)"
                " VALUES (?, ?, ?, ?, ?, ?, 'running', ?)",
                (agent_id, suite_id, backend, socket.gethostname(), os.getpid(), _now(), episodes_planned),
            )
            return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str) -> None:
        with self._write() as cur:
            cur.execute("UPDATE runs SET finished = ?, status = ? WHERE id = ?", (_now(), status, run_id))

    # -- episodes -----------------------------------------------------------------------------------
    def done_keys(self, agent_id: int, suite_id: int) -> set[tuple[str, int]]:
        rows = self._conn.execute(
            "SELECT task_id, seed FROM episodes WHERE agent_id = ? AND suite_id = ?", (agent_id, suite_id)
        ).fetchall()
        return {(r["task_id"], int(r["seed"])) for r in rows}

    def add_episode(self, agent_id: int, suite_id: int, run_id: int, ep: EpisodeRecord) -> bool:
        """Commit one episode; ``False`` when it was already stored (a concurrent or earlier run)."""
        with self._write() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO episodes (agent_id, suite_id, run_id, task_id, seed, success, spl,"
                " return, length, truncated, duration_s, gif, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (agent_id, suite_id, run_id, ep.task_id, ep.seed, int(ep.success), ep.spl,
                 float(ep.episode_return), int(ep.length), int(ep.truncated), float(ep.duration_s),
                 ep.gif, _now()),
            )
            inserted = cur.rowcount == 1
            if inserted:
                cur.execute("UPDATE runs SET episodes_written = episodes_written + 1 WHERE id = ?", (run_id,))
        return inserted

    def episodes(self, agent_id: int | None = None, suite_id: int | None = None) -> list[sqlite3.Row]:
        query = ("SELECT e.*, a.name AS agent_name, s.name AS suite_name, s.version AS suite_version"
                 " FROM episodes e JOIN agents a ON a.id = e.agent_id JOIN suites s ON s.id = e.suite_id")
        clauses, params = [], []
        if agent_id is not None:
            clauses.append("e.agent_id = ?")
            params.append(agent_id)
        if suite_id is not None:
            clauses.append("e.suite_id = ?")
            params.append(suite_id)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        return self._conn.execute(query + " ORDER BY e.id", params).fetchall()

    def agents(self) -> list[sqlite3.Row]:
        return self._conn.execute("SELECT * FROM agents ORDER BY id").fetchall()

    def runs(self) -> list[sqlite3.Row]:
        return self._conn.execute("SELECT * FROM runs ORDER BY id").fetchall()

    def suite_row(self, name: str, version: str | None = None) -> sqlite3.Row | None:
        if version is None:
            return self._conn.execute(
                "SELECT * FROM suites WHERE name = ? ORDER BY id DESC LIMIT 1", (name,)
            ).fetchone()
        return self._conn.execute(
            "SELECT * FROM suites WHERE name = ? AND version = ?", (name, version)
        ).fetchone()

    def suite_from_row(self, row: sqlite3.Row) -> Suite:
        return Suite.from_dict(json.loads(row["definition"]))

    def agent_ids_in_suite(self, suite_id: int) -> Sequence[int]:
        rows = self._conn.execute(
            "SELECT DISTINCT agent_id FROM episodes WHERE suite_id = ? ORDER BY agent_id", (suite_id,)
        ).fetchall()
        return [int(r["agent_id"]) for r in rows]
