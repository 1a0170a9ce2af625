"""Discrete Stein operators for factorised (independent) Bernoulli and categorical distributions.

A Stein operator ``A`` maps a function ``h`` to one with zero mean under ``q`` whatever ``h`` is:
``E_q[(A h)(x)] = 0``. Each operator here moves one coordinate at a time, so ``(A h)(x)`` only needs
``h`` at the neighbours ``y_ic`` of ``x`` (``x`` with coordinate ``i`` set to class ``c != x_i``) and
is written ``sum_ic a_ic h(y_ic) - (sum_ic b_ic) h(x)``:

- ``gibbs`` (Shi et al. 2022's default): the generator of the Gibbs sampler that resamples every
  coordinate at rate 1, ``a_ic = b_ic = q_i(c)`` (the random-scan chain's generator times ``D``: the
  same control variates, on a scale where RODEO's coefficients are of order one for any ``D``);
- ``mpf``: minimum-probability-flow / Barker-like symmetric rates, ``a_ic = b_ic = sqrt(q_i(c) / q_i(x_i))``;
- ``difference``: ``a_ic = 1``, ``b_ic = q_i(c) / q_i(x_i)``.

Zero mean holds because each sums ``q(x) a(x,y) h(y) - q(x) b(x,y) h(x)`` over pairs whose terms
cancel when ``x`` and ``y`` swap roles (``q(x) a(x,y) = q(y) b(y,x)``).
"""

from __future__ import annotations

import torch

OPERATORS = ("gibbs", "mpf", "difference")


class UnknownOperatorError(ValueError):
    """An operator name that is not one of :data:`OPERATORS`."""


def operator_weights(operator: str, logp: torch.Tensor, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Neighbour weights ``a`` and ``b``, shape ``(K, *B, D, C)``, zero at ``c == x_i``.

    ``logp``: log-probabilities ``(*B, D, C)`` (detached); ``idx``: samples ``(K, *B, D)`` (class indices).
    """
    if operator not in OPERATORS:
        raise UnknownOperatorError(f"unknown Stein operator {operator!r}; accepted: {list(OPERATORS)}")
    logp_k = logp.unsqueeze(0).expand(idx.shape[0], *logp.shape)
    logq_x = torch.gather(logp_k, -1, idx.unsqueeze(-1))  # (K, *B, D, 1)
    other = torch.ones_like(logp_k).scatter_(-1, idx.unsqueeze(-1), 0.0)  # 1 where c != x_i
    log_ratio = logp_k - logq_x
    if operator == "gibbs":
        a = logp_k.exp() * other
        return a, a
    if operator == "mpf":
        a = torch.exp(0.5 * log_ratio) * other
        return a, a
    return other, torch.exp(log_ratio) * other


def apply_scalar(a: torch.Tensor, b: torch.Tensor, h_nbrs: torch.Tensor, h_x: torch.Tensor) -> torch.Tensor:
    """``(A h)(x)`` from ``h`` at the neighbours ``(K, *B, D, C)`` and at ``x`` ``(K, *B)``."""
    return (a * h_nbrs).sum((-2, -1)) - b.sum((-2, -1)) * h_x


def apply_score_field(
    a: torch.Tensor, b: torch.Tensor, g_nbrs: torch.Tensor, g_x: torch.Tensor, score_x: torch.Tensor, onehot_x: torch.Tensor
) -> torch.Tensor:
    """``(A H)(x)`` for the vector field ``H(y) = g(y) * score(y)``, ``score(y) = onehot(y) - q``.

    ``score(y_ic) = score(x) + e_c - e_{x_i}`` in row ``i``, so the neighbour sum splits into a multiple
    of ``score(x)`` and a per-row correction. Returns ``(K, *B, D, C)``.
    """
    ag = a * g_nbrs  # (K, *B, D, C)
    total = ag.sum((-2, -1)) - b.sum((-2, -1)) * g_x  # (K, *B)
    row = ag - onehot_x * ag.sum(-1, keepdim=True)
    return total[..., None, None] * score_x + row
