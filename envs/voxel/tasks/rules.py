"""MineDojo's success and reward rules, as rule objects the voxel env calls every step.

The rules follow MineDojo's task classes exactly (facts checked against MineDojo's ``tasks/meta``):

* harvest -- success when, for any target, the inventory count of that item has risen by at least its
  quantity since reset; reward each step = weight x (count now - count one step ago), so dropping or
  spending a target item gives a negative reward, as in MineDojo.
* combat -- the same with ``stat.kill_entity[mob]`` in place of the inventory count.
* techtree -- success when ``stat.use_item[item]`` has risen by at least 1 since reset (obtained *and
  used*); reward = 1 x inventory increase of the item + 10 x uses of it this step.
* survival -- success when ``stat.time_since_death`` reaches ``target_days`` x 24,000 ticks; reward =
  1 per whole day completed this step, plus ``success_reward`` (``target_days``) on every step at which
  the target is met (MineDojo adds it each step; the episode ends there).
* creative / playthrough -- no programmatic rule: reward 0, never successful (use a reward model).

A rule reads *stats*, which it takes from a MineDojo-format ``info`` mapping:
``info["inventory"]`` (a list of ``{"name", "quantity"}`` or a ``{name: count}`` mapping),
``info["stat"]["kill_entity"][mob]``, ``info["stat"]["use_item"]["minecraft"][item]`` (or
``info["stat"]["use_item"][item]``) and ``info["stat"]["time_since_death"]``. Missing counters read 0.
``reset`` takes the world (it asks ``world.task_info()``, or ``world.info`` / ``world.info()``) or the
reset ``info`` mapping itself, so the rules can be tested on hand-built sequences without a world.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from embodied_gym.envs.voxel.tasks.spec import TaskSpec

#: Minecraft ticks in one in-game day (MineDojo's ``mc_ticks_per_day``).
MC_TICKS_PER_DAY = 24000


class TaskRule(Protocol):
    """What the voxel env needs from a task rule."""

    def reset(self, world: Any, info: Mapping | None = None) -> None: ...

    def step(self, world: Any, info: Mapping) -> tuple[float, bool]: ...


class RuleInputError(ValueError):
    """The world or info given to a rule cannot be read as MineDojo-format stats."""


@dataclass(frozen=True)
class Stats:
    """The counters a rule compares between steps, read from one MineDojo-format ``info``."""

    inventory: Mapping[str, int] = field(default_factory=dict)
    kill_entity: Mapping[str, int] = field(default_factory=dict)
    use_item: Mapping[str, int] = field(default_factory=dict)
    time_since_death: int = 0

    @classmethod
    def from_info(cls, info: Mapping) -> Stats:
        if not isinstance(info, Mapping):
            raise RuleInputError(f"expected a MineDojo-format info mapping, got {type(info).__name__}")
        raw_inventory = info.get("inventory", {})
        if isinstance(raw_inventory, Mapping) and not {"name", "quantity"} <= set(raw_inventory):
            inventory = {str(name): int(count) for name, count in raw_inventory.items()}
        else:
            inventory = {}
            rows = raw_inventory
            if isinstance(raw_inventory, Mapping):  # MineDojo's array form: {"name": [...], "quantity": [...]}
                rows = [{"name": n, "quantity": q} for n, q in zip(raw_inventory["name"], raw_inventory["quantity"], strict=True)]
            for row in rows:
                name = str(row["name"])
                inventory[name] = inventory.get(name, 0) + int(row["quantity"])
        stat = info.get("stat", {}) or {}
        use_item = stat.get("use_item", {}) or {}
        if "minecraft" in use_item and isinstance(use_item["minecraft"], Mapping):
            use_item = use_item["minecraft"]
        return cls(
            inventory=inventory,
            kill_entity={str(k): int(v) for k, v in (stat.get("kill_entity", {}) or {}).items()},
            use_item={str(k): int(v) for k, v in use_item.items()},
            time_since_death=int(stat.get("time_since_death", 0)),
        )


def world_info(world: Any) -> Mapping:
    """The MineDojo-format info of ``world`` (a mapping is returned as is)."""
    if isinstance(world, Mapping):
        return world
    for name in ("task_info", "info"):
        attribute = getattr(world, name, None)
        if attribute is None:
            continue
        value = attribute() if callable(attribute) else attribute
        if isinstance(value, Mapping):
            return value
    raise RuleInputError(
        f"cannot read stats from {type(world).__name__}: pass the reset info mapping, or give the world a "
        "task_info() method returning MineDojo-format info (inventory, stat.kill_entity, stat.use_item, "
        "stat.time_since_death)"
    )


class _RuleBase:
    """Keeps the stats at reset (MineDojo's ``ini_info``) and one step ago (``pre_info``)."""

    def __init__(self) -> None:
        self._initial: Stats | None = None
        self._previous: Stats | None = None

    def reset(self, world: Any, info: Mapping | None = None) -> None:
        stats = Stats.from_info(info if info is not None else world_info(world))
        self._initial = stats
        self._previous = stats

    def step(self, world: Any, info: Mapping) -> tuple[float, bool]:
        if self._initial is None or self._previous is None:
            raise RuntimeError(f"{type(self).__name__}.step() called before reset()")
        current = Stats.from_info(info if info is not None else world_info(world))
        reward, success = self._judge(self._initial, self._previous, current)
        self._previous = current
        return float(reward), bool(success)

    def _judge(self, initial: Stats, previous: Stats, current: Stats) -> tuple[float, bool]:
        raise NotImplementedError


class CountRule(_RuleBase):
    """Harvest (inventory counts) and combat (kill counts): success on any target's quantity."""

    def __init__(self, counter: str, targets: Mapping[str, int], weights: Mapping[str, float]) -> None:
        super().__init__()
        if counter not in ("inventory", "kill_entity"):
            raise ValueError(f"counter must be 'inventory' or 'kill_entity', got {counter!r}")
        if not targets:
            raise ValueError("a count rule needs at least one target")
        self.counter = counter
        self.targets = dict(targets)
        self.weights = dict(weights)

    def _judge(self, initial: Stats, previous: Stats, current: Stats) -> tuple[float, bool]:
        now, before, start = (getattr(s, self.counter) for s in (current, previous, initial))
        reward = sum(w * (now.get(name, 0) - before.get(name, 0)) for name, w in self.weights.items())
        success = any(now.get(name, 0) - start.get(name, 0) >= q for name, q in self.targets.items())
        return reward, success


class TechTreeRule(_RuleBase):
    """Techtree: obtain (weight 1 per item gained) and use (weight 10 per use) the tech item."""

    def __init__(self, items: Mapping[str, float], use_weights: Mapping[str, float]) -> None:
        super().__init__()
        if not items:
            raise ValueError("a techtree rule needs at least one tech item")
        self.obtain_weights = dict(items)
        self.use_weights = dict(use_weights)

    def _judge(self, initial: Stats, previous: Stats, current: Stats) -> tuple[float, bool]:
        reward = sum(
            w * (current.inventory.get(item, 0) - previous.inventory.get(item, 0))
            for item, w in self.obtain_weights.items()
        )
        reward += sum(
            w * (current.use_item.get(item, 0) - previous.use_item.get(item, 0)) for item, w in self.use_weights.items()
        )
        success = all(current.use_item.get(item, 0) - initial.use_item.get(item, 0) >= 1 for item in self.obtain_weights)
        return reward, success


class SurvivalRule(_RuleBase):
    """Survival: 1 per in-game day alive, ``success_reward`` once ``target_days`` is reached."""

    def __init__(self, target_days: int, per_day_reward: float, success_reward: float) -> None:
        super().__init__()
        if target_days <= 1:
            raise ValueError(f"survival needs target_days > 1 (MineDojo's rule), got {target_days}")
        self.target_days = int(target_days)
        self.per_day_reward = float(per_day_reward)
        self.success_reward = float(success_reward)

    def _judge(self, initial: Stats, previous: Stats, current: Stats) -> tuple[float, bool]:
        days_now = current.time_since_death // MC_TICKS_PER_DAY
        days_before = previous.time_since_death // MC_TICKS_PER_DAY
        success = current.time_since_death >= MC_TICKS_PER_DAY * self.target_days
        return (days_now - days_before) * self.per_day_reward + (self.success_reward if success else 0.0), success


class NoRule(_RuleBase):
    """Creative and playthrough tasks: no programmatic reward or success (use a reward model)."""

    def reset(self, world: Any, info: Mapping | None = None) -> None:
        self._initial = self._previous = Stats()

    def step(self, world: Any, info: Mapping) -> tuple[float, bool]:
        return 0.0, False

    def _judge(self, initial: Stats, previous: Stats, current: Stats) -> tuple[float, bool]:
        return 0.0, False


def rule_for(spec: TaskSpec) -> TaskRule:
    """The rule object that judges ``spec``'s task, as MineDojo judges it."""
    if spec.category in ("harvest", "combat"):
        counter = "inventory" if spec.category == "harvest" else "kill_entity"
        targets = dict(zip(spec.target_names, spec.target_quantities, strict=True))
        weights = dict(zip(spec.target_names, spec.reward_weights, strict=True))
        return CountRule(counter, targets, weights)
    if spec.category == "techtree":
        return TechTreeRule(
            dict(zip(spec.target_names, spec.reward_weights, strict=True)),
            dict(zip(spec.target_names, spec.use_reward_weights, strict=True)),
        )
    if spec.category == "survival":
        if spec.target_days is None:
            raise ValueError(f"survival task {spec.task_id!r} has no target_days")
        return SurvivalRule(spec.target_days, spec.per_day_reward, spec.success_reward)
    if spec.category in ("creative", "playthrough"):
        return NoRule()
    raise ValueError(f"no rule for category {spec.category!r} of task {spec.task_id!r}")
