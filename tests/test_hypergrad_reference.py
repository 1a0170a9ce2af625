"""Hypergradients against an autodiff reference of the paper's rule (Chandra et al. 2022).

The reference keeps the weights and every hyper-parameter as non-leaf tensors, calls
``torch.autograd.grad(loss, ..., create_graph=True)`` on each loss and builds each update from
detached weights, gradients and state plus the freshly updated (graph-carrying) hyper-parameters,
top level first -- the construction of the paper's implementation. It shares no code with
``agents/hypergrad``: the update rules are written out again here.
"""

from __future__ import annotations

import math

import pytest
import torch
from embodied_gym.agents.hypergrad import HyperAdam, HyperOptimizer, HyperSGD, make_stack

TOL = 1e-6
STEPS = 8

@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors: one intra-op thread is fastest, and far faster on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)



def _problem():
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(32, 4, generator=gen, dtype=torch.float64)
    y = torch.sin(x @ torch.randn(4, 1, generator=gen, dtype=torch.float64))
    w1 = 0.5 * torch.randn(4, 6, generator=gen, dtype=torch.float64)
    w2 = 0.5 * torch.randn(6, 1, generator=gen, dtype=torch.float64)

    def loss(ws):
        return ((torch.tanh(x @ ws[0]) @ ws[1] - y) ** 2).mean()

    return loss, [w1, w2]


def _initial_raw(kind):
    if kind == "sgd":
        return [0.0]
    return [0.0, math.log(0.9 / 0.1), math.log(0.999 / 0.001)]


def _reference_delta(kind, lr0, raw, g, st, t, detach_state=True):
    """One level's weight change written out by hand; ``raw`` are that level's hyper tensors."""
    lr = lr0 * torch.exp(raw[0])
    if kind == "sgd":
        return -lr * g, st
    b1, b2 = torch.sigmoid(raw[1]), torch.sigmoid(raw[2])
    m_prev, v_prev = st
    if detach_state:
        m_prev, v_prev = m_prev.detach(), v_prev.detach()
    m = b1 * m_prev + (1 - b1) * g
    v = b2 * v_prev + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    # sqrt of max(v_hat, tiny): the first hypergradient of beta1 is exactly 0 (m_hat = g at t = 1),
    # so a hyper-level Adam sees v = 0 and sqrt'(0) would turn the next hypergradient into NaN.
    tiny = torch.finfo(torch.float64).tiny
    return -lr * m_hat / (v_hat.clamp_min(tiny).sqrt() + 1e-8), (m, v)


def reference_run(kinds, lrs, steps=STEPS, detach_state=True, detach_hyper=False):
    """Levels ``kinds[0]`` (the weights' optimizer) .. ``kinds[-1]`` (top, fixed hyper-parameters)."""
    loss_fn, ws = _problem()
    height = len(kinds)
    # params[l]: the tensors level l updates; params[0] = weights, params[l] = raw hypers of level l-1.
    params = [[w.clone().requires_grad_() for w in ws]]
    for lvl in range(height - 1):
        params.append([torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in _initial_raw(kinds[lvl])])
    top_raw = [torch.tensor(v, dtype=torch.float64) for v in _initial_raw(kinds[-1])]
    states = [[(torch.zeros_like(p), torch.zeros_like(p)) for p in level] for level in params]
    counts = [0] * height
    for _ in range(steps):
        loss = loss_fn(params[0])
        flat = [p for level in params for p in level]
        grads = torch.autograd.grad(loss, flat, create_graph=True, allow_unused=True)
        it = iter(grads)
        level_grads = [[next(it) for _ in level] for level in params]
        for lvl in reversed(range(height)):  # top level first, as in the paper
            if all(g is None for g in level_grads[lvl]):
                continue  # nothing depends on these yet (their level has not stepped)
            counts[lvl] += 1
            hyper = top_raw if lvl == height - 1 else params[lvl + 1]
            if detach_hyper:
                hyper = [h.detach() for h in hyper]
            new = []
            for i, (p, g) in enumerate(zip(params[lvl], level_grads[lvl], strict=True)):
                delta, st = _reference_delta(
                    kinds[lvl], lrs[lvl], hyper, g.detach(), states[lvl][i], counts[lvl], detach_state
                )
                states[lvl][i] = st
                q = p.detach() + delta
                new.append(q if q.requires_grad else q.requires_grad_())  # top level: a fresh leaf
            params[lvl] = new
    return [p.detach() for p in params[0]], [[float(p.detach()) for p in level] for level in params[1:]]


