"""Gradient estimators for ``grad_theta E_{x ~ q_theta}[f(x)]`` over independent discrete variables.

One API for all of them::

    x = est.sample(logits, num_samples, generator=gen)      # (K, *B, D)
    fx = f(x)                                               # (K, *B); may carry gradient to f's own parameters
    surrogate = est.surrogate(x, logits, fx)                # scalar
    surrogate.backward()   # logits' parents receive the estimate of grad sum_b E[f]; f's params grad mean_k f

``logits`` are ``(*B, D)`` for Bernoulli variables (``kind="bernoulli"``, samples are 0./1. floats)
or ``(*B, D, C)`` for categorical ones (``kind="categorical"``, samples are class indices).

- :class:`Reinforce`: ``mean_k f(x_k) grad log q(x_k)``.
- :class:`RLOO`: REINFORCE with the leave-one-out mean of the other samples as baseline.
- :class:`DisARM` (Dong, Mnih and Tucker 2020; Bernoulli only): antithetic pairs ``1[u < p]``,
  ``1[u > 1 - p]`` and the analytically integrated ARM estimator.
- :class:`RODEO` (Shi, Zhou, Hwang, Titsias and Mackey 2022): RLOO plus two discrete-Stein-operator
  control variates whose functions come from a small control network fed by the *other* samples;
  its coefficients and the network adapt online by descending the estimate's squared norm (its
  variance plus a constant), with no extra evaluation of ``f``.
"""

from __future__ import annotations

from typing import Any

import torch
from embodied_gym.agents.stein.control import ControlNet
from embodied_gym.agents.stein.operators import (
    OPERATORS,
    UnknownOperatorError,
    apply_scalar,
    apply_score_field,
    operator_weights,
)
from torch import nn

KINDS = ("bernoulli", "categorical")


class EstimatorInputError(ValueError):
    """Inputs of the wrong shape, kind or sample count for a gradient estimator."""


def categorical_logits(logits: torch.Tensor, kind: str) -> torch.Tensor:
    """``(*B, D, C)`` logits whose class 1 logit is the Bernoulli logit (class 0 fixed at 0)."""
    if kind == "bernoulli":
        return torch.stack([torch.zeros_like(logits), logits], -1)
    return logits


