"""The MineCLIP reward and the reward wrappers (single and vector), on a toy env with a tiny model."""

from __future__ import annotations

import math

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


def _count_embedded(wrapper) -> list[int]:
    """Spy on the wrapper's frame encoder: the batch size of every call, whatever the backend."""
    calls: list[int] = []
    encode = wrapper._scorer.encode

    def spy(frames):
        calls.append(len(frames))
        return encode(frames)

    wrapper._scorer.encode = spy
    return calls


@pytest.mark.parametrize("inference", ["numpy", "torch"])
@pytest.mark.parametrize(("stride", "every"), [(1, 1), (3, 1), (3, 3), (4, 2), (2, 3)])
def test_wrapper_reward_matches_recomputation_and_embeds_only_needed_frames(stride, every, inference):
    model = tiny_model()
    env = VideoLanguageReward(FrameEnv(length=40), model=model, negatives=NEGATIVES, frame_stride=stride,
                              reward_every=every, inference=inference)
    calls = _count_embedded(env)
    obs, _ = env.reset(seed=4)
    assert env.goal == GOAL  # read from the env's task_prompt
    frames, held = [obs["rgb"]], 0.0
    for t in range(1, 26):
        obs, reward, term, trunc, info = env.step(0)
        frames.append(obs["rgb"])
        if t % every == 0:  # a scored step: the reward of the clip ending here, recomputed from scratch
            assert info["vl_scored"]
            assert reward == pytest.approx(_reference_reward(model, frames, stride), abs=1e-5)
            held = reward
        else:  # in between: the last scored step's reward (0 before the first one)
            assert not info["vl_scored"] and reward == held
        assert info["vl_reward"] == reward and info["env_reward"] == 1.0
        assert 0.0 <= info["vl_goal_prob"] <= 1.0
    g = math.gcd(stride, every)
    # each frame some scored clip holds goes through the tower once; frames wait for the next scored step
    assert sum(calls) == 1 + (25 - 25 % every) // g  # frame 25 waits for step 27 when every=3
    assert max(calls) == every // g


def test_default_reward_every_is_the_frame_stride_and_bad_values_are_rejected():
    model = tiny_model()
    assert VideoLanguageReward(FrameEnv(), model=model, negatives=NEGATIVES, frame_stride=4).reward_every == 4
    for bad in (0, -2, 1.5):
        with pytest.raises(ValueError, match="reward_every"):
            VideoLanguageReward(FrameEnv(), model=model, negatives=NEGATIVES, reward_every=bad)
    with pytest.raises(ValueError, match="inference"):
        VideoLanguageReward(FrameEnv(), model=model, negatives=NEGATIVES, inference="onnx")


def test_strided_mode_equals_exact_mode_on_scored_steps():
    """reward_every = frame_stride gives the exact mode's reward and goal probability at every scored step."""
    model = tiny_model(1)
    exact = VideoLanguageReward(FrameEnv(length=60), model=model, negatives=NEGATIVES, frame_stride=4,
                                reward_every=1)
    strided = VideoLanguageReward(FrameEnv(length=60), model=model, negatives=NEGATIVES, frame_stride=4)
    exact.reset(seed=2)
    strided.reset(seed=2)
    probs = []
    for t in range(1, 50):
        _, r1, _, _, i1 = exact.step(0)
        _, r4, _, _, i4 = strided.step(0)
        probs.append(i1["vl_goal_prob"])
        if t % 4 == 0:
            assert r4 == pytest.approx(r1, abs=1e-9) and i4["vl_goal_prob"] == pytest.approx(probs[-1], abs=1e-9)
        else:
            assert i4["vl_goal_prob"] == (probs[t - 1 - t % 4] if t >= 4 else 0.0)


