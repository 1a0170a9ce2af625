"""The grounded agent on the house world's instruction task (``embodied_gym/House-Instruction-v0``).

The tile agent predicts its board's description; here the same agent (RecurrentPPO + auxiliary head,
:class:`~.algorithm.GroundedRecurrentPPO`) predicts the *instruction's* all-MiniLM-L6-v2 embedding —
"find the mug on the counter top in the kitchen" — from its LSTM state. The agent sees the frame and
only the target's object type (``goal_id``); the full sentence, with the receptacle and the room, is
an auxiliary target and never an observation, as language is in Kumar et al. (2022).

Instructions are drawn per episode, so there is no finite target table: :class:`InstructionGrounding`
keeps the current instruction's embedding in the attribute ``task_embedding``, and the algorithm reads
it with ``aux_targets="task_embedding"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

TARGET_ATTR = "task_embedding"


class InstructionGrounding(gym.Wrapper):
    """Observation = ``rgb`` + ``goal_id``; ``task_embedding`` = MiniLM embedding of the instruction."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        space = env.observation_space
        if not isinstance(space, spaces.Dict) or not {"rgb", "goal_id"} <= set(space.spaces):
            raise ValueError(f"InstructionGrounding needs a house env with 'rgb' and 'goal_id' observations, got {space}")
        self.observation_space = spaces.Dict({"rgb": space["rgb"], "goal_id": space["goal_id"]})
        self._embeddings: dict[str, np.ndarray] = {}
        self.task_embedding = self._embed("")

    def _embed(self, text: str) -> np.ndarray:
        if text not in self._embeddings:
            from embodied_gym.agents.text_embedding import embed_texts

            self._embeddings[text] = embed_texts([text])[0].astype(np.float32)
        return self._embeddings[text]

    def _obs(self, obs: dict) -> dict:
        return {"rgb": obs["rgb"], "goal_id": obs["goal_id"]}

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self.task_embedding = self._embed(info["goal_text"])
        return self._obs(obs), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.task_embedding = self._embed(info["goal_text"])
        return self._obs(obs), reward, terminated, truncated, info


def make_instruction_vec_env(n_envs: int, seed: int, env_kwargs: dict | None = None):
    """A DummyVecEnv of wrapped ``House-Instruction-v0`` envs (SB3's API, Monitor for episode stats)."""
    import embodied_gym  # noqa: F401  (registers the ids)
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    def factory(rank: int):
        def make() -> gym.Env:
            env = Monitor(InstructionGrounding(gym.make("embodied_gym/House-Instruction-v0", **(env_kwargs or {}))))
            env.reset(seed=seed + rank)
            return env

        return make

    venv = DummyVecEnv([factory(i) for i in range(n_envs)])
    venv.seed(seed)
    return venv


def grounded_house_agent(venv, aux_coef: float = 0.5, seed: int = 0, **kwargs: Any):
    """The grounded agent with a CNN over the frame (SB3's CombinedExtractor) instead of the tile conv."""
    from stable_baselines3.common.torch_layers import CombinedExtractor

    from .algorithm import GroundedRecurrentPPO

    policy_kwargs = {"features_extractor_class": CombinedExtractor, "features_extractor_kwargs": {},
                     "normalize_images": True}
    return GroundedRecurrentPPO(venv, aux_targets=TARGET_ATTR if aux_coef > 0 else None, aux_coef=aux_coef,
                                policy_kwargs=policy_kwargs, seed=seed, device="cpu", **kwargs)


def train(timesteps: int, out: Path, n_envs: int = 8, seed: int = 0, aux_coef: float = 0.5,
          env_kwargs: dict | None = None) -> Path:
    """Train on House-Instruction; writes ``final.zip`` and TensorBoard logs (``train/aux_loss``) to ``out``."""
    import torch

    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    venv = make_instruction_vec_env(n_envs, seed, env_kwargs)
    model = grounded_house_agent(venv, aux_coef=aux_coef, seed=seed, n_steps=64, batch_size=256, n_epochs=4,
                                 learning_rate=3e-4, ent_coef=0.01, tensorboard_log=str(out / "tb"))
    model.learn(total_timesteps=timesteps, progress_bar=False)
    path = out / "final.zip"
    model.save(str(path))
    return path
