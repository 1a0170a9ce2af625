"""Agents that produce clips for the caption dataset: random, and scripted voxel agents.

The scripted agents exist to make *events worth captioning* happen often (a random agent almost never
fells a tree). They read privileged state through ``env.unwrapped.world`` -- the voxel world's documented
oracle interface (``player`` pose, ``blocks``, ``entities()``, ``target_block()``, ``target_mob()``) --
and act only through the ordinary MineDojo action vector, so the frames they produce are what any agent
would see. When the world lacks that interface the scripted agent raises, and make-data says so.
"""

from __future__ import annotations

import math

import numpy as np

NOOP = np.array([0, 0, 0, 12, 12, 0, 0, 0], dtype=np.int64)
ATTACK = 3
USE = 1


class AgentUnavailable(RuntimeError):
    """The environment does not expose what this scripted agent needs."""


class RandomAgent:
    """Uniform random actions from the env's action space, seeded per episode."""

    name = "random"

    def __init__(self, env, rng: np.random.Generator) -> None:
        self.space = env.action_space
        self.rng = rng

    def reset(self, obs, info) -> None:
        pass

    def act(self, obs, info):
        space = self.space
        if hasattr(space, "nvec"):
            return (self.rng.random(space.nvec.shape) * space.nvec).astype(np.int64)
        if hasattr(space, "n"):
            return int(self.rng.integers(space.n))
        return space.sample()


class VoxelWanderAgent:
    """Walks and looks around without attacking: background footage for the ``idle`` event."""

    name = "wander"

    def __init__(self, env, rng: np.random.Generator) -> None:
        self.rng = rng

    def reset(self, obs, info) -> None:
        self._turn = 0

    def act(self, obs, info):
        a = NOOP.copy()
        a[0] = 1 if self.rng.random() < 0.8 else 0
        a[2] = 1 if self.rng.random() < 0.15 else 0
        if self.rng.random() < 0.2:
            a[4] = int(self.rng.integers(10, 15))
        return a


def _bins(delta_deg: float) -> int:
    """Camera action index (15-degree bins around 12) that turns by about ``delta_deg``."""
    return min(24, max(0, 12 + round(delta_deg / 15.0)))  # plain ints: np.clip costs ~15 us per call


def _angle_diff(a: float, b: float) -> float:
    return (a - b + 180.0) % 360.0 - 180.0


