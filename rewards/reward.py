"""MineCLIP's dense reward as Gymnasium wrappers: ``VideoLanguageReward`` and ``VectorVideoLanguageReward``.

Every step the newest frame is embedded once and its embedding kept in a ring of the last ``num_frames``
(the episode's first frame repeated until the ring fills), so per step the image tower runs on one frame
per env, never on 16. The clip embedding is compared with the goal prompt and N negative prompts; with
``p`` the softmax over their scaled cosine similarities, the reward is ``max(p_goal - 1/(N+1), 0)``:
zero while the clip is no closer to the goal than chance, rising as the agent does what the goal says.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "pretrained" / "tiny64_minilm.pt"


class GoalError(ValueError):
    """No goal prompt was given and none could be read from the environment."""


def mineclip_reward(logits: np.ndarray) -> np.ndarray:
    """``(B, 1+N)`` scaled similarities (goal first) -> ``(B,)`` rewards ``max(p_goal - 1/(N+1), 0)``."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"expected logits of shape (B, 1+N) with N >= 1 negatives, got {logits.shape}")
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return np.maximum(p[:, 0] - 1.0 / logits.shape[1], 0.0)


def _load_model(model):
    from embodied_gym.rewards.checkpoint import load_model

    if model is None:
        model = DEFAULT_CHECKPOINT
    if isinstance(model, (str, Path)):
        model = load_model(model)
    return model.eval()


def default_negatives(model, goal: str) -> list[str]:
    """The checkpoint's own list of task prompts (stored at training time), minus the goal."""
    prompts = list(getattr(model, "checkpoint_meta", {}).get("negative_prompts", []))
    prompts = [p for p in prompts if p.strip().lower() != goal.strip().lower()]
    if not prompts:
        raise GoalError("the model carries no negative prompts; pass negatives=[...] (N >= 1 sentences)")
    return prompts


def _frame_from_obs(obs: Any, obs_key: str | None) -> np.ndarray:
    frame = obs[obs_key] if obs_key is not None and isinstance(obs, dict) else obs
    frame = np.asarray(frame)
    if frame.ndim == 3 and frame.shape[-1] == 3 and frame.shape[0] != 3:
        frame = frame.transpose(2, 0, 1)  # HWC -> CHW
    if frame.ndim != 3 or frame.shape[0] != 3:
        raise ValueError(f"expected an RGB frame (3, H, W) or (H, W, 3) under {obs_key!r}, got {frame.shape}")
    return frame


def _goal_from_env(env) -> str | None:
    for name in ("task_prompt", "prompt", "instruction", "goal_text"):
        try:
            value = env.get_wrapper_attr(name)
        except AttributeError:
            continue
        if isinstance(value, str) and value:
            return value
    task = getattr(env.unwrapped, "task", None)  # the voxel world's TaskSpec
    prompt = getattr(task, "prompt", None)
    return prompt if isinstance(prompt, str) and prompt else None


class _Scorer:
    """Shared machinery: text embeddings of the prompt set, per-frame encoding, clip scoring."""

    def __init__(self, model, negatives: Sequence[str] | None, num_frames: int | None,
                 frame_stride: int | None) -> None:
        import torch

        self.torch = torch
        self.model = _load_model(model)
        self.num_frames = int(num_frames or self.model.config.num_frames)
        if self.num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {self.num_frames}")
        meta_stride = (getattr(self.model, "checkpoint_meta", {}).get("data") or {}).get("frame_stride")
        self.frame_stride = int(frame_stride or meta_stride or 1)
        if self.frame_stride < 1:
            raise ValueError(f"frame_stride must be >= 1, got {self.frame_stride}")
        #: frame embeddings kept: the clip is every ``frame_stride``-th of them, ending at the newest
        self.window = (self.num_frames - 1) * self.frame_stride + 1
        self.negatives = list(negatives) if negatives is not None else None
        self._text_cache: dict[tuple[str, ...], Any] = {}

    def prompt_embeddings(self, goal: str):
        negatives = self.negatives if self.negatives is not None else default_negatives(self.model, goal)
        if not negatives:
            raise GoalError("negatives must hold at least one prompt")
        key = (goal, *negatives)
        if key not in self._text_cache:
            with self.torch.inference_mode():
                self._text_cache[key] = self.model.encode_text(list(key))
        return self._text_cache[key]

    def encode(self, frames: np.ndarray):
        with self.torch.inference_mode():
            return self.model.encode_frames(self.torch.from_numpy(np.ascontiguousarray(frames)))

    def score(self, clips, text_emb) -> tuple[np.ndarray, np.ndarray]:
        """``(B, num_frames, D)`` clip frame features and ``(1+N, D)`` prompts -> (rewards, goal probs)."""
        with self.torch.inference_mode():
            logits = self.model.logits(self.model.aggregate(clips), text_emb).double().numpy()
        rewards = mineclip_reward(logits)
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        return rewards, p[:, 0] / p.sum(axis=1)


