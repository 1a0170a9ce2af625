"""MineCLIP's dense reward as Gymnasium wrappers: ``VideoLanguageReward`` and ``VectorVideoLanguageReward``.

The clip scored at step ``t`` is ``num_frames`` frames spaced ``frame_stride`` steps apart and ending at
frame ``t`` (the episode's first frame stands in for frames before the reset, as in training). With ``p``
the softmax over the scaled cosine similarities of the clip to the goal prompt and N negative prompts, the
reward is ``max(p_goal - 1/(N+1), 0)``: zero while the clip is no closer to the goal than chance, rising as
the agent does what the goal says.

Cost per step, and ``reward_every``. Each frame is embedded at most once and its embedding kept in a ring,
so the image tower never sees a whole clip. ``reward_every=k`` scores the clip only at every k-th step of
an episode and repeats that reward on the k-1 steps in between (steps before the first scored one get 0);
only frames that some scored clip contains are embedded -- every ``gcd(k, frame_stride)``-th one -- and
those waiting for the next scored step go through the tower together. The default ``k`` is the frame
stride the checkpoint was trained with (4 for the shipped one): clips then only ever hold every fourth
frame, the tower runs once per four steps, and a scored step's reward equals the exact mode's reward
at that step (to float rounding).
``reward_every=1`` is the exact mode: every step scored on its own clip.

``mode="potential"``: potential-based shaping (Ng, Harada & Russell 1999) with the MineCLIP reward as the
potential. A scored step gets the *change* of the MineCLIP reward since the env's previous scored clip
(the episode's reset clip is scored too, and so is the last clip of an episode, whatever its step), the
steps in between get 0. An episode's learned return is then its last clip's MineCLIP reward minus its
first: what counts is getting to the goal, not lingering near it. This matters for tasks that end on
success (kill a cow, dig dirt): under the level reward every step spent beside the cow pays, so ending the
episode by killing it forfeits the rest -- PPO learns to watch cows (measured, BENCHMARKS.md).

The per-step work runs in numpy (:mod:`embodied_gym.rewards.fast_tower`) when the model's layout allows
(the default ``tiny64`` models do), with BLAS held to one thread for the call, so the wrapper never wakes
torch's thread pool between two env steps; other models (MineCLIP's ``attn`` preset, ...) use torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "pretrained" / "tiny64_minilm.pt"
INFERENCE_BACKENDS = ("auto", "numpy", "torch")
REWARD_MODES = ("mineclip", "potential")


class GoalError(ValueError):
    """No goal prompt was given and none could be read from the environment."""


def mineclip_reward(logits: np.ndarray) -> np.ndarray:
    """``(B, 1+N)`` scaled similarities (goal first) -> ``(B,)`` rewards ``max(p_goal - 1/(N+1), 0)``."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"expected logits of shape (B, 1+N) with N >= 1 negatives, got {logits.shape}")
    return np.maximum(_goal_prob(logits) - 1.0 / logits.shape[1], 0.0)


