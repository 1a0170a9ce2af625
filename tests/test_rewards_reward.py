"""The MineCLIP reward and the reward wrappers (single and vector), on a toy env with a tiny model."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("open_clip")

from embodied_gym.rewards.config import get_config  # noqa: E402
from embodied_gym.rewards.model import VideoLanguageModel  # noqa: E402
from embodied_gym.rewards.reward import (  # noqa: E402
    GoalError,
    VectorVideoLanguageReward,
    VideoLanguageReward,
    mineclip_reward,
)

NEGATIVES = ["kill a cow", "dig dirt", "walk around"]
GOAL = "harvest a log"


def tiny_model(seed: int = 0) -> VideoLanguageModel:
    torch.manual_seed(seed)
    cfg = get_config("tiny64", image_size=(32, 32), vision_width=32, vision_layers=1, vision_heads=2, embed_dim=32,
                     text="open_clip", text_width=32, text_layers=1, text_heads=2, vocab_size=49408)
    model = VideoLanguageModel(cfg).eval()
    model.logit_scale.data.fill_(np.log(50.0))
    return model


class FrameEnv(gym.Env):
    """Emits a frame that brightens step by step; ends after ``length`` steps; reward 1 per step."""

    metadata = {"render_modes": []}

    def __init__(self, length: int = 20, dict_obs: bool = True, hwc: bool = False) -> None:
        shape = (32, 32, 3) if hwc else (3, 32, 32)
        box = gym.spaces.Box(0, 255, shape, np.uint8)
        self.observation_space = gym.spaces.Dict({"rgb": box}) if dict_obs else box
        self.action_space = gym.spaces.Discrete(2)
        self.length, self.dict_obs, self.hwc = length, dict_obs, hwc
        self.task_prompt = GOAL

    def _obs(self):
        rng = np.random.default_rng(self.t + 1000 * self.seed_)
        frame = rng.integers(0, 255, self.observation_space["rgb"].shape if self.dict_obs
                             else self.observation_space.shape, dtype=np.uint8)
        return {"rgb": frame} if self.dict_obs else frame

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.seed_ = 0 if seed is None else seed
        self.t = 0
        return self._obs(), {}

    def step(self, action):
        self.t += 1
        return self._obs(), 1.0, self.t >= self.length, False, {}


def test_mineclip_reward_formula():
    logits = np.array([[5.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 5.0, 0.0, 0.0]])
    r = mineclip_reward(logits)
    p_goal = np.exp(5) / (np.exp(5) + 3)
    assert r[0] == pytest.approx(p_goal - 0.25)
    assert r[1] == 0.0  # chance level -> no reward
    assert r[2] == 0.0  # below chance is clipped at 0, never negative
    with pytest.raises(ValueError):
        mineclip_reward(np.zeros((2, 1)))


def _reference_reward(model, frames: list[np.ndarray], stride: int = 1, T: int = 16) -> float:
    """Recompute from scratch: pad with the first frame, take every stride-th of the last window."""
    window = (T - 1) * stride + 1
    padded = [frames[0]] * max(0, window - len(frames)) + frames
    clip = np.stack(padded[-window:][::stride])[None]
    with torch.no_grad():
        logits = model(torch.from_numpy(clip), [GOAL, *NEGATIVES]).double().numpy()
    return float(mineclip_reward(logits)[0])


@pytest.mark.parametrize("stride", [1, 3])
def test_wrapper_reward_matches_recomputation_and_embeds_each_frame_once(stride):
    model = tiny_model()
    env = VideoLanguageReward(FrameEnv(length=30), model=model, negatives=NEGATIVES, frame_stride=stride)
    calls = []
    hook = model.image_encoder.register_forward_hook(lambda m, i, o: calls.append(i[0].shape[0]))
    obs, _ = env.reset(seed=4)
    assert env.goal == GOAL  # read from the env's task_prompt
    frames, rewards = [obs["rgb"]], []
    for _ in range(20):
        obs, reward, term, trunc, info = env.step(0)
        frames.append(obs["rgb"])
        rewards.append((reward, info, list(frames)))
    hook.remove()
    for reward, info, seen in rewards:
        assert reward == pytest.approx(_reference_reward(model, seen, stride), abs=1e-5)
        assert info["vl_reward"] == reward and info["env_reward"] == 1.0
        assert 0.0 <= info["vl_goal_prob"] <= 1.0
    assert calls == [1] * 21  # one frame through the image tower per reset/step, never a whole clip


def test_env_reward_mix_and_hwc_frames():
    model = tiny_model()
    env = VideoLanguageReward(FrameEnv(hwc=True), model=model, negatives=NEGATIVES, env_reward_weight=2.0,
                              model_reward_weight=0.5)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(1)
    assert reward == pytest.approx(2.0 * 1.0 + 0.5 * info["vl_reward"])


def test_missing_goal_is_a_clear_error():
    inner = FrameEnv()
    inner.task_prompt = ""
    env = VideoLanguageReward(inner, model=tiny_model(), negatives=NEGATIVES)
    with pytest.raises(GoalError, match="goal"):
        env.reset(seed=0)
    with pytest.raises(GoalError, match="negative"):
        VideoLanguageReward(FrameEnv(), model=tiny_model(), negatives=None).reset(seed=0)


def test_vector_wrapper_matches_single_env_wrappers_through_autoreset():
    model = tiny_model()
    n, length = 3, 7
    venv = gym.vector.SyncVectorEnv([lambda: FrameEnv(length=length) for _ in range(n)])
    wrapped = VectorVideoLanguageReward(venv, model=model, goal=GOAL, negatives=NEGATIVES, frame_stride=2)
    singles = [VideoLanguageReward(FrameEnv(length=length), model=model, negatives=NEGATIVES, frame_stride=2)
               for _ in range(n)]
    wrapped.reset(seed=[10, 11, 12])
    for i, s in enumerate(singles):
        s.reset(seed=10 + i)
    ended = np.zeros(n, dtype=bool)
    for _ in range(2 * length + 3):
        _, rew, term, trunc, info = wrapped.step(np.zeros(n, dtype=np.int64))
        for i, s in enumerate(singles):
            if ended[i]:  # next-step autoreset: this step is the new episode's first frame, reward 0
                assert rew[i] == 0.0
                seed = None
                s.reset(seed=seed)
                # SyncVectorEnv resets without a seed; the toy env then uses seed 0
                continue
            _, r, t, _, _ = s.step(0)
            assert rew[i] == pytest.approx(r, abs=1e-5)
        ended = np.logical_or(term, trunc)
