"""The four hyper-optimizers: SGD (with momentum), Adam, AdaGrad and RMSProp.

Each ``rule`` is the textbook update written as a pure function of the unconstrained hyper-parameters
(``s`` for a step size ``group["lr"] * exp(s)``, ``r`` for a decay rate ``sigmoid(r)``), so that
:class:`~embodied_gym.agents.hypergrad.base.HyperOptimizer` can differentiate it. With ``hyper=None``
each one is the plain optimizer (HyperSGD == torch.optim.SGD, HyperAdam == torch.optim.Adam up to
Adam's guard against a zero second moment, see ``HyperAdam``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from embodied_gym.agents.hypergrad.base import (
    AUTO,
    HyperConfigError,
    HyperOptimizer,
    HyperSpec,
    _Auto,
    check_nonnegative,
    check_rate,
    check_step_size,
    logit,
)


def _step_size(raw: dict[str, torch.Tensor], group: dict[str, Any]) -> torch.Tensor:
    return group["lr"] * torch.exp(raw["lr"])


def _check_groups_lr(group: dict[str, Any]) -> None:
    check_step_size("lr", group["lr"])


class HyperSGD(HyperOptimizer):
    """SGD (optionally with heavy-ball momentum) whose step size and momentum are learned.

    ``momentum=0`` switches momentum off (it is then not a hyper-parameter: 0 is outside the
    sigmoid's range); ``0 < momentum < 1`` learns it. Update, as ``torch.optim.SGD``:
    ``buf = mu * buf + g``; ``w -= lr * buf``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        hyper: HyperSpec | None | _Auto = AUTO,
    ):
        check_step_size("lr", lr)
        if momentum != 0.0:
            check_rate("momentum", momentum)
        check_nonnegative("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay), hyper)

    def learned_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        _check_groups_lr(group)
        return ("lr", "momentum") if group["momentum"] != 0.0 else ("lr",)

    def initial_raw(self, group: dict[str, Any]) -> dict[str, float]:
        raw = {"lr": 0.0}
        if group["momentum"] != 0.0:
            raw["momentum"] = logit(check_rate("momentum", group["momentum"]))
        return raw

    def init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, torch.Tensor]:
        return {"momentum_buffer": torch.zeros_like(p)} if group["momentum"] != 0.0 else {}

    def rule(self, raw, grad, state, group, step):
        g = grad  # weight decay is already folded in by HyperOptimizer
        if "momentum" in raw:
            mu = torch.sigmoid(raw["momentum"])
            # torch.optim.SGD starts the buffer at the first gradient; mu * 0 + g is the same value.
            buf = mu * state["momentum_buffer"] + g
            return -_step_size(raw, group) * buf, {"momentum_buffer": buf}
        return -_step_size(raw, group) * g, {}

    def effective(self, raw, group):
        out = {"lr": float(_step_size(raw, group))}
        if "momentum" in raw:
            out["momentum"] = float(torch.sigmoid(raw["momentum"]))
        return out


