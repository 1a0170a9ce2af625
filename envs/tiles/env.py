"""The tile-revealing gym env: click hidden tiles of a 4x4 board, find every red one, avoid whites.

Task facts follow the original environment of Kumar et al. (2022): ``Discrete(16)`` clicks; the
observation is the board as the agent sees it (-1 hidden, 0 revealed white, 1 revealed red) followed by
the previous action one-hot and the previous reward (33 floats); one red tile is revealed at reset;
reward +1 for a new red, -1 for a new white, -4 for clicking a revealed tile, +5 instead of +1 for the
click that reveals the last red; the episode terminates when every red is revealed and is truncated
after ``max_steps`` clicks (25 in training, 120 in testing). The score of an episode is the number of
white tiles revealed (``info["whites_revealed"]``; lower is better).

The board's description and program are reported in ``info`` (targets for auxiliary losses), never in
the observation. :meth:`TilesEnv.get_state`/:meth:`TilesEnv.set_state` snapshot and restore the full
dynamic state (a few ints), so gradient estimators can branch rollouts from any state exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from .boards import BoardSet, board_set
from .grammar import N_TILES, SIZE

REWARD_RED = 1.0
REWARD_WHITE = -1.0
REWARD_REPEAT = -4.0
REWARD_COMPLETE = 5.0
TRAIN_STEPS = 25
TEST_STEPS = 120
OBS_SIZE = 2 * N_TILES + 1

_BIT = 1 << np.arange(N_TILES, dtype=np.int64)
_COLORS = np.array([[128, 128, 128], [245, 245, 245], [210, 40, 40]], dtype=np.uint8)  # hidden, white, red


class TilesError(ValueError):
    """Bad argument to the tile env (board, start tile, state or option)."""


@dataclass(frozen=True)
class TilesState:
    """Everything that determines the rest of an episode (the reset RNG excepted)."""

    board_index: int
    red: int  # 16-bit mask of red tiles
    revealed: int  # 16-bit mask of revealed tiles
    steps: int
    prev_action: int  # -1 before the first click
    prev_reward: float


class TilesEnv(gym.Env):
    """4x4 tile revealing. ``boards`` is a board-set name (see :mod:`.boards`) or a :class:`BoardSet`.

    ``reset(options={"board_index": i})`` plays row ``i`` of the board set (its fixed start tile if it
    has one); ``options={"board": array(4, 4), "start": (row, col)}`` plays any board.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, boards: str | BoardSet = "grammar", gsp_dir: str | Path | None = None,
                 max_steps: int = TRAIN_STEPS, render_mode: str | None = None) -> None:
        if render_mode not in (None, "rgb_array"):
            raise TilesError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise TilesError(f"max_steps must be a positive integer, got {max_steps!r}")
        self.boards = boards if isinstance(boards, BoardSet) else board_set(boards, gsp_dir)
        self.max_steps = int(max_steps)
        self.render_mode = render_mode
        self.action_space = spaces.Discrete(N_TILES)
        low = np.concatenate([-np.ones(N_TILES), np.zeros(N_TILES), [REWARD_REPEAT]]).astype(np.float32)
        high = np.concatenate([np.ones(N_TILES), np.ones(N_TILES), [REWARD_COMPLETE]]).astype(np.float32)
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self._state: TilesState | None = None
        self._description = ""
        self._program = ""

    # -- state --------------------------------------------------------------------------------
    @property
    def board_index(self) -> int:
        """Row of :attr:`boards` being played (-1 for a board passed through ``options``)."""
        return -1 if self._state is None else self._state.board_index

    def get_state(self) -> TilesState:
        """An immutable snapshot of the episode; cheap (no arrays are copied)."""
        if self._state is None:
            raise TilesError("get_state() before reset()")
        return self._state

    def set_state(self, state: TilesState) -> np.ndarray:
        """Restore a snapshot from :meth:`get_state` (of this or any env on the same board set).

        Returns the observation at that state; the next ``step`` behaves exactly as it did after the
        snapshot was taken.
        """
        if not isinstance(state, TilesState):
            raise TilesError(f"set_state takes a TilesState from get_state(), got {type(state).__name__}")
        full = (1 << N_TILES) - 1
        if not (0 <= state.red <= full and 0 <= state.revealed <= full and state.steps >= 0
                and state.board_index < len(self.boards)):
            raise TilesError(f"TilesState out of range for this env: {state}")
        self._state = state
        self._set_texts(state.board_index)
        return self._observation()

    # -- gym API ------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        unknown = set(options) - {"board_index", "board", "start"}
        if unknown:
            raise TilesError(f"unknown reset options {sorted(unknown)}; accepted: board_index, board, start")
        start = -1
        if "board" in options:
            red = self._mask_of(options["board"])
            index = -1
            if "start" in options:
                start = self._tile_of(options["start"], red)
        else:
            if "board_index" in options:
                index = int(options["board_index"])
                if not 0 <= index < len(self.boards):
                    raise TilesError(f"board_index {index} out of range [0, {len(self.boards)})")
            else:
                index = int(self.np_random.choice(len(self.boards), p=self.boards.weights))
            red = int(self.boards.masks[index])
            start = int(self.boards.starts[index])
            if "start" in options:
                start = self._tile_of(options["start"], red)
        if start < 0:
            reds = np.flatnonzero(red & _BIT)
            start = int(reds[self.np_random.integers(len(reds))])
        self._state = TilesState(index, red, 1 << start, 0, -1, 0.0)
        self._set_texts(index)
        return self._observation(), self._info()

    def step(self, action):
        if self._state is None:
            raise TilesError("step() before reset()")
        if not self.action_space.contains(action):
            raise TilesError(f"action must be an int in [0, {N_TILES}), got {action!r}")
        a = int(action)
        s = self._state
        bit = 1 << a
        terminated = False
        revealed = s.revealed
        if revealed & bit:
            reward = REWARD_REPEAT
        else:
            revealed |= bit
            if s.red & bit:
                terminated = (revealed & s.red) == s.red
                reward = REWARD_COMPLETE if terminated else REWARD_RED
            else:
                reward = REWARD_WHITE
        steps = s.steps + 1
        self._state = TilesState(s.board_index, s.red, revealed, steps, a, reward)
        truncated = not terminated and steps >= self.max_steps
        return self._observation(), reward, terminated, truncated, self._info()

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or self._state is None:
            return None
        s = self._state
        kind = np.where(s.revealed & _BIT, np.where(s.red & _BIT, 2, 1), 0).reshape(SIZE, SIZE)
        image = _COLORS[kind].repeat(16, axis=0).repeat(16, axis=1)
        image[::16, :] = 0
        image[:, ::16] = 0
        return image

    # -- helpers ------------------------------------------------------------------------------
    def _observation(self) -> np.ndarray:
        s = self._state
        revealed = (s.revealed & _BIT) != 0
        red = (s.red & _BIT) != 0
        obs = np.zeros(OBS_SIZE, dtype=np.float32)
        obs[:N_TILES] = np.where(revealed, red.astype(np.float32), -1.0)
        if s.prev_action >= 0:
            obs[N_TILES + s.prev_action] = 1.0
        obs[-1] = s.prev_reward
        return obs

    def _info(self) -> dict[str, Any]:
        s = self._state
        return {
            "board_index": s.board_index,
            "description": self._description,
            "program": self._program,
            "whites_revealed": (s.revealed & ~s.red).bit_count(),
            "reds_hidden": (s.red & ~s.revealed).bit_count(),
        }

    def _set_texts(self, index: int) -> None:
        if index >= 0:
            self._description = self.boards.descriptions[index]
            self._program = self.boards.programs[index]
        else:
            self._description = self._program = ""

    @staticmethod
    def _mask_of(board) -> int:
        arr = np.asarray(board)
        if arr.size != N_TILES or not np.isin(arr, (0, 1)).all():
            raise TilesError(f"board must be 16 tiles of 0 (white) / 1 (red), got shape {arr.shape}")
        mask = int((arr.reshape(-1).astype(np.int64) * _BIT).sum())
        if mask.bit_count() < 2:
            raise TilesError("board needs >= 2 red tiles (one is revealed at the start)")
        return mask

    @staticmethod
    def _tile_of(start, red: int) -> int:
        try:
            r, c = (int(v) for v in start)
        except (TypeError, ValueError) as exc:
            raise TilesError(f"start must be (row, col), got {start!r}") from exc
        if not (0 <= r < SIZE and 0 <= c < SIZE) or not red >> (r * SIZE + c) & 1:
            raise TilesError(f"start {start!r} must be a red tile inside the 4x4 board")
        return r * SIZE + c