class VideoLanguageReward(gym.Wrapper):
    """Replace (or mix) an env's reward with the video-language model's MineCLIP reward.

    ``reward = env_reward_weight * env_reward + model_reward_weight * vl_reward``; the default (0, 1) uses the
    learned reward only. ``goal`` defaults to the env's task prompt (``task_prompt`` as in MineDojo,
    ``task.prompt``, or the reset ``info["goal_text"]``), read at every reset so task-sampling envs work.
    ``frame_stride`` (default: what the checkpoint was trained with) spaces the clip's frames that many
    steps apart. ``info`` gains ``vl_reward``, ``vl_goal_prob`` and ``env_reward``.
    """

    def __init__(
        self,
        env: gym.Env,
        model=None,
        goal: str | None = None,
        negatives: Sequence[str] | None = None,
        num_frames: int | None = None,
        env_reward_weight: float = 0.0,
        model_reward_weight: float = 1.0,
        obs_key: str | None = "rgb",
        frame_stride: int | None = None,
    ) -> None:
        super().__init__(env)
        self._scorer = _Scorer(model, negatives, num_frames, frame_stride)
        self._fixed_goal = goal
        self.goal: str | None = goal
        self.env_reward_weight = float(env_reward_weight)
        self.model_reward_weight = float(model_reward_weight)
        self.obs_key = obs_key if isinstance(env.observation_space, gym.spaces.Dict) else None
        self._frames: deque = deque(maxlen=self._scorer.window)
        self._text = None

    @property
    def model(self):
        return self._scorer.model

    def _push(self, obs) -> None:
        feat = self._scorer.encode(_frame_from_obs(obs, self.obs_key)[None])[0]
        if not self._frames:
            self._frames.extend([feat] * self._scorer.window)
        else:
            self._frames.append(feat)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        goal = self._fixed_goal or _goal_from_env(self.env) or info.get("goal_text")
        if not goal:
            raise GoalError(
                "no goal prompt: pass goal='...' or wrap an env that exposes `task_prompt` (MineDojo style)"
            )
        self.goal = goal
        self._text = self._scorer.prompt_embeddings(goal)
        self._frames.clear()
        self._push(obs)
        return obs, info

    def step(self, action):
        if self._text is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        self._push(obs)
        # the ring holds ``window`` embeddings; every frame_stride-th of them, ending at the newest, is the clip
        clip = self._scorer.torch.stack(list(self._frames)[:: self._scorer.frame_stride])[None]
        vl, prob = self._scorer.score(clip, self._text)
        info = dict(info)
        info.update(vl_reward=float(vl[0]), vl_goal_prob=float(prob[0]), env_reward=float(env_reward))
        reward = self.env_reward_weight * float(env_reward) + self.model_reward_weight * float(vl[0])
        return obs, reward, terminated, truncated, info


