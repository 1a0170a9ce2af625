"""A planning oracle for the MineDojo tasks on the embedded voxel world.

It reads privileged world state (the block grid, mobs, dropped items, the inventory) to *plan*, and
acts only through MineDojo's action vector, like any agent:

* what to do -- the goal plan of :mod:`envs.voxel.tasks.planning` from the current inventory to the
  task's target (mine blocks with the right tool, kill / milk / shear mobs, craft at a crafting table,
  smelt at a furnace), recomputed after every completed goal so surprises (a drop that did not come,
  fuel the furnace took) are absorbed;
* how to get there -- A* over standing cells of the voxel grid that may dig through blocks (cost = the
  ticks breaking them takes with the best tool held), then walking cell by cell along the cardinal
  directions, jumping up steps and dropping down at most three blocks;
* how to hit things -- the camera moves in MineDojo's 15-degree bins, so it searches the bin grid for
  the yaw/pitch whose ray (the world's own ray cast) reaches the wanted block or mob first.

Then it finishes the task the way its rule judges it: a harvest target is collected, a combat target
killed, a techtree item used once (placed, used on a block, armour put on with the use action).

Staying alive and finding things, which is what long tasks fail on:

* what is not in the loaded land is searched for along an expanding square spiral (chunks generate as
  the player comes near, herds with them); far blocks are walked to in legs, deep ores reached by a
  shaft then a straight 2-high tunnel, high ones by a staircase; the crafting table and furnace are
  picked up before a shaft and remade (a log, 8 cobblestone) rather than walked back to;
* hostile mobs are judged by what they can do: melee mobs only within about 2 blocks, so one behind
  rock is ignored; archers shoot through blocks, so a close one is dug to and killed, a far one fled
  from once it has drawn blood, and ores within an archer's range cost a detour; creepers are hit
  and backed away from until their fuse resets; a sword is crafted as soon as the carried materials
  allow; it eats when hungry or hurt and swims up before its air runs out;
* a source that failed twice is avoided for a while, then tried again (exploring may have brought
  its blocks or mobs); fishing, collecting laid eggs and re-breaking carried gravel for flint are
  goals like mining and killing.

It is the proof that a task is solvable in the embedded world and the top baseline of the
leaderboard (``reset(env, task_id, seed)`` / ``act(observation, info)``). Nether-portal plans
(build and light the frame, travel, mine and hunt in the nether) and laid items are done by
:mod:`agents.voxel_oracle_extra` through the hooks in ``_collect_step`` and ``_pursue``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable
from typing import Any

import numpy as np
from embodied_gym.agents import voxel_oracle_extra as extra
from embodied_gym.envs.voxel.tasks.planning import PORTAL, TOOL_ITEMS, Goal, plan
from embodied_gym.envs.voxel.tasks.registry import get_spec

NOOP = (0, 0, 0, 12, 12, 0, 0, 0)
CAMERA_BIN = 15.0
#: horizontal moves, each with the yaw that faces it (Minecraft: yaw 0 faces +z, yaw 90 faces -x)
MOVES: tuple[tuple[int, int, float], ...] = ((0, 1, 0.0), (0, -1, 180.0), (-1, 0, 90.0), (1, 0, -90.0))
#: the A* search stops after this many expanded cells
MAX_EXPANSIONS = 150_000
#: the A* window reaches this many blocks from the player along x and z
NAV_RADIUS = 48
#: targets deeper than this below the feet are reached by a vertical shaft first
DESCEND_BELOW = 6
#: uses left on the last pickaxe held at which a spare is crafted from carried materials
SPARE_PICKAXE_AT = 16
#: how far (blocks) from the player block and mob targets are searched for
SEARCH_RADIUS = 64
MAX_FALL = 3
#: fuse ticks (of 30) after which the oracle backs away from a creeper instead of hitting it
CREEPER_RETREAT = 12
#: skeletons and witches shoot from this far (blocks, 3-d; the world's rule is 15)
ARCHER_RANGE = 16.0
#: ticks a source's failures are remembered (see VoxelOracle.source_failures)
FAILURE_MEMORY = 1500
#: ticks spent exploring for a mob kind none of which is loaded before its source counts as failed
MOB_SEARCH_TICKS = 400
#: the first leg of the exploration spiral (blocks); later legs grow by as much every second turn
EXPLORE_LEG = 32
#: ticks of digging a path to a passive animal may cost before the oracle turns to another one
PASSIVE_MAX_DIG = 400
#: ticks of fruitless search for a mob kind after which other animals are culled to make room for new
#: herds even while land is still to be generated (exploring a 256-block world takes longer than that)
CULL_AFTER_SEARCH = 600
#: A* cost of walking into water (swimming is slow and the oracle avoids it)
WATER_COST = 6.0

Action = np.ndarray
Plan = Generator[Action, None, bool]


class OracleError(RuntimeError):
    """The oracle cannot read the world it was given."""


def _world_of(env: Any):
    """The VoxelWorld behind ``env`` (an env, a wrapped env, or the world itself)."""
    target = env
    for _ in range(16):
        if hasattr(target, "blocks") and hasattr(target, "task_info"):
            return target
        world = getattr(target, "world", None)
        if world is not None and hasattr(world, "blocks"):
            return world
        inner = getattr(target, "unwrapped", None)
        if inner is not None and inner is not target:
            target = inner
            continue
        target = getattr(target, "env", None)
        if target is None:
            break
    raise OracleError(f"cannot find the voxel world inside {type(env).__name__}: the oracle needs privileged state")


def _wrap(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


class VoxelOracle:
    """Scripted planner-executor for MineDojo task ids on the embedded voxel world."""

    def __init__(self, max_expansions: int = MAX_EXPANSIONS) -> None:
        self.max_expansions = max_expansions
        self.world = None
        self.spec = None
        self._gen: Plan | None = None
        self.log: list[str] = []

    # ------------------------------------------------------------------ public API
    def reset(self, env: Any, task_id: str | None = None, seed: int | None = None) -> None:
        """Start a new episode on ``env`` (already reset) for ``task_id``."""
        from embodied_gym.envs.voxel.tasks.coverage import _graph

        self.world = _world_of(env)
        if task_id is None:
            task = getattr(self.world, "task", None)
            if task is None:
                raise OracleError("no task_id given and the world has no task")
            task_id = task.task_id
        self.spec = get_spec(task_id)
        self.graph = _graph(self.spec) if self.spec.category in ("harvest", "techtree") else None
        cat = self.world.cat
        self.cat = cat
        w = self.world
        self.aim_mask = w.targetable & ~(~w.collidable & (cat.hardness == 0))
        self.rng = np.random.default_rng(0 if seed is None else seed)
        info = self.world.task_info()
        self.targets = {
            name: info["inventory"].get(name, 0) + q for name, q in zip(self.spec.target_names, self.spec.target_quantities, strict=False)
        }
        self.stations: dict[str, list[tuple[int, int, int]]] = {"crafting_table": [], "furnace": []}
        self.failed_blocks: set[tuple[int, int, int]] = set()
        self._fighting = False
        self._renewing = False
        #: (kind, target) -> world times it failed; the planner avoids a source that failed twice in the
        #: last FAILURE_MEMORY ticks, then tries it again (exploring may have brought its blocks or mobs)
        self.source_failures: dict[tuple[str, str], list[int]] = {}
        self.failed_mobs: set[int] = set()
        #: the last _break gave up because a threat had to be dealt with first (not the block's fault)
        self.break_interrupted = False
        #: mob kind -> ticks spent exploring for it while none was loaded (see CULL_AFTER_SEARCH)
        self.mob_search: dict[str, int] = {}
        #: exploration spiral: (legs turned, current leg length, blocks walked along it)
        self._spiral = (int(self.rng.integers(4)), EXPLORE_LEG, 0)
        #: hostile mob -> world time until which it is not treated as a threat (unreachable, fled)
        self.ignored: dict[int, int] = {}
        self.log = []
        self._gen = self._run()

    def act(self, observation: Any = None, info: dict | None = None) -> Action:
        """The next action (MineDojo's 8-number vector)."""
        if self._gen is None:
            raise OracleError("call reset(env, task_id) before act()")
        try:
            return next(self._gen)
        except StopIteration:
            self._gen = self._idle()
            return next(self._gen)

    # ------------------------------------------------------------------ small helpers
    @staticmethod
    def _action(fwd=0, strafe=0, jump=0, pitch=12, yaw=12, fn=0, arg=0, slot=0) -> Action:
        return np.array([fwd, strafe, jump, pitch, yaw, fn, arg, slot], dtype=np.int64)

    def _camera_to(self, yaw: float, pitch: float) -> tuple[int, int]:
        p = self.world.player
        dyaw = _wrap(yaw - p.yaw)
        dpitch = pitch - p.pitch
        return 12 + int(round(dpitch / CAMERA_BIN)), 12 + int(round(dyaw / CAMERA_BIN))

    def counts(self) -> dict[str, int]:
        return dict(self.world.task_info()["inventory"])

    def slot_of(self, name: str) -> int:
        inv = self.world.inventory
        item = self.cat.item_id(name)
        slots = np.flatnonzero(inv.item == item)
        return int(slots[0]) if slots.size else -1

    def feet(self) -> tuple[int, int, int]:
        p = self.world.player.pos
        return int(math.floor(p[0])), int(math.floor(p[1] + 0.05)), int(math.floor(p[2]))

    def _kind_ids(self, name: str) -> np.ndarray:
        return np.array([k for k, n in enumerate(self.cat.block_names) if n == name], dtype=np.int64)

    def _solid(self, x: int, y: int, z: int) -> bool:
        w = self.world
        if not (0 <= x < w.size and 0 <= z < w.size) or y < 0:
            return True
        if y >= w.blocks.shape[1]:
            return False
        return bool(w.collidable[w.blocks[x, y, z]])

    def _block(self, x: int, y: int, z: int) -> int:
        w = self.world
        if not (0 <= x < w.size and 0 <= z < w.size) or not 0 <= y < w.blocks.shape[1]:
            return -1
        return int(w.blocks[x, y, z])

    # ------------------------------------------------------------------ the top-level loop
    def _idle(self) -> Plan:
        while True:
            yield self._action()

    def _run(self) -> Plan:
        """Plan, act, replan until the episode ends; a step that gets nowhere explores new land (the
        time limit, not the oracle, decides when to stop trying)."""
        spec = self.spec
        category = spec.category
        turn_at = -1
        while True:
            if not self.world.player.alive:
                yield from self._idle()
            if self.world.time == turn_at:  # the last turn did not act: spend a tick so none loops in place
                yield self._action()
            turn_at = self.world.time
            yield from self._maintenance()
            if category == "combat":
                done = yield from self._combat_step()
            elif category in ("harvest", "techtree"):
                done = yield from self._collect_step()
            else:  # survival, creative, playthrough: stay alive
                done = yield from self._wait(40)
            if done is None:
                yield from self._explore(80)

    def _maintenance(self) -> Plan:
        """Eat when hungry, or when hurt and not full (health regenerates only at 18+ food); fight
        hostile mobs that come within reach."""
        w = self.world
        if w.player.food <= 12 or (w.player.health < 14 and w.player.food < 18):
            for food in sorted(self.counts(), key=lambda n: -(self.cat.item(n).get("food") or (0, 0))[0]):
                if self.cat.item(food).get("food") and food not in self.targets:
                    yield from self._eat(food)
                    break
        if w.player.oxygen < 160:
            yield from self._surface()
        yield from self._defend()
        return True

    def _surface(self, max_ticks: int = 80) -> Plan:
        """Swim up until the head is out of water (air runs out after 15 s under water, then drowning)."""
        w = self.world
        for _ in range(max_ticks):
            x, y, z = self.feet()
            if not self._is_liquid(x, y + 1, z) and not self._is_liquid(x, y, z):
                return True
            above = self._block(x, y + 2, z)
            if above > 0 and w.collidable[above]:  # under a ledge or in a tunnel: dig up through it
                yield from self._break((x, y + 2, z), max_ticks=100)
            yield self._action(jump=1)
        return False

    def _threat(self) -> tuple[int, bool]:
        """(mob, flee) for the nearest hostile mob to deal with; (-1, False) if none.

        A melee mob only hurts within about 2 blocks and 2 of height (the world's rule, through walls
        too), and it walks straight at the player without path finding: one in a cave below or
        behind rock is no threat until it gets that close, and chasing it there only digs tunnels.
        An archer (skeleton, witch) shoots from up to 15 blocks, through blocks: one on the same level
        and near is fought, as is one a few blocks of rock away while a pickaxe can dig to it and health
        lasts; otherwise it is fled from once it has drawn blood.
        A mob a fight could not reach is left alone for a while (``ignored``)."""
        w = self.world
        if self.spec.category == "combat" or self._fighting:
            return -1, False
        best, best_dist, best_flee = -1, math.inf, False
        can_dig = any(self.slot_of(p) >= 0 for p in TOOL_ITEMS["pickaxe"])
        for m in np.flatnonzero(w.mob_alive):
            params = w.mob_params[w.mob_kind[m]]
            if params[0] <= 0:
                continue
            delta = w.mob_pos[m] - w.player.pos
            dist = float(np.linalg.norm(delta))
            if dist >= best_dist or (dist >= 2.5 and self.ignored.get(int(m), -1) > w.time):
                continue
            near_level = abs(delta[1]) < 2.5
            if dist < 2.5 or (dist < 5.0 and near_level):
                best, best_dist, best_flee = int(m), dist, False
            elif params[8] > 0 and dist < ARCHER_RANGE:
                # its arrows come through rock anyway: dig to it and kill it if it is close, else
                # get out of range once it has drawn blood
                horizontal = math.hypot(delta[0], delta[2])
                if (near_level and dist < 10.0) or (can_dig and w.player.health >= 12 and horizontal < 6 and abs(delta[1]) < 4):
                    best, best_dist, best_flee = int(m), dist, False
                elif w.player.health < 18:
                    best, best_dist, best_flee = int(m), dist, True
        return best, best_flee

    def _defend(self) -> Plan:
        """Fight off close threats, flee archers (called between goals and inside long walks and digs)."""
        w = self.world
        for _ in range(4):
            m, flee = self._threat()
            if m < 0:
                return True
            self._fighting = True
            try:
                if flee:
                    yield from self._flee(m)  # still in range: the next turn of this loop flees on
                    if not w.mob_alive[m] or np.linalg.norm(w.mob_pos[m] - w.player.pos) >= ARCHER_RANGE:
                        self.ignored[m] = w.time + 100
                else:
                    killed = yield from self._fight(m, budget=300)
                    if not killed:
                        self.ignored[m] = w.time + 200
            finally:
                self._fighting = False
        return True

    def _flee(self, m: int) -> Plan:
        """Walk away from mob ``m`` until out of its shooting range (horizontal distance enough for
        the 3-d distance to pass ``ARCHER_RANGE`` with its height difference)."""
        w = self.world
        away = w.player.pos - w.mob_pos[m]
        dy = float(away[1])
        away[1] = 0.0
        horizontal = float(np.linalg.norm(away))
        away = away / (horizontal + 1e-9)
        need = math.sqrt(max(ARCHER_RANGE ** 2 - dy * dy, 0.0)) + 3.0 - horizontal
        x, y, z = self.feet()
        goal = (int(x + away[0] * max(need, 4.0)), y, int(z + away[2] * max(need, 4.0)))
        yield from self._goto(self.cells_near(goal, 3, range(-6, 7)), goal, partial=True)
        return True

    def _wait(self, ticks: int) -> Plan:
        for _ in range(ticks):
            yield self._action()
        return True

    # ------------------------------------------------------------------ harvest / techtree
    def _collect_step(self) -> Plan:
        have = self.counts()
        missing = {k: v for k, v in self.targets.items() if have.get(k, 0) < v}
        if not missing:
            if self.spec.category == "techtree":
                used = yield from self._use_target(self.spec.target_names[0])
                return used
            yield from self._wait(20)
            return True
        stock = dict(have)
        feet = np.array(self.feet())
        for station, spots in self.stations.items():
            # a station counts as owned only while it is near enough to walk back to; else the plan
            # makes a new one (4 planks, 8 cobblestone) rather than promise a walk out of the A* window
            if station not in stock and any(np.abs(np.array(sp) - feet).sum() <= 32 for sp in spots):
                stock[station] = 1
        if extra.portal_ready(self):  # a lit portal here (or the nether): the plan holds it
            stock[PORTAL] = 1
        now = self.world.time
        avoid = {key for key, times in self.source_failures.items()
                 if sum(t > now - FAILURE_MEMORY for t in times) >= 2}
        # a station is made from a log or 8 cobblestone; mining one (a village's, or the oracle's own
        # left down a mine) is a walk the cost model cannot see
        avoid |= {("mine", "crafting_table"), ("mine", "furnace"), ("mine", "lit_furnace")}
        buried: set[tuple[str, str]] = set()  # kill sources set aside once because their mobs are in caves
        for _ in range(6):
            try:
                goals = plan(self.graph, missing, stock, avoid=avoid)
            except ValueError as exc:
                if avoid:  # the sources left over cannot make it (a cycle): plan with all of them
                    avoid = set()
                    continue
                self.log.append(f"no plan: {exc}")
                return None
            if not goals:
                return True
            if avoid & buried and PORTAL not in stock \
                    and any(g.item == PORTAL or g.source.station == PORTAL for g in goals):
                avoid -= buried  # the other source is a nether trip: digging to the cave is far shorter
                continue
            goals = extra.order_for_dimension(self, goals)  # portal plans: what can be done here first
            goal = goals[0]
            key = (goal.source.kind, goal.source.target)
            if key in avoid:
                break
            # blocks the graph knows the world has, but none within reach here (a far village's table)
            if goal.source.kind == "mine" and not self._block_nearby(goal.source.target):
                avoid.add(key)
                continue
            # a mob in a cave deep under the ground (day-time skeletons, spiders) is a long dig away
            # by hand: another source (arrows crafted from flint and feathers) goes first if there is one
            # and a monster by day, none loaded, comes only from a cave spawn somewhere below: wait for
            # one only when nothing else makes the item (bone meal for a cookie's dye, or a flower)
            if goal.source.kind == "kill" and key not in buried and (
                    (not self._holds_pickaxe() and self._mob_buried(goal.source.target))
                    or self._awaits_cave_spawn(goal.source.target)):
                buried.add(key)
                avoid.add(key)
                continue
            break
        spare = self._spare_pickaxe_goal(goal, stock, have)
        if spare is not None:
            goal = spare
        elif goal.source.kind == "kill" and self._mob_buried(goal.source.target) and not self._holds_pickaxe():
            try:  # digging down to it by hand takes 150 ticks a block of stone, a wooden pickaxe 23
                goal = plan(self.graph, {"wooden_pickaxe": 1}, stock)[0]
            except (ValueError, IndexError):
                pass
        elif goal.source.kind == "mine" and self._needs_pickaxe_to_dig(goal.source.target, have):
            try:
                goal = plan(self.graph, {"wooden_pickaxe": 1}, stock)[0]
            except (ValueError, IndexError):
                pass
        elif goal.source.kind in ("mine", "kill") and not self._underground() and self._holds_pickaxe() \
                and (self._lies_deep(goal.source.target) if goal.source.kind == "mine" else self._hunt_goes_under(goal.source.target)) \
                and (kit := self._renewal_kit_goal(have, stock, goals)) is not None:
            goal = kit  # a deep block, or a mob in a cave: the dig down may wear the pickaxe out
        elif goal.source.kind not in ("craft", "smelt"):
            goal = self._weapon_goal(stock) or goal
        self.log.append(f"t={self.world.time} goal {goal.item} x{goal.count} via {goal.source.kind} {goal.source.target}")
        ok = yield from self._pursue(goal)
        if ok is None:
            key = (goal.source.kind, goal.source.target)
            self.source_failures.setdefault(key, []).append(self.world.time)
        return ok

    def _weapon_goal(self, stock: dict[str, int]) -> Goal | None:
        """The next craft of a sword when one can be made from what is carried (crafts only, at a
        table within reach): bare hands deal 1 damage, a stone sword 5, and the night's zombies,
        spiders and creepers are what kills the oracle on long tasks."""
        inv = self.world.inventory
        if any(self.cat.items[int(i)].get("tool") in ("sword", "axe") for i in inv.item) or not self.world.nearby_tools()[0]:
            return None
        for sword in ("stone_sword", "wooden_sword"):
            try:
                goals = plan(self.graph, {sword: 1}, stock)
            except ValueError:
                continue
            if goals and all(g.source.kind == "craft" for g in goals):
                return goals[0]
        return None

    def _pickaxe_uses_left(self) -> list[int]:
        """Uses left on each pickaxe carried."""
        cat, inv = self.cat, self.world.inventory
        picks = {cat.item_id(p) for p in TOOL_ITEMS["pickaxe"]}
        return [int(cat.durability[int(i)]) - int(d) for i, d in zip(inv.item, inv.damage, strict=False) if int(i) in picks]

    def _pickaxe_plan(self, have: dict[str, int], stock: dict[str, int], need_tier: int,
                      kinds: tuple[str, ...]) -> list[Goal]:
        """Goals making the cheapest pickaxe of at least ``need_tier`` (stone and wood before iron) from
        ``stock`` with sources of ``kinds`` only; [] when none can."""
        wooden, stone, iron, diamond = TOOL_ITEMS["pickaxe"]
        for name in (stone, wooden, iron, diamond):
            if int(self.cat.item(name).get("tier", 0)) < need_tier:
                continue
            try:
                goals = plan(self.graph, {name: have.get(name, 0) + 1}, stock)
            except ValueError:
                continue
            if goals and all(g.source.kind in kinds for g in goals):
                return goals
        return []

    def _spare_pickaxe_goal(self, goal: Goal, stock: dict[str, int], have: dict[str, int]) -> Goal | None:
        """The next craft of a new pickaxe when the last one held is nearly worn out (or gone while
        the player is underground or about to mine rock) and one can be made by crafting and smelting
        alone from what is carried. A pickaxe that breaks deep underground leaves every block after it
        to the hand, 150 ticks a block of stone against 23 for a wooden pickaxe; sticks and a few
        cobblestone carried down make a stone one on the spot. The cheapest pickaxe that still
        harvests the goal's block is made (stone and wood before iron, whose ingots a task may need)."""
        if goal.source.kind in ("craft", "smelt"):
            return None
        from embodied_gym.procgen.catalog.minecraft import TOOL_CLASSES

        cat = self.cat
        left = self._pickaxe_uses_left()
        need_tier, rock = 0, False
        if goal.source.kind == "mine":
            for b in self._kind_ids(goal.source.target):
                if TOOL_CLASSES[int(cat.tool_class[b])] == "pickaxe":
                    rock = True
                    need_tier = max(need_tier, int(cat.min_tier[b]))
        if left:
            if max(left) > SPARE_PICKAXE_AT:
                return None
        elif not rock and not self._underground():
            return None
        goals = self._pickaxe_plan(have, stock, need_tier, ("craft", "smelt"))
        return goals[0] if goals else None

    def _renewal_kit_goal(self, have: dict[str, int], stock: dict[str, int], plan_goals: list[Goal] = ()) -> Goal | None:
        """Before a shaft down to a deep block: the next step of getting what the trip down needs and
        the deep holds none of, when it is not carried yet: a crafting table and two sticks to make a
        new pickaxe down there (the cobblestone comes from the shaft itself), and every log the rest of
        the plan (``plan_goals``) mines, for the sticks of torches and tools and the planks that fuel a
        furnace. A pickaxe wears out on a long dig (a wooden one lasts 59 blocks); without a table and
        sticks the rest is dug by hand at 150 ticks a block of stone, and a log wanted after the
        mining is a climb of 50 blocks, while one more log at the surface costs about 70 ticks."""
        want = {}
        if not have.get("crafting_table", 0):
            want["crafting_table"] = 1
        if have.get("stick", 0) < 2:
            want["stick"] = 2
        logs = sum(g.count for g in plan_goals if g.source.kind == "mine" and g.item in ("log", "log2"))
        if logs:
            want["log"] = have.get("log", 0) + logs
        if not want:
            return None
        kit_stock = {k: v for k, v in stock.items() if k != "crafting_table"} | {"crafting_table": have.get("crafting_table", 0)}
        try:
            goals = plan(self.graph, want, kit_stock,
                         avoid={("mine", "crafting_table"), ("mine", "furnace"), ("mine", "lit_furnace")})
        except ValueError:
            return None
        return goals[0] if goals else None

    def _below_ground(self, x: int, y: int, z: int) -> bool:
        """True when (x, y, z) lies more than ``DESCEND_BELOW`` blocks under the ground of its column."""
        w = self.world
        return w.dimension == "overworld" and 0 <= x < w.size and 0 <= z < w.size \
            and y < int(w.heights[x, z]) - DESCEND_BELOW

    def _underground(self) -> bool:
        return self._below_ground(*self.feet())

    def _holds_pickaxe(self) -> bool:
        have = self.counts()
        return any(have.get(p, 0) for p in (*TOOL_ITEMS["pickaxe"], "golden_pickaxe"))

    def _mob_buried(self, name: str) -> bool:
        """True when every live ``name`` lies more than ``DESCEND_BELOW`` blocks under the ground at
        its column (a cave): none walks about on the surface, and reaching one means digging down."""
        from embodied_gym.envs.voxel.mobs import MOB_INDEX

        w = self.world
        if w.dimension != "overworld":
            return False
        mobs = np.flatnonzero(w.mob_alive & (w.mob_kind == MOB_INDEX.get(name, -1)))
        if mobs.size == 0:
            return False
        return all(self._in_cave(int(m)) for m in mobs)

    def _hunt_goes_under(self, name: str) -> bool:
        """True when hunting ``name`` means going down into caves: every live one is buried, or none
        is loaded and it is a monster by day (:meth:`_awaits_cave_spawn`)."""
        return self._mob_buried(name) or self._awaits_cave_spawn(name)

    def _awaits_cave_spawn(self, name: str) -> bool:
        """True when no ``name`` is loaded and it is a monster in the overworld by day: the world spawns
        those then only in the dark of caves, a few a minute somewhere below (a skeleton for bones)."""
        from embodied_gym.envs.voxel.mobs import MOB_INDEX

        w = self.world
        kind = MOB_INDEX.get(name, -1)
        if kind < 0 or w.dimension != "overworld" or w.is_night():
            return False
        return bool(w.mob_params[kind, 0] > 0) and not (w.mob_alive & (w.mob_kind == kind)).any()

    def _in_cave(self, m: int) -> bool:
        """True when mob ``m`` is more than ``DESCEND_BELOW`` blocks under the ground of its column."""
        return self._below_ground(*(int(math.floor(v)) for v in self.world.mob_pos[m]))

    def _needs_pickaxe_to_dig(self, block: str, have: dict[str, int]) -> bool:
        """True when the nearest ``block`` lies deep in rock and no pickaxe is held: a shaft through
        stone by hand takes 150 ticks a block (7.5 s), a wooden pickaxe (a table and 5 planks) cuts
        that to 23, which pays for itself after a few blocks."""
        if any(have.get(p, 0) for p in TOOL_ITEMS["pickaxe"]) or have.get("golden_pickaxe", 0):
            return False
        return self._lies_deep(block)

    def _lies_deep(self, block: str) -> bool:
        """True when the nearest ``block`` lies more than ``DESCEND_BELOW`` blocks under the feet."""
        w = self.world
        fx, fy, fz = self.feet()
        r = SEARCH_RADIUS
        x0, z0 = max(fx - r, 0), max(fz - r, 0)
        found = np.argwhere(np.isin(w.blocks[x0:fx + r + 1, :, z0:fz + r + 1], self._kind_ids(block)))
        if found.size == 0:
            return False
        found[:, 0] += x0
        found[:, 2] += z0
        nearest = found[np.argmin(np.abs(found - np.array([fx, fy, fz])).sum(1))]
        return bool(nearest[1] < fy - DESCEND_BELOW)

    def _pursue(self, goal: Goal) -> Plan:
        kind = goal.source.kind
        if extra.handles(self, goal):  # nether portals: build, travel, climb to blocks overhead
            return (yield from extra.pursue(self, goal))
        if kind in ("craft", "smelt"):
            return (yield from self._craft(goal))
        if kind == "mine":
            return (yield from self._mine_one(goal))
        if kind in ("kill", "milk", "shear"):
            return (yield from self._mob_goal(goal))
        if kind == "fill":
            return (yield from self._fill_bucket(goal))
        if kind == "fish":
            return (yield from self._fish(goal))
        if kind == "collect":
            return (yield from self._collect_laid(goal))
        return None

    # ------------------------------------------------------------------ crafting and smelting
    def _craft(self, goal: Goal) -> Plan:
        source = goal.source
        if source.station:
            ok = yield from self._ensure_station(source.station)
            if not ok:
                return None
        index = self.cat.craft_smelt_items.index(goal.item)
        before = self.counts().get(goal.item, 0)
        yield self._action(fn=4, arg=index)
        if self.counts().get(goal.item, 0) > before:
            if goal.item in TOOL_ITEMS["pickaxe"] and source.station == "crafting_table" and self._underground():
                # the next pickaxe wears out down here too, far from this spot: the table comes along
                yield from self._take_stations()
            return True
        self.log.append(f"craft of {goal.item} failed")
        return None

    def _station_near(self, station: str) -> bool:
        table, furnace = self.world.nearby_tools()
        return table if station == "crafting_table" else furnace

    def _ensure_station(self, station: str) -> Plan:
        if self._station_near(station):
            return True
        spots = [s for s in self.stations[station] if self._block(*s) in self._station_ids(station)]
        self.stations[station] = spots
        if self.slot_of(station) >= 0:
            placed = yield from self._place_station(station)
            if placed:
                return True
        feet = np.array(self.feet())
        spots.sort(key=lambda s: np.abs(np.array(s) - feet).sum())
        far = not spots or np.abs(np.array(spots[0]) - feet).sum() > 24
        if station == "crafting_table" and far:
            # a new table (4 planks, crafted in the hand) is cheaper than a long walk back
            counts = self.counts()
            if counts.get("planks", 0) < 4 and counts.get("log", 0) + counts.get("log2", 0) > 0:
                yield self._action(fn=4, arg=self.cat.craft_smelt_items.index("planks"))
            if self.counts().get("planks", 0) >= 4:
                yield self._action(fn=4, arg=self.cat.craft_smelt_items.index("crafting_table"))
                if self.slot_of(station) >= 0:
                    placed = yield from self._place_station(station)
                    if placed:
                        return True
        if station == "furnace" and far and self.counts().get("cobblestone", 0) >= 8:
            # a new furnace (8 cobblestone, at a table) instead of a walk back up a shaft
            has_table = yield from self._ensure_station("crafting_table")
            if has_table:
                yield self._action(fn=4, arg=self.cat.craft_smelt_items.index("furnace"))
                if self.slot_of(station) >= 0:
                    placed = yield from self._place_station(station)
                    if placed:
                        return True
        for spot in spots[:2]:
            sx, sy, sz = spot
            ok = yield from self._goto(self.cells_near(spot, 2, (-1, 0, 1)), spot)
            if ok and self._station_near(station):
                return True
        self.log.append(f"t={self.world.time} no {station} within reach at {self.feet()}")
        return False

    def _station_ids(self, station: str) -> tuple[int, ...]:
        w = self.world
        return (w.id_table,) if station == "crafting_table" else (w.id_furnace, w.id_lit_furnace)

    def _place_station(self, station: str) -> Plan:
        """Put a crafting table / furnace on the floor next to the player (digging a spot in a tunnel)."""
        x, y, z = self.feet()
        for dig in (False, True):
            for dx, dz, yaw in MOVES:
                tx, tz = x + dx, z + dz
                if not self._solid(tx, y - 1, tz) or self._block(tx, y - 1, tz) <= 0:
                    continue
                if self._solid(tx, y, tz):
                    if not dig:
                        continue
                    cleared = yield from self._break((tx, y, tz))
                    if not cleared:
                        continue
                    for _ in range(12):  # let the drop come to us before the spot is filled again
                        yield self._action()
                slot = self.slot_of(station)
                if slot < 0:
                    return False
                aim = self._aim_at_block((tx, y - 1, tz), prefer_yaw=yaw)
                if aim is None:
                    continue
                pitch_bin, yaw_bin = self._camera_to(*aim)
                yield self._action(pitch=pitch_bin, yaw=yaw_bin, fn=6, slot=slot)
                if self._block(tx, y, tz) in self._station_ids(station):
                    self.stations[station].append((tx, y, tz))
                    return True
        yield from self._wander(10)
        return False

    # ------------------------------------------------------------------ aiming
    def _aim_at_block(self, cell: tuple[int, int, int], prefer_yaw: float | None = None,
                      fluids: bool = False) -> tuple[float, float] | None:
        """A (yaw, pitch) on the 15-degree grid whose ray hits ``cell`` first, closest to the exact aim."""
        from embodied_gym.envs.voxel import physics
        from embodied_gym.envs.voxel.world import REACH

        w = self.world
        eye = w.eye()
        center = np.array(cell, dtype=np.float64) + 0.5
        d = center - eye
        exact_yaw = math.degrees(math.atan2(-d[0], d[2]))
        exact_pitch = math.degrees(math.atan2(-d[1], math.hypot(d[0], d[2])))
        base_yaw = w.player.yaw
        candidates = []
        for i in range(-12, 13):
            yaw = _wrap(base_yaw + i * CAMERA_BIN)
            for j in range(-6, 7):
                pitch = j * CAMERA_BIN
                if abs(pitch - w.player.pitch) > 180:
                    continue
                cost = abs(_wrap(yaw - exact_yaw)) + abs(pitch - exact_pitch)
                candidates.append((cost, yaw, pitch))
        # the camera is absolute only up to the current pitch's bin lattice
        offset = w.player.pitch - CAMERA_BIN * round(w.player.pitch / CAMERA_BIN)
        candidates.sort()
        # plants (flowers, tall grass: no collision, broken in one tick) do not count as cover: a hit
        # on one clears it and the next reaches the block (the player often stands in one)
        targetable = w.fluid_target if fluids else self.aim_mask
        target_kind = self._block(*cell)
        if not fluids and target_kind > 0 and not targetable[target_kind]:
            targetable = targetable.copy()
            targetable[target_kind] = True
        for _, yaw, pitch in candidates[:120]:
            pitch = min(90.0, max(-90.0, pitch + offset))
            r_yaw, r_pitch = math.radians(yaw), math.radians(pitch)
            dx, dy, dz = -math.sin(r_yaw) * math.cos(r_pitch), -math.sin(r_pitch), math.cos(r_yaw) * math.cos(r_pitch)
            hit, hx, hy, hz, *_ = physics.raycast_voxel(w.blocks, targetable, eye[0], eye[1], eye[2], dx, dy, dz, REACH)
            if hit and (hx, hy, hz) == tuple(cell):
                return yaw, pitch
        return None

    def _aim_at_point(self, point: np.ndarray) -> tuple[float, float]:
        eye = self.world.eye()
        d = point - eye
        yaw = math.degrees(math.atan2(-d[0], d[2]))
        pitch = math.degrees(math.atan2(-d[1], math.hypot(d[0], d[2])))
        return yaw, pitch

    # ------------------------------------------------------------------ mining
    def _best_tool_slot(self, block: int) -> int:
        """Inventory slot of the held-able item that breaks ``block`` fastest (-1: bare hand is best)."""
        w = self.world
        from embodied_gym.procgen.catalog.minecraft import TOOL_CLASSES

        need = TOOL_CLASSES[int(self.cat.tool_class[block])]
        if not need:
            return -1
        best, best_tier = -1, -2
        for name in TOOL_ITEMS.get(need, (need,)):
            slot = self.slot_of(name)
            tier = self.cat.item(name).get("tier", 0)
            if slot >= 0 and tier > best_tier:
                best, best_tier = slot, tier
        del w
        return best

    def _equip(self, slot: int) -> Plan:
        if slot > 0:
            yield self._action(fn=5, slot=slot)
        return True

    def _break(self, cell: tuple[int, int, int], max_ticks: int = 1200, for_drop: bool = False) -> Plan:
        """Mine the block at ``cell`` from where the player stands (True once it is gone).

        ``for_drop``: the block is broken for what it drops, not for itself. Shears take the block
        itself (a web, leaves, grass), so then a sword does the breaking (a web's string needs one,
        the world's rule) or the bare hand."""
        w = self.world
        self.break_interrupted = False
        block = self._block(*cell)
        if block <= 0:
            return True
        if w.liquid_kind[block]:
            return False
        renewed = yield from self._renew_pickaxe(block)
        if renewed and self._block(*cell) != block:
            return True
        slot = self._best_tool_slot(block)
        if for_drop and slot >= 0 and self.cat.items[int(w.inventory.item[slot])].get("tool") == "shears":
            swords = [self.slot_of(n) for n in TOOL_ITEMS.get("sword", ()) if self.slot_of(n) >= 0]
            slot = swords[-1] if swords else -1
        yield from self._equip(slot)
        ticks, _ = w.break_ticks(block)
        if ticks < 0:
            return False
        uncovered = False
        for tick in range(min(max_ticks, ticks * 2 + 40)):
            if self._block(*cell) != block:
                return True
            if tick % 20 == 19 and self._threat()[0] >= 0:
                yield from self._defend()
                self.break_interrupted = True
                return False
            m = w.target_mob()
            if m >= 0 and w.mob_params[w.mob_kind[m], 10] > 0 and not w.mob_aggro[m]:
                # a neutral mob in the line of the blows (an enderman in a cave, a wolf) turns on whoever
                # hits it, and an enderman deals 7 a hit: it wanders off, the block waits
                yield from self._wait(10)
                continue
            if tick >= 2 and tuple(w.player.mine_target) != tuple(cell) and not self._fighting:
                if m >= 0:  # a mob between us and the block takes the hits: deal with it
                    self._fighting = True
                    try:
                        yield from self._fight(m, budget=200)
                    finally:
                        self._fighting = False
            aim = self._aim_at_block(cell)
            if aim is None:
                # a snow layer or a plant the player stands in hides the block under its feet: it goes
                # first (a few ticks), then the block is in sight
                cover = None if uncovered else self._cover_of(cell)
                if cover is not None and not w.collidable[self._block(*cover)]:
                    uncovered = True
                    cleared = yield from self._break(cover, max_ticks=60)
                    if cleared:
                        continue
                return False
            pitch_bin, yaw_bin = self._camera_to(*aim)
            jump = 1 if w.liquid_kind[self._block(*self.feet())] == 1 else 0
            yield self._action(jump=jump, pitch=pitch_bin, yaw=yaw_bin, fn=3)
        return self._block(*cell) != block

    def _renew_pickaxe(self, block: int) -> Plan:
        """Craft a new pickaxe on the spot before breaking ``block`` (a pickaxe's block) when the
        pickaxes held are nearly worn out or gone and crafts alone make one from what is carried
        (sticks, cobblestone, planks or ingots; a table within reach, carried, or made from planks). One long dig (a tunnel to a
        far ore, a hunt through caves) wears a pickaxe out with no replanning in between; the hand
        then takes 150 ticks a block of stone against 23 for a wooden pickaxe. True once one is made."""
        from embodied_gym.procgen.catalog.minecraft import TOOL_CLASSES

        cat = self.cat
        if self._renewing or TOOL_CLASSES[int(cat.tool_class[block])] != "pickaxe":
            return False
        left = self._pickaxe_uses_left()
        if left and max(left) > SPARE_PICKAXE_AT:
            return False
        have = self.counts()
        stock = dict(have)
        if self._station_near("crafting_table"):
            stock["crafting_table"] = 1  # else one carried is placed, or one is made from planks
        goals = self._pickaxe_plan(have, stock, max(int(cat.min_tier[block]), 0), ("craft",))
        if not goals:
            return False
        name = goals[-1].item
        self._renewing = True
        try:
            for g in goals:
                for _ in range(max(g.actions, 1)):
                    if self.counts().get(g.item, 0) >= g.count:
                        break
                    ok = yield from self._craft(g)
                    if not ok:
                        return False
        finally:
            self._renewing = False
        self.log.append(f"t={self.world.time} spare {name} crafted at {self.feet()}")
        return self.counts().get(name, 0) > have.get(name, 0)

    def _mine_one(self, goal: Goal) -> Plan:
        """Mine blocks of the goal's kind: one after walking to it, then every other one within reach
        while more are needed (drops are picked up at the end, which saves the wait after each)."""
        source = goal.source
        before = self.counts().get(goal.item, 0)
        if source.target != goal.item and source.per_action < 1.0 and source.target in self.cat.placeable \
                and self.slot_of(source.target) >= 0 and not self._is_liquid(*self.feet()):
            # a block that only sometimes drops the goal (gravel: flint 1 in 10) and is carried: put it
            # down and break it again (the Minecraft way to farm flint), no walk needed
            got = yield from self._place_and_break(source.target)
            if got:
                return True
        ids = self._kind_ids(source.target)
        cell = yield from self._approach_block(ids)
        if cell is None:
            self.log.append(f"t={self.world.time} no reachable {source.target}")
            return None
        broken_cells = []
        while cell is not None:
            broken = yield from self._break(cell, for_drop=source.target != goal.item)
            if not broken:
                self.log.append(f"t={self.world.time} could not break {source.target} at {cell}"
                                + (" (a fight came first)" if self.break_interrupted else ""))
                if not self.break_interrupted:  # a fight moved us away: the block is still a good one
                    self.failed_blocks.add(cell)
                break
            broken_cells.append(cell)
            expected = before + source.per_action * len(broken_cells)
            if expected >= goal.count or len(broken_cells) >= 16:
                break
            cell = self._reachable_block(ids)
        if not broken_cells:
            return None
        for cell in broken_cells[::-1]:
            got = yield from self._pickup_near(np.array(cell, dtype=np.float64) + 0.5, goal.item, before)
            if got and self.counts().get(goal.item, 0) >= goal.count:
                break
        return True

    def _place_and_break(self, block: str, make_room: bool = True) -> Plan:
        """Place one carried ``block`` beside the player (on the floor, or on a block beside the feet),
        break it and pick up what drops.

        The world puts a placed block against the face its ray hits, which a plant, a fluid or a ledge
        in the way can change: the cell it went to is found by comparing the land around before and
        after. Boxed in (a hole just dug), a block beside the feet is broken first to make room."""
        w = self.world
        x, y, z = self.feet()
        ids = self._kind_ids(block)
        lo = (max(x - 3, 0), max(y - 3, 0), max(z - 3, 0))

        def around() -> np.ndarray:
            return w.blocks[lo[0]:x + 4, lo[1]:y + 5, lo[2]:z + 4].copy()

        options = []
        for dx, dz, yaw in MOVES:
            tx, tz = x + dx, z + dz
            for cy in (y, y + 1):  # on the floor beside the feet, or on top of a block there
                if not self._solid(tx, cy, tz) and self._solid(tx, cy - 1, tz) and self._block(tx, cy, tz) >= 0:
                    options.append(((tx, cy - 1, tz), yaw))
        for support, yaw in options:
            slot = self.slot_of(block)
            if slot < 0:
                return False
            aim = self._aim_at_block(support, prefer_yaw=yaw)
            if aim is None:
                continue
            pitch_bin, yaw_bin = self._camera_to(*aim)
            before_land = around()
            yield self._action(pitch=pitch_bin, yaw=yaw_bin, fn=6, slot=slot)
            after_land = around()
            placed = np.argwhere((after_land != before_land) & np.isin(after_land, ids))
            if placed.size == 0:
                continue
            cell = tuple(int(v) for v in placed[0] + np.array(lo))
            before = self.counts()
            broken = yield from self._break(cell)
            if not broken:
                return False
            for _ in range(12):  # the drop lands and is picked up
                yield self._action()
                if self.counts() != before:
                    break
            return True
        if make_room:
            for dx, dz, _ in MOVES:
                tx, tz = x + dx, z + dz
                if self._solid(tx, y, tz) and self._solid(tx, y - 1, tz) and not self._is_liquid(tx, y + 1, tz) \
                        and not self._solid(tx, y + 1, tz):
                    made = yield from self._break((tx, y, tz), max_ticks=300)
                    if made:
                        return (yield from self._place_and_break(block, make_room=False))
        yield from self._wander(10)
        return False

    def _block_nearby(self, name: str, radius: int = SEARCH_RADIUS) -> bool:
        w = self.world
        fx, _, fz = self.feet()
        sub = w.blocks[max(fx - radius, 0):fx + radius + 1, :, max(fz - radius, 0):fz + radius + 1]
        return bool(np.isin(sub, self._kind_ids(name)).any())

    def _reachable_block(self, ids: np.ndarray, radius: int = 4) -> tuple[int, int, int] | None:
        """A block of ``ids`` the player can hit from where it stands, nearest first."""
        w = self.world
        fx, fy, fz = self.feet()
        x0, y0, z0 = max(fx - radius, 0), max(fy - radius, 0), max(fz - radius, 0)
        sub = w.blocks[x0:fx + radius + 1, y0:fy + radius + 2, z0:fz + radius + 1]
        found = np.argwhere(np.isin(sub, ids)) + np.array([x0, y0, z0])
        if found.size == 0:
            return None
        eye = w.eye()
        order = np.argsort(np.linalg.norm(found + 0.5 - eye, axis=1))
        for k in order[:12]:
            cell = tuple(int(v) for v in found[k])
            if cell not in self.failed_blocks and self._aim_at_block(cell) is not None:
                return cell
        return None

    def _approach_block(self, ids: np.ndarray) -> Plan:
        """Walk (digging if needed) to a spot from which one block of ``ids`` can be hit; return it."""
        w = self.world
        fx, fy, fz = self.feet()
        r = SEARCH_RADIUS
        x0, z0 = max(fx - r, 0), max(fz - r, 0)
        sub = w.blocks[x0:fx + r + 1, :, z0:fz + r + 1]
        found = np.argwhere(np.isin(sub, ids))
        if found.size == 0:
            return None
        found[:, 0] += x0
        found[:, 2] += z0
        here = np.array([fx, fy, fz])
        dist = np.abs(found - here).sum(1) + 2.0 * np.maximum(here[1] - found[:, 1] - 1, 0)
        # blocks within an archer's range cost a detour: its arrows pass through rock (the world's
        # rule), and two skeletons in a cave take 20 health in about 200 ticks of digging beside them
        for archer in self._archers():
            dist = dist + 200.0 * (np.linalg.norm(found + 0.5 - archer, axis=1) < ARCHER_RANGE)
        order = np.argsort(dist, kind="stable")
        tried = 0
        for k in order[:40]:
            cell = tuple(int(v) for v in found[k])
            if cell in self.failed_blocks:
                continue
            tried += 1
            if tried > 4:
                break
            if self._aim_at_block(cell) is not None:
                return cell
            bx, by, bz = cell
            yield from self._travel_near(cell)
            lake_floor = self._is_liquid(bx, by + 1, bz) and 0 <= bx < w.size and 0 <= bz < w.size \
                and by >= int(w.heights[bx, bz]) - 1
            if by < self.feet()[1] - DESCEND_BELOW and not lake_floor:
                # deep ore: a vertical shaft first (A* would spend its budget on the surface); not for a
                # block on a lake's floor (gravel for flint): the shaft ends in rock beside the lake, and
                # the tunnel on from there is dug by hand when no pickaxe is held yet. The shaft starts
                # beside the block's column, so it ends next to the block, not a long tunnel away
                # (unless liquid lies around it: obsidian under a lava pool is reached from the side)
                wet = w.liquid_kind[w.blocks[max(bx - 2, 0):bx + 3, max(by - 1, 0):by + 4, max(bz - 2, 0):bz + 3]].any()
                if not wet:
                    yield from self._walk_above(cell)
                yield from self._descend_to(by)
            elif by > self.feet()[1] + DESCEND_BELOW:
                # far above (reeds at the surface, seen from a mine): a staircase up first
                yield from self._ascend_to(by - 1)
            near = {c for c in self.cells_near(cell, 1, (-3, -2, -1, 0)) if c[0] != bx or c[2] != bz}
            near |= {(bx, by + 1, bz), (bx, by - 2, bz)}
            ok = yield from self._goto(near, cell)
            fx, _, fz = self.feet()
            if not ok and abs(by - self.feet()[1]) <= 3 and (self._holds_pickaxe() or abs(bx - fx) + abs(bz - fz) <= 6):
                # through solid rock the A* budget runs out before it finds a way: a straight
                # tunnel (the strip-mining way) goes there, then a short search finishes (not by hand
                # through a hill: 150 ticks a block of stone; another block or a pickaxe first)
                tunnelled = yield from self._tunnel_to(cell)
                if tunnelled:
                    ok = yield from self._goto(near, cell)
            if ok and self._aim_at_block(cell) is None:
                # arrived, but a block hides it (the one below an ore at head height): clear the view
                cover = self._cover_of(cell)
                if cover is not None:
                    yield from self._break(cover, max_ticks=400)
            if ok and self._aim_at_block(cell) is not None:
                return cell
            self.log.append(f"t={self.world.time} approach to {cell} failed (arrived={ok}) at {self.feet()}")
            self.failed_blocks.add(cell)
        return None

    def _take_stations(self) -> Plan:
        """Pick up the crafting table / furnace placed nearby (walk there, break it, collect the drop),
        before leaving for a deep ore: the recipes that follow (an iron pickaxe, a diamond sword) are
        crafted down there, and the way back up to a station left at the surface is longer than the A*
        window reaches."""
        w = self.world
        for station in ("crafting_table", "furnace"):
            if self.slot_of(station) >= 0:
                continue
            ids = np.array(self._station_ids(station))
            cell = self._reachable_block(ids)
            if cell is None:
                feet = np.array(self.feet())
                spots = [s for s in self.stations[station] if self._block(*s) in self._station_ids(station)
                         and np.abs(np.array(s) - feet).sum() <= 24]
                if not spots:
                    continue
                sx, _, sz = spots[0]
                beside = {c for c in self.cells_near(spots[0], 1, (0, 1)) if (c[0], c[2]) != (sx, sz)}
                yield from self._goto(beside, spots[0])
                cell = self._reachable_block(ids)
                if cell is None:
                    continue
            before = self.counts().get(station, 0)
            self.log.append(f"t={w.time} taking the {station} at {cell} along")
            broken = yield from self._break(cell, max_ticks=400)
            if broken:
                yield from self._pickup_near(np.array(cell, dtype=np.float64) + 0.5, station, before)
                self.stations[station] = [c for c in self.stations[station] if c != cell]
        del w
        return True

    def _cover_of(self, cell: tuple[int, int, int]) -> tuple[int, int, int] | None:
        """The solid, breakable block the straight look from the eye to ``cell`` meets first (not a
        liquid and not next to one, so clearing it floods nothing), or None."""
        from embodied_gym.envs.voxel import physics
        from embodied_gym.envs.voxel.world import REACH

        w = self.world
        eye = w.eye()
        d = np.array(cell, dtype=np.float64) + 0.5 - eye
        d /= np.linalg.norm(d) + 1e-12
        hit, x, y, z, *_ = physics.raycast_voxel(w.blocks, w.targetable, eye[0], eye[1], eye[2], d[0], d[1], d[2], REACH)
        if not hit or (x, y, z) == tuple(cell):
            return None
        block = self._block(x, y, z)
        if block <= 0 or self.cat.hardness[block] < 0:
            return None
        if any(self._is_liquid(x + a, y + b, z + c) for a, b, c in ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 0, -1))):
            return None
        return int(x), int(y), int(z)

    def _tunnel_to(self, cell: tuple[int, int, int], stop: int = 2, max_steps: int = 64) -> Plan:
        """Dig a 2-high tunnel at the feet's level towards ``cell`` (x first, then z, switching axis
        when liquid is ahead) until within ``stop`` blocks of it horizontally; True if it got there."""
        for _ in range(max_steps):
            x, y, z = self.feet()
            gx, gz = cell[0] - x, cell[2] - z
            if abs(gx) + abs(gz) <= stop:
                return True
            options = []
            if gx:
                options.append((int(np.sign(gx)), 0))
            if gz:
                options.append((0, int(np.sign(gz))))
            if abs(gz) > abs(gx):
                options.reverse()
            moved = False
            for dx, dz in options:
                nx, nz = x + dx, z + dz
                around = [(nx + a, y + b, nz + c) for a, b, c in ((0, 0, 0), (0, 1, 0), (0, 2, 0), (1, 0, 0), (-1, 0, 0),
                                                                  (0, 0, 1), (0, 0, -1), (1, 1, 0), (-1, 1, 0), (0, 1, 1), (0, 1, -1))]
                if any(self._is_liquid(*c) for c in around) or not self._solid(nx, y - 1, nz):
                    continue  # lava or water would pour in, or a drop: the other axis
                moved = yield from self._step_to((nx, y, nz))
                if moved:
                    break
            if not moved:
                return False
        return False

    def _walk_above(self, cell: tuple[int, int, int], within: int = 2) -> Plan:
        """Get within ``within`` blocks (x and z) of ``cell``'s column at the feet's own level: a walk
        on the surface, a tunnel underground. True if there."""
        x, y, z = self.feet()
        if max(abs(cell[0] - x), abs(cell[2] - z)) <= within:
            return True
        if self._underground():
            return (yield from self._tunnel_to((cell[0], y, cell[2]), stop=within))
        top = (cell[0], y, cell[2])
        ok = yield from self._goto(self.cells_near(top, within, range(-6, 7)), top, partial=True, max_dig=300)
        return ok

    def _ascend_to(self, y_target: int, max_steps: int = 80) -> Plan:
        """Dig a staircase up to ``y_target`` (feet): each step up one block onto solid ground in a
        cardinal direction, clearing head room; never into liquid (water or lava above a mine)."""
        for _ in range(max_steps):
            x, y, z = self.feet()
            if y >= y_target:
                return True
            for dx, dz, _ in MOVES:
                nx, nz = x + dx, z + dz
                cells = [(x, y + 2, z), (nx, y + 1, nz), (nx, y + 2, nz), (nx, y + 3, nz), (x, y + 3, z)]
                if not self._solid(nx, y, nz) or self._is_liquid(nx, y, nz) or any(self._is_liquid(*c) for c in cells):
                    continue
                ok = yield from self._step_to((nx, y + 1, nz))
                if ok:
                    break
            else:
                return False
        return self.feet()[1] >= y_target

    def _travel_near(self, cell: tuple[int, int, int], within: int = NAV_RADIUS - 12) -> Plan:
        """Walk towards a far ``cell`` in legs until it is inside the A* window (the window reaches
        ``NAV_RADIUS`` blocks, the search radius for blocks is farther)."""
        for _ in range(8):
            fx, fy, fz = self.feet()
            gap = max(abs(cell[0] - fx), abs(cell[2] - fz))
            if gap <= within:
                return True
            leg = (fx + int(np.clip(cell[0] - fx, -32, 32)), fy, fz + int(np.clip(cell[2] - fz, -32, 32)))
            yield from self._goto(self.cells_near(leg, 2, range(-8, 9)), leg, max_steps=40, partial=True)
            nx, _, nz = self.feet()
            if max(abs(cell[0] - nx), abs(cell[2] - nz)) >= gap:  # no progress (water, cliffs)
                return False
        return False

    def _descend_to(self, y_target: int, max_blocks: int = 80) -> Plan:
        """Dig straight down to ``y_target`` (feet), stepping aside from water or lava below."""
        w = self.world
        self.log.append(f"t={w.time} descend to {y_target} from {self.feet()}, stations {self.stations}")
        yield from self._take_stations()
        for _ in range(max_blocks):
            x, y, z = self.feet()
            if y <= y_target:
                return True
            below = [self._block(x, y - d, z) for d in (1, 2, 3)]
            if any(b < 0 or w.liquid_kind[b] for b in below) or self._block(x, y - 1, z) == 0:
                moved = False
                for dx, dz, _ in MOVES:
                    nx, nz = x + dx, z + dz
                    column = [self._block(nx, y - d, nz) for d in (1, 2, 3)]
                    if self._solid(nx, y - 1, nz) and not any(b < 0 or w.liquid_kind[b] for b in column):
                        moved = yield from self._step_to((nx, y, nz))
                        if moved:
                            break
                if not moved:
                    return False
                continue
            ok = yield from self._step_to((x, y - 1, z))
            if not ok:
                return False
        return self.feet()[1] <= y_target

    def _pickup_near(self, where: np.ndarray, item: str, before: int, radius: float = 6.0) -> Plan:
        """Wait for the drop and walk over dropped ``item`` near ``where``."""
        w = self.world
        item_id = self.cat.item_id(item)
        for _ in range(14):
            if self.counts().get(item, 0) > before:
                return True
            yield self._action()
        for _attempt in range(3):
            if self.counts().get(item, 0) > before:
                return True
            alive = np.flatnonzero(w.item_alive & (w.item_id == item_id))
            if alive.size == 0:
                return False
            d = np.linalg.norm(w.item_pos[alive] - where, axis=1)
            k = int(alive[np.argmin(d)])
            if d.min() > radius:
                return False
            spot = tuple(int(math.floor(v)) for v in w.item_pos[k])
            ok = yield from self._goto(self.cells_near(spot, 0, (-1, 0, 1)), spot)
            for _ in range(12):
                yield self._action()
            if not ok:
                return False
        return self.counts().get(item, 0) > before

    def _fill_bucket(self, goal: Goal) -> Plan:
        w = self.world
        ids = np.array([w.id_water if goal.source.target == "water" else w.id_lava])
        slot = self.slot_of("bucket")
        if slot < 0:
            return None
        fx, fy, fz = self.feet()
        r = 40
        x0, z0 = max(fx - r, 0), max(fz - r, 0)
        found = np.argwhere(np.isin(w.blocks[x0:fx + r + 1, :, z0:fz + r + 1], ids))
        if found.size == 0:
            return None
        found[:, 0] += x0
        found[:, 2] += z0
        found = found[np.argsort(np.abs(found - np.array([fx, fy, fz])).sum(1))]
        for cell in found[:5]:
            cell = tuple(int(v) for v in cell)
            ok = yield from self._goto(self.cells_near(cell, 2, (0, 1, 2)), cell)
            if not ok:
                continue
            yield from self._equip(self.slot_of("bucket"))
            aim = self._aim_at_block(cell, fluids=True)
            if aim is None:
                continue
            pitch_bin, yaw_bin = self._camera_to(*aim)
            before = self.counts().get(goal.item, 0)
            yield self._action(pitch=pitch_bin, yaw=yaw_bin, fn=1)
            if self.counts().get(goal.item, 0) > before:
                return True
        return None

    def _fish(self, goal: Goal, budget: int = 2500) -> Plan:
        """Fish until the goal's count: stand on the shore of open water, cast the rod at it and reel
        in while a fish bites (the world's privileged ``fish_bite_at``; a player sees the bobber dip).
        A catch goes straight to the inventory; junk counts as a cast spent."""
        w = self.world
        p = w.player
        end = w.time + budget
        water = self._nearest_open_water()
        if water is None:
            return None
        ok = yield from self._goto({c for c in self.cells_near(water, 2, (0, 1, 2)) if not self._is_liquid(*c)}, water)
        if not ok:
            self.failed_blocks.add(water)
            return None
        while w.time < end and self.counts().get(goal.item, 0) < goal.count:
            slot = self.slot_of("fishing_rod")
            if slot < 0:
                return None
            yield from self._equip(slot)
            if p.fish_bite_at < 0:  # cast
                aim = self._aim_at_block(water, fluids=True)
                if aim is None:
                    return None
                pitch_bin, yaw_bin = self._camera_to(*aim)
                yield self._action(pitch=pitch_bin, yaw=yaw_bin, fn=1)
                if p.fish_bite_at < 0:
                    return None  # the line did not land on water
                continue
            if p.fish_bite_at <= w.time < p.fish_bite_at + p.fish_bite_ticks:
                yield self._action(fn=1)  # reel in during the bite
                continue
            yield self._action()
        return self.counts().get(goal.item, 0) >= goal.count or None

    def _is_liquid(self, x: int, y: int, z: int) -> bool:
        b = self._block(x, y, z)
        return b > 0 and bool(self.world.liquid_kind[b])

    def _nearest_open_water(self, radius: int = 40) -> tuple[int, int, int] | None:
        """A water surface block (air above it) with dry standing ground beside it, nearest first."""
        w = self.world
        fx, fy, fz = self.feet()
        x0, z0 = max(fx - radius, 0), max(fz - radius, 0)
        sub = w.blocks[x0:fx + radius + 1, :, z0:fz + radius + 1]
        wet = w.liquid_kind[sub] == 1
        surface = wet[:, :-1, :] & (sub[:, 1:, :] == 0)
        found = np.argwhere(surface)
        if found.size == 0:
            return None
        found[:, 0] += x0
        found[:, 2] += z0
        found = found[np.argsort(np.abs(found - np.array([fx, fy, fz])).sum(1), kind="stable")]
        for cell in found[:200]:
            x, y, z = (int(v) for v in cell)
            if (x, y, z) in self.failed_blocks:
                continue
            for dx, dz, _ in MOVES:  # a shore: solid ground at the water's level or one above
                for dy in (0, 1):
                    if self._solid(x + dx, y + dy, z + dz) and not self._is_liquid(x + dx, y + dy, z + dz) \
                            and not self._solid(x + dx, y + dy + 1, z + dz) and not self._solid(x + dx, y + dy + 2, z + dz):
                        return x, y, z
        return None

    def _collect_laid(self, goal: Goal, budget: int = 1500) -> Plan:
        """Stay near a mob that lays an item (a chicken's egg) and pick each one up as it drops."""
        w = self.world
        item = self.cat.item_id(goal.item)
        end = w.time + budget
        unreachable: set[int] = set()
        turn_at = -1
        while w.time < end and self.counts().get(goal.item, 0) < goal.count:
            if w.time == turn_at:  # nothing moved last turn: wait a tick
                yield self._action()
            turn_at = w.time
            laid = np.array([k for k in np.flatnonzero(w.item_alive & (w.item_id == item)) if int(k) not in unreachable])
            if laid.size:
                d = np.linalg.norm(w.item_pos[laid] - w.player.pos, axis=1)
                k = int(laid[np.argmin(d)])
                if d.min() < 40:
                    spot = tuple(int(math.floor(v)) for v in w.item_pos[k])
                    ok = yield from self._goto(self.cells_near(spot, 0, (-1, 0, 1)), spot)
                    for _ in range(8):
                        yield self._action()
                    if not ok and w.item_alive[k]:
                        unreachable.add(k)  # wait for the next one instead
                    continue
            m = self._nearest_mob(goal.source.target)
            if m < 0:
                yield from self._explore(60)
                continue
            if self._mob_gap(m) > 6.0:
                yield from self._close_in(m, reach=4.0)
            else:
                yield from self._wait(20)
        return self.counts().get(goal.item, 0) >= goal.count or None

    # ------------------------------------------------------------------ mobs
    def _mob_goal(self, goal: Goal) -> Plan:
        mode = goal.source.kind
        before = self.counts().get(goal.item, 0)
        m = self._nearest_mob(goal.source.target, unsheared=(mode == "shear"))
        searched = 0
        if m < 0:
            here, ground = self._herd_ground(goal.source.target)
            if ground is not None:  # herds of this kind come only where its biomes are: go there first
                start = self.world.time
                self.log.append(f"t={start} to {goal.source.target} land at {ground} from {self.feet()}")
                yield from self._travel_near(ground, within=4)
                searched += self.world.time - start
                m = self._nearest_mob(goal.source.target, unsheared=(mode == "shear"))
        while m < 0 and searched < MOB_SEARCH_TICKS:  # none loaded: new land brings its herds
            start = self.world.time
            total = self.mob_search.get(goal.source.target, 0)
            roomy = yield from self._leave_crowd(goal.source.target, searched=total)
            culled = False if roomy else (yield from self._cull_herds(goal.source.target, searched=total))
            if not culled and not roomy:
                here, _ = self._herd_ground(goal.source.target, search=False)
                if here and total >= CULL_AFTER_SEARCH and not self._is_liquid(*self.feet()) \
                        and not self._is_liquid(self.feet()[0], self.feet()[1] + 1, self.feet()[2]):
                    yield from self._wait(60)  # the right land, searched around: the next herd comes here
                else:
                    yield from self._explore(60)
            spent = max(self.world.time - start, 1)
            searched += spent
            self.mob_search[goal.source.target] = total + spent
            m = self._nearest_mob(goal.source.target, unsheared=(mode == "shear"))
        if m < 0:
            return None
        if mode == "kill" and self._in_cave(m) and not self._holds_pickaxe():
            return None  # the next plan sees it in its cave: another source, or a pickaxe first
        spot = tuple(int(math.floor(v)) for v in self.world.mob_pos[m])
        yield from self._travel_near(spot)  # a herd seen far off: walk there in legs first
        if mode == "kill":
            ok = yield from self._fight(m)
        else:
            ok = yield from self._interact(m, "bucket" if mode == "milk" else "shears")
        if not ok:
            self.failed_mobs.add(m)
            return None
        yield from self._pickup_near(self.world.mob_pos[m].copy(), goal.item, before, radius=8.0)
        return True

    def _herd_ground(self, kind: str, stride: int = 8, search: bool = True,
                     accept: Callable[[int, int], bool] | None = None) -> tuple[bool, tuple[int, int, int] | None]:
        """(whether herds of ``kind`` can come where the player stands, where to wait for them if not;
        ``search=False`` skips looking for the latter; ``accept(x, z)``: a further test a waiting spot
        must pass, and then the player's own spot is not offered: the caller wants to move).

        A new herd arrives 24-40 blocks from the player and its kind comes from the biome there
        (the world's rule, ``PASSIVE_BY_BIOME``): on an ice plain pigs never come. This scores the
        generated land on a ``stride`` grid by the share of that ring whose biome spawns ``kind``: the
        player's spot is good when half of it does; else the nearest spot (x, feet y, z) where 3/4 of
        it does is returned (None when no such land is generated yet)."""
        from embodied_gym.envs.voxel.mobs import PASSIVE_BY_BIOME
        from embodied_gym.procgen.terrain import CHUNK

        w = self.world
        good_biomes = [b for b, kinds in PASSIVE_BY_BIOME.items() if kind in kinds]
        if w.dimension != "overworld" or not good_biomes:
            return False, None
        done = np.repeat(np.repeat(w.chunk_done, CHUNK, 0), CHUNK, 1)[:w.size, :w.size]
        good = np.isin(w.biomes, good_biomes) & done
        angles = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
        ring = np.stack([np.cos(angles), np.sin(angles)], 1) * 32.0

        def share(x: float, z: float) -> float:
            pts = np.clip(np.round(np.array([x, z]) + ring).astype(int), 0, w.size - 1)
            return float(good[pts[:, 0], pts[:, 1]].mean())

        fx, fy, fz = self.feet()
        if accept is None and share(fx, fz) >= 0.5:
            return True, None
        if not search:
            return False, None
        best, best_d = None, math.inf
        for x in range(stride // 2, w.size, stride):
            for z in range(stride // 2, w.size, stride):
                if not good[x, z]:
                    continue
                d = abs(x - fx) + abs(z - fz)
                if d < best_d and (accept is None or accept(x, z)) and share(x, z) >= 0.75:
                    best, best_d = (x, int(w.heights[x, z]) + 1, z), d
        return False, best

    def _leave_crowd(self, wanted: str, searched: int = 0) -> Plan:
        """Walk to land with room for new herds when the animals around the player fill the herd cap.

        New herds come only while fewer than ``HERD_CAP`` land animals are within ``HERD_RANGE`` blocks
        (:meth:`VoxelWorld.herd_members`). Killing a full cap of horses by hand takes longer than walking
        out of their range, so once ``CULL_AFTER_SEARCH`` ticks of searching have found no ``wanted``
        animal, the nearest spot :meth:`_herd_ground` offers that is dry and whose own range holds at
        most ``HERD_CAP - 3`` land animals (room for a whole herd) is the place to wait. True if it
        walked there."""
        from embodied_gym.envs.voxel.world import HERD_CAP, HERD_RANGE

        w = self.world
        if w.dimension != "overworld" or searched < CULL_AFTER_SEARCH:
            return False
        if int(w.herd_members().sum()) < HERD_CAP:
            return False
        animals = w.mob_pos[w.land_animals()][:, [0, 2]]

        def roomy(x: int, z: int) -> bool:
            top = int(w.heights[x, z])
            if self._is_liquid(x, top, z) or self._is_liquid(x, top + 1, z):
                return False
            return int((np.abs(animals - [x + 0.5, z + 0.5]).max(1) < HERD_RANGE).sum()) <= HERD_CAP - 3

        _, best = self._herd_ground(wanted, accept=roomy)
        if best is None:
            return False
        self.log.append(f"t={w.time} herd cap full: to open {wanted} land at {best} from {self.feet()}")
        yield from self._travel_near(best, within=4)
        return True

    def _cull_herds(self, wanted: str, searched: int = 0) -> Plan:
        """Kill the nearest other farm animal when the land near the player holds a full herd cap.

        New herds come only while fewer than ``HERD_CAP`` land animals are within ``HERD_RANGE``
        blocks (the world's rule, :meth:`VoxelWorld.herd_members`, like Minecraft's mob cap): horses and
        chickens enough in the plains keep cows from ever coming. Once exploring has generated the whole
        (bounded) world, or ``searched`` ticks of exploring have found none (``CULL_AFTER_SEARCH``), room
        is made for new herds. Neutral mobs (wolves, bears) are left alone. True if one was killed."""
        from embodied_gym.envs.voxel import physics
        from embodied_gym.envs.voxel.mobs import MOB_INDEX, PASSIVE_BY_BIOME
        from embodied_gym.envs.voxel.world import HERD_CAP

        w = self.world
        if not any(wanted in kinds for kinds in PASSIVE_BY_BIOME.values()):
            return False  # hostile mobs (skeletons for bones) do not come with herds
        if w.dimension != "overworld" or not (w.chunk_done.all() or searched >= CULL_AFTER_SEARCH):
            return False  # land still to generate brings its own herds: exploring is the better bet
        members = w.herd_members()
        if int(members.sum()) < HERD_CAP:
            return False
        params = w.mob_params[w.mob_kind]
        victims = members & (w.mob_kind != MOB_INDEX.get(wanted, -1)) & (params[:, physics.P_NEUTRAL] == 0)
        if int(members.sum()) - int(victims.sum()) >= HERD_CAP:
            return False  # not enough of them to get under the cap
        cands = [int(m) for m in np.flatnonzero(victims) if int(m) not in self.failed_mobs]
        if not cands:
            return False
        m = min(cands, key=lambda k: float(np.linalg.norm(w.mob_pos[k] - w.player.pos)))
        killed = yield from self._fight(m, budget=300)
        if not killed:
            self.failed_mobs.add(m)
        return bool(killed)

    def _nearest_mob(self, name: str, unsheared: bool = False) -> int:
        from embodied_gym.envs.voxel.mobs import MOB_INDEX

        w = self.world
        kind = MOB_INDEX.get(name, -1)
        mask = w.mob_alive & (w.mob_kind == kind)
        if unsheared:
            mask &= ~w.mob_sheared
        alive = [int(m) for m in np.flatnonzero(mask)]
        cands = [m for m in alive if m not in self.failed_mobs] or alive  # mobs move: retry old failures
        if not cands:
            return -1
        d = [np.linalg.norm(w.mob_pos[m] - w.player.pos) for m in cands]
        return cands[int(np.argmin(d))]

    def _best_weapon_slot(self) -> int:
        best, best_attack = -1, 1.0
        inv = self.world.inventory
        for slot in range(36):
            item = self.cat.items[int(inv.item[slot])]
            if item.get("tool") and item.get("attack", 0) > best_attack:  # a pickaxe (3) beats a fist (1)
                best, best_attack = slot, item["attack"]
        return best

    def _archers(self) -> list[np.ndarray]:
        """Positions of live hostile mobs that shoot (skeletons, witches...)."""
        w = self.world
        params = w.mob_params[w.mob_kind]
        return [w.mob_pos[m].copy() for m in np.flatnonzero(w.mob_alive & (params[:, 0] > 0) & (params[:, 8] > 0))]

    def _creeper_near(self, exclude: int = -1, radius: float = 3.5) -> int:
        """A live exploding mob within ``radius`` of the player (other than ``exclude``); -1 if none."""
        w = self.world
        for k in np.flatnonzero(w.mob_alive):
            if k != exclude and w.mob_params[w.mob_kind[k], 9] > 0 and np.linalg.norm(w.mob_pos[k] - w.player.pos) < radius:
                return int(k)
        return -1

    def _mob_gap(self, m: int) -> float:
        """Distance from the eye to mob ``m``'s bounding box (what the world's attack reach measures)."""
        w = self.world
        half = w.mob_params[w.mob_kind[m], 3] * 0.5
        height = w.mob_params[w.mob_kind[m], 4]
        lo = w.mob_pos[m] - np.array([half, 0.0, half])
        hi = w.mob_pos[m] + np.array([half, height, half])
        eye = w.eye()
        return float(np.linalg.norm(np.maximum(np.maximum(lo - eye, 0.0), eye - hi)))

    def _mob_center(self, m: int) -> np.ndarray:
        w = self.world
        return w.mob_pos[m] + np.array([0.0, w.mob_params[w.mob_kind[m], 4] * 0.5, 0.0])

    def _close_in(self, m: int, reach: float = 2.4, deadline: int | None = None) -> Plan:
        """Walk towards mob ``m`` until its box is within ``reach`` of the eye; False if it is lost or
        world time passes ``deadline`` (a chase that digs through rock is slow: the fight's budget
        must bound the walk too, not only the turns between walks)."""
        w = self.world
        end = math.inf if deadline is None else deadline
        for _ in range(8):
            if not w.mob_alive[m] or w.time >= end:
                return False
            if self._mob_gap(m) <= reach:
                return True
            spot = tuple(int(math.floor(v)) for v in w.mob_pos[m])
            # stand beside it, or under it when it flies; a walker's neighbours are only those from whose
            # eye it is within reach (a spider in a cave pocket 5 blocks up is not, and the walk would
            # end there with every turn of the fight finding it already "arrived")
            flying = w.mob_params[w.mob_kind[m], 5] > 0
            cells = self.cells_near(spot, 1, range(-5, 3) if flying else range(-2, 2), chebyshev=True)
            # a passive animal is not worth a long dig (there are others): hostile ones come to us anyway
            passive = w.mob_params[w.mob_kind[m], 0] == 0
            ok = yield from self._goto(cells, spot, max_steps=12, partial=True,
                                       until=lambda: not w.mob_alive[m] or self._mob_gap(m) <= reach or w.time >= end,
                                       max_dig=PASSIVE_MAX_DIG if passive else math.inf)
            if not ok:
                yield from self._wait(5)
        return bool(w.mob_alive[m]) and self._mob_gap(m) <= reach + 0.5

    def _fight(self, m: int, budget: int = 1500) -> Plan:
        """Chase and hit mob ``m`` until it dies (True) or ``budget`` ticks have passed (a chase
        through rock can dig for a long time: the budget is world time, not loop turns)."""
        w = self.world
        yield from self._equip(self._best_weapon_slot())
        misses = 0
        end = w.time + budget
        target_explodes = w.mob_params[w.mob_kind[m], 9] > 0
        retreat_strafe = 0
        turn_at = -1
        while w.time < end:
            if w.time == turn_at:  # the last turn acted on nothing: spend a tick so no turn repeats in place
                yield self._action()
            turn_at = w.time
            if not w.mob_alive[m]:
                return True
            fuse = -1 if target_explodes else self._creeper_near()
            if fuse >= 0:  # a creeper walked up during this fight: it goes first (its blast is 20+ damage)
                yield from self._fight(fuse, budget=200)
                continue
            if self._mob_gap(m) > 2.9:
                ok = yield from self._close_in(m, deadline=end)
                if not ok and w.mob_alive[m]:
                    misses += 1
                    if misses > 6:
                        return False
                continue
            if target_explodes and (w.mob_timer[m] >= CREEPER_RETREAT or w.time < w.mob_hurt_until[m]) \
                    and np.linalg.norm(w.mob_pos[m] - w.player.pos) < 3.2:
                # its fuse (30 ticks within 3 blocks) outlasts the hits a weak sword needs: after each
                # hit (it cannot take another for 10 ticks anyway) back out of range, where the fuse
                # resets (it walks at half the player's speed), then step in for the next hit
                yaw, _ = self._aim_at_point(self._mob_center(m))
                pitch_bin, yaw_bin = self._camera_to(yaw, 0.0)
                before = w.player.pos.copy()
                yield self._action(fwd=2, strafe=retreat_strafe, jump=1 if retreat_strafe else 0,
                                   pitch=pitch_bin, yaw=yaw_bin)
                if float(np.abs(w.player.pos - before)[[0, 2]].sum()) < 0.05:
                    # backed against a wall: slide along it, the other way on the next block
                    retreat_strafe = 1 if retreat_strafe != 1 else 2
                continue
            if w.target_mob() == m:  # already on it (also when the eye is inside its box: every ray hits)
                yield self._action(fn=3)
                continue
            aim = self._aim_at_mob(m)
            blocker = self._blocking_cell(m) if aim is None else None
            if blocker is not None:  # a block between us and the mob (it stands in a hole): dig it away
                yield from self._break(blocker, max_ticks=300)
                continue
            if aim is None:  # too close to see (inside its box): back off a step
                yaw, pitch = self._aim_at_point(self._mob_center(m))
                pitch_bin, yaw_bin = self._camera_to(yaw, 0.0)
                for _ in range(3):
                    yield self._action(fwd=2, pitch=pitch_bin, yaw=yaw_bin)
                    pitch_bin, yaw_bin = 12, 12
                continue
            pitch_bin, yaw_bin = self._camera_to(*aim)
            # a creeper's fuse burns while it is within 3 blocks: hit it while backing out of that range
            explodes = w.mob_params[w.mob_kind[m], 9] > 0
            back = 2 if explodes and np.linalg.norm(w.mob_pos[m] - w.player.pos) < 3.2 else 0
            yield self._action(fwd=back, pitch=pitch_bin, yaw=yaw_bin, fn=3)
        return not w.mob_alive[m]

    def _blocking_cell(self, m: int) -> tuple[int, int, int] | None:
        """The breakable block that the straight line from the eye to mob ``m`` hits first, if any."""
        from embodied_gym.envs.voxel import physics

        w = self.world
        eye = w.eye()
        for target in (self._mob_center(m), w.mob_pos[m] + np.array([0.0, 0.2, 0.0])):
            d = target - eye
            dist = float(np.linalg.norm(d))
            if dist < 1e-6:
                return None
            d = d / dist
            hit, x, y, z, *_rest, t = physics.raycast_voxel(w.blocks, w.targetable, eye[0], eye[1], eye[2],
                                                           d[0], d[1], d[2], min(dist, 4.4))
            if hit and t < dist and self.cat.hardness[self._block(x, y, z)] >= 0:
                return int(x), int(y), int(z)
        return None

    def _aim_at_mob(self, m: int, reach: float = 3.0) -> tuple[float, float] | None:
        """A (yaw, pitch) on the 15-degree grid whose ray enters mob ``m``'s box within reach, before any block."""
        from embodied_gym.envs.voxel import physics

        w = self.world
        eye = w.eye()
        half = w.mob_params[w.mob_kind[m], 3] * 0.5
        height = w.mob_params[w.mob_kind[m], 4]
        lo = w.mob_pos[m] - np.array([half, 0.0, half])
        hi = w.mob_pos[m] + np.array([half, height, half])
        if np.all(eye > lo) and np.all(eye < hi):
            return None
        exact_yaw, exact_pitch = self._aim_at_point(self._mob_center(m))
        candidates = []
        for i in range(-12, 13):
            yaw = _wrap(w.player.yaw + i * CAMERA_BIN)
            for j in range(-6, 7):
                pitch = j * CAMERA_BIN
                candidates.append((abs(_wrap(yaw - exact_yaw)) + abs(pitch - exact_pitch), yaw, pitch))
        candidates.sort()
        for _, yaw, pitch in candidates[:60]:
            r_yaw, r_pitch = math.radians(yaw), math.radians(pitch)
            d = np.array([-math.sin(r_yaw) * math.cos(r_pitch), -math.sin(r_pitch), math.cos(r_yaw) * math.cos(r_pitch)])
            with np.errstate(divide="ignore", invalid="ignore"):
                inv = 1.0 / np.where(d == 0, 1e-12, d)
                t1, t2 = (lo - eye) * inv, (hi - eye) * inv
            tmin, tmax = np.minimum(t1, t2).max(), np.maximum(t1, t2).min()
            if tmax < max(tmin, 0.0) or tmin > reach:
                continue
            hit, *_rest, dist = physics.raycast_voxel(w.blocks, w.targetable, eye[0], eye[1], eye[2], d[0], d[1], d[2], reach)
            if hit and dist < max(tmin, 0.0):
                continue
            return yaw, pitch
        return None

    def _interact(self, m: int, tool: str) -> Plan:
        w = self.world
        for _ in range(6):
            if not w.mob_alive[m]:
                return False
            ok = yield from self._close_in(m)
            if not ok:
                continue
            slot = self.slot_of(tool)
            if slot < 0:
                return False
            yield from self._equip(slot)
            yaw, pitch = self._aim_at_point(self._mob_center(m))
            pitch_bin, yaw_bin = self._camera_to(yaw, pitch)
            before = self.counts()
            yield self._action(pitch=pitch_bin, yaw=yaw_bin, fn=1)
            if self.counts() != before or (tool == "shears" and w.mob_sheared[m]):
                return True
        return False

    def _combat_step(self) -> Plan:
        target = self.spec.target_names[0]
        m = self._nearest_mob(target)
        if m < 0:
            return None
        ok = yield from self._fight(m)
        if not ok:
            self.failed_mobs.add(m)
            return None
        yield from self._wait(10)
        return True

    def _eat(self, food: str) -> Plan:
        slot = self.slot_of(food)
        if slot < 0:
            return False
        yield from self._equip(slot)
        for _ in range(40):
            yield self._action(fn=1)
        return True

    # ------------------------------------------------------------------ techtree: use the item
    def _use_target(self, item: str) -> Plan:
        w = self.world
        slot = self.slot_of(item)
        if slot < 0:
            equipped = [self.cat.item_names[int(i)] for i in w.inventory.eq_item]
            return item in equipped
        info = self.cat.item(item)
        if item in self.cat.placeable:
            # the world refuses a block where the player's box pokes into the cell: stand centred
            yield from self._center()
            x, y, z = self.feet()
            used_before = w.stats["use_item"].get(item, 0)
            for dx, dz, yaw in MOVES:
                tx, tz = x + dx, z + dz
                if self._solid(tx, y, tz) or not self._solid(tx, y - 1, tz):
                    continue
                aim = self._aim_at_block((tx, y - 1, tz), prefer_yaw=yaw)
                if aim is None:
                    continue
                slot = self.slot_of(item)
                if slot < 0:
                    break
                pitch_bin, yaw_bin = self._camera_to(*aim)
                yield self._action(pitch=pitch_bin, yaw=yaw_bin, fn=6, slot=slot)
                if w.stats["use_item"].get(item, 0) > used_before:
                    return True
            yield from self._wander(10)
            return None
        yield from self._equip(slot)
        if info.get("tool"):
            # a tool used on a block (a hoe on dirt, a pickaxe on stone) counts as a use
            cell = self._any_adjacent_block()
            if cell is None:
                yield from self._wander(10)
                return None
            aim = self._aim_at_block(cell)
            if aim is None:
                return None
            pitch_bin, yaw_bin = self._camera_to(*aim)
            yield self._action(pitch=pitch_bin, yaw=yaw_bin, fn=1)
            return True
        yield self._action(fn=1)  # armour, bow, clock, compass: the use action while held
        return True

    def _any_adjacent_block(self) -> tuple[int, int, int] | None:
        x, y, z = self.feet()
        for cell in [(x, y - 1, z)] + [(x + dx, y + dy, z + dz) for dx, dz, _ in MOVES for dy in (0, 1, -1)]:
            if self._solid(*cell) and self._block(*cell) > 0:
                return cell
        return None

    # ------------------------------------------------------------------ exploration
    def _wander(self, ticks: int) -> Plan:
        """A few steps in a seeded random cardinal direction (a new spot to place or use things from)."""
        dx, dz, yaw = MOVES[int(self.rng.integers(len(MOVES)))]
        x, y, z = self.feet()
        goal = (x + dx * 24, y, z + dz * 24)
        yield from self._goto(self.cells_near(goal, 2, range(-8, 9)), goal, max_steps=max(ticks // 6, 8), partial=True)
        return True

    def _explore(self, ticks: int) -> Plan:
        """Search for what is not in the loaded land: walk an expanding square spiral around the start.

        The world generates chunks as the player comes near, so new land (and its blocks and herds)
        appears along the way; legs of ``EXPLORE_LEG``, 2x, 3x ... blocks, turning 90 degrees after
        every leg (a leg ends early at the world's edge or where the walk makes no progress), cover
        ever farther rings without walking the same ground twice. Each call walks about ``ticks`` of it."""
        w = self.world
        steps = max(ticks // 6, 8)
        for _ in range(4):
            heading, leg, walked = self._spiral
            dx, dz, _ = MOVES[(0, 3, 1, 2)[heading % 4]]  # +z, +x, -z, -x: a turn to the right each leg
            x, y, z = self.feet()
            remaining = leg - walked
            reach = min(remaining, 24)
            gx, gz = x + dx * reach, z + dz * reach
            margin = 4
            if remaining <= 0 or not (margin <= gx < w.size - margin and margin <= gz < w.size - margin):
                self._spiral = (heading + 1, leg + (EXPLORE_LEG if heading % 2 else 0), 0)
                continue
            before = (x, z)
            goal = (gx, y, gz)
            yield from self._goto(self.cells_near(goal, 2, range(-8, 9)), goal, max_steps=steps, partial=True)
            fx, _, fz = self.feet()
            moved = abs(fx - before[0]) + abs(fz - before[1])
            progress = (fx - before[0]) * dx + (fz - before[1]) * dz
            if progress <= 0:  # blocked (water, a cliff the A* window cannot climb): next leg
                self._spiral = (heading + 1, leg + (EXPLORE_LEG if heading % 2 else 0), 0)
            else:
                self._spiral = (heading, leg, walked + progress)
            if moved:
                return True
        # boxed in on every side (an island, a pit): a random shuffle, and time passes either way so
        # a caller that explores in a loop never spins without the world moving on
        start = self.world.time
        yield from self._wander(ticks)
        if self.world.time == start:
            yield from self._wait(20)
        return True

    # ------------------------------------------------------------------ navigation
    def _cost_lut(self) -> np.ndarray:
        """Per block kind: ticks to clear it out of the way with the best tool held (0 passable, inf never)."""
        w = self.world
        tools = tuple(sorted(int(i) for i in np.unique(w.inventory.item)))
        if getattr(self, "_lut_key", None) == tools:
            return self._lut
        n = len(self.cat.block_names)
        lut = np.zeros(n, np.float64)
        inv = w.inventory
        for block in range(1, n):
            if w.liquid_kind[block] == 2:
                lut[block] = math.inf
            elif w.liquid_kind[block] == 1:
                lut[block] = WATER_COST
            elif w.collidable[block]:
                slot = self._best_tool_slot(block)
                if slot > 0:
                    inv.item[0], inv.item[slot] = inv.item[slot], inv.item[0]
                ticks, _ = w.break_ticks(block)
                if slot > 0:
                    inv.item[0], inv.item[slot] = inv.item[slot], inv.item[0]
                lut[block] = math.inf if ticks < 0 or ticks > 400 else float(ticks) + 4.0
        self._lut_key, self._lut = tools, lut
        return lut

    @staticmethod
    def cells_near(center: Iterable[int], horizontal: int, dy: Iterable[int], chebyshev: bool = False
                   ) -> set[tuple[int, int, int]]:
        """Feet cells within ``horizontal`` (Manhattan, or Chebyshev) of ``center`` at heights ``center + dy``."""
        cx, cy, cz = (int(v) for v in center)
        out = set()
        for ddx in range(-horizontal, horizontal + 1):
            for ddz in range(-horizontal, horizontal + 1):
                if (max(abs(ddx), abs(ddz)) if chebyshev else abs(ddx) + abs(ddz)) > horizontal:
                    continue
                for d in dy:
                    out.add((cx + ddx, cy + d, cz + ddz))
        return out

    def _goto(self, goal_cells: Iterable[tuple[int, int, int]], goal_point: Iterable[int],
              max_steps: int | None = None, until: Callable[[], bool] | None = None, partial: bool = False,
              max_dig: float = math.inf) -> Plan:
        """Walk (digging where needed) to one of ``goal_cells`` (feet positions); True on arrival.

        ``partial``: if no goal cell is reachable, walk to the reachable cell nearest ``goal_point``.
        ``max_dig``: give up (False, without a step) when the path found needs more ticks of digging
        than this (a cow on a cliff top, reached by hand through 13 blocks of rock).
        """
        from embodied_gym.agents.voxel_astar import find_path

        w = self.world
        for _ in range(12):  # still falling (the floor of a shaft just broke into a cave): land first,
            x, y, z = self.feet()  # the search starts from a standing cell
            if w.player.on_ground or self._solid(x, y - 1, z) or self._is_liquid(x, y, z) or self._is_liquid(x, y - 1, z):
                break
            yield self._action()
        fx, fy, fz = self.feet()
        r = NAV_RADIUS
        x0, z0 = max(fx - r, 0), max(fz - r, 0)
        x1, z1 = min(fx + r + 1, w.size), min(fz + r + 1, w.size)
        goal_cells = set(goal_cells)
        gys = [c[1] for c in goal_cells] + [int(tuple(goal_point)[1]), fy]
        y0 = max(min(gys) - 12, 0)
        y1 = min(max(gys) + 12, w.blocks.shape[1])
        sub = w.blocks[x0:x1, y0:y1, z0:z1]
        goal = np.zeros(sub.shape, np.bool_)
        any_goal = False
        for gx, gy, gz in goal_cells:
            if x0 <= gx < x1 and z0 <= gz < z1 and y0 + 1 <= gy < y1 - 1:
                goal[gx - x0, gy - y0, gz - z0] = True
                any_goal = True
        if (fx, fy, fz) in goal_cells:
            return True
        if not any_goal and not partial:
            return False
        lut = self._cost_lut()
        liquid = w.liquid_kind[sub]
        gpx, gpy, gpz = goal_point
        gp = (min(max(gpx - x0, 0), x1 - x0 - 1), min(max(gpy - y0, 0), y1 - y0 - 1), min(max(gpz - z0, 0), z1 - z0 - 1))
        reached, cells = find_path(lut[sub], w.collidable[sub], liquid == 1, liquid == 2, goal,
                                   (fx - x0, fy - y0, fz - z0), gp, self.max_expansions, MAX_FALL)
        if not reached and not partial:
            return False
        if max_dig < math.inf:
            costs = lut[sub]
            dig = sum(float(costs[c[0], c[1] + h, c[2]]) for c in cells[1:] for h in (0, 1) if c[1] + h < sub.shape[1])
            if dig > max_dig:
                return False
        cells = cells + np.array([x0, y0, z0])
        steps = [tuple(int(v) for v in c) for c in cells[1:]]
        if max_steps is not None:
            steps = steps[:max_steps]
        for cell in steps:
            if until is not None and until():
                return True
            ok = yield from self._step_to(cell)
            if not ok:
                return False
        return reached and max_steps is None or (max_steps is not None and bool(steps))

    def _center(self, max_ticks: int = 20) -> Plan:
        """Sneak to the middle of the current cell (so digging down drops the player into the hole)."""
        w = self.world
        for _ in range(max_ticks):
            x, _, z = self.feet()
            ox, oz = w.player.pos[0] - (x + 0.5), w.player.pos[2] - (z + 0.5)
            if abs(ox) < 0.2 and abs(oz) < 0.2:
                return True
            # at yaw 0: forward is +z, strafe 1 (left) is -x, strafe 2 (right) is +x
            fwd = 0 if abs(oz) < 0.2 else (2 if oz > 0 else 1)
            strafe = 0 if abs(ox) < 0.2 else (1 if ox > 0 else 2)
            pitch_bin, yaw_bin = self._camera_to(0.0, w.player.pitch)
            yield self._action(fwd=fwd, strafe=strafe, jump=2, pitch=pitch_bin, yaw=yaw_bin)
        return False

    def _step_to(self, cell: tuple[int, int, int]) -> Plan:
        w = self.world
        if self._threat()[0] >= 0:
            yield from self._defend()
            return False  # the fight moved us: the caller replans
        x, y, z = self.feet()
        nx, ny, nz = cell
        if (nx, nz) == (x, z) and ny < y:  # dig down and drop
            yield from self._center()
            ok = yield from self._break((x, y - 1, z))
            for _ in range(20):
                if self.feet()[1] <= ny:
                    return ok
                yield self._action()
            return self.feet()[1] <= ny
        dx, dz = nx - x, nz - z
        yaw = {(0, 1): 0.0, (0, -1): 180.0, (-1, 0): 90.0, (1, 0): -90.0}.get((dx, dz))
        if yaw is None:
            return False
        # clear the way: head room for a jump, then the two cells of the target column
        clear = [(nx, ny, nz), (nx, ny + 1, nz)]
        if ny > y:
            clear = [(x, y + 2, z)] + clear
        for c in clear:
            if self._block(*c) > 0 and w.collidable[self._block(*c)]:
                ok = yield from self._break(c)
                if not ok:
                    return False
        for _ in range(60):
            fx, fy, fz = self.feet()
            p = w.player.pos
            along = (p[0] - (nx + 0.5)) * dx + (p[2] - (nz + 0.5)) * dz  # < 0 before the centre
            in_water = w.liquid_kind[self._block(fx, fy, fz)] == 1
            same_column = (fx, fz) == (nx, nz)
            if same_column and along > -0.3 and (fy == ny or (in_water and ny <= fy <= ny + 1)):
                return True
            fwd = 1 if (not same_column or along < 0.1) else 0
            # lateral offset from the line through the cell centres: strafe it away
            if dx == 0:
                off = p[0] - (nx + 0.5)
                strafe = 0 if abs(off) < 0.15 else ((1 if off > 0 else 2) if dz > 0 else (2 if off > 0 else 1))
            else:
                off = p[2] - (nz + 0.5)
                strafe = 0 if abs(off) < 0.15 else ((2 if off > 0 else 1) if dx > 0 else (1 if off > 0 else 2))
            pitch_bin, yaw_bin = self._camera_to(yaw, 0.0 if abs(w.player.pitch) > 30 else w.player.pitch)
            jump = 1 if ((ny > y and not same_column) or in_water) else 0
            yield self._action(fwd=fwd, strafe=strafe, jump=jump, pitch=pitch_bin, yaw=yaw_bin)
        return False
