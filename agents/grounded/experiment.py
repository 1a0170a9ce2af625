"""One training run of one condition of the Kumar et al. (2022) experiment, start to score.

Two experiments share this code:

- ``gsp``: train on the 475 described human (GSP) boards, test on the paper's 25 GSP test boards and
  its 25 control boards; conditions ``none``, ``autoencoder``, ``language``, ``program_library``,
  ``program_no_library``;
- ``grammar``: train on our 6,000 grammar boards, test on 25 held-out grammar boards and 25
  statistics-matched control boards; conditions ``none``, ``autoencoder``, ``language``, ``program``.

Hyper-parameters are the paper's tuned ones, read from the data folder: ``hyperparams_grounding.json``
for grounded conditions; for ``none`` either the same with ``aux_coef = 0`` (``none_hyperparams=
"grounded"``, the default: it isolates the auxiliary loss, and it is what fits a CPU budget) or the
paper's separately tuned ``hyperparams_nogrounding.json`` (``"paper"``: minibatches of 16 steps, about
10x slower per step on a CPU). ``n_envs`` is not in those
files: we use as many envs as make one rollout fill one minibatch of the grounded setting (32 envs x 8
steps = 256) and a single env for the ungrounded setting (n_steps 2048).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ...envs.tiles.boards import BoardSet, board_set
from ...envs.tiles.env import TRAIN_STEPS, TilesEnv

CONDITIONS = {
    "gsp": ("none", "autoencoder", "language", "program_library", "program_no_library"),
    "grammar": ("none", "autoencoder", "language", "program"),
}
SPLITS = {"gsp": ("gsp-train", "gsp-test", "gsp-control"), "grammar": ("grammar", "grammar-test", "control-test")}


class ExperimentError(ValueError):
    """Unknown experiment or condition, or missing hyper-parameter files."""


@dataclass
class RunResult:
    experiment: str
    condition: str
    seed: int
    timesteps: int
    train_seconds: float
    structured_whites: list[int]  # per test board (GSP or grammar)
    control_whites: list[int]  # per control board
    structured_completed: list[bool] | None = None  # every red found within the click limit
    control_completed: list[bool] | None = None

    @property
    def structured_mean(self) -> float:
        return float(np.mean(self.structured_whites))

    @property
    def control_mean(self) -> float:
        return float(np.mean(self.control_whites))

    def to_json(self) -> dict:
        return {**asdict(self), "structured_mean": self.structured_mean, "control_mean": self.control_mean}


def load_hyperparams(gsp_dir: str | Path, grounded: bool) -> dict:
    path = Path(gsp_dir) / ("hyperparams_grounding.json" if grounded else "hyperparams_nogrounding.json")
    if not path.is_file():
        raise ExperimentError(f"tuned hyper-parameters not found at {path}")
    return json.loads(path.read_text())


def targets_for(experiment: str, condition: str, train: BoardSet, gsp_dir: str | Path | None,
                cache_dir: Path | None = None) -> np.ndarray | None:
    """The auxiliary target table of a condition (rows = boards of ``train``), cached as .npy."""
    from . import targets

    if condition == "none":
        return None
    cache = None if cache_dir is None else Path(cache_dir) / f"targets-{experiment}-{condition}.npy"
    if cache is not None and cache.is_file():
        table = np.load(cache, allow_pickle=False)
        if len(table) == len(train):
            return table
    boards = ((train.masks[:, None] >> np.arange(16)) & 1).astype(np.float32)
    if condition == "autoencoder":
        table = targets.autoencoder_targets(boards)
    elif experiment == "gsp":
        from ...envs.tiles.gsp import load_gsp

        data = load_gsp(gsp_dir)
        rows = data.train_indices
        if condition == "language":
            table = targets.language_targets([data.descriptions[i] for i in rows])
        else:
            key = {"program_library": "library", "program_no_library": "no_library"}[condition]
            table = targets.standardise(data.program_embeddings[key][rows])
    elif condition == "language":
        table = targets.language_targets([[d] for d in train.descriptions])
    else:
        table = targets.program_symbol_targets(train.programs)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, table)
    return table


def run_condition(experiment: str, condition: str, seed: int, timesteps: int, gsp_dir: str | Path,
                  cache_dir: Path | None = None, verbose: int = 0, none_hyperparams: str = "grounded",
                  greedy_eval: bool = False) -> RunResult:
    """Train one agent of ``condition`` for ``timesteps`` env steps and score it on both test sets.

    Test clicks are sampled from the policy (seeded, so reproducible); ``greedy_eval`` takes the most
    likely click instead, which at small budgets often loops on revealed tiles and never finishes a
    board (few whites revealed, but the board is not solved).
    """
    import torch as th
    from stable_baselines3.common.vec_env import DummyVecEnv

    from .algorithm import GroundedRecurrentPPO
    from .evaluate import play_test_boards
    from .policy import ACTIVATIONS

    if experiment not in CONDITIONS:
        raise ExperimentError(f"unknown experiment {experiment!r}; known: {sorted(CONDITIONS)}")
    if condition not in CONDITIONS[experiment]:
        raise ExperimentError(f"unknown condition {condition!r} for {experiment}; known: {CONDITIONS[experiment]}")
    train_name, test_name, control_name = SPLITS[experiment]
    train = board_set(train_name, gsp_dir)
    table = targets_for(experiment, condition, train, gsp_dir, cache_dir)
    if none_hyperparams not in ("grounded", "paper"):
        raise ExperimentError(f"none_hyperparams must be 'grounded' or 'paper', got {none_hyperparams!r}")
    hp = load_hyperparams(gsp_dir, grounded=table is not None or none_hyperparams == "grounded")
    n_envs = 1 if hp["n_steps"] >= 1024 else max(1, hp["batch_size"] // hp["n_steps"])
    lr = float(hp["learning_rate"])
    schedule = (lambda progress: lr * progress) if hp.get("lr_schedule") == "linear" else lr

    th.manual_seed(seed)
    venv = DummyVecEnv([lambda: TilesEnv(train, max_steps=TRAIN_STEPS) for _ in range(n_envs)])
    venv.seed(seed)
    model = GroundedRecurrentPPO(
        venv, aux_targets=table, aux_coef=float(hp.get("aux_coef", 0.0)) if table is not None else 0.0, learning_rate=schedule,
        n_steps=hp["n_steps"], batch_size=hp["batch_size"], n_epochs=hp["n_epochs"], gamma=hp["gamma"],
        gae_lambda=hp["gae_lambda"], clip_range=hp["clip_range"], ent_coef=hp["ent_coef"], vf_coef=hp["vf_coef"],
        max_grad_norm=hp["max_grad_norm"], seed=seed, device="cpu", verbose=verbose,
        policy_kwargs={"activation_fn": ACTIVATIONS[hp["activation_fn"]]},
    )
    start = time.perf_counter()
    model.learn(total_timesteps=timesteps)
    seconds = time.perf_counter() - start
    th.manual_seed(seed + 10_000)
    structured, structured_done = play_test_boards(model, board_set(test_name, gsp_dir), deterministic=greedy_eval)
    th.manual_seed(seed + 20_000)
    control, control_done = play_test_boards(model, board_set(control_name, gsp_dir), deterministic=greedy_eval)
    return RunResult(experiment, condition, seed, int(model.num_timesteps), seconds, structured.tolist(),
                     control.tolist(), structured_done.tolist(), control_done.tolist())
