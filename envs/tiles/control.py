"""Statistics-matched control boards: a pairwise maximum-entropy model of a board set.

Why: the paper's control ("null") boards keep the per-tile red frequencies and the pairwise
co-occurrences of the structured boards but nothing of higher order, so an agent that exploits *only*
low-order statistics does equally well on both, and any advantage on the structured boards must come
from their compositional structure. A 4x4 board has only 2**16 states, so the maximum-entropy
distribution with given first and second moments,
``p(x) ∝ exp(h·x + Σ_{i<j} J_ij x_i x_j)`` over the allowed boards, is fitted *exactly* (the partition
function is a sum over every board) by L-BFGS on the convex dual, and sampled exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grammar import MAX_RED, MIN_RED, N_TILES

_PAIRS = np.array([(i, j) for i in range(N_TILES) for j in range(i + 1, N_TILES)], dtype=np.int64)


def _bits(masks: np.ndarray) -> np.ndarray:
    return ((masks[:, None] >> np.arange(N_TILES)) & 1).astype(np.float64)


def board_statistics(masks: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(per-tile red frequency (16,), pairwise co-occurrence E[x_i x_j] for i<j (120,)) of a board set."""
    x = _bits(np.asarray(masks, dtype=np.int64))
    w = np.full(len(x), 1.0 / len(x)) if weights is None else np.asarray(weights, float) / np.sum(weights)
    return w @ x, w @ (x[:, _PAIRS[:, 0]] * x[:, _PAIRS[:, 1]])


@dataclass(frozen=True)
class PairwiseMaxEnt:
    """A fitted pairwise max-ent distribution over the allowed boards (3..13 red tiles by default)."""

    support: np.ndarray  # (n,) int64 masks
    log_probs: np.ndarray  # (n,) float64

    def sample(self, n: int, rng: np.random.Generator, distinct: bool = False) -> np.ndarray:
        """``n`` boards (int64 masks) drawn from the model.

        I.i.d. draws (``distinct=False``) keep the model's statistics exactly in expectation; drawing
        ``distinct`` boards (without replacement) flattens the distribution, which is harmless for a
        small test set but shifts the marginals of a large pool by a few hundredths.
        """
        p = np.exp(self.log_probs)
        if distinct and n > np.count_nonzero(p):
            raise ValueError(f"asked for {n} distinct boards but the model's support has {np.count_nonzero(p)}")
        idx = rng.choice(len(self.support), size=n, replace=not distinct, p=p / p.sum())
        return self.support[idx]

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        return board_statistics(self.support, np.exp(self.log_probs))


def fit_pairwise_maxent(masks: np.ndarray, weights: np.ndarray | None = None, min_red: int = MIN_RED,
                        max_red: int = MAX_RED, l2: float = 1e-6,
                        exclude: np.ndarray | None = None) -> PairwiseMaxEnt:
    """Fit the max-ent model whose tile marginals and pairwise co-occurrences equal those of ``masks``.

    The model lives on the boards with ``min_red..max_red`` red tiles, minus ``exclude`` (so control
    boards can be kept disjoint from the structured ones while still matching their statistics).
    """
    try:
        from scipy.optimize import minimize
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("control boards need scipy: pip install 'embodied-gym[rl]'") from exc

    masks = np.asarray(masks, dtype=np.int64)
    if masks.ndim != 1 or len(masks) < 2:
        raise ValueError(f"need a 1-d array of at least 2 board masks, got shape {masks.shape}")
    all_masks = np.arange(1 << N_TILES, dtype=np.int64)
    reds = np.array([int(m).bit_count() for m in all_masks])
    allowed = (reds >= min_red) & (reds <= max_red)
    if exclude is not None:
        allowed[np.asarray(exclude, dtype=np.int64)] = False
    support = all_masks[allowed]
    x = _bits(support)
    features = np.concatenate([x, x[:, _PAIRS[:, 0]] * x[:, _PAIRS[:, 1]]], axis=1)
    target = np.concatenate(board_statistics(masks, weights))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logits = features @ theta
        top = logits.max()
        z = np.exp(logits - top)
        log_partition = top + np.log(z.sum())
        expected = (z / z.sum()) @ features
        value = log_partition - target @ theta + 0.5 * l2 * theta @ theta
        return value, expected - target + l2 * theta

    result = minimize(objective, np.zeros(features.shape[1]), jac=True, method="L-BFGS-B",
                      options={"maxiter": 2000, "gtol": 1e-9})
    logits = features @ result.x
    log_probs = logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))
    return PairwiseMaxEnt(support=support, log_probs=log_probs)


def control_boards(reference_masks: np.ndarray, n: int, seed: int = 0, exclude_reference: bool = True,
                   distinct: bool = False, exclude: np.ndarray | None = None) -> np.ndarray:
    """``n`` control boards matching ``reference_masks``' tile marginals and pairwise statistics.

    With ``exclude_reference`` the structured boards themselves are never drawn, so the control set
    holds no board of the structured set; ``exclude`` removes further boards (e.g. a held-out test set).
    ``distinct`` is passed to :meth:`PairwiseMaxEnt.sample`.
    """
    reference_masks = np.asarray(reference_masks, dtype=np.int64)
    banned = [reference_masks] if exclude_reference else []
    if exclude is not None:
        banned.append(np.asarray(exclude, dtype=np.int64))
    model = fit_pairwise_maxent(reference_masks, exclude=np.concatenate(banned) if banned else None)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xC0]))
    return model.sample(n, rng, distinct=distinct)
