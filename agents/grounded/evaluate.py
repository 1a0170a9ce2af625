"""The paper's test score: white tiles revealed on each board of a fixed test set (lower is better).

Every board of the set is played once from its fixed start tile with the 120-click test limit, all
boards in one batch through the recurrent policy (``deterministic`` picks the most likely click).
"""

from __future__ import annotations

import numpy as np

from ...envs.tiles.boards import BoardSet
from ...envs.tiles.env import TEST_STEPS, TilesEnv


def whites_revealed(model, boards: BoardSet, deterministic: bool = True, max_steps: int = TEST_STEPS,
                    seed: int = 0) -> np.ndarray:
    """White tiles revealed on every board of ``boards`` (int array, one entry per board)."""
    return play_test_boards(model, boards, deterministic, max_steps, seed)[0]


def play_test_boards(model, boards: BoardSet, deterministic: bool = True, max_steps: int = TEST_STEPS,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(white tiles revealed, whether every red was found) on every board of ``boards``.

    The second array matters when reading the first: an agent that stops uncovering tiles (clicking
    revealed ones until the limit) reveals few whites but never finishes the board.
    """
    envs = [TilesEnv(boards, max_steps=max_steps) for _ in range(len(boards))]
    obs = np.stack([env.reset(seed=seed + i, options={"board_index": i})[0] for i, env in enumerate(envs)])
    done = np.zeros(len(envs), dtype=bool)
    scores = np.zeros(len(envs), dtype=np.int64)
    completed = np.zeros(len(envs), dtype=bool)
    state = None
    episode_start = np.ones(len(envs), dtype=bool)
    while not done.all():
        actions, state = model.predict(obs, state=state, episode_start=episode_start, deterministic=deterministic)
        episode_start[:] = False
        for i, env in enumerate(envs):
            if done[i]:
                continue
            obs[i], _, terminated, truncated, info = env.step(int(actions[i]))
            scores[i] = info["whites_revealed"]
            completed[i] = terminated
            done[i] = terminated or truncated
    return scores, completed
