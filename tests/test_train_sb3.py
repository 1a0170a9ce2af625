"""SB3 plumbing: observation flattening, the VectorEnv adapter, the feature extractor, training
with checkpoints / resume, and playing a trained checkpoint on the leaderboard."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch
from embodied_gym.agents.sb3.extractor import EmbodiedFeatureExtractor
from embodied_gym.agents.sb3.observations import ObservationSpaceError, SB3ObservationWrapper
from embodied_gym.agents.sb3.train import TrainConfig, TrainConfigError, train
from embodied_gym.agents.sb3.vec_adapter import GymnasiumVecEnvAdapter, VectorEnvAdapterError
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from leaderboard_toy_env import GridGoalEnv
from stable_baselines3.common.env_checker import check_env as sb3_check_env
from stable_baselines3.common.vec_env import DummyVecEnv


class FakeEncoder:
    """Stands in for MiniLM in fast tests: a fixed vector per string."""

    def __init__(self):
        self.calls = 0

    def encode(self, text: str) -> np.ndarray:
        self.calls += 1
        return np.full(384, len(text) / 100, dtype=np.float32)


class NestedEnv(gym.Env):
    """MineDojo-like nesting: an image, a nested inventory dict, a text goal."""

    def __init__(self):
        self.observation_space = spaces.Dict({
            "rgb": spaces.Box(0, 255, (3, 12, 16), np.uint8),
            "inventory": spaces.Dict({"quantity": spaces.Box(0, 64, (5,), np.float32),
                                      "slot": spaces.Discrete(5)}),
            "goal": spaces.Text(max_length=40),
        })
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample() | {"goal": "harvest a log"}, {}

    def step(self, action):
        return self.observation_space.sample() | {"goal": "harvest a log"}, 0.0, False, False, {}


def test_observation_wrapper_flattens_embeds_and_transposes():
    enc = FakeEncoder()
    env = SB3ObservationWrapper(NestedEnv(), text_encoder=enc)
    assert set(env.observation_space.spaces) == {"rgb", "inventory/quantity", "inventory/slot", "goal"}
    assert env.observation_space["rgb"].shape == (3, 12, 16)  # already channel-first: unchanged
    obs, _ = env.reset(seed=0)
    assert obs["goal"].shape == (384,) and env.observation_space.contains(obs)
    toy = SB3ObservationWrapper(GridGoalEnv(goal_text=True), text_encoder=enc)
    assert toy.observation_space["rgb"].shape == (3, 16, 16)  # HWC -> CHW
    sb3_check_env(toy, warn=False)
    with pytest.raises(ObservationSpaceError, match="'pair' has a Tuple space.*drop_keys"):
        SB3ObservationWrapper(gym.wrappers.TransformObservation(
            GridGoalEnv(), lambda o: o, spaces.Dict({"pair": spaces.Tuple((spaces.Discrete(2),))})))
    with pytest.raises(ObservationSpaceError, match="not observation keys"):
        SB3ObservationWrapper(GridGoalEnv(), drop_keys=["nope"])
    assert "position" not in SB3ObservationWrapper(GridGoalEnv(), drop_keys=["position"]).observation_space.spaces
    # a drop key may name a whole nested dict
    nested = SB3ObservationWrapper(NestedEnv(), drop_keys=["inventory"], text_encoder=enc)
    assert set(nested.observation_space.spaces) == {"rgb", "goal"}
    with pytest.raises(ObservationSpaceError, match="not observation keys"):
        SB3ObservationWrapper(NestedEnv(), drop_keys=["invent"], text_encoder=enc)


def test_feature_extractor_has_a_cnn_per_image_and_one_vector_head():
    env = SB3ObservationWrapper(NestedEnv(), text_encoder=FakeEncoder())
    ext = EmbodiedFeatureExtractor(env.observation_space, features_dim=32)
    assert ext.image_keys == ["rgb"] and sorted(ext.vector_keys) == ["goal", "inventory/quantity", "inventory/slot"]
    from stable_baselines3.common.preprocessing import preprocess_obs

    obs = {k: torch.as_tensor(np.stack([env.observation_space[k].sample() for _ in range(3)]))
           for k in env.observation_space.spaces}
    feats = ext(preprocess_obs(obs, env.observation_space))
    assert feats.shape == (3, 32) and torch.isfinite(feats).all()
    pooled = EmbodiedFeatureExtractor(env.observation_space, features_dim=32, image_pool=2)
    assert pooled(preprocess_obs(obs, env.observation_space)).shape == (3, 32)
    first_conv = next(m for m in pooled.cnns["rgb"] if isinstance(m, torch.nn.Conv2d))
    assert first_conv.kernel_size[0] <= 6  # the CNN was built for the pooled 6x8 frame, not 12x16
    with pytest.raises(ValueError, match="image_pool must be a positive int"):
        EmbodiedFeatureExtractor(env.observation_space, image_pool=0)


@pytest.mark.parametrize("mode", [AutoresetMode.SAME_STEP, AutoresetMode.DISABLED])
def test_vector_adapter_matches_sb3_dummy_vec_env(mode):
    n = 3
    ours = GymnasiumVecEnvAdapter(gym.make_vec("CartPole-v1", num_envs=n, vectorization_mode="sync",
                                               vector_kwargs={"autoreset_mode": mode}))
    ref = DummyVecEnv([lambda: gym.make("CartPole-v1") for _ in range(n)])
    ours.seed(7)
    ref.seed(7)
    np.testing.assert_array_equal(ours.reset(), ref.reset())
    rng = np.random.default_rng(0)
    episodes_done = 0
    for _ in range(300):
        actions = rng.integers(0, 2, n)
        o1, r1, d1, i1 = ours.step(actions)
        o2, r2, d2, i2 = ref.step(actions)
        np.testing.assert_array_equal(d1, d2)
        np.testing.assert_allclose(r1, r2)
        for i in np.flatnonzero(d1):
            np.testing.assert_array_equal(i1[i]["terminal_observation"], i2[i]["terminal_observation"])
            assert i1[i]["TimeLimit.truncated"] == i2[i]["TimeLimit.truncated"]
            episodes_done += 1
        np.testing.assert_array_equal(o1, o2)  # reset observations of finished envs included
    assert episodes_done >= 10
    with pytest.raises(VectorEnvAdapterError, match="NEXT_STEP"):
        GymnasiumVecEnvAdapter(gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync"))


def test_train_config_from_yaml_and_errors(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("env_id: CartPole-v1\ntotal_timesteps: 1000\nalgo: recurrent_ppo\n")
    cfg = TrainConfig.from_yaml(path, {"seed": 3})
    assert (cfg.env_id, cfg.total_timesteps, cfg.algo, cfg.seed) == ("CartPole-v1", 1000, "recurrent_ppo", 3)
    with pytest.raises(TrainConfigError, match="unknown training options \\['learning_rat'\\]"):
        TrainConfig.from_mapping({"env_id": "CartPole-v1", "learning_rat": 1})
    with pytest.raises(TrainConfigError, match="algo 'dqn'"):
        TrainConfig(env_id="CartPole-v1", algo="dqn")
    with pytest.raises(TrainConfigError, match="n_envs must be a positive int"):
        TrainConfig(env_id="CartPole-v1", n_envs=0)


def test_train_checkpoints_resumes_and_plays_on_the_leaderboard(tmp_path):
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.suites import Suite, SuiteTask

    out = tmp_path / "run"
    base = dict(env_id="leaderboard_toy_env:GridGoal-v0", n_envs=2, n_steps=64, batch_size=64, n_epochs=1,
                checkpoint_every=128, eval_every=128, eval_episodes=2, out_dir=str(out), progress_bar=False,
                features_dim=32)
    final = train(TrainConfig(total_timesteps=256, **base))
    assert final.is_file() and json.loads(final.with_suffix(".json").read_text())["algo"] == "ppo"
    assert (out / "checkpoints" / "ckpt_256_steps.zip").is_file() and (out / "eval" / "evaluations.npz").is_file()
    assert any((out / "tb").rglob("events.out.tfevents.*"))
    # rerun with a larger budget: continues from step 256 instead of starting over
    train(TrainConfig(total_timesteps=512, **base))
    from stable_baselines3 import PPO

    assert PPO.load(str(final)).num_timesteps == 512
    suite = Suite("ppo-toy", "1", (SuiteTask("leaderboard_toy_env:GridGoal-v0", (1, 2, 3), max_steps=50),))
    summary = evaluate(suite, str(out), tmp_path / "r.sqlite", progress=False, gifs=False)
    assert summary.written == 3 and summary.agent_name == "ppo:run" and summary.complete
    # a suite with a task it was not trained on: refused, or played partially when asked
    from embodied_gym.leaderboard.agents import AgentSpecError
    from leaderboard_toy_env import toy_suite

    with pytest.raises(AgentSpecError, match="cannot play \\['leaderboard_toy_env:GridGoalBig-v0'\\]"):
        evaluate(toy_suite(episodes=2), str(out), tmp_path / "r.sqlite", progress=False, gifs=False)
    partial = evaluate(toy_suite(episodes=2), str(out), tmp_path / "r.sqlite", progress=False, gifs=False,
                       allow_partial=True)
    assert partial.skipped_tasks == ("leaderboard_toy_env:GridGoalBig-v0",) and partial.written == 2
    assert not partial.complete


def test_action_logit_bias_shifts_the_initial_policy(tmp_path):
    from embodied_gym.agents.sb3.train import _apply_action_logit_bias, _policy, make_vec_env
    from stable_baselines3 import PPO

    config = TrainConfig(env_id="leaderboard_toy_env:GridGoal-v0", n_envs=2, out_dir=str(tmp_path), progress_bar=False,
                         features_dim=32)
    venv = make_vec_env(config)
    policy, policy_kwargs = _policy(config, venv.observation_space)
    model = PPO(policy, venv, policy_kwargs=policy_kwargs, seed=0, device="cpu")
    before = model.policy.action_net.bias.detach().clone()
    _apply_action_logit_bias(model, venv, {2: -3.0})
    after = model.policy.action_net.bias.detach()
    assert torch.allclose(after - before, torch.tensor([0.0, 0.0, -3.0, 0.0]))
    obs = venv.reset()
    probs = model.policy.get_distribution(model.policy.obs_to_tensor(obs)[0]).distribution.probs.detach()
    assert float(probs[:, 2].max()) < 0.05  # the biased action starts rare
    with pytest.raises(TrainConfigError, match="outside \\[0, 4\\)"):
        _apply_action_logit_bias(model, venv, {7: -1.0})
    with pytest.raises(TrainConfigError, match="unknown action 'Done'"):
        _apply_action_logit_bias(model, venv, {"Done": -1.0})  # the toy env names no actions


def test_run_time_env_kwargs_are_checked():
    from embodied_gym.agents.sb3.env_kwargs import EnvKwargsError, resolve_env_kwargs

    assert resolve_env_kwargs({"width": 32}) == {"width": 32}
    with pytest.raises(EnvKwargsError, match="unknown keys \\['spec'\\]"):
        resolve_env_kwargs({"houses": {"generate": {"seeds": [1], "spec": "kitchen"}}})
    with pytest.raises(EnvKwargsError, match="mapping form"):
        resolve_env_kwargs({"houses": {"generate": {"seeds": []}}})


def test_goal_text_bytes_are_decoded_and_embedded():
    class Recorder(FakeEncoder):
        def encode(self, text):
            self.last = text
            return super().encode(text)

    enc = Recorder()
    space = spaces.Dict({"goal_text": spaces.Box(0, 255, (16,), np.uint8), "goal_id": spaces.Discrete(3)})
    env = gym.wrappers.TransformObservation(GridGoalEnv(), lambda o: o, space)
    wrapped = SB3ObservationWrapper(env, text_encoder=enc)
    assert wrapped.observation_space["goal_text"].shape == (384,)
    raw = np.zeros(16, np.uint8)
    raw[:8] = np.frombuffer(b"find mug", np.uint8)
    out = wrapped.observation({"goal_text": raw, "goal_id": 1})
    assert enc.last == "find mug" and out["goal_text"].shape == (384,) and out["goal_id"] == 1


@pytest.mark.slow
def test_recurrent_ppo_trains_and_plays(tmp_path):
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.suites import Suite, SuiteTask

    out = tmp_path / "rec"
    final = train(TrainConfig(env_id="leaderboard_toy_env:GridGoal-v0", algo="recurrent_ppo", total_timesteps=128,
                              n_envs=2, n_steps=32, batch_size=32, n_epochs=1, checkpoint_every=64,
                              eval_episodes=0, out_dir=str(out), progress_bar=False, features_dim=16))
    from sb3_contrib import RecurrentPPO

    assert RecurrentPPO.load(str(final)).num_timesteps == 128
    suite = Suite("rec-toy", "1", (SuiteTask("leaderboard_toy_env:GridGoal-v0", (1, 2), max_steps=20),))
    a = evaluate(suite, str(final), tmp_path / "a.sqlite", progress=False, gifs=False)
    assert a.written == 2 and a.agent_name == "ppo:rec"


def test_navigate_and_attack_maps_to_minedojo_action_vectors():
    from embodied_gym.agents.sb3.voxel_actions import ACTIONS, NavigateAndAttack

    class FakeMineDojo(gym.Env):
        observation_space = spaces.Box(0, 1, (1,), np.float32)
        action_space = spaces.MultiDiscrete([3, 3, 4, 25, 25, 8, 244, 36])

        def reset(self, *, seed=None, options=None):
            return np.zeros(1, np.float32), {}

        def step(self, action):
            self.last = action
            return np.zeros(1, np.float32), 0.0, False, False, {}

    env = NavigateAndAttack(FakeMineDojo())
    assert env.action_space == spaces.Discrete(len(ACTIONS))
    names = [n for n, _ in ACTIONS]
    env.reset()
    env.step(names.index("attack"))
    assert env.unwrapped.last.tolist() == [0, 0, 0, 12, 12, 3, 0, 0]
    env.step(names.index("turn_left"))
    assert env.unwrapped.last.tolist() == [0, 0, 0, 12, 11, 0, 0, 0]  # 15 degrees left
    assert all(FakeMineDojo.action_space.contains(env.action(i)) for i in range(len(ACTIONS)))
    with pytest.raises(ValueError, match="not in Discrete\\(8\\)"):
        env.step(8)
    with pytest.raises(ValueError, match="wraps MineDojo's MultiDiscrete"):
        NavigateAndAttack(GridGoalEnv())


def test_sampling_checkpoint_replays_each_episode_and_leaves_the_global_rng_alone(tmp_path):
    from embodied_gym.agents.sb3.checkpoints import SB3CheckpointAgent, read_meta

    final = train(TrainConfig(env_id="leaderboard_toy_env:GridGoal-v0", n_envs=2, n_steps=32, batch_size=32,
                              n_epochs=1, total_timesteps=64, eval_deterministic=False, eval_episodes=0,
                              out_dir=str(tmp_path / "run"), progress_bar=False, features_dim=32))
    assert read_meta(final).deterministic is False
    agent = SB3CheckpointAgent(final)
    task = "leaderboard_toy_env:GridGoal-v0"

    def play(seed: int) -> list[int]:
        env = agent.wrap_env(gym.make(task), task)
        obs, info = env.reset(seed=seed)
        agent.reset(env, task, seed)
        return [int(agent.act(obs, info)) for _ in range(30)]

    first = play(5)  # the first play loads the model (SB3's load seeds torch's global RNG)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    assert play(5) == first  # same seed, same samples
    assert torch.equal(torch.get_rng_state(), before)
    assert any(play(s) != first for s in (6, 7, 8))  # samples, not the argmax


def test_behaviour_cloning_warm_start_copies_the_expert(tmp_path):
    from embodied_gym.agents.sb3.pretrain import PretrainError, collect_demonstrations
    from embodied_gym.leaderboard.runner import evaluate
    from embodied_gym.leaderboard.suites import Suite, SuiteTask

    out = tmp_path / "run"
    final = train(TrainConfig(
        env_id="leaderboard_toy_env:GridGoal-v0", n_envs=2, n_steps=32, batch_size=64, n_epochs=1,
        total_timesteps=64, learning_rate=1e-8, pretrain_expert="leaderboard_toy_env:greedy", pretrain_episodes=60,
        pretrain_epochs=30, pretrain_batch_size=32, eval_episodes=0, out_dir=str(out), progress_bar=False,
        features_dim=32))
    summary = json.loads((out / "pretrain.json").read_text())
    assert summary["expert_successes"] == 60 and summary["samples"] > 60
    assert summary["epochs"][-1]["loss"] < summary["epochs"][0]["loss"]
    assert summary["epochs"][-1]["accuracy"] > 0.9
    # held-out episodes: the cloned policy (PPO barely moved it: learning rate 1e-8) reaches the goal
    suite = Suite("bc-toy", "1", (SuiteTask("leaderboard_toy_env:GridGoal-v0", tuple(range(500, 520)), max_steps=16),))
    summary_eval = evaluate(suite, str(final), tmp_path / "r.sqlite", progress=False, gifs=False)
    from embodied_gym.leaderboard.store import ResultsStore

    with ResultsStore(tmp_path / "r.sqlite") as store:
        episodes = [dict(e) for e in store.episodes()]
    assert summary_eval.written == 20 and sum(e["success"] for e in episodes) >= 16
    with pytest.raises(PretrainError, match="episodes must be >= 1"):
        collect_demonstrations(lambda: gym.make("leaderboard_toy_env:GridGoal-v0"), "oracle", "x", 0, 0, 0.99)
