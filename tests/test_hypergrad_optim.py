"""Behaviour of the hyper-optimizers as ordinary torch optimizers (plain rules, state, schedulers, SB3)."""

from __future__ import annotations

import pytest
import torch
from embodied_gym.agents.hypergrad import (
    HyperAdaGrad,
    HyperAdam,
    HyperConfigError,
    HyperRMSProp,
    HyperSGD,
    make_stack,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors: one intra-op thread is fastest, and far faster on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)



def _model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))


def _data():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(128, 6, generator=gen)
    return x, torch.sin(x.sum(1, keepdim=True))


def _train(model, opt, steps, scheduler=None):
    x, y = _data()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(float(loss.detach()))
    return losses


PLAIN = [
    (lambda p: HyperSGD(p, lr=0.05, momentum=0.9, hyper=None), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    (lambda p: HyperAdam(p, lr=0.01, hyper=None), lambda p: torch.optim.Adam(p, lr=0.01)),
    (lambda p: HyperAdaGrad(p, lr=0.05, hyper=None), lambda p: torch.optim.Adagrad(p, lr=0.05)),
    (lambda p: HyperRMSProp(p, lr=0.003, hyper=None), lambda p: torch.optim.RMSprop(p, lr=0.003)),
]


@pytest.mark.parametrize("ours,theirs", PLAIN, ids=["sgd", "adam", "adagrad", "rmsprop"])
def test_height_one_is_the_plain_torch_optimizer(ours, theirs):
    a, b = _model(), _model()
    _train(a, ours(a.parameters()), 20)
    _train(b, theirs(b.parameters()), 20)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(pa, pb, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("cls", [HyperSGD, HyperAdam, HyperAdaGrad, HyperRMSProp])
def test_too_small_step_size_is_raised_by_hypergradient(cls):
    model = _model()
    opt = cls(model.parameters(), lr=1e-4, hyper=HyperAdam.spec(lr=0.05, hyper=None))
    _train(model, opt, 60)
    assert opt.hyperparameters()[0]["lr"] > 3e-4


def test_parametrisation_keeps_step_size_positive_and_betas_inside_unit_interval():
    model = _model()
    # A huge hyper step size drives the raw values far; the constrained values must stay valid.
    opt = HyperAdam(model.parameters(), lr=0.5, betas=(0.5, 0.6), hyper=HyperAdam.spec(lr=0.5, hyper=None))
    _train(model, opt, 30)
    h = opt.hyperparameters()[0]
    assert h["lr"] > 0
    assert 0 < h["beta1"] < 1 and 0 < h["beta2"] < 1
    raws = opt.raw_hyperparameters()[0]
    assert max(abs(float(v)) for v in raws.values()) > 1.0  # the raw values did move a lot


def test_state_dict_round_trip_continues_identically():
    spec = make_stack(["adam", "sgd"], [0.01, 0.001])
    a = _model()
    opt_a = HyperAdam(a.parameters(), lr=0.01, hyper=spec)
    _train(a, opt_a, 10)
    b = _model(seed=5)
    b.load_state_dict(a.state_dict())
    opt_b = HyperAdam(b.parameters(), lr=0.01, hyper=spec)
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.hyperparameters() == opt_a.hyperparameters()
    _train(a, opt_a, 10)
    _train(b, opt_b, 10)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert opt_b.hyper_optimizer.hyperparameters() == opt_a.hyper_optimizer.hyperparameters()


def test_load_state_dict_rejects_a_plain_optimizer_state():
    model = _model()
    plain = torch.optim.Adam(model.parameters())
    with pytest.raises(KeyError, match="hyper_raw"):
        HyperAdam(model.parameters()).load_state_dict(plain.state_dict())


def test_lr_scheduler_composes_multiplicatively():
    model = _model()
    opt = HyperSGD(model.parameters(), lr=0.1, hyper=HyperSGD.spec(lr=1e-3, hyper=None))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.1)
    _train(model, opt, 12, scheduler=sched)
    raw = float(opt.raw_hyperparameters()[0]["lr"])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.01)
    assert opt.hyperparameters()[0]["lr"] == pytest.approx(0.1 * 0.01 * torch.exp(torch.tensor(raw)).item())


def test_stack_height_and_add_param_group():
    extra = torch.nn.Parameter(torch.zeros(3))
    model = _model()
    opt = HyperSGD(model.parameters(), hyper=HyperSGD.spec(hyper=HyperSGD.spec(hyper=HyperSGD.spec(hyper=None))))
    assert opt.height == 4
    opt.add_param_group({"params": [extra], "lr": 0.5})
    assert len(opt.hyperparameters()) == 2 and opt.hyperparameters()[1]["lr"] == pytest.approx(0.5)
    _train(model, opt, 3)
    extra.grad = torch.ones(3)
    opt.step()
    assert torch.allclose(extra.detach(), torch.full((3,), -0.5))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: HyperSGD(p, lr=0.0),
        lambda p: HyperSGD(p, lr=float("nan")),
        lambda p: HyperSGD(p, momentum=1.0),
        lambda p: HyperAdam(p, betas=(0.9, 1.0)),
        lambda p: HyperAdam(p, betas=(0.9,)),
        lambda p: HyperRMSProp(p, alpha=0.0),
        lambda p: HyperAdam(p, hyper="sgd"),
        lambda p: make_stack(["sgd", "lion"], [1e-3, 1e-3]),
        lambda p: make_stack(["sgd"], [1e-3, 1e-3]),
    ],
)
def test_bad_settings_raise_a_typed_error(make):
    with pytest.raises(HyperConfigError):
        make(_model().parameters())


def test_sb3_ppo_trains_and_reloads_with_hyperadam(tmp_path):
    gym = pytest.importorskip("gymnasium")
    sb3 = pytest.importorskip("stable_baselines3")
    env = gym.make("CartPole-v1")
    model = sb3.PPO(
        "MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=2, seed=0, device="cpu",
        policy_kwargs=dict(optimizer_class=HyperAdam, optimizer_kwargs=dict(hyper=HyperSGD.spec(lr=1e-4, hyper=None))),
    )
    model.learn(128)
    opt = model.policy.optimizer
    assert isinstance(opt, HyperAdam)
    h = opt.hyperparameters()[0]
    assert h["lr"] != pytest.approx(3e-4, abs=1e-12)  # the step size was learned
    model.save(tmp_path / "ppo")
    loaded = sb3.PPO.load(tmp_path / "ppo", env=env, device="cpu")
    assert loaded.policy.optimizer.hyperparameters()[0] == pytest.approx(h)


def test_a_parameter_skipped_by_a_step_adds_no_stale_hypergradient():
    a, b = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(3))
    opt = HyperSGD([a, b], lr=0.1, hyper=HyperSGD.spec(lr=1e-3, hyper=None))
    a.grad, b.grad = torch.ones(3), torch.ones(3)
    opt.step()  # both moved: both carry d(delta)/ds
    a.grad, b.grad = torch.ones(3), None
    opt.step()  # only a moved
    a.grad, b.grad = torch.ones(3), torch.full((3,), 5.0)
    opt._hypergradients()
    # only a's last move depends on the current step size: -lr * <g_a, g_a_prev> = -0.1 * exp(s) * 3
    s = opt.raw_hyperparameters()[0]["lr"].detach()
    assert float(opt.raw_hyperparameters()[0]["lr"].grad) == pytest.approx(-0.1 * float(torch.exp(s)) * 3, rel=1e-6)
