"""SB3 checkpoints with the metadata needed to play them again, and the leaderboard agent that does.

A checkpoint is SB3's ``.zip`` plus a JSON side file (``<stem>.json``, or ``train_config.json`` in
the training folder for the periodic checkpoints) that records the algorithm, the env id and kwargs,
and the observation handling (dropped keys, extra wrappers). Without it a policy cannot be fed the
observations it was trained on. A folder of checkpoints is one agent that plays each task with the
checkpoint trained on that task id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from embodied_gym.agents.sb3.observations import SB3ObservationWrapper

ALGOS = ("ppo", "recurrent_ppo")


class CheckpointError(ValueError):
    """A checkpoint or its metadata is missing or malformed."""


@dataclass(frozen=True)
class CheckpointMeta:
    algo: str
    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    drop_keys: tuple[str, ...] = ()
    wrappers: tuple[str, ...] = ()
    #: play the policy's most likely action (True) or sample it (False, seeded per episode): sampling is
    #: how a PPO policy acts while it trains, and the better choice when its argmax gets stuck (e.g.
    #: turning on the spot forever in ObjectNav)
    deterministic: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: Path) -> CheckpointMeta:
        try:
            algo = str(data["algo"])
            env_id = str(data["env_id"])
        except KeyError as exc:
            raise CheckpointError(f"{source}: metadata lacks {exc.args[0]!r} (needs algo, env_id)") from exc
        if algo not in ALGOS:
            raise CheckpointError(f"{source}: algo {algo!r} is not one of {ALGOS}")
        deterministic = data.get("deterministic", True)
        if not isinstance(deterministic, bool):
            raise CheckpointError(f"{source}: deterministic must be true or false, got {deterministic!r}")
        return cls(algo=algo, env_id=env_id, env_kwargs=dict(data.get("env_kwargs") or {}),
                   drop_keys=tuple(data.get("drop_keys") or ()), wrappers=tuple(data.get("wrappers") or ()),
                   deterministic=deterministic)

    def to_dict(self) -> dict[str, Any]:
        return {"algo": self.algo, "env_id": self.env_id, "env_kwargs": self.env_kwargs,
                "drop_keys": list(self.drop_keys), "wrappers": list(self.wrappers), "deterministic": self.deterministic}


def meta_path_for(zip_path: Path) -> Path:
    return zip_path.with_suffix(".json")


def read_meta(zip_path: Path) -> CheckpointMeta:
    """The side file of a checkpoint: ``<stem>.json``, else ``train_config.json`` up to two folders up."""
    candidates = [meta_path_for(zip_path)] + [p / "train_config.json" for p in list(zip_path.parents)[:2]]
    for candidate in candidates:
        if candidate.is_file():
            return CheckpointMeta.from_dict(json.loads(candidate.read_text()), candidate)
    raise CheckpointError(f"no metadata for checkpoint {zip_path}: looked for {[str(c) for c in candidates]}")


def algo_class(algo: str) -> Any:
    if algo == "ppo":
        from stable_baselines3 import PPO

        return PPO
    if algo == "recurrent_ppo":
        from sb3_contrib import RecurrentPPO

        return RecurrentPPO
    raise CheckpointError(f"algo {algo!r} is not one of {ALGOS}")


def apply_wrappers(env: gym.Env, meta: CheckpointMeta) -> gym.Env:
    """The observation-side wrappers a policy was trained behind, in training order."""
    from embodied_gym.leaderboard.agents import load_entry_point

    for spec in meta.wrappers:
        env = load_entry_point(spec)(env)
    return SB3ObservationWrapper(env, drop_keys=meta.drop_keys)


class SB3CheckpointAgent:
    """Leaderboard agent over one checkpoint or a folder of them.

    Actions are the policy's argmax, or samples when the checkpoint's metadata says
    ``deterministic: false``; samples come from a torch generator state seeded by the episode seed and
    kept apart from the global one, so an episode replays bit for bit in any process.
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        zips = sorted(path.rglob("*.zip")) if path.is_dir() else [path]
        if not zips:
            raise CheckpointError(f"no SB3 checkpoint (.zip) under {path}")
        self._by_task: dict[str, tuple[Path, CheckpointMeta]] = {}
        for z in zips:
            if path.is_dir() and z.parent.name in ("checkpoints", "eval"):
                continue  # periodic / best-eval checkpoints of a training folder: final.zip speaks for it
            meta = read_meta(z)
            if meta.env_id in self._by_task:
                raise CheckpointError(f"two checkpoints for {meta.env_id}: {self._by_task[meta.env_id][0]} and {z}")
            self._by_task[meta.env_id] = (z, meta)
        self._models: dict[str, Any] = {}
        self._model: Any = None
        self._state: Any = None
        self._episode_start = np.ones((1,), dtype=bool)

    def supports(self, task_id: str) -> bool:
        return task_id in self._by_task

    def _entry(self, task_id: str) -> tuple[Path, CheckpointMeta]:
        if task_id not in self._by_task:
            raise CheckpointError(f"no checkpoint trained on {task_id!r}; have {sorted(self._by_task)}")
        return self._by_task[task_id]

    def wrap_env(self, env: gym.Env, task_id: str) -> gym.Env:
        return apply_wrappers(env, self._entry(task_id)[1])

    def reset(self, env: gym.Env, task_id: str, seed: int) -> None:
        zip_path, meta = self._entry(task_id)
        if task_id not in self._models:
            self._models[task_id] = algo_class(meta.algo).load(str(zip_path), device="cpu")
        self._model = self._models[task_id]
        self._state = None
        self._episode_start = np.ones((1,), dtype=bool)
        self._deterministic = meta.deterministic
        if not meta.deterministic:
            import torch

            self._rng_state = torch.Generator().manual_seed(int(seed) & 0x7FFF_FFFF_FFFF_FFFF).get_state()

    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        if self._deterministic:
            action, self._state = self._model.predict(observation, state=self._state,
                                                      episode_start=self._episode_start, deterministic=True)
        else:
            import torch

            with torch.random.fork_rng(devices=[]):  # the global RNG is left as it was
                torch.set_rng_state(self._rng_state)
                action, self._state = self._model.predict(observation, state=self._state,
                                                          episode_start=self._episode_start, deterministic=False)
                self._rng_state = torch.get_rng_state()
        self._episode_start = np.zeros((1,), dtype=bool)
        return action.item() if np.ndim(action) == 0 else action
