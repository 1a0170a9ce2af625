"""Gym ids of the tile-revealing task (registered on ``import embodied_gym``; nothing heavy imported).

- ``embodied_gym/Tiles-4x4-v0``: training mode, 25-click limit, grammar boards by default
  (``gym.make(id, boards="gsp-train", gsp_dir=...)`` for the human boards; see ``envs.tiles.boards``).
- ``embodied_gym/Tiles-4x4-Test-v0``: testing mode, 120-click limit, the 25 held-out grammar boards.
- ``embodied_gym/Tiles-4x4-Control-v0``: training mode on statistics-matched control boards.
"""

from __future__ import annotations

import gymnasium as gym

ENTRY_POINT = "embodied_gym.envs.tiles.env:TilesEnv"
IDS = {
    "embodied_gym/Tiles-4x4-v0": {"boards": "grammar", "max_steps": 25},
    "embodied_gym/Tiles-4x4-Test-v0": {"boards": "grammar-test", "max_steps": 120},
    "embodied_gym/Tiles-4x4-Control-v0": {"boards": "control", "max_steps": 25},
}


def register() -> None:
    for env_id, kwargs in IDS.items():
        if env_id not in gym.registry:
            # The env truncates by itself (max_steps); no extra TimeLimit wrapper.
            gym.register(id=env_id, entry_point=ENTRY_POINT, kwargs=dict(kwargs))