def test_numpy_tower_computes_the_torch_tower():
    from embodied_gym.rewards.fast_tower import NumpyClipHead, numpy_tower_or_none

    model = tiny_model(2)
    tower = numpy_tower_or_none(model)
    frames = np.random.default_rng(0).integers(0, 256, (37, 3, 32, 32), dtype=np.uint8)  # > 2 chunks of 16
    with torch.inference_mode():
        ref = model.encode_frames(torch.from_numpy(frames)).numpy()
        feats = torch.randn(3, 16, ref.shape[1])
        clip_ref = model.aggregate(feats).numpy()
    np.testing.assert_allclose(tower(frames), ref, atol=2e-5, rtol=1e-4)
    np.testing.assert_allclose(tower(frames.transpose(0, 2, 3, 1)), ref, atol=2e-5, rtol=1e-4)  # HWC
    np.testing.assert_allclose(NumpyClipHead(model).clip_embeddings(feats.numpy()), clip_ref, atol=2e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="numpy tower"):
        tower(np.zeros((1, 3, 48, 48), np.uint8))
    model.image_encoder.pool_type = "avg"  # a layout the numpy tower does not implement: torch is kept
    assert numpy_tower_or_none(model) is None


def test_frames_of_another_size_are_resized_like_the_model_does():
    model = tiny_model()
    env = VideoLanguageReward(FrameEnv(), model=model, negatives=NEGATIVES, reward_every=1)
    frames = np.random.default_rng(1).integers(0, 256, (2, 3, 48, 48), dtype=np.uint8)
    with torch.inference_mode():
        ref = model.encode_frames(torch.from_numpy(frames)).numpy()
    np.testing.assert_allclose(env._scorer.encode(frames), ref, atol=1e-6)


def test_attn_models_score_through_torch():
    torch.manual_seed(0)
    cfg = get_config("tiny64-attn", image_size=(32, 32), vision_width=32, vision_layers=1, vision_heads=2,
                     embed_dim=32, text="open_clip", text_width=32, text_layers=1, text_heads=2, temporal_heads=2)
    model = VideoLanguageModel(cfg).eval()
    with pytest.raises(ValueError, match="avg temporal pooling"):
        VideoLanguageReward(FrameEnv(), model=model, negatives=NEGATIVES, inference="numpy")
    env = VideoLanguageReward(FrameEnv(), model=model, negatives=NEGATIVES, reward_every=1)
    obs, _ = env.reset(seed=0)
    frames = [obs["rgb"]]
    for _ in range(5):
        obs, reward, *_ = env.step(0)
        frames.append(obs["rgb"])
    assert reward == pytest.approx(_reference_reward(model, frames, 1), abs=1e-5)


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


@pytest.mark.parametrize("mode", ["mineclip", "potential"])
@pytest.mark.parametrize("every", [1, 2, 3])
def test_vector_wrapper_matches_single_env_wrappers_through_autoreset(every, mode):
    model = tiny_model()
    n, length = 3, 7
    venv = gym.vector.SyncVectorEnv([lambda: FrameEnv(length=length) for _ in range(n)])
    wrapped = VectorVideoLanguageReward(venv, model=model, goal=GOAL, negatives=NEGATIVES, frame_stride=2,
                                        reward_every=every, mode=mode)
    calls = _count_embedded(wrapped)
    singles = [VideoLanguageReward(FrameEnv(length=length), model=model, negatives=NEGATIVES, frame_stride=2,
                                   reward_every=every, mode=mode) for _ in range(n)]
    wrapped.reset(seed=[10, 11, 12])
    for i, s in enumerate(singles):
        s.reset(seed=10 + i)
    ended = np.zeros(n, dtype=bool)
    for _ in range(2 * length + 3):
        _, rew, term, trunc, info = wrapped.step(np.zeros(n, dtype=np.int64))
        for i, s in enumerate(singles):
            if ended[i]:  # next-step autoreset: this step is the new episode's first frame, reward 0
                assert rew[i] == 0.0 and not info["vl_scored"][i]
                # SyncVectorEnv resets without a seed; the toy env then uses seed 0
                s.reset(seed=None)
                continue
            _, r, t, _, single_info = s.step(0)
            assert rew[i] == pytest.approx(r, abs=1e-5)
            assert info["vl_scored"][i] == single_info["vl_scored"]
            if mode == "potential":
                assert info["vl_potential"][i] == pytest.approx(single_info["vl_potential"], abs=1e-5)
        ended = np.logical_or(term, trunc)
    assert max(calls) <= n * every  # all envs' waiting frames go through the tower together


