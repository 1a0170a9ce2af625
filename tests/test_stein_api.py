"""The estimator API (shapes, errors, determinism, f's own gradient) and the branching agent."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from embodied_gym.agents.stein import (
    RLOO,
    RODEO,
    DisARM,
    EstimatorInputError,
    Reinforce,
    UnknownOperatorError,
    make_estimator,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _f(x):
    return (x.float() * torch.arange(1.0, x.shape[-1] + 1)).sum(-1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: DisARM(kind="categorical"),
        lambda: DisARM().sample(torch.zeros(4), 3),
        lambda: RLOO().sample(torch.zeros(4), 1),
        lambda: RODEO(operator="langevin"),
        lambda: make_estimator("relax"),
        lambda: Reinforce(kind="poisson"),
        lambda: RLOO().surrogate(torch.ones(2, 5), torch.zeros(4), torch.zeros(2)),
        lambda: RLOO().surrogate(torch.full((2, 4), 2.0), torch.zeros(4), torch.zeros(2)),
        lambda: RLOO(kind="categorical").surrogate(torch.full((2, 4), 3), torch.zeros(4, 3), torch.zeros(2)),
        lambda: RLOO().surrogate(torch.ones(2, 4), torch.zeros(4), torch.zeros(3)),
        lambda: RODEO().surrogate(torch.ones(2, 3, 4), torch.zeros(3, 4), torch.zeros(2, 3), context=torch.zeros(2, 1)),
        lambda: RODEO(kind="categorical").estimate(torch.zeros(2, 3), _f, 2, differentiable_f=True),
    ],
)
def test_bad_inputs_raise_typed_errors(call):
    with pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, (EstimatorInputError, UnknownOperatorError))


def test_same_generator_seed_gives_the_same_estimate():
    logits = torch.tensor([[0.1, -0.5, 1.0]])
    out = []
    for _ in range(2):
        rep = logits.clone().requires_grad_(True)
        est = RODEO(seed=0)
        est.estimate(rep, _f, 3, generator=torch.Generator().manual_seed(5))[0].backward()
        out.append(rep.grad.clone())
    assert torch.equal(out[0], out[1])


def test_f_parameters_receive_the_mean_of_f_gradient():
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0, 3.0]))
    logits = torch.zeros(2, 3, requires_grad=True)
    x = RLOO().sample(logits, 4, generator=torch.Generator().manual_seed(0))
    fx = (x * w).sum(-1)
    RLOO().surrogate(x, logits, fx).backward()
    assert torch.allclose(w.grad, x.mean(0).sum(0))


def test_rodeo_adapts_in_train_mode_only_and_round_trips():
    logits = torch.tensor([[0.3, -0.2, 0.8, 0.0]]).expand(32, 4)
    est = RODEO()
    est.estimate(logits, _f, 2, generator=torch.Generator().manual_seed(0))
    before = {k: v.clone() for k, v in est.state_dict().items()}
    est.eval()
    est.estimate(logits, _f, 2, generator=torch.Generator().manual_seed(1))
    assert all(torch.equal(before[k], v) for k, v in est.state_dict().items())
    est.train()
    est.estimate(logits, _f, 2, generator=torch.Generator().manual_seed(2))
    assert not torch.equal(before["alpha"], est.state_dict()["alpha"])
    clone = RODEO()
    clone.estimate(logits, _f, 2, generator=torch.Generator().manual_seed(0))  # builds the net
    clone.load_state_dict(est.state_dict())
    assert all(torch.equal(est.state_dict()[k], v) for k, v in clone.state_dict().items())


def test_disarm_pairs_are_antithetic():
    logits = torch.tensor([0.4, -1.0, 2.0])
    x = DisARM().sample(logits, 4, generator=torch.Generator().manual_seed(0))
    assert x.shape == (4, 3)
    # u < p and u > 1 - p can only both be 1 where p > 1/2 and both be 0 where p < 1/2
    p = torch.sigmoid(logits)
    assert torch.all((x[:2] + x[2:] <= 1) | (p > 0.5))
    assert torch.all((x[:2] + x[2:] >= 1) | (p < 0.5))


# -------------------------------------------------------------------- the branching agent
@pytest.mark.slow
def test_branching_pg_on_tiles_counts_steps_and_learns_signal():
    import embodied_gym  # noqa: F401
    from embodied_gym.agents.branching_pg import BranchingPG

    env = gym.make("embodied_gym/Tiles-4x4-v0")
    agent = BranchingPG(env, RLOO(kind="categorical"), num_branches=2, horizon=1, seed=0)
    states, obs, returns = agent.collect_roots(1)
    assert len(states) == len(obs) >= 1 and len(returns) == 1
    # horizon 1: a branch's return is the immediate reward of its action at its root
    actions = np.array([[0, 1, 2][: len(states)] + [0] * max(0, len(states) - 3)] * 2)[:, : len(states)]
    got = agent.branch_returns(states, actions)
    base = env.unwrapped
    for n, state in enumerate(states):
        base.set_state(state)
        _, reward, *_ = env.step(int(actions[0, n]))
        assert got[0, n] == reward
    before = [p.detach().clone() for p in agent.policy.parameters()]
    steps = agent.env_steps
    agent.update(episodes=1)
    assert agent.env_steps > steps
    assert any(not torch.equal(a, b) for a, b in zip(before, agent.policy.parameters(), strict=True))


def test_branching_pg_rejects_an_env_without_snapshots():
    from embodied_gym.agents.branching_pg import BranchingNotSupportedError, BranchingPG

    with pytest.raises(BranchingNotSupportedError, match="get_state"):
        BranchingPG(gym.make("CartPole-v1"), RLOO(kind="categorical"))
