"""Hand-written dense rewards for MineDojo harvest (:class:`HarvestShaping`) and combat
(:class:`CombatShaping`) tasks on the embedded voxel world.

MineDojo's harvest reward is sparse: it pays only when the target item enters the inventory. Breaking a
log by hand takes 60 consecutive attack ticks (hardness 2, Minecraft's 1.5 s x 2), so an untrained policy
essentially never sees that reward. This wrapper adds three terms read from the world's privileged state,
the kind of shaping MineCLIP's paper compares its learned reward with:

* ``approach``: metres closed towards the nearest dropped target item lying on the ground, else the
  nearest block that drops a target (searched in a cube around the player), capped per step so a
  teleport-like jump (respawn) cannot pay; a broken log's drop lies where the log was, out of the
  1.4-block pick-up range of a player who broke it from 3 blocks away, so walking onto it must pay too;
* ``face``: the rise in the cosine between the view direction and the direction to that block (turning
  towards a trunk pays before the crosshair is on it; a 15-degree camera bin is too coarse to find it
  by chance from a few blocks away);
* ``aim``: a bonus when the crosshair comes onto such a block within reach, paid back when it leaves
  (a per-tick bonus was farmed: a policy learned to stare at trunks for 400 of 500 ticks, attacking
  in bursts);
* ``mine``: while breaking such a block, the progress made this tick (1/60 of a log per attack tick by
  hand, so a broken log earns ``mine`` in all), plus ``broken`` when the block breaks. Linear on
  purpose: every attack tick on a log pays the same from the first one, so "attack when aimed at a
  trunk" is learned before any log has broken (measured: a reward growing with the progress reached,
  to favour long runs, paid so little for short ones that a policy aimed at trunks 90% of the time and
  still attacked 10% of it).

The task reward passes through unchanged; success, termination and ``info`` are the env's own. Use it as
a training-only reward (``reward_wrapper`` of a training config): evaluation runs the plain task.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np


class ShapingError(ValueError):
    """The wrapped env is not a voxel harvest task this shaping can read."""


def target_blocks(world: Any, items: tuple[str, ...]) -> np.ndarray:
    """Ids of the blocks whose drop (by the catalog) is one of ``items``, or that are named ``items``."""
    cat = world.cat
    ids = [i for i, name in enumerate(cat.block_names)
           if name in items or (cat.drops[i][0] in items and cat.drops[i][2] > 0)]
    return np.asarray(sorted(set(ids)), dtype=np.int64)


def _voxel_task(env: gym.Env, shaper: str, category: str):
    """(world, task) of the voxel MineDojo env under ``env``; a clear error for any other env or category."""
    base = env.unwrapped
    world, task = getattr(base, "world", None), getattr(base, "task", None)
    if world is None or not hasattr(world, "blocks") or not hasattr(world, "target_mob") or task is None:
        raise ShapingError(f"{shaper} needs a voxel MineDojo env (world + task), got {type(base).__name__}")
    if task.category != category:
        raise ShapingError(f"{shaper} shapes {category} tasks; {task.task_id!r} is a {task.category} task")
    return world, task


class HarvestShaping(gym.Wrapper):
    """Task reward + approach / aim / mine terms towards the blocks that give the task's targets."""

    def __init__(self, env: gym.Env, approach: float = 0.05, face: float = 0.1, aim: float = 0.1,
                 mine: float = 2.0, broken: float = 1.0, radius: int = 16, max_step_m: float = 1.0) -> None:
        super().__init__(env)
        world, task = _voxel_task(env, type(self).__name__, "harvest")
        self._ids = target_blocks(world, tuple(task.target_names))
        if self._ids.size == 0:
            raise ShapingError(f"no block of the world drops any of {task.target_names} ({task.task_id!r})")
        self._is_target = np.zeros(len(world.cat.block_names), dtype=bool)
        self._is_target[self._ids] = True
        self._item_ids = np.asarray([world.cat.item_id(name) for name in task.target_names], dtype=np.int64)
        self.approach, self.face, self.aim, self.mine, self.broken = approach, face, aim, mine, broken
        self.radius, self.max_step_m = radius, max_step_m
        self._prev_d = float("nan")
        self._prev_cos = float("nan")
        self._prev_on = False

    @property
    def world(self) -> Any:
        return self.env.unwrapped.world

    def nearest_target_distance(self) -> float:
        """Eye-to-centre distance (m) of the nearest target block within ``radius`` (inf when none)."""
        return self._nearest()[0]

    def _nearest(self) -> tuple[float, float]:
        """(distance, cosine between the view direction and the direction to it) of the nearest dropped
        target item, else the nearest target block, within ``radius``; (inf, nan) when there is none."""
        w = self.world
        eye = w.eye()
        r = self.radius
        items = w.item_alive & np.isin(w.item_id, self._item_ids)
        if items.any():
            offsets = w.item_pos[items] + [0.0, 0.25, 0.0] - eye
            dist = np.sqrt((offsets ** 2).sum(1))
            i = int(np.argmin(dist))
            if dist[i] <= r:
                return float(dist[i]), float(np.dot(offsets[i], w.look_vector()) / max(float(dist[i]), 1e-6))
        lo = np.maximum(np.floor(eye).astype(int) - r, 0)
        hi = np.minimum(np.floor(eye).astype(int) + r + 1, w.blocks.shape)
        sub = w.blocks[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        hits = np.argwhere(self._is_target[sub])
        if len(hits) == 0:
            return float("inf"), float("nan")
        offsets = hits + lo + 0.5 - eye
        dist = np.sqrt((offsets ** 2).sum(1))
        i = int(np.argmin(dist))
        d = float(dist[i])
        cos = float(np.dot(offsets[i], w.look_vector()) / max(d, 1e-6))
        return d, cos

    def _on_target(self) -> bool:
        hit, (x, y, z), _, _ = self.world.target_block()
        return bool(hit) and bool(self._is_target[int(self.world.blocks[x, y, z])])

    def reset(self, **kwargs: Any):
        out = self.env.reset(**kwargs)
        self._prev_d, self._prev_cos = self._nearest()
        self._prev_on = self._on_target()
        return out

    def _mining_target(self) -> tuple[tuple[int, int, int], bool]:
        """(block under attack, whether it gives a target); (-1, -1, -1) when none."""
        t = tuple(int(v) for v in self.world.player.mine_target)
        return t, t[0] >= 0 and bool(self._is_target[int(self.world.blocks[t])])

    def step(self, action: Any):
        w = self.world
        before, before_is_target = self._mining_target()
        progress_before = float(w.player.mine_progress)
        obs, reward, terminated, truncated, info = self.env.step(action)
        shaped = float(reward)
        d, cos = self._nearest()
        if np.isfinite(d) and np.isfinite(self._prev_d):
            shaped += self.approach * float(np.clip(self._prev_d - d, -self.max_step_m, self.max_step_m))
        if np.isfinite(cos) and np.isfinite(self._prev_cos):
            shaped += self.face * (cos - self._prev_cos)
        self._prev_d, self._prev_cos = d, cos
        after, after_is_target = self._mining_target()
        progress = float(w.player.mine_progress)
        if after_is_target and after == before:  # kept breaking the same block
            shaped += self.mine * (progress - progress_before)
        elif after_is_target:  # started on a new block this tick
            shaped += self.mine * progress
        elif before_is_target and int(w.blocks[before]) == 0:  # it broke this tick
            shaped += self.mine * (1.0 - progress_before) + self.broken
        on = self._on_target()
        shaped += self.aim * (float(on) - float(self._prev_on))
        self._prev_on = on
        return obs, shaped, terminated, truncated, info


def harvest_shaping(env: gym.Env) -> HarvestShaping:
    """Factory for a training config's ``reward_wrapper``."""
    return HarvestShaping(env)


class CombatShaping(gym.Wrapper):
    """Task reward + approach / face / aim / hit terms towards the live mobs a combat task asks to kill.

    The mob counterpart of :class:`HarvestShaping`, read from the same privileged world state:

    * ``approach``: metres closed towards the nearest live target mob (capped per step: a mob that
      dies and leaves a farther one nearest must not cost, one that spawns close must not pay much);
    * ``face``: the rise in the cosine between the view direction and the direction to that mob's body;
    * ``aim``: a bonus when the crosshair comes onto a target mob within reach, paid back when it
      leaves (not per tick: staring must not pay more than hitting);
    * ``hit``: the fraction of a target mob's full health taken off this tick, so every blow pays and a
      kill pays ``hit`` in all, on top of the task's own reward for the kill.
    """

    def __init__(self, env: gym.Env, approach: float = 0.05, face: float = 0.1, aim: float = 0.1,
                 hit: float = 1.0, max_step_m: float = 1.0) -> None:
        super().__init__(env)
        from embodied_gym.envs.voxel.mobs import MOB_INDEX, MOB_KINDS

        world, task = _voxel_task(env, type(self).__name__, "combat")
        unknown = [name for name in task.target_names if name not in MOB_INDEX]
        if unknown:
            raise ShapingError(f"{task.task_id!r} targets {unknown}, which are not mob kinds")
        self._kinds = np.asarray(sorted(MOB_INDEX[name] for name in task.target_names), dtype=np.int64)
        self._full = np.asarray([float(m.health) for m in MOB_KINDS])
        self.approach, self.face, self.aim, self.hit, self.max_step_m = approach, face, aim, hit, max_step_m
        self._prev_d = float("nan")
        self._prev_cos = float("nan")
        self._prev_on = False
        self._prev_health = np.zeros(0)
        self._prev_alive = np.zeros(0, dtype=bool)

    @property
    def world(self) -> Any:
        return self.env.unwrapped.world

    def _targets(self) -> np.ndarray:
        """Boolean mask over mob slots: alive and of a target kind."""
        w = self.world
        return w.mob_alive & np.isin(w.mob_kind, self._kinds)

    def _nearest(self) -> tuple[float, float]:
        """(distance, view cosine) to the body centre of the nearest live target mob; (inf, nan) if none."""
        w = self.world
        mask = self._targets()
        if not mask.any():
            return float("inf"), float("nan")
        offsets = w.mob_pos[mask] + [0.0, 0.6, 0.0] - w.eye()
        dist = np.sqrt((offsets ** 2).sum(1))
        i = int(np.argmin(dist))
        d = float(dist[i])
        return d, float(np.dot(offsets[i], w.look_vector()) / max(d, 1e-6))

    def _on_target(self) -> bool:
        m = int(self.world.target_mob())
        return m >= 0 and bool(np.isin(self.world.mob_kind[m], self._kinds))

    def _snapshot(self) -> None:
        w = self.world
        self._prev_alive = self._targets().copy()
        self._prev_health = w.mob_health.copy()
        self._prev_d, self._prev_cos = self._nearest()
        self._prev_on = self._on_target()

    def reset(self, **kwargs: Any):
        out = self.env.reset(**kwargs)
        self._snapshot()
        return out

    def damage_fraction(self) -> float:
        """Health (as fractions of full health) the target mobs alive at the last step have lost since."""
        w = self.world
        was = self._prev_alive
        now = np.where(w.mob_alive, w.mob_health, 0.0)
        lost = np.clip(self._prev_health[was] - now[was], 0.0, None)
        return float((lost / self._full[w.mob_kind[was]]).sum())

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        shaped = float(reward) + self.hit * self.damage_fraction()
        d, cos = self._nearest()
        if np.isfinite(d) and np.isfinite(self._prev_d):
            shaped += self.approach * float(np.clip(self._prev_d - d, -self.max_step_m, self.max_step_m))
        if np.isfinite(cos) and np.isfinite(self._prev_cos):
            shaped += self.face * (cos - self._prev_cos)
        on = self._on_target()
        shaped += self.aim * (float(on) - float(self._prev_on))
        self._snapshot()
        return obs, shaped, terminated, truncated, info


def combat_shaping(env: gym.Env) -> CombatShaping:
    """Factory for a training config's ``reward_wrapper``."""
    return CombatShaping(env)