def test_vector_wrapper_same_step_autoreset_scores_the_final_frame():
    model = tiny_model()
    n, length = 2, 5
    venv = gym.vector.SyncVectorEnv([lambda: FrameEnv(length=length) for _ in range(n)],
                                    autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    wrapped = VectorVideoLanguageReward(venv, model=model, goal=GOAL, negatives=NEGATIVES, reward_every=1)
    wrapped.reset(seed=[3, 4])
    frames = [[], []]
    for i in range(n):
        frames[i].append(FrameEnv(length=length).reset(seed=3 + i)[0]["rgb"])
    for step in range(1, length + 3):
        _, rew, term, trunc, info = wrapped.step(np.zeros(n, dtype=np.int64))
        for i in range(n):
            shown = info["final_obs"][i]["rgb"] if term[i] else None
            if step <= length:
                ref_env = FrameEnv(length=length)
                ref_env.reset(seed=3 + i)
                ref_env.t = step
                frames[i].append(ref_env._obs()["rgb"])
                if shown is not None:
                    np.testing.assert_array_equal(shown, frames[i][-1])
                assert rew[i] == pytest.approx(_reference_reward(model, frames[i], 1), abs=1e-5)
            elif step == length + 1:  # the first step of the new episode (reset without a seed: seed 0)
                ref_env = FrameEnv(length=length)
                ref_env.reset(seed=0)
                start = ref_env._obs()["rgb"]
                ref_env.t = 1
                assert rew[i] == pytest.approx(_reference_reward(model, [start, ref_env._obs()["rgb"]], 1), abs=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ["embodied_gym/MineDojo-harvest_1_log-v0", "embodied_gym/House-ObjectNav-v0"])
def test_shipped_model_on_the_native_vector_envs(env_id):
    """CHW (voxel) and HWC (house) batched frames; the default scores every 4th step of each sub-env."""
    import embodied_gym  # noqa: F401

    kwargs = {"width": 64, "height": 64} if "House" in env_id else {"image_size": (64, 64)}
    venv = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", **kwargs)
    wrapped = VectorVideoLanguageReward(venv, goal=GOAL, negatives=NEGATIVES)
    assert wrapped.reward_every == 4 and wrapped._scorer.inference == "numpy"
    wrapped.reset(seed=0)
    wrapped.action_space.seed(0)
    t = np.zeros(2, dtype=np.int64)  # each sub-env's step in its episode
    ended = np.zeros(2, dtype=bool)
    for _ in range(12):
        _, reward, term, trunc, info = wrapped.step(wrapped.action_space.sample())
        assert reward.shape == (2,) and np.all((reward >= 0) & (reward < 1))
        t = np.where(ended, 0, t + 1)  # next-step autoreset: the step after an end shows the new reset frame
        assert info["vl_scored"].tolist() == ((t % 4 == 0) & (t > 0)).tolist()
        ended = term | trunc


@pytest.mark.parametrize("every", [1, 3])
def test_potential_mode_pays_the_change_and_an_episode_returns_last_minus_first(every):
    model = tiny_model()
    env = VideoLanguageReward(FrameEnv(length=20), model=model, negatives=NEGATIVES, frame_stride=1,
                              reward_every=every, mode="potential")
    obs, _ = env.reset(seed=5)
    frames, last_level, total, done, t = [obs["rgb"]], _reference_reward(model, [obs["rgb"]]), 0.0, False, 0
    while not done:
        obs, reward, term, trunc, info = env.step(0)
        t += 1
        frames.append(obs["rgb"])
        done = term or trunc
        if t % every == 0 or done:  # scored, and the episode's last clip always is
            level = _reference_reward(model, frames)
            assert info["vl_scored"] and reward == pytest.approx(level - last_level, abs=1e-5)
            assert info["vl_potential"] == pytest.approx(level, abs=1e-5)
            last_level = level
        else:
            assert not info["vl_scored"] and reward == 0.0
        total += reward
    assert t == 20 and 20 % 3 != 0  # the last step is off the scoring pattern when every=3
    assert total == pytest.approx(_reference_reward(model, frames) - _reference_reward(model, frames[:1]), abs=1e-5)


def test_unknown_reward_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="potential"):
        VideoLanguageReward(FrameEnv(), model=tiny_model(), negatives=NEGATIVES, mode="delta")
