"""One sub-environment's episode logic, shared by the single env and the batched vector env.

:class:`HouseSim` picks houses, resets the world, samples goals and start poses, applies actions and
turns a rendered frame into an observation, reward and info. It does not render: the caller renders
the cameras of all its sims in one renderer call, so the single env and the vector env share every
line of task logic and differ only in how many frames they draw at once.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gymnasium import spaces

from .navigation import FloorModel, build_floor_model
from .render_scene import HouseRenderScene, build_render_scene
from .tasks import TASKS, HouseTask, NoFeasibleGoalError, PointNavTask, RearrangeTask
from .world import ALL_ACTIONS, NAVIGATION_ACTIONS, AgentConfig, AgentState, HouseWorld, InvalidActionError

#: ProcTHOR's ObjectNav action set (MoveAhead, turns, look up/down, Done).
NAV_ACTIONS: tuple[str, ...] = ("MoveAhead", "RotateLeft", "RotateRight", "LookUp", "LookDown", "Done")
REARRANGE_ACTIONS: tuple[str, ...] = NAVIGATION_ACTIONS + ("PickupObject", "PutObject", "OpenObject", "CloseObject")
GOAL_TEXT_BYTES = 128
SUCCESS_REWARD = 10.0
STEP_PENALTY = -0.01
MAX_HOUSE_TRIES = 32
#: ``info`` keys of every task (Rearrange adds ``percent_fixed``)
INFO_KEYS: tuple[str, ...] = ("success", "spl", "distance_to_goal", "goal_text", "last_action_success",
                              "error_message", "steps")


class HouseSourceError(ValueError):
    """``houses=`` is not a dataset path, a list of house dicts or "procedural"."""


def encode_goal_text(text: str) -> np.ndarray:
    """UTF-8 bytes of the goal, zero-padded to GOAL_TEXT_BYTES (the ``goal_text`` observation)."""
    raw = text.encode("utf-8")[:GOAL_TEXT_BYTES]
    out = np.zeros(GOAL_TEXT_BYTES, np.uint8)
    out[: len(raw)] = np.frombuffer(raw, np.uint8)
    return out


def decode_goal_text(arr: np.ndarray) -> str:
    """Inverse of :func:`encode_goal_text`."""
    b = bytes(np.asarray(arr, np.uint8).tolist())
    return b.rstrip(b"\x00").decode("utf-8", errors="replace")


class HouseAssets:
    """What never changes about one house: its dict, floor model and render scene (shareable).

    The render scene is built on first use: a house that offers the task no feasible goal (about one
    draw in ten for ObjectNav) is left for the next one without ever being voxelised."""

    def __init__(self, house: dict, floor: FloorModel, scene: HouseRenderScene | None = None):
        self.house = house
        self.floor = floor
        self._scene = scene

    @property
    def scene(self) -> HouseRenderScene:
        if self._scene is None:
            self._scene = build_render_scene(self.house)
        return self._scene


class HouseSource:
    """Where houses come from: generated from a seed, a list of dicts, or a dataset file.

    Each house's static assets (floor raster, voxelised scene) are built once and kept in an LRU
    cache, since a house serves many episodes — and, in a vector env, many sub-envs, which share one
    source. The per-episode state (agent, object states) lives in each sub-env's own HouseWorld.
    """

    def __init__(self, houses: str | Path | Sequence[dict] = "procedural", split: str = "train",
                 agent: AgentConfig | None = None, cache_size: int = 4, prefetch: bool = False):
        self.split = split
        self.agent = agent or AgentConfig()
        self._cache: OrderedDict[int, HouseAssets] = OrderedDict()
        self.cache_size = cache_size
        #: houses built so far (cache misses of :meth:`get`), and how many of them the prefetch worker built
        self.builds = 0
        self.prefetched = 0
        self._prefetcher = None
        if isinstance(houses, str) and houses == "procedural":
            self.houses: list[dict] | None = None
        elif isinstance(houses, str | Path):
            from embodied_gym.procgen.house import load_houses

            path = Path(houses)
            if not path.exists():
                raise HouseSourceError(f"houses={str(houses)!r}: no such dataset file; pass a .jsonl(.gz) path, "
                                       "a list of house dicts, or 'procedural'")
            self.houses = list(load_houses(path))
        elif isinstance(houses, Sequence) and all(isinstance(h, dict) for h in houses) and len(houses) > 0:
            from embodied_gym.procgen.house import load_house

            self.houses = [load_house(h) for h in houses]
        else:
            raise HouseSourceError(f"houses= must be 'procedural', a dataset path or a non-empty list of house dicts, "
                                   f"got {type(houses).__name__}")
        #: build procedural houses ahead of their episodes in a worker process (see prefetch.py)
        self.prefetch = bool(prefetch) and self.houses is None

    def request(self, key: int) -> None:
        """House ``key`` will be asked for soon: with ``prefetch``, start building it in the worker."""
        if not self.prefetch or key in self._cache:
            return
        if self._prefetcher is None:
            from .prefetch import HousePrefetcher

            self._prefetcher = HousePrefetcher(self.split, self.agent.radius, max_waiting=self.cache_size)
        self._prefetcher.request(key)

    def close(self) -> None:
        """Stop the prefetch worker, if one was started."""
        if self._prefetcher is not None:
            self._prefetcher.close()
            self._prefetcher = None

    def draw_key(self, rng: np.random.Generator) -> int:
        if self.houses is None:
            return int(rng.integers(2**31 - 1))
        return int(rng.integers(len(self.houses)))

    def get(self, key: int) -> HouseAssets:
        """The static assets of house ``key`` (built on first use)."""
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        assets = self._prefetcher.take(key) if self._prefetcher is not None else None
        self.prefetched += assets is not None
        if assets is None:
            if self.houses is None:
                from embodied_gym.procgen.house import generate_house

                house = generate_house(key, split=self.split)
            else:
                house = self.houses[key]
            assets = HouseAssets(house, build_floor_model(house, radius=self.agent.radius))
        self.builds += 1
        self._cache[key] = assets
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return assets


@dataclass
class StepResult:
    reward: float
    terminated: bool
    truncated: bool


class HouseSim:
    """Episode logic of one sub-environment (see module docstring)."""

    def __init__(self, task: str | HouseTask = "ObjectNav", houses: str | Path | Sequence[dict] = "procedural",
                 split: str = "train", agent: AgentConfig | str | None = None, actions: Sequence[str] | None = None,
                 max_steps: int | None = None, reward_shaping: bool = True, episodes_per_house: int = 50,
                 depth: bool = False, semantic: bool = False, width: int = 64, height: int = 64,
                 task_kwargs: dict | None = None, source: HouseSource | None = None,
                 failed_stop_reward: float = 0.0, prefetch_houses: bool = False):
        if isinstance(task, str):
            if task not in TASKS:
                raise ValueError(f"unknown house task {task!r}; accepted: {', '.join(TASKS)}")
            task = TASKS[task](**(task_kwargs or {}))
        self.task = task
        if agent is None or agent == "default":
            agent = AgentConfig()
        elif agent == "locobot":
            agent = AgentConfig.locobot()
        elif not isinstance(agent, AgentConfig):
            raise ValueError(f"agent= must be 'default', 'locobot' or an AgentConfig, got {agent!r}")
        self.agent = agent
        default_actions = REARRANGE_ACTIONS if isinstance(task, RearrangeTask) else NAV_ACTIONS
        self.actions = tuple(actions) if actions is not None else default_actions
        bad = [a for a in self.actions if a not in ALL_ACTIONS]
        if bad or not self.actions:
            raise InvalidActionError(f"unknown actions {bad}; accepted AI2-THOR names: {', '.join(ALL_ACTIONS)}")
        self.max_steps = int(max_steps or task.max_steps)
        self.reward_shaping = reward_shaping
        # AllenAct's ObjectNav reward config has the same knob: with 0 (ProcTHOR's default) an early
        # ``Done`` is a safe way out of the step penalty, which small training budgets learn first
        self.failed_stop_reward = float(failed_stop_reward)
        if not math.isfinite(self.failed_stop_reward):
            raise ValueError(f"failed_stop_reward must be a finite number, got {failed_stop_reward!r}")
        if episodes_per_house < 1:
            raise ValueError(f"episodes_per_house must be >= 1, got {episodes_per_house}")
        self.episodes_per_house = episodes_per_house
        self.depth, self.semantic = depth, semantic
        self.width, self.height = width, height
        # A vector env passes one source (and one task) to all its sub-envs so they share house assets.
        self.source = source if source is not None else HouseSource(houses, split=split, agent=agent,
                                                                    prefetch=prefetch_houses)
        self.world: HouseWorld | None = None
        self.scene = None
        self._episode = 0
        self.scene_changed = True
        self._starts: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ spaces
    def observation_space(self) -> spaces.Dict:
        h, w = self.height, self.width
        d: dict[str, spaces.Space] = {"rgb": spaces.Box(0, 255, (h, w, 3), np.uint8)}
        if self.depth:
            d["depth"] = spaces.Box(0.0, np.inf, (h, w), np.float32)
        if self.semantic:
            d["semantic"] = spaces.Box(0, np.iinfo(np.int32).max, (h, w), np.int32)
        d["goal_id"] = spaces.Discrete(len(self.task.goal_ids))
        d["goal_text"] = spaces.Box(0, 255, (GOAL_TEXT_BYTES,), np.uint8)
        if isinstance(self.task, PointNavTask):
            d["goal"] = spaces.Box(np.array([0.0, -np.pi], np.float32), np.array([1000.0, np.pi], np.float32))
        return spaces.Dict(d)

    def action_space(self) -> spaces.Discrete:
        return spaces.Discrete(len(self.actions))

    # ------------------------------------------------------------------ episode
    def reset(self, rng: np.random.Generator, reseeded: bool) -> None:
        if reseeded:
            self._episode = 0
        assets = None
        for _ in range(MAX_HOUSE_TRIES):
            if self.world is None or self._episode % self.episodes_per_house == 0:
                assets = self.source.get(self.source.draw_key(rng))
                self.world = HouseWorld(assets.house, self.agent, floor=assets.floor)
            self._episode += 1
            self.world.reset()
            try:
                self.goal = self.task.sample(self.world, rng)
            except NoFeasibleGoalError:
                self._episode = 0  # move on to another house
                continue
            starts = self._start_cells()
            if starts.size == 0:
                self._episode = 0
                continue
            k = int(starts[rng.integers(starts.size)])
            i, j = divmod(k, self.world.blocked.shape[1])
            x, z = self.world.floor.cell_centre(i, j)
            rot = float(rng.integers(0, int(round(360 / self.agent.rotate_step_degrees)))) * self.agent.rotate_step_degrees
            self.world.agent = AgentState(x, z, rot, 0.0)
            break
        else:
            raise NoFeasibleGoalError(f"no house with a feasible {self.task.name} goal in {MAX_HOUSE_TRIES} draws")
        if assets is not None:  # a new house: its render scene is built now (not for houses passed over)
            self.scene = assets.scene
            self.scene_changed = True
        if self.source.prefetch and self._episode % self.episodes_per_house == 0:
            # The next reset draws its house first thing, from the RNG as it is now (nothing else
            # draws from it in between when only resets use it, as in the vector env): build it now.
            ahead = np.random.Generator(type(rng.bit_generator)())
            ahead.bit_generator.state = rng.bit_generator.state
            self.source.request(self.source.draw_key(ahead))
        self.steps = 0
        self.path_length = 0.0
        self.shortest_path = self.task.geodesic(self.world, self.goal, x, z)
        self.prev_distance = self.shortest_path
        self.success = False
        self.goal_text = encode_goal_text(self.goal.text)

    def _start_cells(self) -> np.ndarray:
        """The task's start cells for this goal, kept while the goal's field and the world's blocked
        raster are the same arrays (an ObjectNav type's field serves many episodes of a house)."""
        field, blocked = self.goal.distance_field, self.world.blocked
        hit = self._starts.get(id(field))
        if hit is not None and hit[0] is field and hit[1] is blocked:
            return hit[2]
        starts = self.task.start_cells(self.world, field)
        if len(self._starts) >= 64:
            self._starts.clear()
        self._starts[id(field)] = (field, blocked, starts)
        return starts

    def camera(self) -> tuple[tuple[float, float, float], float, float]:
        w = self.world
        return (w.agent.x, self.agent.camera_height, w.agent.z), w.agent.rotation, w.agent.horizon

    def check_action(self, action) -> int:
        """The action as an index into :attr:`actions`, or InvalidActionError saying what is accepted."""
        if not (isinstance(action, int | np.integer) or (isinstance(action, np.ndarray) and action.shape == ()
                                                        and np.issubdtype(action.dtype, np.integer))):
            raise InvalidActionError(f"action must be an integer in [0, {len(self.actions)}), got {action!r}")
        a = int(action)
        if not 0 <= a < len(self.actions):
            raise InvalidActionError(f"action {a} outside Discrete({len(self.actions)}); actions: {self.actions}")
        return a

    def apply(self, action) -> StepResult:
        """Apply the action of a step; the caller renders and then calls :meth:`finish`."""
        return self.apply_index(self.check_action(action))

    def apply_index(self, a: int) -> StepResult:
        """:meth:`apply` for an index already checked (the vector env checks all sub-envs' at once)."""
        name = self.actions[a]
        w = self.world
        x0, z0 = w.agent.x, w.agent.z
        w.step(name)
        self.steps += 1
        self.path_length += math.hypot(w.agent.x - x0, w.agent.z - z0)
        self.last_action = name
        terminated = name == "Done"
        truncated = not terminated and self.steps >= self.max_steps
        return StepResult(0.0, terminated, truncated)

    def finish(self, result: StepResult, success: bool | None = None) -> float:
        """Reward of the step once the new frame is observed (success needs the frame).

        ``success`` overrides the task's own test (the AI2-THOR backend judges from its metadata).
        """
        w = self.world
        reward = STEP_PENALTY
        dist = self.task.geodesic(w, self.goal, w.agent.x, w.agent.z)
        if self.reward_shaping and math.isfinite(dist) and math.isfinite(self.prev_distance):
            reward += self.prev_distance - dist
        self.prev_distance = dist
        if result.terminated:
            self.success = self.task.success(w, self.goal) if success is None else success
            if self.success:
                reward += SUCCESS_REWARD
            elif self.last_action == "Done":
                reward += self.failed_stop_reward
        return reward

    def observation(self, rgb: np.ndarray, depth: np.ndarray | None, semantic: np.ndarray | None) -> dict:
        obs = {"rgb": rgb}
        if self.depth:
            obs["depth"] = depth
        if self.semantic:
            obs["semantic"] = semantic
        obs["goal_id"] = np.int64(self.goal.goal_id)
        obs["goal_text"] = self.goal_text.copy()
        if isinstance(self.task, PointNavTask):
            obs["goal"] = PointNavTask.relative_goal(self.world, self.goal)
        return obs

    def info_keys(self) -> tuple[str, ...]:
        """The keys of :meth:`info`, in order (the same every step of a task)."""
        return INFO_KEYS + (("percent_fixed",) if isinstance(self.task, RearrangeTask) else ())

    def info_values(self, done: bool) -> tuple:
        """The values of :meth:`info` in :meth:`info_keys` order (the vector env stacks these)."""
        w = self.world
        spl = 0.0
        if done and self.success:
            L = self.shortest_path
            spl = L / max(L, self.path_length) if L > 0 else 1.0
        values = (bool(self.success), float(spl), float(self.prev_distance), self.goal.text,
                  bool(w.last_action_success), w.error_message, self.steps)
        if isinstance(self.task, RearrangeTask):
            values += (self.task.percent_fixed(w, self.goal),)
        return values

    def info(self, done: bool) -> dict:
        return dict(zip(self.info_keys(), self.info_values(done), strict=True))
