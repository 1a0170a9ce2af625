"""The commands as a user types them: evaluate, leaderboard, train's option parsing, run's options."""

from __future__ import annotations

import argparse

import pytest
from embodied_gym import cli


def test_evaluate_then_leaderboard_commands(tmp_path, capsys):
    db = tmp_path / "lb" / "results.sqlite"
    assert cli.main(["evaluate", "--agent", "random", "--agent", "oracle", "--suite", "gymnasium",
                     "--db", str(db), "--no-gif"]) == 0
    out = capsys.readouterr().out
    assert "random: 10 new episodes, 0 already stored" in out and "oracle: 10 new episodes" in out
    # rerun: everything resumes, nothing is played twice
    assert cli.main(["evaluate", "-a", "random", "-s", "gymnasium", "--db", str(db), "--no-gif"]) == 0
    assert "random: 0 new episodes, 10 already stored" in capsys.readouterr().out
    site = tmp_path / "site"
    assert cli.main(["leaderboard", "--suite", "gymnasium", "--db", str(db), "--out", str(site), "--reps", "200"]) == 0
    out = capsys.readouterr().out
    assert out.index("oracle") < out.index("random") and (site / "index.html").is_file()
    with pytest.raises(ValueError, match="--reps must be >= 100"):
        cli.main(["leaderboard", "--suite", "gymnasium", "--db", str(db), "--reps", "5"])


def test_train_flags_and_yaml_make_the_config(tmp_path):
    from embodied_gym.agents.sb3 import train_command
    from embodied_gym.agents.sb3.train import TrainConfigError

    parser = argparse.ArgumentParser()
    train_command.configure(parser)
    config = train_command.config_from_args(parser.parse_args(
        ["CartPole-v1", "--algo", "recurrent_ppo", "-t", "5000", "--env-kwargs", '{"render_mode": null}',
         "--drop-key", "x", "--no-resume"]))
    assert (config.env_id, config.algo, config.total_timesteps, config.resume) == ("CartPole-v1", "recurrent_ppo", 5000, False)
    assert config.env_kwargs == {"render_mode": None} and config.drop_keys == ["x"]
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("env_id: CartPole-v1\nn_envs: 3\ntotal_timesteps: 100\n")
    config = train_command.config_from_args(parser.parse_args(["--config", str(yaml_file), "--n-envs", "5"]))
    assert (config.n_envs, config.total_timesteps) == (5, 100)  # flags override the file
    with pytest.raises(TrainConfigError, match="give a gym id"):
        train_command.config_from_args(parser.parse_args([]))


def test_every_command_is_registered():
    names = set(cli.COMMANDS)
    assert {"evaluate", "leaderboard", "train", "run"} <= names
    parser = cli.build_parser()
    args = parser.parse_args(["run", "--houses", "0", "--workers", "1"])
    assert args.houses == 0 and args.suite == "quick"