class VectorVideoLanguageReward(gym.vector.VectorWrapper):
    """The batched version: one image-tower call per step for all sub-envs.

    Handles Gymnasium's autoreset modes: ``next-step`` (the default; the step after an episode ends returns
    the new episode's first frame, which gets reward 0 and restarts that env's frame ring) and
    ``same-step`` (the terminal step is scored on ``info["final_obs"]``, the ring restarts from the new obs).
    ``goal`` is one prompt for all envs or one per env; defaults to ``get_attr("task_prompt")``.
    """

    def __init__(
        self,
        env: gym.vector.VectorEnv,
        model=None,
        goal: str | Sequence[str] | None = None,
        negatives: Sequence[str] | None = None,
        num_frames: int | None = None,
        env_reward_weight: float = 0.0,
        model_reward_weight: float = 1.0,
        obs_key: str | None = "rgb",
        frame_stride: int | None = None,
    ) -> None:
        super().__init__(env)
        self._scorer = _Scorer(model, negatives, num_frames, frame_stride)
        self._fixed_goal = goal
        self.env_reward_weight = float(env_reward_weight)
        self.model_reward_weight = float(model_reward_weight)
        self.obs_key = obs_key if isinstance(env.single_observation_space, gym.spaces.Dict) else None
        mode = env.metadata.get("autoreset_mode", gym.vector.AutoresetMode.NEXT_STEP)
        self.autoreset_mode = gym.vector.AutoresetMode(mode) if isinstance(mode, str) else mode
        if self.autoreset_mode not in (gym.vector.AutoresetMode.NEXT_STEP, gym.vector.AutoresetMode.SAME_STEP):
            raise ValueError(f"autoreset mode {self.autoreset_mode} is not supported; use next-step or same-step")
        self._ring = None  # (num_envs, window, D) tensor, newest last
        self._ended = np.zeros(self.num_envs, dtype=bool)
        self._texts: list = []
        self._t = self._scorer.window

    def _frames(self, obs) -> np.ndarray:
        frames = obs[self.obs_key] if self.obs_key is not None else obs
        frames = np.asarray(frames)
        if frames.ndim == 4 and frames.shape[-1] == 3 and frames.shape[1] != 3:
            frames = frames.transpose(0, 3, 1, 2)
        return frames

    def _goals(self) -> list[str]:
        goal = self._fixed_goal
        if goal is None:
            try:
                goal = list(self.env.get_attr("task_prompt"))
            except (AttributeError, NotImplementedError) as exc:
                raise GoalError("no goal prompt: pass goal='...' or goal=[one per env]") from exc
        goals = [goal] * self.num_envs if isinstance(goal, str) else list(goal)
        if len(goals) != self.num_envs or not all(isinstance(g, str) and g for g in goals):
            raise GoalError(f"need one non-empty goal per env ({self.num_envs}), got {goals!r}")
        return goals

    def _restart(self, feats, which: np.ndarray) -> None:
        self._ring[which] = feats[which][:, None, :].expand(-1, self._t, -1)

    def reset(self, *, seed=None, options=None):
        torch = self._scorer.torch
        obs, info = self.env.reset(seed=seed, options=options)
        goals = self._goals()
        self._texts = [self._scorer.prompt_embeddings(g) for g in goals]
        feats = self._scorer.encode(self._frames(obs))
        self._ring = torch.zeros(self.num_envs, self._t, feats.shape[-1])
        self._restart(feats, np.ones(self.num_envs, dtype=bool))
        self._ended[:] = False
        return obs, info

    def step(self, actions):
        if self._ring is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        torch = self._scorer.torch
        obs, env_rew, term, trunc, info = self.env.step(actions)
        done = np.logical_or(term, trunc)
        frames = self._frames(obs)
        restarted = self._ended.copy() if self.autoreset_mode == gym.vector.AutoresetMode.NEXT_STEP else None
        if self.autoreset_mode == gym.vector.AutoresetMode.SAME_STEP and done.any():
            final = self._final_frames(info, done, frames)
            scored_frames = final
        else:
            scored_frames = frames
        feats = self._scorer.encode(scored_frames)
        self._ring = torch.cat([self._ring[:, 1:], feats[:, None]], dim=1)
        if restarted is not None and restarted.any():
            self._restart(feats, restarted)
        vl = np.zeros(self.num_envs)
        prob = np.zeros(self.num_envs)
        for goal_idx, idx in self._groups():
            r, p = self._scorer.score(self._ring[idx][:, :: self._scorer.frame_stride], self._texts[goal_idx])
            vl[idx], prob[idx] = r, p
        if restarted is not None:
            vl[restarted] = 0.0
        if self.autoreset_mode == gym.vector.AutoresetMode.SAME_STEP and done.any():
            self._restart(self._scorer.encode(frames), done)
        self._ended = done.copy()
        info = dict(info)
        info["vl_reward"], info["vl_goal_prob"], info["env_reward"] = vl, prob, np.asarray(env_rew, dtype=np.float64)
        reward = self.env_reward_weight * np.asarray(env_rew, dtype=np.float64) + self.model_reward_weight * vl
        return obs, reward, term, trunc, info

    def _groups(self):
        """Envs sharing a prompt set are scored in one batch."""
        groups: dict[int, list[int]] = {}
        for i, text in enumerate(self._texts):
            key = next(j for j in range(i + 1) if self._texts[j] is text)
            groups.setdefault(key, []).append(i)
        return [(k, np.asarray(v)) for k, v in groups.items()]

    def _final_frames(self, info, done, frames) -> np.ndarray:
        final_obs = info.get("final_obs")
        if final_obs is None:
            raise KeyError("same-step autoreset env returned no info['final_obs'] for a finished episode")
        out = frames.copy()
        for i in np.flatnonzero(done):
            out[i] = _frame_from_obs(final_obs[i], self.obs_key)
        return out
