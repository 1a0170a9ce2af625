"""Named board sets the tile env draws from: grammar, control and GSP boards and their splits.

A :class:`BoardSet` is plain data (masks, sampling weights, optional fixed start tiles, descriptions
and programs), so the env, the agent's auxiliary targets and the evaluation all index the same rows:
``info["board_index"]`` of the env is a row of its board set.

Sets (``gsp_*`` need ``gsp_dir``):

===============  =====================================================================================
grammar          6,000 distinct grammar boards (training), each with program and description
grammar-test     25 further grammar boards never in ``grammar``, fixed start tiles
control          20,000 i.i.d. draws of the pairwise max-ent model fitted to ``grammar`` (never a grammar board)
control-test     25 distinct control boards, fixed start tiles
gsp              the 7,959 GSP chain boards, drawn in proportion to how often the chains visited them
gsp-train        the 475 described GSP boards not in the test set (the grounded agents' training set)
gsp-test         the paper's 25 held-out GSP boards with their fixed start tiles
gsp-control      the paper's 25 statistics-matched control boards with their fixed start tiles
===============  =====================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import grammar

GRAMMAR_POOL = 6000
CONTROL_POOL = 20000  # i.i.d. draws; large so sampling noise on the 120 pair statistics stays < 0.02
TEST_BOARDS = 25
BOARD_SETS = ("grammar", "grammar-test", "control", "control-test", "gsp", "gsp-train", "gsp-test", "gsp-control")


class UnknownBoardSetError(KeyError):
    """A board-set name the tile env does not know."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class BoardSet:
    """Boards as 16-bit masks plus what the env reports about each (all arrays have one row per board)."""

    name: str
    masks: np.ndarray  # (n,) int64
    weights: np.ndarray  # (n,) float64, sums to 1: reset() draws rows in proportion
    starts: np.ndarray  # (n,) int64 tile index of a fixed start tile, or -1 for a random red tile
    descriptions: tuple[str, ...]
    programs: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.masks)


def make_board_set(name: str, masks, weights=None, starts=None, descriptions=None, programs=None) -> BoardSet:
    """A board set from your own boards: 16-bit masks (bit ``4*row+col`` = red), optional sampling
    weights, fixed start tiles (tile index, -1 = random red), descriptions and programs."""
    masks = np.asarray(masks, dtype=np.int64).reshape(-1)
    n = len(masks)
    if n == 0 or ((masks < 0) | (masks > grammar.FULL_MASK)).any():
        raise ValueError(f"board set {name!r}: need >= 1 board mask in [0, {grammar.FULL_MASK}]")
    reds = np.array([int(m).bit_count() for m in masks])
    if (reds < 2).any():
        raise ValueError(f"board set {name!r}: every board needs >= 2 red tiles (one is revealed at the start)")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    st = np.full(n, -1, np.int64) if starts is None else np.asarray(starts, dtype=np.int64)
    texts = tuple(descriptions) if descriptions is not None else ("",) * n
    progs = tuple(programs) if programs is not None else ("",) * n
    for field, length in (("weights", len(w)), ("starts", len(st)), ("descriptions", len(texts)),
                          ("programs", len(progs))):
        if length != n:
            raise ValueError(f"board set {name!r}: {field} has {length} entries for {n} boards")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"board set {name!r}: weights must be >= 0 with a positive sum")
    if any(s >= 0 and not (int(m) >> int(s)) & 1 for m, s in zip(masks, st, strict=True)) or (st >= 16).any():
        raise ValueError(f"board set {name!r}: every fixed start must be a red tile index in [0, 16) (or -1)")
    return BoardSet(name=name, masks=masks, weights=w / w.sum(), starts=st, descriptions=texts, programs=progs)


def _random_red_starts(masks: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x57A7]))
    out = []
    for m in masks:
        reds = [i for i in range(grammar.N_TILES) if int(m) >> i & 1]
        out.append(reds[rng.integers(len(reds))])
    return np.array(out, dtype=np.int64)


@lru_cache(maxsize=1)
def _grammar_boards() -> tuple[grammar.GrammarBoard, ...]:
    return grammar.board_pool(GRAMMAR_POOL + TEST_BOARDS, seed=0)


@lru_cache(maxsize=16)
def _build(name: str, gsp_dir: str | None) -> BoardSet:
    if name in ("grammar", "grammar-test"):
        pool = _grammar_boards()
        rows = pool[:GRAMMAR_POOL] if name == "grammar" else pool[GRAMMAR_POOL:]
        masks = np.array([b.mask for b in rows], dtype=np.int64)
        starts = None if name == "grammar" else _random_red_starts(masks, seed=1)
        return make_board_set(name, masks, starts=starts, descriptions=[b.description for b in rows],
                     programs=[b.program_text for b in rows])
    if name in ("control", "control-test"):
        from .control import control_boards

        every = np.array([b.mask for b in _grammar_boards()], dtype=np.int64)
        reference, held_out = every[:GRAMMAR_POOL], every[GRAMMAR_POOL:]
        if name == "control":
            return make_board_set(name, control_boards(reference, CONTROL_POOL, seed=0, exclude=held_out))
        masks = control_boards(reference, TEST_BOARDS, seed=1, distinct=True, exclude=held_out)
        return make_board_set(name, masks, starts=_random_red_starts(masks, seed=2))
    if name.startswith("gsp"):
        if gsp_dir is None:
            raise ValueError(f"board set {name!r} reads the Kumar et al. (2022) GSP data: pass gsp_dir= "
                             "(the folder with gsp_4x4_full.npy, 500_gsp_samples.npy, ...)")
        from .gsp import load_gsp

        data = load_gsp(gsp_dir)
        if name == "gsp":
            return make_board_set(name, data.full_masks, weights=data.full_weights)
        if name == "gsp-train":
            idx = data.train_indices
            return make_board_set(name, data.described_masks[idx], descriptions=[data.descriptions[i][0] for i in idx])
        if name == "gsp-test":
            lookup = {int(m): i for i, m in enumerate(data.described_masks)}
            texts = [data.descriptions[lookup[int(m)]][0] if int(m) in lookup else "" for m in data.test_masks]
            return make_board_set(name, data.test_masks, starts=data.test_starts, descriptions=texts)
        if name == "gsp-control":
            return make_board_set(name, data.control_masks, starts=data.control_starts)
    raise UnknownBoardSetError(f"unknown board set {name!r}; known: {', '.join(BOARD_SETS)}")


def board_set(name: str, gsp_dir: str | Path | None = None) -> BoardSet:
    """The named board set (cached). ``gsp_*`` sets need ``gsp_dir``; others ignore it."""
    if name not in BOARD_SETS:
        raise UnknownBoardSetError(f"unknown board set {name!r}; known: {', '.join(BOARD_SETS)}")
    folder = str(Path(gsp_dir).expanduser().resolve()) if (gsp_dir is not None and name.startswith("gsp")) else None
    return _build(name, folder)