class GradientEstimator(nn.Module):
    """Shared sampling, validation and the surrogate; subclasses implement :meth:`estimate_logit_grad`."""

    min_samples = 1

    def __init__(self, kind: str = "bernoulli"):
        super().__init__()
        if kind not in KINDS:
            raise EstimatorInputError(f"kind must be one of {list(KINDS)}, got {kind!r}")
        self.kind = kind

    # ----------------------------------------------------------------------- sampling
    def check_num_samples(self, num_samples: int) -> None:
        if int(num_samples) != num_samples or num_samples < self.min_samples:
            raise EstimatorInputError(
                f"{type(self).__name__} needs num_samples >= {self.min_samples}, got {num_samples!r}"
            )

    def sample(self, logits: torch.Tensor, num_samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
        self.check_num_samples(num_samples)
        self._check_logits(logits)
        with torch.no_grad():
            if self.kind == "bernoulli":
                u = torch.rand((num_samples, *logits.shape), generator=generator, device=logits.device, dtype=logits.dtype)
                return (u < torch.sigmoid(logits)).to(logits.dtype)
            probs = torch.softmax(logits, -1)
            u = torch.rand((num_samples, *logits.shape[:-1], 1), generator=generator, device=logits.device, dtype=logits.dtype)
            idx = (probs.cumsum(-1).unsqueeze(0) < u).sum(-1)
            return idx.clamp_max(logits.shape[-1] - 1)

    # ----------------------------------------------------------------------- validation
    def _check_logits(self, logits: torch.Tensor) -> None:
        if not torch.is_tensor(logits) or not logits.is_floating_point():
            raise EstimatorInputError("logits must be a floating-point tensor")
        need = 1 if self.kind == "bernoulli" else 2
        if logits.dim() < need:
            raise EstimatorInputError(
                f"{self.kind} logits need shape {'(*B, D)' if need == 1 else '(*B, D, C)'}, got {tuple(logits.shape)}"
            )

    def _indices(self, samples: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        self._check_logits(logits)
        event = logits.shape if self.kind == "bernoulli" else logits.shape[:-1]
        if samples.dim() != len(event) + 1 or tuple(samples.shape[1:]) != tuple(event):
            raise EstimatorInputError(
                f"samples must have shape (K, {', '.join(map(str, event))}) for logits {tuple(logits.shape)}, "
                f"got {tuple(samples.shape)}"
            )
        self.check_num_samples(samples.shape[0])
        if self.kind == "bernoulli":
            if not torch.all((samples == 0) | (samples == 1)):
                raise EstimatorInputError("bernoulli samples must be 0 or 1")
            return samples.detach().long()
        if samples.is_floating_point() or samples.min() < 0 or samples.max() >= logits.shape[-1]:
            raise EstimatorInputError(f"categorical samples must be integer classes in [0, {logits.shape[-1]})")
        return samples.detach().long()

    # ----------------------------------------------------------------------- the surrogate
    def surrogate(self, samples: torch.Tensor, logits: torch.Tensor, fx: torch.Tensor, *,
                  f_grad: torch.Tensor | None = None, context: torch.Tensor | None = None) -> torch.Tensor:
        """A scalar whose gradient is the estimate of ``grad sum_b E_q[f]`` (plus ``f``'s own gradient).

        ``f_grad``: optional ``grad_x f`` at the samples ``(K, *B, D)`` (Bernoulli, differentiable ``f``;
        used by RODEO's features). ``context``: optional ``(*B, n)`` features for RODEO's control net.
        """
        idx = self._indices(samples, logits)
        if fx.shape != samples.shape[:-1]:
            raise EstimatorInputError(f"f values must have shape {tuple(samples.shape[:-1])}, got {tuple(fx.shape)}")
        cat = categorical_logits(logits, self.kind)
        grad = self.estimate_logit_grad(idx, cat.detach(), fx.detach(), f_grad=f_grad, context=context)
        return (cat * grad).sum() + fx.mean(0).sum()

    def estimate(self, logits: torch.Tensor, f: Any, num_samples: int, generator: torch.Generator | None = None,
                 context: torch.Tensor | None = None, differentiable_f: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample, evaluate ``f`` once per sample and return ``(surrogate, f values)``."""
        x = self.sample(logits, num_samples, generator)
        f_grad = None
        if differentiable_f:
            if self.kind != "bernoulli":
                raise EstimatorInputError("differentiable_f needs Bernoulli variables")
            xg = x.clone().requires_grad_(True)
            fx = f(xg)
            f_grad = torch.autograd.grad(fx.sum(), xg, retain_graph=True)[0]
        else:
            fx = f(x)
        return self.surrogate(x, logits, fx, f_grad=f_grad, context=context), fx

    def estimate_logit_grad(self, idx: torch.Tensor, cat_logits: torch.Tensor, fx: torch.Tensor, *,
                            f_grad: torch.Tensor | None, context: torch.Tensor | None) -> torch.Tensor:
        """The estimate of ``grad sum_b E f`` with respect to the categorical logits ``(*B, D, C)``."""
        raise NotImplementedError


def _score(idx: torch.Tensor, cat_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    logp = torch.log_softmax(cat_logits, -1)
    onehot = torch.nn.functional.one_hot(idx, cat_logits.shape[-1]).to(cat_logits.dtype)
    return onehot - logp.exp(), onehot, logp


def _loo_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean over the other samples (dim 0) for each sample."""
    k = values.shape[0]
    return (values.sum(0, keepdim=True) - values) / (k - 1)


def _bcast(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v.reshape(v.shape + (1,) * (like.dim() - v.dim()))


class Reinforce(GradientEstimator):
    """The score-function estimator, no baseline."""

    def estimate_logit_grad(self, idx, cat_logits, fx, *, f_grad=None, context=None):
        score, _, _ = _score(idx, cat_logits)
        return (_bcast(fx, score) * score).mean(0)


class RLOO(GradientEstimator):
    """REINFORCE leave-one-out (Kool et al. 2019): baseline = mean of the other samples' ``f``."""

    min_samples = 2

    def estimate_logit_grad(self, idx, cat_logits, fx, *, f_grad=None, context=None):
        score, _, _ = _score(idx, cat_logits)
        return (_bcast(fx - _loo_mean(fx), score) * score).mean(0)


class DisARM(GradientEstimator):
    """DisARM for Bernoulli variables: ``num_samples / 2`` antithetic pairs sharing one uniform draw."""

    min_samples = 2

    def __init__(self, kind: str = "bernoulli"):
        if kind != "bernoulli":
            raise EstimatorInputError("DisARM is defined for Bernoulli variables only")
        super().__init__(kind)

    def check_num_samples(self, num_samples: int) -> None:
        super().check_num_samples(num_samples)
        if num_samples % 2:
            raise EstimatorInputError(f"DisARM uses antithetic pairs: num_samples must be even, got {num_samples}")

    def sample(self, logits, num_samples, generator=None):
        self.check_num_samples(num_samples)
        self._check_logits(logits)
        with torch.no_grad():
            p = torch.sigmoid(logits)
            u = torch.rand((num_samples // 2, *logits.shape), generator=generator, device=logits.device, dtype=logits.dtype)
            return torch.cat([(u < p), (u > 1.0 - p)], 0).to(logits.dtype)

    def estimate_logit_grad(self, idx, cat_logits, fx, *, f_grad=None, context=None):
        half = idx.shape[0] // 2
        xa, xb = idx[:half].to(cat_logits.dtype), idx[half:].to(cat_logits.dtype)
        eta = cat_logits[..., 1]
        # 1/2 (f(xa) - f(xb)) (-1)^{xb} 1[xa != xb] sigmoid(|eta|), per pair; averaged over pairs.
        weight = (xa != xb).to(eta.dtype) * (1.0 - 2.0 * xb) * torch.sigmoid(eta.abs())
        g = (0.5 * _bcast(fx[:half] - fx[half:], weight) * weight).mean(0)
        return torch.stack([torch.zeros_like(g), g], -1)


class RODEO(GradientEstimator):
    """RLOO with discrete Stein control variates (Shi et al. 2022), adapted online.

    For sample ``k`` the control network, fed only by the other samples (and the point it is
    evaluated at), gives ``h_k(y)`` and ``g_k(y)``; the estimate is

        (1/K) sum_k [ (f_k - b_k) score(x_k) + beta (A H_k)(x_k) ],   H_k(y) = g_k(y) score(y),
        b_k = mean_{j != k} [ f_j + alpha (A h_j)(x_j) ],

    with ``A`` a discrete Stein operator (:mod:`~embodied_gym.agents.stein.operators`). Both terms
    have mean zero given the other samples, so the estimate stays unbiased for any network and any
    ``alpha``, ``beta``; those are then trained (Adam, ``lr``) to minimise the squared norm of the
    estimate, i.e. its variance, for ``adapt_steps`` Adam steps after every call in training mode
    (``est.train()``; ``est.eval()`` freezes them). Features are divided by a running scale of ``f`` taken from *previous* calls only.
    """

    min_samples = 2

    def __init__(self, kind: str = "bernoulli", operator: str = "gibbs", hidden: int = 32, lr: float = 3e-3,
                 adapt_steps: int = 1, use_sample_features: bool = True, seed: int = 0):
        super().__init__(kind)
        if operator not in OPERATORS:
            raise UnknownOperatorError(f"unknown Stein operator {operator!r}; accepted: {list(OPERATORS)}")
        if hidden < 1 or lr <= 0 or adapt_steps < 1:
            raise EstimatorInputError(
                f"hidden and adapt_steps must be >= 1 and lr > 0, got hidden={hidden}, lr={lr}, adapt_steps={adapt_steps}"
            )
        self.adapt_steps = int(adapt_steps)
        self.operator, self.hidden, self.lr = operator, hidden, lr
        self.use_sample_features, self.seed = use_sample_features, seed
        self.alpha = nn.Parameter(torch.zeros(()))
        self.beta = nn.Parameter(torch.zeros(()))
        self.register_buffer("f_scale", torch.ones(()))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.net: ControlNet | None = None
        self._opt: torch.optim.Optimizer | None = None
        self.last_variance_loss: float | None = None

    def _build(self, num_vars: int, num_classes: int, context_dim: int, ref: torch.Tensor) -> None:
        if self.net is None:
            self.net = ControlNet(num_vars, num_classes, context_dim, self.hidden, self.use_sample_features, self.seed)
            self.net.to(device=ref.device, dtype=ref.dtype)
            self.alpha.data = self.alpha.data.to(ref)
            self.beta.data = self.beta.data.to(ref)
            self._opt = torch.optim.Adam(list(self.net.parameters()) + [self.alpha, self.beta], lr=self.lr)
        elif (self.net.num_vars, self.net.num_classes, self.net.context_dim) != (num_vars, num_classes, context_dim):
            raise EstimatorInputError(
                f"this RODEO was built for D={self.net.num_vars}, C={self.net.num_classes}, context "
                f"{self.net.context_dim}; got D={num_vars}, C={num_classes}, context {context_dim}"
            )

    def estimate_logit_grad(self, idx, cat_logits, fx, *, f_grad=None, context=None):
        num_vars, num_classes = cat_logits.shape[-2:]
        ctx_dim = 0 if context is None else context.shape[-1]
        if context is not None and tuple(context.shape[:-1]) != tuple(cat_logits.shape[:-2]):
            raise EstimatorInputError(
                f"context must have shape (*B, n) with *B = {tuple(cat_logits.shape[:-2])}, got {tuple(context.shape)}"
            )
        self._build(num_vars, num_classes, ctx_dim, cat_logits)
        score, onehot, logp = _score(idx, cat_logits)
        a, b = operator_weights(self.operator, logp, idx)
        scale = self.f_scale.to(cat_logits)
        loo_f = _loo_mean(fx) / scale
        if f_grad is not None:
            if self.kind != "bernoulli" or f_grad.shape != idx.shape:
                raise EstimatorInputError(f"f_grad must be (K, *B, D) = {tuple(idx.shape)} for Bernoulli variables")
            gbar = _loo_mean(f_grad.detach())
            xf = idx.to(cat_logits.dtype)
            offset = _loo_mean((f_grad.detach() * xf).sum(-1))
            taylor_x = ((gbar * xf).sum(-1) - offset) / scale
            classes = torch.arange(num_classes, device=idx.device, dtype=cat_logits.dtype)
            taylor_n = taylor_x[..., None, None] + (gbar / scale)[..., None] * (classes - xf[..., None])
        else:
            taylor_x = torch.zeros_like(fx)
            taylor_n = torch.zeros_like(a)
        ctx = None if context is None else context.detach().to(cat_logits)

        def estimate_with_cv() -> torch.Tensor:
            out_x, out_n = self.net(idx, taylor_x, taylor_n, loo_f, ctx)
            h_x, g_x = out_x[..., 0] * scale, out_x[..., 1] * scale
            h_n, g_n = out_n[..., 0] * scale, out_n[..., 1] * scale
            baseline = _loo_mean(fx + self.alpha * apply_scalar(a, b, h_n, h_x))
            main = _bcast(fx - baseline, score) * score
            cv = apply_score_field(a, b, g_n, g_x, score, onehot)
            return (main + self.beta * cv).mean(0)

        with torch.enable_grad():
            grad = estimate_with_cv()
            result = grad.detach()
            if self.training:
                # The estimate above used the control variates as they were before these samples;
                # only later calls see the adapted ones, which keeps every estimate unbiased.
                batch = max(1, grad[..., 0, 0].numel())
                for step in range(self.adapt_steps):
                    if step:
                        grad = estimate_with_cv()
                    loss = grad.pow(2).sum() / batch
                    self._opt.zero_grad()
                    loss.backward()
                    self._opt.step()
                self.last_variance_loss = float(loss.detach())
        if self.training:
            with torch.no_grad():  # scale for the NEXT call: never depends on the current samples
                std = fx.std() if fx.numel() > 1 else fx.abs().mean()
                std = std.clamp_min(1e-6).to(self.f_scale)
                self.f_scale.copy_(std if int(self.calls) == 0 else 0.99 * self.f_scale + 0.01 * std)
                self.calls += 1
        return result


ESTIMATORS: dict[str, type[GradientEstimator]] = {
    "reinforce": Reinforce,
    "rloo": RLOO,
    "disarm": DisARM,
    "rodeo": RODEO,
}


def make_estimator(name: str, kind: str = "bernoulli", **kwargs: Any) -> GradientEstimator:
    """``make_estimator("rodeo", operator="mpf")``; names: reinforce, rloo, disarm, rodeo."""
    if name not in ESTIMATORS:
        raise EstimatorInputError(f"unknown estimator {name!r}; accepted: {sorted(ESTIMATORS)}")
    return ESTIMATORS[name](kind=kind, **kwargs)
