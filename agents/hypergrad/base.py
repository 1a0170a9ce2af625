"""Hypergradient descent as a ``torch.optim.Optimizer`` (Chandra et al. 2022).

Chandra, Xie, Ragan-Kelley and Meijer, "Gradient Descent: The Ultimate Optimizer" (NeurIPS 2022)
optimise an optimizer's hyper-parameters by gradient descent on the training loss. Their rule: when
step ``t`` moves the weights ``w_t = w_{t-1} + delta(h, g_{t-1}, state_{t-1})``, everything except
the freshly updated hyper-parameters ``h`` is detached, so the next loss ``L(w_t)`` depends on ``h``
through this one step only and

    dL(w_t)/dh = <grad L(w_t), d delta / dh>.

The paper gets that number by keeping the weights as non-leaf tensors and calling
``loss.backward(create_graph=True)``. Here the inputs of each update (gradient, optimizer state,
hyper-parameter values) are kept, and at the next step the update is recomputed with autograd on and
differentiated once, as ``d <p.grad, delta> / dh``. The result is the same number, but the training
loop is an ordinary ``loss.backward(); opt.step()`` with ``nn.Parameter`` leaves, so the optimizer
drops into any loop, Stable-Baselines3 included (``policy_kwargs=dict(optimizer_class=HyperAdam)``).

Hyper-parameters are optimised in unconstrained coordinates so they stay valid: the step size is
``group["lr"] * exp(s)`` (``s`` starts at 0, so a learning-rate scheduler that rescales
``group["lr"]`` still composes, multiplicatively), and every decay rate (momentum, Adam's betas,
RMSProp's alpha) is ``sigmoid(r)``, inside (0, 1). The hyper-parameters of all groups form the
parameters of a *hyper-optimizer*, itself a ``HyperOptimizer`` built from a :class:`HyperSpec`, so
stacks of any height are written ``HyperAdam(params, hyper=HyperSGD.spec(hyper=HyperSGD.spec()))``.
The top of a stack (``hyper=None``) keeps its hyper-parameters fixed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.optim import Optimizer


class HyperConfigError(ValueError):
    """An invalid hyper-optimizer setting (step size, decay rate, stack specification)."""


@dataclass(frozen=True)
class HyperSpec:
    """A hyper-optimizer that is not built yet: its class and keyword arguments.

    The parameters of a hyper-optimizer (the unconstrained hyper-parameters of the level below)
    only exist once that level is built, so a stack is described by specs and built bottom-up.
    """

    cls: type[HyperOptimizer]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self, params: Iterable[torch.Tensor]) -> HyperOptimizer:
        return self.cls(params, **self.kwargs)

    @property
    def height(self) -> int:
        """Levels in this spec's stack, this one included."""
        hyper = self.kwargs.get("hyper", AUTO)
        if hyper is AUTO:
            return 2
        return 1 + (hyper.height if isinstance(hyper, HyperSpec) else 0)


class _Auto:
    """Sentinel: the default hyper-optimizer (see :data:`DEFAULT_HYPER_LR`)."""

    def __repr__(self) -> str:
        return "AUTO"


AUTO = _Auto()
# The default hyper-optimizer is Adam on the unconstrained hyper-parameters: Adam's steps have the
# size of its step size whatever the scale of the hypergradient, so one default suits problems of
# any loss scale (log step size and logit decay rates move by at most ~DEFAULT_HYPER_LR a step).
DEFAULT_HYPER_LR = 1e-2


def logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def check_step_size(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise HyperConfigError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def check_rate(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 < value < 1.0:
        raise HyperConfigError(f"{name} must lie strictly inside (0, 1), got {value!r}")
    return value


def check_nonnegative(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise HyperConfigError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def _flat(tensors: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in tensors]) if len(tensors) > 1 else tensors[0].reshape(-1)


# A rule maps (raw hyper-parameters, gradient, state tensors, group settings) to (delta, new state).
Rule = Callable[..., tuple[torch.Tensor, dict[str, torch.Tensor]]]


class HyperOptimizer(Optimizer):
    """Base class: an update rule whose learnable hyper-parameters are descended on.

    Subclasses define ``learned_names(group)`` (the raw hyper-parameters of a group, in order),
    ``initial_raw(group)`` (their starting unconstrained values), ``init_state(p, group)`` (zeroed
    optimizer state tensors) and ``rule(raw, grad, state, group, step)`` returning the weight change
    ``delta`` and the new state, as a pure differentiable function of ``raw``.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any], hyper: HyperSpec | None | _Auto):
        if hyper is AUTO:
            from embodied_gym.agents.hypergrad.optimizers import HyperAdam

            hyper = HyperSpec(HyperAdam, {"lr": DEFAULT_HYPER_LR, "hyper": None})
        if hyper is not None and not isinstance(hyper, HyperSpec):
            raise HyperConfigError(
                "hyper must be a HyperSpec (e.g. HyperSGD.spec(lr=1e-3)), None for fixed "
                f"hyper-parameters, or AUTO; got {type(hyper).__name__}"
            )
        self._hyper_spec = hyper
        self._raw: list[dict[str, torch.Tensor]] = []
        self.hyper_optimizer: HyperOptimizer | None = None
        super().__init__(params, defaults)
        self._ready = True
        for group in self.param_groups:
            self._raw.append(self._make_raw(group))
        if hyper is not None:
            self.hyper_optimizer = hyper.build(self._raw_tensors())

    # ----------------------------------------------------------------- subclass interface
    def learned_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        raise NotImplementedError

    def initial_raw(self, group: dict[str, Any]) -> dict[str, float]:
        raise NotImplementedError

    def init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def rule(
        self,
        raw: dict[str, torch.Tensor],
        grad: torch.Tensor,
        state: dict[str, torch.Tensor],
        group: dict[str, Any],
        step: int,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        raise NotImplementedError

    def effective(self, raw: dict[str, torch.Tensor], group: dict[str, Any]) -> dict[str, float]:
        """The constrained hyper-parameter values a group uses now (for logging)."""
        raise NotImplementedError

    # ----------------------------------------------------------------- construction helpers
    @classmethod
    def spec(cls, **kwargs: Any) -> HyperSpec:
        """Describe this optimizer as a hyper-optimizer of another: ``HyperAdam(p, hyper=HyperSGD.spec())``."""
        return HyperSpec(cls, dict(kwargs))

    def _make_raw(self, group: dict[str, Any]) -> dict[str, torch.Tensor]:
        first = group["params"][0]
        dtype = first.dtype if first.is_floating_point() else torch.get_default_dtype()
        values = self.initial_raw(group)
        return {
            name: torch.tensor(values[name], dtype=dtype, device=first.device)
            for name in self.learned_names(group)
        }

    def _raw_tensors(self) -> list[torch.Tensor]:
        return [t for raw in self._raw for t in raw.values()]

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        if getattr(self, "_ready", False):
            raw = self._make_raw(self.param_groups[-1])
            self._raw.append(raw)
            if self.hyper_optimizer is not None and raw:
                self.hyper_optimizer.add_param_group({"params": list(raw.values())})

    # ----------------------------------------------------------------- introspection
    @property
    def height(self) -> int:
        """Levels in this stack: 1 for fixed hyper-parameters."""
        return 1 + (self.hyper_optimizer.height if self.hyper_optimizer is not None else 0)

    def hyperparameters(self) -> list[dict[str, float]]:
        """Per param group, the hyper-parameter values in use now (step size, decay rates)."""
        return [self.effective(raw, group) for raw, group in zip(self._raw, self.param_groups, strict=True)]

    def raw_hyperparameters(self) -> list[dict[str, torch.Tensor]]:
        """Per param group, the unconstrained tensors the hyper-optimizer descends on (read-only use)."""
        return self._raw

    # ----------------------------------------------------------------- the step
    def _hypergradients(self) -> None:
        """Set ``raw.grad`` = <current p.grad, d(previous delta)/d(raw)> for every group.

        The previous update is recomputed from its stored inputs (gradient, optimizer state, step,
        base lr and the hyper-parameter values it used) with autograd on, and one reverse pass of
        ``<p.grad, delta>`` gives the derivative for all hyper-parameters at once. Left ``None``
        before the first update (nothing depends on the hyper-parameters yet), so hyper-optimizers
        skip that step exactly as a parameter without gradient is skipped.
        """
        for raw, group in zip(self._raw, self.param_groups, strict=True):
            sums: dict[str, torch.Tensor] = {}
            batches: dict[int, list[torch.Tensor]] = {}
            for p in group["params"]:
                if p.grad is not None and "hg_grad" in self.state[p]:
                    batches.setdefault(int(self.state[p]["hg_step"].item()), []).append(p)
            for step, params in batches.items():
                first = self.state[params[0]]
                keys = [k[len("hg_buf_"):] for k in first if k.startswith("hg_buf_")]
                with torch.enable_grad():
                    used = {n: first[f"hg_raw_{n}"].detach().clone().requires_grad_(True) for n in raw}
                    delta, _ = self.rule(
                        used,
                        _flat([self.state[p]["hg_grad"] for p in params]),
                        {k: _flat([self.state[p][f"hg_buf_{k}"] for p in params]) for k in keys},
                        dict(group, lr=float(first["hg_lr"])),
                        step,
                    )
                    total = torch.sum(_flat([p.grad.detach() for p in params]) * delta)
                    grads = torch.autograd.grad(total, list(used.values()), allow_unused=True)
                for name, g in zip(used, grads, strict=True):
                    g = torch.zeros((), dtype=total.dtype) if g is None else g
                    sums[name] = sums[name] + g if name in sums else g
            for name, tensor in raw.items():
                tensor.grad = sums[name].detach().to(tensor.dtype).reshape(()) if name in sums else None

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if self.hyper_optimizer is not None:
            self._hypergradients()
            # Top-down, as in the paper: the hyper-parameters move first, then this level steps
            # with their new values, so its next loss carries their hypergradient.
            self.hyper_optimizer.step()
        for raw, group in zip(self._raw, self.param_groups, strict=True):
            params = [p for p in group["params"] if p.grad is not None]
            for p in group["params"]:
                if p.grad is None:  # not moved by this step: its weights will not depend on the new hypers
                    for key in [k for k in self.state[p] if k.startswith("hg_")]:
                        del self.state[p][key]
            if any(p.grad.is_sparse for p in params):
                raise HyperConfigError(f"{type(self).__name__} does not support sparse gradients")
            # Params sharing a step count are updated as one flat vector: one rule evaluation for
            # the whole batch instead of one per tensor.
            by_step: dict[int, list[torch.Tensor]] = {}
            for p in params:
                state = self.state[p]
                if "step" not in state:
                    state["step"] = torch.tensor(0.0)
                    state.update(self.init_state(p, group))
                by_step.setdefault(int(state["step"].item()) + 1, []).append(p)
            raw_now = {name: t.detach() for name, t in raw.items()}
            for step, batch in by_step.items():
                self._step_flat(batch, raw_now, group, step)
        return loss

    def _step_flat(self, params: list[torch.Tensor], raw: dict[str, torch.Tensor], group: dict[str, Any], step: int) -> None:
        grad = _flat([p.grad.detach() for p in params])
        if group.get("weight_decay", 0.0):
            grad = grad + group["weight_decay"] * _flat([p.detach() for p in params])
        keys = [k for k in self.state[params[0]] if k != "step" and not k.startswith("hg_")]
        buffers = {k: _flat([self.state[p][k] for p in params]) for k in keys}
        delta, new_state = self.rule(raw, grad, buffers, group, step)
        sizes = [p.numel() for p in params]
        pieces = {"delta": delta.split(sizes)}
        pieces.update({key: value.detach().split(sizes) for key, value in new_state.items()})
        if self.hyper_optimizer is not None:
            # The inputs of this update, so the next step can differentiate it (see _hypergradients).
            pieces["hg_grad"] = grad.split(sizes)
            pieces.update({f"hg_buf_{k}": v.split(sizes) for k, v in buffers.items()})
        for j, p in enumerate(params):
            state = self.state[p]
            p.add_(pieces["delta"][j].view_as(p))
            for key, parts in pieces.items():
                if key != "delta":
                    # a view into this step's flat buffer: no copy (the buffer lives as long as its views)
                    state[key] = parts[j].view_as(p)
            state["step"] = torch.tensor(float(step))
            if self.hyper_optimizer is not None:
                state["hg_step"] = torch.tensor(float(step))
                state["hg_lr"] = torch.tensor(float(group["lr"]), dtype=torch.float64)
                for name, value in raw.items():
                    state[f"hg_raw_{name}"] = value.detach().clone()

    # ----------------------------------------------------------------- persistence
    def state_dict(self) -> dict[str, Any]:
        sd = super().state_dict()
        sd["hyper_raw"] = [{k: v.detach().clone() for k, v in raw.items()} for raw in self._raw]
        if self.hyper_optimizer is not None:
            sd["hyper_optimizer"] = self.hyper_optimizer.state_dict()
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        if "hyper_raw" not in state_dict:
            raise KeyError(
                f"{type(self).__name__}.load_state_dict needs a state dict saved by a HyperOptimizer "
                "(key 'hyper_raw' is missing)"
            )
        raws = state_dict.pop("hyper_raw")
        hyper_sd = state_dict.pop("hyper_optimizer", None)
        if len(raws) != len(self._raw) or any(set(a) != set(b) for a, b in zip(raws, self._raw, strict=False)):
            raise KeyError(
                f"saved hyper-parameters {[sorted(r) for r in raws]} do not match this optimizer's "
                f"{[sorted(r) for r in self._raw]}"
            )
        if (hyper_sd is None) != (self.hyper_optimizer is None):
            raise KeyError("saved stack height does not match this optimizer's stack height")
        super().load_state_dict(state_dict)
        for saved, mine in zip(raws, self._raw, strict=True):
            for name, tensor in mine.items():
                tensor.copy_(saved[name])
        if self.hyper_optimizer is not None:
            self.hyper_optimizer.load_state_dict(hyper_sd)
