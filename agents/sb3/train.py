"""Train PPO / RecurrentPPO on any gym id (``embodied-gym train``, ``scripts/train_ppo.py``).

One :class:`TrainConfig` (from flags or a YAML file) decides everything. The run folder holds:

    train_config.json    the config and the checkpoint metadata (algo, env, observation handling)
    tb/                  TensorBoard logs (SB3's losses, rollout and periodic-eval rewards)
    checkpoints/         ckpt_<steps>_steps.zip every ``checkpoint_every`` steps
    eval/                evaluations.npz and best_model.zip from the periodic evaluation
    final.zip/.json      the trained policy; ``embodied-gym evaluate --agent <run>/final.zip``

Training resumes from the newest checkpoint of the folder when it is rerun (``resume=True``), and
continues the same step count, so a killed job loses at most ``checkpoint_every`` steps.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
from embodied_gym.agents.sb3.checkpoints import (
    ALGOS,
    CheckpointMeta,
    algo_class,
    apply_wrappers,
    meta_path_for,
)

VECTORIZATIONS = ("dummy", "subproc", "native")


class TrainConfigError(ValueError):
    """A training option is invalid."""


@dataclass
class TrainConfig:
    env_id: str
    algo: str = "ppo"
    total_timesteps: int = 100_000
    n_envs: int = 4
    vectorization: str = "dummy"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    out_dir: str | None = None
    checkpoint_every: int = 20_000
    eval_every: int = 20_000
    eval_episodes: int = 5
    learning_rate: float = 3e-4
    n_steps: int = 128
    batch_size: int = 256
    n_epochs: int = 4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.01
    clip_range: float = 0.2
    features_dim: int = 256
    #: average-pool image observations by this factor before the CNN (1 = full resolution)
    image_pool: int = 1
    net_arch: list[int] = field(default_factory=lambda: [64, 64])
    drop_keys: list[str] = field(default_factory=list)
    wrappers: list[str] = field(default_factory=list)
    reward_wrapper: str | None = None
    #: initial logit offsets of a Discrete policy's actions, by action index or name (``env.actions``);
    #: e.g. ``{Done: -3}`` so that an untrained ObjectNav policy ends ~1 episode in 20 steps, not in 6
    action_logit_bias: dict[str | int, float] = field(default_factory=dict)
    #: behaviour-cloning warm start (agents/sb3/pretrain.py) before PPO: an expert agent spec ("oracle"),
    #: its number of demonstration episodes (seeds 20_000 + seed + k) and cloning epochs
    pretrain_expert: str | None = None
    pretrain_episodes: int = 0
    pretrain_epochs: int = 8
    pretrain_lr: float = 1e-3
    pretrain_batch_size: int = 64
    pretrain_value_coef: float = 0.05
    #: how the trained policy plays (periodic evaluation and the leaderboard): argmax or seeded samples
    eval_deterministic: bool = True
    progress_bar: bool = True
    resume: bool = True
    verbose: int = 0

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise TrainConfigError(f"algo {self.algo!r} is not one of {ALGOS}")
        if self.vectorization not in VECTORIZATIONS:
            raise TrainConfigError(f"vectorization {self.vectorization!r} is not one of {VECTORIZATIONS}")
        for name in ("total_timesteps", "n_envs", "checkpoint_every", "eval_every", "n_steps", "batch_size",
                     "n_epochs", "features_dim", "image_pool"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TrainConfigError(f"{name} must be a positive int, got {value!r}")
        if self.eval_episodes < 0:
            raise TrainConfigError(f"eval_episodes must be >= 0, got {self.eval_episodes}")
        if self.out_dir is None:
            self.out_dir = str(Path("runs") / "train" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', self.env_id)}-{self.algo}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TrainConfigError(f"unknown training options {unknown}; accepted: {sorted(known)}")
        return cls(**dict(data))

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
        import yaml

        data = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(data, Mapping):
            raise TrainConfigError(f"{path}: a training config must be a mapping of option: value")
        return cls.from_mapping({**data, **(overrides or {})})

    def meta(self) -> CheckpointMeta:
        return CheckpointMeta(algo=self.algo, env_id=self.env_id, env_kwargs=dict(self.env_kwargs),
                              drop_keys=tuple(self.drop_keys), wrappers=tuple(self.wrappers),
                              deterministic=self.eval_deterministic)


def _env_factory(config: TrainConfig, rank: int, for_eval: bool = False) -> Callable[[], gym.Env]:
    def make() -> gym.Env:
        import embodied_gym  # noqa: F401  (registers ids in subprocess workers)
        from embodied_gym.agents.sb3.env_kwargs import resolve_env_kwargs
        from stable_baselines3.common.monitor import Monitor

        env = gym.make(config.env_id, **resolve_env_kwargs(config.env_kwargs))
        if config.reward_wrapper and not for_eval:
            from embodied_gym.leaderboard.agents import load_entry_point

            env = load_entry_point(config.reward_wrapper)(env)
        env = Monitor(env)
        env = apply_wrappers(env, config.meta())
        env.reset(seed=config.seed + rank + (10_000 if for_eval else 0))
        env.action_space.seed(config.seed + rank)
        return env

    return make


def make_vec_env(config: TrainConfig) -> Any:
    """The training VecEnv: SB3's Dummy/Subproc over single envs, or the id's native batched env."""
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecMonitor

    if config.vectorization == "native":
        from embodied_gym.agents.sb3.env_kwargs import resolve_env_kwargs
        from embodied_gym.agents.sb3.observations import ObservationPlan
        from embodied_gym.agents.sb3.vec_adapter import GymnasiumVecEnvAdapter
        from gymnasium.vector import AutoresetMode

        if config.wrappers or config.reward_wrapper:
            raise TrainConfigError("--wrapper/--reward-wrapper need per-env wrappers; use vectorization dummy/subproc")
        # a native vector env takes its options as kwargs (gymnasium passes no vector_kwargs to it)
        venv = gym.make_vec(config.env_id, num_envs=config.n_envs, vectorization_mode="vector_entry_point",
                            autoreset_mode=AutoresetMode.SAME_STEP, **resolve_env_kwargs(config.env_kwargs))
        plan = ObservationPlan(venv.single_observation_space, config.drop_keys)
        adapter = GymnasiumVecEnvAdapter(venv, plan)
        adapter.seed(config.seed)
        return VecMonitor(adapter)
    fns = [_env_factory(config, i) for i in range(config.n_envs)]
    return SubprocVecEnv(fns, start_method="spawn") if config.vectorization == "subproc" else DummyVecEnv(fns)


def _policy(config: TrainConfig, observation_space: gym.Space) -> tuple[str, dict[str, Any]]:
    from embodied_gym.agents.sb3.extractor import EmbodiedFeatureExtractor

    recurrent = config.algo == "recurrent_ppo"
    kwargs: dict[str, Any] = {"net_arch": list(config.net_arch)}
    if isinstance(observation_space, gym.spaces.Dict):
        kwargs["features_extractor_class"] = EmbodiedFeatureExtractor
        kwargs["features_extractor_kwargs"] = {"features_dim": config.features_dim, "image_pool": config.image_pool}
        return ("MultiInputLstmPolicy" if recurrent else "MultiInputPolicy"), kwargs
    if isinstance(observation_space, gym.spaces.Box) and len(observation_space.shape) == 3:
        return ("CnnLstmPolicy" if recurrent else "CnnPolicy"), kwargs
    return ("MlpLstmPolicy" if recurrent else "MlpPolicy"), kwargs


def _action_index(name: str | int, venv: Any) -> int:
    if isinstance(name, int) and not isinstance(name, bool):
        return name
    try:
        names = venv.get_attr("actions")[0]
    except AttributeError:
        names = None
    if not names or name not in names:
        raise TrainConfigError(f"action_logit_bias: unknown action {name!r}; the env's actions are {names}")
    return list(names).index(name)


def _apply_action_logit_bias(model: Any, venv: Any, bias: Mapping[str | int, float]) -> None:
    """Shift the initial logits of chosen actions (a prior, not a constraint: PPO may undo it).

    Why: with ``Done`` as one of six uniform actions an untrained agent stops after ~6 steps, so the
    first updates see almost nothing of the house; a negative offset on ``Done`` lets early episodes
    explore while keeping the action available."""
    if not bias:
        return
    import torch

    if not isinstance(venv.action_space, gym.spaces.Discrete):
        raise TrainConfigError(f"action_logit_bias needs a Discrete action space, got {venv.action_space}")
    layer = model.policy.action_net
    with torch.no_grad():
        for name, value in bias.items():
            index = _action_index(name, venv)
            if not 0 <= index < venv.action_space.n:
                raise TrainConfigError(f"action_logit_bias: action index {index} outside [0, {venv.action_space.n})")
            layer.bias[index] += float(value)


def _pretrain(model: Any, config: TrainConfig, out: Path) -> None:
    """Clone ``config.pretrain_expert`` into the fresh model (the first run only: a resume keeps its weights)."""
    from embodied_gym.agents.sb3.pretrain import behaviour_clone, collect_demonstrations

    if config.pretrain_episodes < 1:
        raise TrainConfigError(f"pretrain_expert needs pretrain_episodes >= 1, got {config.pretrain_episodes}")
    demos = collect_demonstrations(_env_factory(config, 0), config.pretrain_expert, config.env_id,
                                   config.pretrain_episodes, seed=20_000 + config.seed, gamma=config.gamma)
    history = behaviour_clone(model, demos, epochs=config.pretrain_epochs, batch_size=config.pretrain_batch_size,
                              lr=config.pretrain_lr, value_coef=config.pretrain_value_coef, seed=config.seed)
    summary = {"expert": config.pretrain_expert, "episodes": demos.episodes, "expert_successes": demos.successes,
               "samples": len(demos), "epochs": history}
    (out / "pretrain.json").write_text(json.dumps(summary, indent=2))
    print(f"behaviour cloning: {len(demos)} samples from {demos.episodes} {config.pretrain_expert} episodes "
          f"({demos.successes} successful); final loss {history[-1]['loss']:.3f}, "
          f"action accuracy {history[-1]['accuracy']:.2f}", flush=True)


def latest_checkpoint(out_dir: Path) -> tuple[Path, int] | None:
    found = []
    for p in (out_dir / "checkpoints").glob("ckpt_*_steps.zip"):
        m = re.fullmatch(r"ckpt_(\d+)_steps", p.stem)
        if m:
            found.append((int(m.group(1)), p))
    if not found:
        return None
    steps, path = max(found)
    return path, steps


def train(config: TrainConfig) -> Path:
    """Train (or resume) and return the path of ``final.zip``."""
    import torch
    from stable_baselines3.common.callbacks import CallbackList, CheckpointCallback, EvalCallback
    from stable_baselines3.common.vec_env import DummyVecEnv

    torch.set_num_threads(1)  # small networks: threads cost more than they give on a shared CPU
    assert config.out_dir is not None
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "train_config.json").write_text(json.dumps({**dataclasses.asdict(config), **config.meta().to_dict()},
                                                      indent=2))
    venv = make_vec_env(config)
    algo = algo_class(config.algo)
    resumed = latest_checkpoint(out) if config.resume else None
    if resumed is not None:
        model = algo.load(str(resumed[0]), env=venv, device="cpu", tensorboard_log=str(out / "tb"))
        remaining = config.total_timesteps - model.num_timesteps
        print(f"resuming {resumed[0]} at {model.num_timesteps} steps; {max(0, remaining)} to go")
    else:
        policy, policy_kwargs = _policy(config, venv.observation_space)
        model = algo(
            policy, venv, learning_rate=config.learning_rate, n_steps=config.n_steps,
            batch_size=config.batch_size, n_epochs=config.n_epochs, gamma=config.gamma,
            gae_lambda=config.gae_lambda, ent_coef=config.ent_coef, clip_range=config.clip_range,
            policy_kwargs=policy_kwargs, tensorboard_log=str(out / "tb"), seed=config.seed, device="cpu",
            verbose=config.verbose,
        )
        _apply_action_logit_bias(model, venv, config.action_logit_bias)
        if config.pretrain_expert:
            _pretrain(model, config, out)
        remaining = config.total_timesteps
    callbacks = [CheckpointCallback(save_freq=max(1, config.checkpoint_every // config.n_envs),
                                    save_path=str(out / "checkpoints"), name_prefix="ckpt")]
    if config.eval_episodes > 0:
        eval_env = DummyVecEnv([_env_factory(config, 0, for_eval=True)])
        callbacks.append(EvalCallback(eval_env, n_eval_episodes=config.eval_episodes,
                                      eval_freq=max(1, config.eval_every // config.n_envs),
                                      log_path=str(out / "eval"), best_model_save_path=str(out / "eval"),
                                      deterministic=config.eval_deterministic, verbose=0))
    if remaining > 0:
        model.learn(total_timesteps=remaining, callback=CallbackList(callbacks), tb_log_name=config.algo,
                    reset_num_timesteps=resumed is None, progress_bar=config.progress_bar)
        model.save(str(out / "checkpoints" / f"ckpt_{model.num_timesteps}_steps.zip"))
    final = out / "final.zip"
    model.save(str(final))
    meta_path_for(final).write_text(json.dumps(config.meta().to_dict(), indent=2))
    venv.close()
    return final
