"""Reader for the human Gibbs-Sampling-with-People (GSP) boards of Kumar et al. (2022).

The data has no license file, so the package never ships it: users download it themselves and pass
the folder (``gsp_dir=``); see README.md of that folder for the files. This module only reads and
checks them (plain ``.npy``/``.npz``/``.json``, never pickles) and derives the splits the paper uses:
the 25 held-out test boards, the 25 statistics-matched control boards (both with fixed start tiles),
and the 475 described boards not in the test set that grounded agents train on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .grammar import N_TILES, SIZE

PROGRAM_EMBEDDING_KEYS = {
    "library": "activations_pen_structurePenalty1.5",
    "no_library": "activations_pen_noConsolidation",
}
_REQUIRED = (
    "gsp_4x4_full.npy", "gsp_4x4_full_probs.npy", "500_gsp_samples.npy", "500_gsp_samples_text_human.json",
    "500_gsp_samples-recognition_activations-structurePenalty2.plain.npz", "gsp_4x4_sample.npy",
    "gsp_4x4_sample_starts.npy", "gsp_4x4_null_sample.npy", "gsp_4x4_null_sample_starts.npy",
)


class GSPDataError(ValueError):
    """The GSP folder is missing, incomplete, or holds arrays of unexpected shape."""


def _masks(boards: np.ndarray) -> np.ndarray:
    flat = np.asarray(boards).reshape(len(boards), N_TILES).round().astype(np.int64)
    if not np.isin(flat, (0, 1)).all():
        raise GSPDataError("GSP boards must hold only 0 (white) and 1 (red)")
    return (flat << np.arange(N_TILES)).sum(axis=1)


def _starts(starts: np.ndarray, masks: np.ndarray, name: str) -> np.ndarray:
    starts = np.asarray(starts, dtype=np.int64)
    if starts.shape != (len(masks), 2):
        raise GSPDataError(f"{name}: expected ({len(masks)}, 2) start tiles, got {starts.shape}")
    idx = starts[:, 0] * SIZE + starts[:, 1]
    if not all((int(m) >> int(i)) & 1 for m, i in zip(masks, idx, strict=True)):
        raise GSPDataError(f"{name}: every start tile must be red")
    return idx


@dataclass(frozen=True)
class GSPData:
    """The GSP boards as 16-bit masks (bit ``4*row+col`` = red) plus their annotations."""

    full_masks: np.ndarray  # (7959,) every board the chains visited
    full_weights: np.ndarray  # (7959,) visit counts (the training distribution)
    described_masks: np.ndarray  # (500,)
    descriptions: tuple[tuple[str, ...], ...]  # 500 lists of human descriptions
    program_embeddings: dict[str, np.ndarray]  # "library"/"no_library" -> (500, 64)
    test_masks: np.ndarray  # (25,)
    test_starts: np.ndarray  # (25,) tile index of the fixed first revealed red tile
    control_masks: np.ndarray  # (25,)
    control_starts: np.ndarray  # (25,)

    @property
    def train_indices(self) -> np.ndarray:
        """Rows of the 500 described boards that are not test boards (475 in the published data)."""
        return np.flatnonzero(~np.isin(self.described_masks, self.test_masks))


@lru_cache(maxsize=4)
def _load_cached(folder: str) -> GSPData:
    path = Path(folder)
    if not path.is_dir():
        raise GSPDataError(f"gsp_dir {folder!r} is not a folder; pass the folder holding the Kumar et al. "
                           f"(2022) data files ({', '.join(_REQUIRED[:3])}, ...)")
    missing = [name for name in _REQUIRED if not (path / name).is_file()]
    if missing:
        raise GSPDataError(f"gsp_dir {folder!r} lacks {missing}")
    full = np.load(path / "gsp_4x4_full.npy", allow_pickle=False)
    weights = np.load(path / "gsp_4x4_full_probs.npy", allow_pickle=False).astype(np.float64)
    described = np.load(path / "500_gsp_samples.npy", allow_pickle=False)
    with open(path / "500_gsp_samples_text_human.json", encoding="utf-8") as fh:
        texts = json.load(fh)
    if len(texts) != len(described) or not all(isinstance(t, list) and t for t in texts):
        raise GSPDataError("500_gsp_samples_text_human.json must hold one non-empty list of strings per board")
    npz = np.load(path / "500_gsp_samples-recognition_activations-structurePenalty2.plain.npz", allow_pickle=False)
    programs = {}
    for name, key in PROGRAM_EMBEDDING_KEYS.items():
        if key not in npz.files:
            raise GSPDataError(f"program-embedding file lacks key {key!r}; has {sorted(npz.files)[:5]}...")
        programs[name] = np.asarray(npz[key], dtype=np.float32)
        if programs[name].shape[0] != len(described):
            raise GSPDataError(f"{key}: expected {len(described)} rows, got {programs[name].shape}")
    if full.shape[1:] != (SIZE, SIZE) or weights.shape != (len(full),):
        raise GSPDataError(f"gsp_4x4_full.npy/probs shapes {full.shape}/{weights.shape} do not match")
    test = _masks(np.load(path / "gsp_4x4_sample.npy", allow_pickle=False))
    control = _masks(np.load(path / "gsp_4x4_null_sample.npy", allow_pickle=False))
    return GSPData(
        full_masks=_masks(full), full_weights=weights, described_masks=_masks(described),
        descriptions=tuple(tuple(str(s) for s in t) for t in texts), program_embeddings=programs,
        test_masks=test, test_starts=_starts(np.load(path / "gsp_4x4_sample_starts.npy"), test, "test"),
        control_masks=control,
        control_starts=_starts(np.load(path / "gsp_4x4_null_sample_starts.npy"), control, "control"),
    )


def load_gsp(gsp_dir: str | Path) -> GSPData:
    """Read and check the GSP folder (cached per resolved path)."""
    return _load_cached(str(Path(gsp_dir).expanduser().resolve()))
