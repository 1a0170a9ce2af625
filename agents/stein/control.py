"""The small control network of RODEO: ``h(y)`` and ``g(y)`` for every neighbour ``y`` of a sample.

Inputs for sample ``k`` may depend on everything *except* ``x_k`` (that is what keeps the estimator
unbiased): the leave-one-out mean of ``f`` over the other samples, a first-order Taylor estimate of
``f(y)`` built from the other samples' ``grad f`` (when ``f`` is differentiable), the point ``y`` itself
(one-hot) and an optional per-batch-row context. The first layer is linear, so its value at each of
the ``D * C`` neighbours is the value at ``x`` plus one column difference -- no ``D * C`` copies of
the one-hot input are ever built.
"""

from __future__ import annotations

import torch
from torch import nn


class ControlNet(nn.Module):
    def __init__(self, num_vars: int, num_classes: int, context_dim: int = 0, hidden: int = 32,
                 use_sample: bool = True, seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.num_vars, self.num_classes, self.context_dim = num_vars, num_classes, context_dim
        self.scalar_in = nn.Linear(2, hidden)
        self.sample_in = (
            nn.Parameter(torch.randn(num_vars, num_classes, hidden, generator=gen) / (num_vars**0.5)) if use_sample else None
        )
        self.context_in = nn.Linear(context_dim, hidden, bias=False) if context_dim else None
        self.out = nn.Linear(hidden, 2)
        self.skip = nn.Linear(2, 2, bias=False)  # a linear path from (taylor, loo mean) to (h, g)
        nn.init.zeros_(self.skip.weight)

    def forward(self, idx: torch.Tensor, taylor_x: torch.Tensor, taylor_nbrs: torch.Tensor, loo_mean: torch.Tensor,
                context: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns ``(out_x, out_nbrs)`` of shapes ``(K, *B, 2)`` and ``(K, *B, D, C, 2)``.

        ``idx`` (K, *B, D) samples; ``taylor_x`` (K, *B); ``taylor_nbrs`` (K, *B, D, C);
        ``loo_mean`` (K, *B); ``context`` (*B, context_dim) or None. All inputs already scaled.
        """
        pre_x = self.scalar_in(torch.stack([taylor_x, loo_mean], -1))  # (K, *B, H)
        w_t = self.scalar_in.weight[:, 0]
        pre_n = pre_x[..., None, None, :] + (taylor_nbrs - taylor_x[..., None, None])[..., None] * w_t
        if self.sample_in is not None:
            rows = torch.arange(self.num_vars, device=idx.device)
            picked = self.sample_in[rows, idx]  # (K, *B, D, H): column of the current class per row
            pre_x = pre_x + picked.sum(-2)
            pre_n = pre_n + picked.sum(-2)[..., None, None, :] - picked[..., None, :] + self.sample_in
        if self.context_in is not None and context is not None:
            c = self.context_in(context)
            pre_x = pre_x + c
            pre_n = pre_n + c[..., None, None, :]
        skip_x = self.skip(torch.stack([taylor_x, loo_mean], -1))
        skip_n = self.skip(torch.stack([taylor_nbrs, loo_mean[..., None, None].expand_as(taylor_nbrs)], -1))
        return self.out(torch.tanh(pre_x)) + skip_x, self.out(torch.tanh(pre_n)) + skip_n
