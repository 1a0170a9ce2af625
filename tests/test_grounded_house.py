"""The grounded agent on House-Instruction: it trains, and its auxiliary target is the instruction."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sb3_contrib")

from embodied_gym.agents.grounded.house import (  # noqa: E402
    InstructionGrounding,
    grounded_house_agent,
    make_instruction_vec_env,
)
from embodied_gym.agents.text_embedding import embed_texts  # noqa: E402


def test_instruction_is_a_target_never_an_observation():
    import embodied_gym  # noqa: F401
    import gymnasium as gym

    env = InstructionGrounding(gym.make("embodied_gym/House-Instruction-v0"))
    obs, info = env.reset(seed=3)
    assert set(obs) == {"rgb", "goal_id"}
    np.testing.assert_allclose(env.task_embedding, embed_texts([info["goal_text"]])[0], atol=1e-6)
    with pytest.raises(ValueError, match="rgb"):
        InstructionGrounding(gym.make("embodied_gym/Tiles-4x4-v0"))


def test_grounded_agent_trains_on_house_instructions_with_their_embeddings():
    import torch

    torch.set_num_threads(1)
    venv = make_instruction_vec_env(n_envs=2, seed=0)
    model = grounded_house_agent(venv, aux_coef=1.0, n_steps=16, batch_size=32, n_epochs=1)
    assert model.grounded and model.policy.aux_dim == 384
    model.learn(total_timesteps=32)
    buffer = model.rollout_buffer
    # every stored target is a MiniLM embedding (unit norm) of some instruction
    targets = buffer.aux_targets.reshape(-1, 384)
    np.testing.assert_allclose(np.linalg.norm(targets, axis=1), 1.0, atol=1e-4)
    aux = model.logger.name_to_value.get("train/aux_loss")
    assert aux is not None and np.isfinite(aux)
    action, _ = model.predict(venv.reset(), deterministic=True)
    assert action.shape == (2,)