def optimizer_run(kinds, lrs, cls_override=None, steps=STEPS):
    loss_fn, ws = _problem()
    ws = [torch.nn.Parameter(w.clone()) for w in ws]
    classes = {"sgd": HyperSGD, "adam": HyperAdam}
    cls = cls_override or classes[kinds[0]]
    opt = cls(ws, lr=lrs[0], hyper=make_stack(kinds[1:], lrs[1:]))
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(ws).backward()  # plain backward: no create_graph
        opt.step()
    raws, level = [], opt
    while level.hyper_optimizer is not None:
        raws.append([float(t) for raw in level.raw_hyperparameters() for t in raw.values()])
        level = level.hyper_optimizer
    return [w.detach() for w in ws], raws


STACKS = [
    (["sgd"], [0.3]),
    (["sgd", "sgd"], [0.3, 0.05]),
    (["sgd", "sgd", "sgd"], [0.3, 0.05, 0.02]),
    (["adam"], [0.05]),
    (["adam", "adam"], [0.05, 0.05]),
    (["adam", "adam", "adam"], [0.05, 0.05, 0.05]),
    (["adam", "sgd", "sgd"], [0.05, 0.05, 0.02]),
]


@pytest.mark.parametrize("kinds,lrs", STACKS, ids=["/".join(k) for k, _ in STACKS])
def test_matches_create_graph_reference(kinds, lrs):
    ref_w, ref_raw = reference_run(kinds, lrs)
    got_w, got_raw = optimizer_run(kinds, lrs)
    for a, b in zip(ref_w, got_w, strict=True):
        assert torch.allclose(a, b, atol=TOL, rtol=0), float((a - b).abs().max())
    assert len(ref_raw) == len(got_raw) == len(kinds) - 1
    for level_ref, level_got in zip(ref_raw, got_raw, strict=True):
        assert level_ref == pytest.approx(level_got, abs=TOL)
    if len(kinds) > 1:  # the hyper-parameters really moved, so the comparison is not vacuous
        assert any(abs(v - v0) > 1e-4 for v, v0 in zip(ref_raw[0], _initial_raw(kinds[0]), strict=True))


def test_reference_detects_wrongly_detached_hyperparameters():
    """Detaching the hyper-parameters from the update (no hypergradient) changes the result."""
    ref_w, _ = reference_run(["adam", "adam"], [0.05, 0.05], detach_hyper=True)
    got_w, _ = optimizer_run(["adam", "adam"], [0.05, 0.05])
    assert max(float((a - b).abs().max()) for a, b in zip(ref_w, got_w, strict=True)) > 100 * TOL


class _StaleTangentSGD(HyperSGD):
    """A broken rule: the hypergradient uses the current update's derivative instead of the last one."""

    def _hypergradients(self) -> None:
        for raw, group in zip(self._raw, self.param_groups, strict=True):
            total = sum(torch.sum(p.grad * (-group["lr"] * torch.exp(raw["lr"]) * p.grad)) for p in group["params"])
            raw["lr"].grad = total.reshape(())


def test_broken_rule_fails_the_reference():
    ref_w, _ = reference_run(["sgd", "sgd"], [0.3, 0.05])
    got_w, _ = optimizer_run(["sgd", "sgd"], [0.3, 0.05], cls_override=_StaleTangentSGD)
    assert max(float((a - b).abs().max()) for a, b in zip(ref_w, got_w, strict=True)) > 100 * TOL


def test_sgd_hypergradient_is_baydin_closed_form():
    """For SGD, dL(w_t)/ds = -lr * <g_t, g_{t-1}> (the step size is lr * exp(s))."""
    loss_fn, ws = _problem()
    ws = [torch.nn.Parameter(w.clone()) for w in ws]
    opt = HyperSGD(ws, lr=0.2, hyper=HyperSGD.spec(lr=0.0 + 1e-12, hyper=None))
    loss_fn(ws).backward()
    g_prev = [w.grad.clone() for w in ws]
    opt.step()
    opt.zero_grad()
    loss_fn(ws).backward()
    g_now = [w.grad.clone() for w in ws]
    opt._hypergradients()
    expected = -0.2 * sum(float((a * b).sum()) for a, b in zip(g_now, g_prev, strict=True))
    assert float(opt.raw_hyperparameters()[0]["lr"].grad) == pytest.approx(expected, rel=1e-10)
    assert isinstance(opt, HyperOptimizer)