def _goal_prob(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p[:, 0] / p.sum(axis=1)


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
    """One RGB frame, (3, H, W) or (H, W, 3), as the env gave it (no copy, no transpose)."""
    frame = obs[obs_key] if obs_key is not None and isinstance(obs, dict) else obs
    frame = np.asarray(frame)
    if frame.ndim != 3 or 3 not in (frame.shape[0], frame.shape[-1]):
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


def _mode(mode: str) -> str:
    if mode not in REWARD_MODES:
        raise ValueError(f"mode={mode!r} is unknown; accepted: {REWARD_MODES}")
    return mode


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


class _Scorer:
    """The model side: frame embeddings (numpy or torch), cached prompt matrices, clip scoring."""

    def __init__(self, model, negatives: Sequence[str] | None, num_frames: int | None,
                 frame_stride: int | None, reward_every: int | None, inference: str) -> None:
        import torch

        self.torch = torch
        self.model = _load_model(model)
        if num_frames is None:
            num_frames = self.model.config.num_frames
        self.num_frames = _positive("num_frames", num_frames)
        if frame_stride is None:
            frame_stride = (getattr(self.model, "checkpoint_meta", {}).get("data") or {}).get("frame_stride") or 1
        self.frame_stride = _positive("frame_stride", frame_stride)
        self.reward_every = _positive("reward_every", self.frame_stride if reward_every is None else reward_every)
        #: only frames at episode steps that are multiples of this are ever part of a scored clip
        self.embed_every = math.gcd(self.reward_every, self.frame_stride)
        self.hop = self.frame_stride // self.embed_every  # ring entries between two frames of a clip
        self.ring_len = (self.num_frames - 1) * self.hop + 1
        self.negatives = list(negatives) if negatives is not None else None
        if self.negatives is not None and not self.negatives:
            raise GoalError("negatives must hold at least one prompt")
        self._prompts: dict[tuple[str, ...], np.ndarray] = {}
        self._init_backend(inference)

    def _init_backend(self, inference: str) -> None:
        from embodied_gym.rewards.fast_tower import NumpyClipHead, numpy_tower_or_none
        from embodied_gym.rewards.model import TemporalAverage

        if inference not in INFERENCE_BACKENDS:
            raise ValueError(f"inference={inference!r} is unknown; accepted: {INFERENCE_BACKENDS}")
        tower = head = None
        if inference != "torch":
            tower = numpy_tower_or_none(self.model)
            head = NumpyClipHead(self.model) if isinstance(self.model.temporal, TemporalAverage) else None
            if inference == "numpy" and (tower is None or head is None):
                raise ValueError("inference='numpy' needs an open_clip ViT tower of the standard layout and "
                                 "avg temporal pooling; use inference='auto' or 'torch' for this model")
        self.np_tower, self.np_head = tower, head
        self.inference = "numpy" if tower is not None and head is not None else (
            "mixed" if tower is not None or head is not None else "torch")
        self._blas = None
        if tower is not None or head is not None:
            from threadpoolctl import ThreadpoolController

            self._blas = ThreadpoolController().select(user_api="blas")

    def _one_blas_thread(self):
        import contextlib

        return self._blas.limit(limits=1) if self._blas is not None else contextlib.nullcontext()

    def prompt_matrix(self, goal: str) -> np.ndarray:
        """The goal + negatives as a scaled, normalised ``(D, 1+N)`` matrix, computed once per prompt set."""
        negatives = self.negatives if self.negatives is not None else default_negatives(self.model, goal)
        key = (goal, *negatives)
        if key not in self._prompts:
            with self.torch.inference_mode():
                text = self.model.encode_text(list(key)).double()
                scale = float(self.model.scale())
            text = text / text.norm(dim=1, keepdim=True).clamp_min(1e-12)
            self._prompts[key] = np.ascontiguousarray((scale * text).numpy().T)
        return self._prompts[key]

    def encode(self, frames: np.ndarray) -> np.ndarray:
        """``(B, 3, H, W)`` or ``(B, H, W, 3)`` frames -> ``(B, D)`` float32 embeddings."""
        frames = np.asarray(frames)
        if self.np_tower is not None:
            hwc = frames.shape[-1] == 3 and frames.shape[1] != 3
            size = frames.shape[1:3] if hwc else frames.shape[2:4]
            if tuple(size) == self.np_tower.image_size:
                with self._one_blas_thread():
                    return self.np_tower(frames)
        if frames.shape[-1] == 3 and frames.shape[1] != 3:
            frames = frames.transpose(0, 3, 1, 2)
        with self.torch.inference_mode():
            feats = self.model.encode_frames(self.torch.from_numpy(np.ascontiguousarray(frames)))
        return feats.float().numpy()

    def logits(self, clips: np.ndarray, prompts: np.ndarray) -> np.ndarray:
        """``(B, T, D)`` clip frame embeddings and a prompt matrix -> ``(B, 1+N)`` float64 logits."""
        if self.np_head is not None:
            with self._one_blas_thread():
                emb = self.np_head.clip_embeddings(clips).astype(np.float64)
        else:
            with self.torch.inference_mode():
                emb = self.model.aggregate(self.torch.from_numpy(np.ascontiguousarray(clips))).double().numpy()
        emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
        return emb @ prompts


def _apply_scores(rings: _ClipRings, envs: np.ndarray, logits: np.ndarray, mode: str, first: bool = False) -> None:
    """Store the scored clips' MineCLIP reward and goal probability; in potential mode ``held`` becomes the
    change of the MineCLIP reward since the env's previous scored clip (0 for an episode's first clip)."""
    level = mineclip_reward(logits)
    rings.held_prob[envs] = _goal_prob(logits)
    if mode == "potential":
        rings.held[envs] = 0.0 if first else level - rings.potential[envs]
        rings.potential[envs] = level
    else:
        rings.held[envs] = level


class _ClipRings:
    """Per-env rings of frame embeddings and the step bookkeeping of ``reward_every``.

    Env ``i`` is at step ``t[i]`` of its episode (0 = the reset frame). A frame is embedded when
    ``t % embed_every == 0``; it waits in ``pending`` until the env's next scored step
    (``t % reward_every == 0``), when all waiting frames of all envs go through the tower in one call.
    """

    def __init__(self, scorer: _Scorer, num_envs: int) -> None:
        self.s = scorer
        self.n = num_envs
        self.ring: np.ndarray | None = None  # (num_envs, ring_len, D), circular
        self.head = np.zeros(num_envs, dtype=np.int64)  # index of the newest entry
        self.t = np.zeros(num_envs, dtype=np.int64)
        self.held = np.zeros(num_envs)
        self.held_prob = np.zeros(num_envs)
        #: potential mode: the MineCLIP reward of each env's previous scored clip
        self.potential = np.zeros(num_envs)
        self.pending: list[list[np.ndarray]] = [[] for _ in range(num_envs)]

    def _store(self, feats: np.ndarray) -> None:
        if self.ring is None:
            self.ring = np.zeros((self.n, self.s.ring_len, feats.shape[-1]), dtype=np.float32)

    def restart(self, which: np.ndarray, frames: np.ndarray) -> None:
        """Envs ``which`` start an episode whose first frames are ``frames`` (one per env in ``which``)."""
        which = np.asarray(which, dtype=np.int64)
        if which.size == 0:
            return
        feats = self.s.encode(frames)
        self._store(feats)
        self.ring[which] = feats[:, None, :]
        self.head[which] = self.s.ring_len - 1
        self.t[which] = 0
        self.held[which] = 0.0
        self.held_prob[which] = 0.0
        for i in which.tolist():
            self.pending[i] = []

    def advance(self, which: np.ndarray, frames: np.ndarray) -> np.ndarray:
        """Envs ``which`` took a step showing ``frames``; returns the envs (a subset) scored this step."""
        s = self.s
        self.t[which] += 1
        for k, i in enumerate(which.tolist()):
            if self.t[i] % s.embed_every == 0:
                self.pending[i].append(np.array(frames[k]))  # envs may reuse their obs buffers
        scored = which[self.t[which] % s.reward_every == 0]
        if scored.size:
            self._flush(scored)
        return scored

    def finish(self, which: np.ndarray, frames: np.ndarray) -> None:
        """Envs ``which`` (not scored this step) end their episode on ``frames``: push the final frame if the
        step pattern skipped it, so the clip scored next ends on it (potential mode scores every last clip)."""
        s = self.s
        for k, i in enumerate(which.tolist()):
            if self.t[i] % s.embed_every != 0:
                self.pending[i].append(np.array(frames[k]))
        self._flush(which)

    def _flush(self, envs: np.ndarray) -> None:
        owners = [i for i in envs.tolist() for _ in self.pending[i]]
        if not owners:
            return
        feats = self.s.encode(np.stack([f for i in envs.tolist() for f in self.pending[i]]))
        self._store(feats)
        for row, i in enumerate(owners):
            self.head[i] = (self.head[i] + 1) % self.s.ring_len
            self.ring[i, self.head[i]] = feats[row]
        for i in envs.tolist():
            self.pending[i] = []

    def clips(self, envs: np.ndarray) -> np.ndarray:
        """``(len(envs), num_frames, D)``: every ``hop``-th ring entry ending at the newest, oldest first."""
        s = self.s
        back = np.arange(s.num_frames - 1, -1, -1) * s.hop
        cols = (self.head[envs][:, None] - back[None, :]) % s.ring_len
        return self.ring[envs[:, None], cols]


class VideoLanguageReward(gym.Wrapper):
    """Replace (or mix) an env's reward with the video-language model's MineCLIP reward.

    ``reward = env_reward_weight * env_reward + model_reward_weight * vl_reward``; the default (0, 1) uses the
    learned reward only. ``goal`` defaults to the env's task prompt (``task_prompt`` as in MineDojo,
    ``task.prompt``, or the reset ``info["goal_text"]``), read at every reset so task-sampling envs work.
    ``frame_stride`` (default: what the checkpoint was trained with) spaces the clip's frames that many
    steps apart; ``reward_every`` (default: the frame stride; 1 = exact) is how often the clip is scored
    (see the module docstring). ``inference`` picks the per-step backend: ``auto`` (numpy where the model
    allows), ``numpy`` or ``torch``. ``info`` gains ``vl_reward``, ``vl_goal_prob``, ``env_reward`` and
    ``vl_scored`` (whether this step's clip was scored, or the reward was carried over).
    ``mode``: ``"mineclip"`` (the reward above) or ``"potential"`` (its change between scored clips; see the
    module docstring), where unscored steps get 0 and ``vl_potential`` in ``info`` is the current level.
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
        reward_every: int | None = None,
        inference: str = "auto",
        mode: str = "mineclip",
    ) -> None:
        super().__init__(env)
        self.mode = _mode(mode)
        self._scorer = _Scorer(model, negatives, num_frames, frame_stride, reward_every, inference)
        self._fixed_goal = goal
        self.goal: str | None = goal
        self.env_reward_weight = float(env_reward_weight)
        self.model_reward_weight = float(model_reward_weight)
        self.obs_key = obs_key if isinstance(env.observation_space, gym.spaces.Dict) else None
        self._rings = _ClipRings(self._scorer, 1)
        self._prompts: np.ndarray | None = None
        self._only = np.zeros(1, dtype=np.int64)

    @property
    def model(self):
        return self._scorer.model

    @property
    def reward_every(self) -> int:
        return self._scorer.reward_every

    @property
    def frame_stride(self) -> int:
        return self._scorer.frame_stride

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        goal = self._fixed_goal or _goal_from_env(self.env) or info.get("goal_text")
        if not goal:
            raise GoalError(
                "no goal prompt: pass goal='...' or wrap an env that exposes `task_prompt` (MineDojo style)"
            )
        self.goal = goal
        self._prompts = self._scorer.prompt_matrix(goal)
        self._rings.restart(self._only, _frame_from_obs(obs, self.obs_key)[None])
        if self.mode == "potential":
            _apply_scores(self._rings, self._only, self._scorer.logits(self._rings.clips(self._only), self._prompts),
                          self.mode, first=True)
        return obs, info

    def step(self, action):
        if self._prompts is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        obs, env_reward, terminated, truncated, info = self.env.step(action)
        rings = self._rings
        frame = _frame_from_obs(obs, self.obs_key)[None]
        scored = rings.advance(self._only, frame)
        if not scored.size and self.mode == "potential" and (terminated or truncated):
            rings.finish(self._only, frame)
            scored = self._only
        if scored.size:
            _apply_scores(rings, self._only, self._scorer.logits(rings.clips(self._only), self._prompts), self.mode)
        vl = float(rings.held[0]) if scored.size or self.mode == "mineclip" else 0.0
        info = dict(info)
        info.update(vl_reward=vl, vl_goal_prob=float(rings.held_prob[0]), env_reward=float(env_reward),
                    vl_scored=bool(scored.size))
        if self.mode == "potential":
            info["vl_potential"] = float(rings.potential[0])
        reward = self.env_reward_weight * float(env_reward) + self.model_reward_weight * vl
        return obs, reward, terminated, truncated, info


class VectorVideoLanguageReward(gym.vector.VectorWrapper):
    """The batched version: the frames of all sub-envs that need embedding go through the tower in one call.

    Each sub-env keeps its own episode step count, so every sub-env gets exactly the rewards the
    single-env wrapper would give it (same ``frame_stride`` / ``reward_every`` semantics). Handles
    Gymnasium's autoreset modes: ``next-step`` (the default; the step after an episode ends returns the new
    episode's first frame, which gets reward 0 and restarts that env's ring) and ``same-step`` (the
    terminal step is scored on ``info["final_obs"]``, the ring restarts from the new obs).
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
        reward_every: int | None = None,
        inference: str = "auto",
        mode: str = "mineclip",
    ) -> None:
        super().__init__(env)
        self.mode = _mode(mode)
        self._scorer = _Scorer(model, negatives, num_frames, frame_stride, reward_every, inference)
        self._fixed_goal = goal
        self.env_reward_weight = float(env_reward_weight)
        self.model_reward_weight = float(model_reward_weight)
        self.obs_key = obs_key if isinstance(env.single_observation_space, gym.spaces.Dict) else None
        mode = env.metadata.get("autoreset_mode", gym.vector.AutoresetMode.NEXT_STEP)
        self.autoreset_mode = gym.vector.AutoresetMode(mode) if isinstance(mode, str) else mode
        if self.autoreset_mode not in (gym.vector.AutoresetMode.NEXT_STEP, gym.vector.AutoresetMode.SAME_STEP):
            raise ValueError(f"autoreset mode {self.autoreset_mode} is not supported; use next-step or same-step")
        self._rings = _ClipRings(self._scorer, self.num_envs)
        self._ended = np.zeros(self.num_envs, dtype=bool)
        self._prompts: list[np.ndarray] = []
        self._started = False

    @property
    def model(self):
        return self._scorer.model

    @property
    def reward_every(self) -> int:
        return self._scorer.reward_every

    def _frames(self, obs) -> np.ndarray:
        frames = np.asarray(obs[self.obs_key] if self.obs_key is not None else obs)
        if frames.ndim != 4 or 3 not in (frames.shape[1], frames.shape[-1]):
            raise ValueError(f"expected batched RGB frames (N, 3, H, W) or (N, H, W, 3), got {frames.shape}")
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

    def reset(self, *, seed=None, options=None):
        obs, info = self.env.reset(seed=seed, options=options)
        self._prompts = [self._scorer.prompt_matrix(g) for g in self._goals()]
        everyone = np.arange(self.num_envs)
        self._rings.restart(everyone, self._frames(obs))
        self._score_first(everyone)
        self._ended[:] = False
        self._started = True
        return obs, info

    def _score_first(self, envs: np.ndarray) -> None:
        """Potential mode: the reset clips of ``envs`` set their starting potential."""
        if self.mode == "potential" and envs.size:
            self._score(envs, first=True)

    def step(self, actions):
        if not self._started:
            raise gym.error.ResetNeeded("call reset() before step()")
        obs, env_rew, term, trunc, info = self.env.step(actions)
        done = np.logical_or(term, trunc)
        frames = self._frames(obs)
        rings = self._rings
        same_step = self.autoreset_mode == gym.vector.AutoresetMode.SAME_STEP
        if same_step:
            scored_frames = self._final_frames(info, done, frames) if done.any() else frames
            moving = np.arange(self.num_envs)
        else:  # next-step: envs whose episode ended last step now show their new episode's first frame
            scored_frames = frames
            moving = np.flatnonzero(~self._ended)
            restarted = np.flatnonzero(self._ended)
            rings.restart(restarted, frames[self._ended])
            self._score_first(restarted)
        scored = rings.advance(moving, scored_frames[moving])
        if self.mode == "potential" and done.any():  # every episode's last clip is scored
            last = np.setdiff1d(np.intersect1d(moving, np.flatnonzero(done)), scored)
            if last.size:
                rings.finish(last, scored_frames[last])
                scored = np.union1d(scored, last)
        if scored.size:
            self._score(scored)
        was_scored = np.zeros(self.num_envs, dtype=bool)
        was_scored[scored] = True
        vl = rings.held.copy() if self.mode == "mineclip" else np.where(was_scored, rings.held, 0.0)
        prob = rings.held_prob.copy()
        if same_step and done.any():
            rings.restart(np.flatnonzero(done), frames[done])
            self._score_first(np.flatnonzero(done))
        self._ended = done.copy() if not same_step else np.zeros(self.num_envs, dtype=bool)
        info = dict(info)
        info["vl_reward"], info["vl_goal_prob"] = vl, prob
        info["env_reward"], info["vl_scored"] = np.asarray(env_rew, dtype=np.float64), was_scored
        if self.mode == "potential":
            info["vl_potential"] = rings.potential.copy()
        reward = self.env_reward_weight * np.asarray(env_rew, dtype=np.float64) + self.model_reward_weight * vl
        return obs, reward, term, trunc, info

    def _score(self, envs: np.ndarray, first: bool = False) -> None:
        """Score ``envs``: one clip-embedding pass, then one product per distinct prompt set."""
        rings = self._rings
        clips = rings.clips(envs)
        groups: dict[int, list[int]] = {}
        for row, i in enumerate(envs.tolist()):
            groups.setdefault(id(self._prompts[i]), []).append(row)
        for rows in groups.values():
            sel = envs[rows]
            logits = self._scorer.logits(clips[rows], self._prompts[int(sel[0])])
            _apply_scores(rings, sel, logits, self.mode, first)

    def _final_frames(self, info, done, frames) -> np.ndarray:
        final_obs = info.get("final_obs")
        if final_obs is None:
            raise KeyError("same-step autoreset env returned no info['final_obs'] for a finished episode")
        out = frames.copy()
        for i in np.flatnonzero(done):
            out[i] = _frame_from_obs(final_obs[i], self.obs_key)
        return out
