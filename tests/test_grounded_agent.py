"""The grounded recurrent PPO agent: architecture, auxiliary-target alignment, training and scoring."""

from __future__ import annotations

import numpy as np
import pytest
import torch as th
from embodied_gym.agents.grounded.algorithm import AuxTargetError, GroundedRecurrentPPO
from embodied_gym.agents.grounded.evaluate import whites_revealed
from embodied_gym.agents.grounded.targets import autoencoder_targets, program_symbol_targets, standardise
from embodied_gym.envs.tiles.boards import board_set, make_board_set
from embodied_gym.envs.tiles.env import TilesEnv
from stable_baselines3.common.vec_env import DummyVecEnv
from torch import nn

# Three boards with disjoint red sets so any revealed tile identifies the board being played.
MASKS = np.array([0b0000000000001111, 0b0000000011110000, 0b1111000000000000], dtype=np.int64)
BOARDS = make_board_set("three-rows", MASKS)
TABLE = ((MASKS[:, None] >> np.arange(16)) & 1).astype(np.float32)  # target = the board itself


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny LSTM batches: one thread is fastest, and on a busy box extra threads only spin."""
    before = th.get_num_threads()
    th.set_num_threads(1)
    yield
    th.set_num_threads(before)


def _venv(n_envs=3, boards=BOARDS, seed=0):
    venv = DummyVecEnv([lambda: TilesEnv(boards) for _ in range(n_envs)])
    venv.seed(seed)
    return venv


def _model(venv, table=TABLE, **kwargs):
    defaults = dict(n_steps=16, batch_size=32, n_epochs=2, learning_rate=1e-3, seed=0, device="cpu")
    return GroundedRecurrentPPO(venv, aux_targets=table, aux_coef=1.0, **{**defaults, **kwargs})


def test_architecture_matches_the_paper():
    model = _model(_venv())
    policy = model.policy
    conv = policy.features_extractor.conv
    assert isinstance(conv[0], nn.Conv2d) and conv[0].in_channels == 1 and conv[0].out_channels == 16
    assert conv[0].kernel_size == (3, 3) and conv[3].out_features == 16
    assert policy.lstm_actor.hidden_size == 120 and policy.lstm_actor.input_size == 16 + 17
    assert policy.aux_head.in_features == 120 and policy.aux_head.out_features == 16
    assert any(p is policy.aux_head.weight for g in policy.optimizer.param_groups for p in g["params"])


def test_stored_targets_belong_to_the_observed_board():
    model = _model(_venv(), n_steps=64)
    model.learn(total_timesteps=3 * 64)  # one rollout, crossing many episode boundaries
    buffer = model.rollout_buffer
    obs = buffer.observations.reshape(-1, 33)[:, :16]
    targets = buffer.aux_targets.reshape(-1, 16)
    red_seen = obs == 1.0
    white_seen = obs == 0.0
    assert red_seen.any(axis=1).all()
    assert (targets[red_seen] == 1).all() and (targets[white_seen] == 0).all()
    assert len({tuple(t) for t in targets}) == 3


def _aux_mse(model) -> float:
    """Masked MSE of the auxiliary head on the last rollout, with the current weights."""
    total, count = 0.0, 0
    with th.no_grad():
        for rollout, target in model.rollout_buffer.get(None):
            _, _, _, aux = model.policy.evaluate_actions_with_aux(
                rollout.observations, rollout.actions.long().flatten(), rollout.lstm_states, rollout.episode_starts)
            mask = rollout.mask > 1e-8
            total += ((aux - target) ** 2).mean(dim=1)[mask].sum().item()
            count += int(mask.sum())
    return total / count


def test_aux_loss_is_learned():
    model = _model(_venv(), n_steps=32, n_epochs=4, learning_rate=3e-3)
    model.learn(total_timesteps=3 * 32)
    before = _aux_mse(model)
    model.learn(total_timesteps=3 * 32 * 12, reset_num_timesteps=False)
    after = _aux_mse(model)
    assert after < 0.5 * before, (before, after)


def test_ungrounded_model_is_plain_recurrent_ppo():
    model = GroundedRecurrentPPO(_venv(), aux_targets=None, n_steps=16, batch_size=32, n_epochs=1, seed=0)
    assert not model.grounded and model.policy.aux_head is None
    model.learn(total_timesteps=48)


def test_bad_targets_are_rejected():
    with pytest.raises(AuxTargetError):
        _model(_venv(), table=np.ones(5, dtype=np.float32))
    with pytest.raises(AuxTargetError, match="outside"):
        _model(_venv(), table=TABLE[:0]).learn(total_timesteps=48)


def test_whites_revealed_scores_every_test_board():
    model = _model(_venv(boards=board_set("grammar")), table=None)
    test = board_set("grammar-test")
    scores = whites_revealed(model, test)
    whites = np.array([16 - int(m).bit_count() for m in test.masks])
    assert scores.shape == (25,) and (scores >= 0).all() and (scores <= whites).all()
    np.testing.assert_array_equal(scores, whites_revealed(model, test))  # deterministic


def test_target_tables():
    codes = autoencoder_targets(TABLE, code_dim=8, steps=50)
    assert codes.shape == (3, 8) and np.isfinite(codes).all()
    np.testing.assert_array_equal(codes, autoencoder_targets(TABLE, code_dim=8, steps=50))
    bag = program_symbol_targets(["(row 0)", "(row 1)", "(union (row 0) (col 2))"])
    assert bag.shape[0] == 3 and not np.allclose(bag[0], bag[1])
    z = standardise(np.array([[1.0, 5.0], [3.0, 5.0]]))
    np.testing.assert_allclose(z, [[-1, 0], [1, 0]])