class HyperAdam(HyperOptimizer):
    """Adam whose step size and both betas are learned.

    ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``, bias-corrected, ``w -= lr m^ / (sqrt(v^) + eps)``.
    ``sqrt`` is taken of ``max(v^, tiny)``: a parameter whose gradient has always been zero would
    otherwise give an infinite derivative with respect to beta2 (and NaN hypergradients); where
    ``v^ >= tiny`` (every real case) the update is exactly ``torch.optim.Adam``'s.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        hyper: HyperSpec | None | _Auto = AUTO,
    ):
        check_step_size("lr", lr)
        if len(tuple(betas)) != 2:
            raise HyperConfigError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        check_rate("betas[0]", betas[0])
        check_rate("betas[1]", betas[1])
        check_nonnegative("eps", eps)
        check_nonnegative("weight_decay", weight_decay)
        super().__init__(
            params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay), hyper
        )

    def learned_names(self, group):
        _check_groups_lr(group)
        return ("lr", "beta1", "beta2")

    def initial_raw(self, group):
        b1, b2 = group["betas"]
        return {"lr": 0.0, "beta1": logit(check_rate("betas[0]", b1)), "beta2": logit(check_rate("betas[1]", b2))}

    def init_state(self, p, group):
        return {"exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)}

    def rule(self, raw, grad, state, group, step):
        g = grad  # weight decay is already folded in by HyperOptimizer
        b1 = torch.sigmoid(raw["beta1"])
        b2 = torch.sigmoid(raw["beta2"])
        m = b1 * state["exp_avg"] + (1.0 - b1) * g
        v = b2 * state["exp_avg_sq"] + (1.0 - b2) * g * g
        m_hat = m / (1.0 - b1**step)
        v_hat = v / (1.0 - b2**step)
        denom = v_hat.clamp_min(torch.finfo(v_hat.dtype).tiny).sqrt() + group["eps"]
        return -_step_size(raw, group) * m_hat / denom, {"exp_avg": m, "exp_avg_sq": v}

    def effective(self, raw, group):
        return {
            "lr": float(_step_size(raw, group)),
            "beta1": float(torch.sigmoid(raw["beta1"])),
            "beta2": float(torch.sigmoid(raw["beta2"])),
        }


class HyperAdaGrad(HyperOptimizer):
    """AdaGrad whose step size is learned: ``G += g^2``; ``w -= lr g / (sqrt(G) + eps)``."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        eps: float = 1e-10,
        initial_accumulator_value: float = 0.0,
        weight_decay: float = 0.0,
        hyper: HyperSpec | None | _Auto = AUTO,
    ):
        check_step_size("lr", lr)
        check_nonnegative("eps", eps)
        check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        check_nonnegative("weight_decay", weight_decay)
        defaults = dict(lr=lr, eps=eps, initial_accumulator_value=initial_accumulator_value, weight_decay=weight_decay)
        super().__init__(params, defaults, hyper)

    def learned_names(self, group):
        _check_groups_lr(group)
        return ("lr",)

    def initial_raw(self, group):
        return {"lr": 0.0}

    def init_state(self, p, group):
        return {"sum": torch.full_like(p, group["initial_accumulator_value"])}

    def rule(self, raw, grad, state, group, step):
        g = grad  # weight decay is already folded in by HyperOptimizer
        acc = state["sum"] + g * g
        return -_step_size(raw, group) * g / (acc.sqrt() + group["eps"]), {"sum": acc}

    def effective(self, raw, group):
        return {"lr": float(_step_size(raw, group))}


class HyperRMSProp(HyperOptimizer):
    """RMSProp whose step size and smoothing constant alpha are learned.

    ``v = a v + (1-a) g^2``; ``w -= lr g / (sqrt(v) + eps)`` (``torch.optim.RMSprop`` without momentum).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        hyper: HyperSpec | None | _Auto = AUTO,
    ):
        check_step_size("lr", lr)
        check_rate("alpha", alpha)
        check_nonnegative("eps", eps)
        check_nonnegative("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay), hyper)

    def learned_names(self, group):
        _check_groups_lr(group)
        return ("lr", "alpha")

    def initial_raw(self, group):
        return {"lr": 0.0, "alpha": logit(check_rate("alpha", group["alpha"]))}

    def init_state(self, p, group):
        return {"square_avg": torch.zeros_like(p)}

    def rule(self, raw, grad, state, group, step):
        g = grad  # weight decay is already folded in by HyperOptimizer
        a = torch.sigmoid(raw["alpha"])
        v = a * state["square_avg"] + (1.0 - a) * g * g
        denom = v.clamp_min(torch.finfo(v.dtype).tiny).sqrt() + group["eps"]
        return -_step_size(raw, group) * g / denom, {"square_avg": v}

    def effective(self, raw, group):
        return {"lr": float(_step_size(raw, group)), "alpha": float(torch.sigmoid(raw["alpha"]))}


def make_stack(names: Iterable[str], lrs: Iterable[float]) -> HyperSpec | None:
    """Spec for levels 2.. of a stack from optimizer names and step sizes, top of the stack last.

    ``make_stack(["sgd", "sgd"], [1e-3, 1e-4])`` -> ``HyperSGD.spec(lr=1e-3, hyper=HyperSGD.spec(lr=1e-4, hyper=None))``.
    An empty list gives ``None`` (fixed hyper-parameters).
    """
    names, lrs = list(names), list(lrs)
    if len(names) != len(lrs):
        raise HyperConfigError(f"make_stack needs one step size per level: {len(names)} names, {len(lrs)} lrs")
    spec: HyperSpec | None = None
    for name, lr in zip(reversed(names), reversed(lrs), strict=True):
        if name not in OPTIMIZERS:
            raise HyperConfigError(f"unknown optimizer {name!r}; accepted: {sorted(OPTIMIZERS)}")
        spec = OPTIMIZERS[name].spec(lr=lr, hyper=spec)
    return spec


OPTIMIZERS: dict[str, type[HyperOptimizer]] = {
    "sgd": HyperSGD,
    "adam": HyperAdam,
    "adagrad": HyperAdaGrad,
    "rmsprop": HyperRMSProp,
}