class VoxelSeekAgent:
    """Goes to the nearest target (a block kind or a mob kind) and attacks it until it is gone.

    Turning: yaw toward the target's centre (MineDojo convention: yaw 0 faces +z, 90 faces -x; positive
    pitch looks down), quantised to the camera's 15-degree bins. Walking: forward while farther than reach,
    jumping when stuck. Each episode draws a little noise so clips differ.
    """

    def __init__(self, env, rng: np.random.Generator, target: str, kind: str, search_radius: int = 20,
                 blocks: tuple[str, ...] | None = None, drops: tuple[str, ...] | None = None,
                 use: bool = False) -> None:
        self.env = env
        self.fn = USE if use else ATTACK
        self.blocks = tuple(blocks or (target,))
        self.drops = tuple(drops or (target,))
        self.rng = rng
        self.target = target
        self.kind = kind  # "block" or "mob"
        self.radius = search_radius
        self.name = f"seek-{target}"
        world = getattr(env.unwrapped, "world", None)
        if world is None or not hasattr(world, "entities"):
            raise AgentUnavailable(f"{type(env.unwrapped).__name__} exposes no voxel `world` for scripted agents")

    @property
    def world(self):
        return self.env.unwrapped.world

    def reset(self, obs, info) -> None:
        self._stuck = 0
        self._last_pos = None
        self._goal = None
        self._walk_onto = False

    def _target_block_ids(self) -> np.ndarray:
        names = self.world.cat.block_names
        return np.array([i for i, n in enumerate(names) if n in self.blocks], dtype=np.int64)

    def _find(self):
        w = self.world
        p = w.player.pos
        if self.kind == "mob":
            mobs = [e for e in w.entities() if e["type"] == "mob" and e["name"] == self.target]
            if not mobs:
                return None
            best = min(mobs, key=lambda e: float(np.linalg.norm(e["pos"] - p)))
            return best["pos"] + np.array([0.0, 0.6, 0.0])
        drops = [e for e in w.entities() if e["type"] == "item" and e["name"] in self.drops]
        if drops:  # the broken block's drop: walk onto it to pick it up
            best = min(drops, key=lambda e: float(np.linalg.norm(e["pos"] - p)))
            if float(np.linalg.norm(best["pos"] - p)) < 8.0:
                self._walk_onto = True
                return best["pos"] + np.array([0.0, 0.2, 0.0])
        self._walk_onto = False
        ids = self._target_block_ids()
        r = self.radius
        x0, y0, z0 = (max(int(v) - r, 0) for v in p)
        sub = w.blocks[x0 : int(p[0]) + r + 1, y0 : int(p[1]) + r + 1, z0 : int(p[2]) + r + 1]
        hits = np.argwhere(np.isin(sub, ids))
        if len(hits) == 0:
            return None
        centres = hits + np.array([x0, y0, z0]) + 0.5
        d = np.linalg.norm(centres - (p + np.array([0.0, 1.6, 0.0])), axis=1)
        # prefer blocks near eye height (trunks, not tree tops)
        d = d + 2.0 * np.abs(centres[:, 1] - (p[1] + 1.0))
        return centres[int(np.argmin(d))]

    def act(self, obs, info):
        w = self.world
        p = w.player
        if self._goal is None or self._walk_onto or self.rng.random() < 0.1:
            self._goal = self._find()
        a = NOOP.copy()
        if self._goal is None:  # nothing in range: wander to find one
            a[0] = 1
            a[4] = int(self.rng.integers(11, 14))
            return a
        eye = w.eye()
        d = self._goal - eye
        horizontal = math.hypot(d[0], d[2])
        yaw = math.degrees(math.atan2(-d[0], d[2]))
        pitch = -math.degrees(math.atan2(d[1], horizontal))
        a[4] = _bins(_angle_diff(yaw, p.yaw))
        a[3] = _bins(pitch - p.pitch)
        reach = 2.5 if self.kind == "mob" else 3.5
        if getattr(self, "_walk_onto", False):
            reach = 0.0
            self._goal = None  # re-aim every step at the moving drop
        facing = abs(_angle_diff(yaw, p.yaw)) < 25
        if self.kind == "mob":
            on_target = w.target_mob() >= 0
        else:
            hit, xyz, _, _ = w.target_block()
            on_target = bool(hit) and w.block_at(*xyz) in self.blocks
        if on_target:
            a[5] = self.fn
            self._goal = self._goal if self.kind == "block" else None
        if horizontal > reach - 1.0 and facing and not (on_target and self.kind == "block"):
            a[0] = 1
            moved = self._last_pos is not None and np.linalg.norm(p.pos - self._last_pos) > 0.05
            self._stuck = 0 if moved else self._stuck + 1
            if self._stuck > 2:
                a[2] = 1
            if self._stuck > 30:
                self._goal = None
                self._stuck = 0
        self._last_pos = p.pos.copy()
        return a


class HouseWanderAgent:
    """Walks through a house, turning now and then and trying the interactions AI2-THOR offers.

    Interactions act on the visible object nearest the image centre (the house world's rule), so trying
    PickupObject / OpenObject / ToggleObjectOn while walking produces real pick-ups, opened fridges and
    lamps switched on, which the house captioner turns into events. Needs the env's ``actions`` names.
    """

    name = "house-wander"
    WEIGHTS = {"MoveAhead": 0.55, "RotateLeft": 0.1, "RotateRight": 0.1, "LookDown": 0.03, "LookUp": 0.03,
               "PickupObject": 0.08, "OpenObject": 0.05, "ToggleObjectOn": 0.04, "PutObject": 0.02}

    def __init__(self, env, rng: np.random.Generator) -> None:
        names = getattr(env.unwrapped, "actions", None)
        if not names:
            raise AgentUnavailable(f"{type(env.unwrapped).__name__} has no `actions` names for the house agent")
        self.rng = rng
        self.names = list(names)
        w = np.array([self.WEIGHTS.get(n, 0.0) for n in self.names])
        if w.sum() == 0:
            raise AgentUnavailable(f"none of the env's actions {self.names} is one the house agent uses")
        self.p = w / w.sum()

    def reset(self, obs, info) -> None:
        self._blocked = 0

    def act(self, obs, info):
        if info and info.get("last_action_success") is False and self.names[getattr(self, "_last", 0)] == "MoveAhead":
            self._last = self.names.index("RotateLeft" if self.rng.random() < 0.5 else "RotateRight")
            return self._last
        self._last = int(self.rng.choice(len(self.names), p=self.p))
        return self._last
