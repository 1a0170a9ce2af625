"""Goal kinds the voxel planning oracle (:mod:`agents.voxel_oracle`) hands to this module.

Plans of :mod:`envs.voxel.tasks.planning` may *build* a nether portal (10 obsidian, flint and steel)
and then mine or hunt in the nether (sources whose ``station`` is :data:`planning.PORTAL`), or
*collect* what a mob lays (a chicken's egg). The oracle keeps its plan-one-goal-at-a-time loop and
calls three hooks of this module:

* :func:`portal_ready` -- whether the plan may count the portal as held: a lit portal stands in the
  dimension the player is in (or the player is in the nether, which always has its exit portal);
* :func:`order_for_dimension` -- the plan's goals reordered so the next one can be done *here*: in the
  overworld everything the overworld offers is gathered before leaving (logs, coal for fuel, ender
  pearls ...), in the nether the nether's sources and the crafts and smelts whose inputs are at hand;
  when nothing is left to do here, a single ``"travel"`` goal. Laid items come last (the chickens lay
  while the rest is done);
* :func:`handles` / :func:`pursue` -- the goals done here: ``"build"`` of the portal (a site against a
  wall, the frame set block by block through the place action, lit with flint and steel),
  ``"travel"`` (into the nearest lit portal, carrying the stations the remaining crafts need),
  ``"collect"`` (walk to any laid egg), obsidian (it rests under lava pools: mined from dry cells
  below or beside it), blocks out of reach overhead (glowstone on the nether's roof: a pillar of
  spare blocks is climbed; in the overworld a shaft up from the deep obsidian to the surface), and
  crafts at a station while standing on such a pillar.

The inventory travels with the player (the world keeps only blocks, mobs and dropped items per
dimension), so a harvest target gathered in the nether counts where it is: the oracle goes back only
when the plan still needs something from the overworld. Fishing (``"fish"`` sources) is the oracle's
own ``_fish``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from embodied_gym.envs.voxel.tasks.planning import (
    FUELS,
    PORTAL,
    PORTAL_LIGHTER,
    TOOL_ITEMS,
    Goal,
    Source,
    plan,
)

if TYPE_CHECKING:  # pragma: no cover
    from embodied_gym.agents.voxel_oracle import VoxelOracle

Plan = Generator[np.ndarray, None, Any]

#: the goal kind :func:`order_for_dimension` emits when nothing is left to do in this dimension
TRAVEL = "travel"
#: how far (blocks, along x and z) from the player a portal site is searched for
SITE_RADIUS = 6
#: at most this many ticks of breaking prepare a site (a trench sunk into the ground, a cut in a wall)
SITE_MAX_TICKS = 1500
#: the six face neighbours, the one below first (a floor is the likeliest support)
_NEIGHBOURS = ((0, -1, 0), (1, 0, 0), (-1, 0, 0), (0, 0, 1), (0, 0, -1), (0, 1, 0))
#: ticks to wait inside a portal for the world to move the player (it needs 80)
TRAVEL_WAIT = 120
#: partial walks towards a portal beyond the path finder's window before giving up
RETURN_LEGS = 8


@dataclass
class EpisodeState:
    """What this module remembers during one oracle episode."""

    #: the episode (the oracle's plan generator) this state belongs to
    episode: object = None
    #: lit portal cells the player can stand in, per dimension
    cells: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    #: the dimension the oracle last acted in (a change means the world moved the player)
    dimension: str = ""
    #: whether a plan of this episode went through a portal
    portal_plan: bool = False
    #: (x, z) of each pillar climbed -> the y of the floor it stands on
    pillar_floor: dict[tuple[int, int], int] = field(default_factory=dict)


def _memory(oracle: VoxelOracle) -> EpisodeState:
    """This episode's state (a new one after ``oracle.reset``)."""
    mem = getattr(oracle, "_extra_state", None)
    if mem is None or mem.episode is not oracle._gen:
        mem = EpisodeState(episode=oracle._gen, dimension=oracle.world.dimension)
        oracle._extra_state = mem
    return mem


def note_dimension(oracle: VoxelOracle) -> bool:
    """Forget position-bound memories after a trip (failed blocks, failed mobs, placed stations and
    exploration state belong to the dimension left behind); True if the dimension changed."""
    mem = _memory(oracle)
    w = oracle.world
    if mem.dimension == w.dimension:
        return False
    mem.dimension = w.dimension
    oracle.failed_blocks = set()
    oracle.failed_mobs = set()
    oracle.source_failures = {}
    oracle.ignored = {}
    oracle.stations = {name: [] for name in oracle.stations}
    oracle._spiral = (oracle._spiral[0], 32, 0)
    return True


def portal_cells(oracle: VoxelOracle, radius: int = 96) -> list[tuple[int, int, int]]:
    """Lit portal cells the player can stand in (a portal block with no portal block below it) in the
    current dimension, nearest first; remembered ones are checked first, else the land around is scanned."""
    w = oracle.world
    mem = _memory(oracle)
    known = [c for c in mem.cells.get(w.dimension, []) if oracle._block(*c) == w.id_portal]
    if not known:
        fx, _, fz = oracle.feet()
        x0, z0 = max(fx - radius, 0), max(fz - radius, 0)
        found = np.argwhere(w.blocks[x0:fx + radius + 1, :, z0:fz + radius + 1] == w.id_portal)
        found[:, 0] += x0
        found[:, 2] += z0
        known = [tuple(int(v) for v in c) for c in found]
    cells = [c for c in known if oracle._block(c[0], c[1] - 1, c[2]) != w.id_portal]
    mem.cells[w.dimension] = cells
    feet = np.array(oracle.feet())
    cells.sort(key=lambda c: int(np.abs(np.array(c) - feet).sum()))
    return cells


def portal_ready(oracle: VoxelOracle) -> bool:
    """True when the plan may count the portal as held (a lit one stands in this dimension)."""
    note_dimension(oracle)
    if oracle.world.dimension != "overworld":
        return True
    return bool(portal_cells(oracle))


# ---------------------------------------------------------------------------------------- ordering
def _here(source: Source, dimension: str) -> bool:
    """Whether a raw source (not a craft or smelt) can be done in ``dimension``."""
    if source.kind == "build":
        return dimension == "overworld"
    if source.station == PORTAL:
        return dimension != "overworld"
    return dimension == "overworld"


def _needs(oracle: VoxelOracle, goal: Goal, held: dict[str, int]) -> set[str]:
    """Items ``goal`` consumes or must hold: ingredients, its station, the tool it works with."""
    source = goal.source
    needs = {name for name, _ in source.ingredients}
    if source.station and source.station != PORTAL:
        needs.add(source.station)
    if source.kind == "mine" and source.tool:
        options = TOOL_ITEMS.get(source.tool, (source.tool,))
        options = options[source.tier:] if source.tool in TOOL_ITEMS and source.tier >= 0 else options
        if not any(held.get(o, 0) for o in options):
            needs.update(options)
    elif source.kind in ("milk", "fill", "shear", "fish", "build") and source.tool:
        needs.add(source.tool)
    if source.kind == "smelt" and not any(held.get(f, 0) for f, _ in FUELS):
        needs.add(FUELS[0][0])
    return needs


def order_for_dimension(oracle: VoxelOracle, goals: list[Goal]) -> list[Goal]:
    """``goals`` with the first one that can be done now moved to the front.

    Portal plans: a goal is blocked when it is a raw source of the other dimension, or when it needs
    (as an ingredient, station or tool) an item whose goal is blocked; when every goal is blocked, the
    answer is one ``"travel"`` goal. Laid items (a chicken's egg) come last: the chickens lay while
    the rest of the plan is done, and the eggs wait on the ground (6,000 ticks) to be picked up.
    Plans with neither come back unchanged."""
    portal = any(g.source.station == PORTAL or g.source.kind == "build" for g in goals) \
        or oracle.world.dimension != "overworld"
    if portal:
        _memory(oracle).portal_plan = True
    if not portal and not any(g.source.kind == "collect" for g in goals):
        return goals
    dimension = oracle.world.dimension
    held = oracle.counts()
    for defer in (True, False):
        blocked: set[str] = set()
        for k, goal in enumerate(goals):
            raw = goal.source.kind not in ("craft", "smelt")
            needs = _needs(oracle, goal, held)
            elsewhere = portal and raw and not _here(goal.source, dimension)
            if elsewhere or (defer and goal.source.kind == "collect") or (needs & blocked and not all(
                    held.get(n, 0) for n in needs & blocked)):
                blocked.add(goal.item)
                continue
            if k == 0:
                return goals
            return [goal] + goals[:k] + goals[k + 1:]
    return [Goal(PORTAL, 1, Source(TRAVEL, PORTAL, PORTAL), 1)] if portal else goals


# ---------------------------------------------------------------------------------------- pursuit
def pursue(oracle: VoxelOracle, goal: Goal) -> Plan:
    """Do a goal that :func:`handles` claims; True when done, None when it failed (the oracle then
    counts a failure of the source and replans)."""
    if goal.source.kind == "build" and goal.item == PORTAL:
        return (yield from build_portal(oracle))
    if goal.source.kind == TRAVEL:
        return (yield from travel(oracle))
    if goal.source.kind == "mine" and goal.source.target == "obsidian":
        return (yield from mine_obsidian(oracle, goal))
    if goal.source.kind == "mine":
        return (yield from mine_overhead(oracle, goal))
    if goal.source.kind == "collect":
        return (yield from collect_laid(oracle, goal))
    if goal.source.kind in ("craft", "smelt"):
        return (yield from craft_aloft(oracle, goal))
    return None


def craft_aloft(oracle: VoxelOracle, goal: Goal) -> Plan:
    """Craft or smelt at a station while standing on a pillar: the station goes against a face in
    sight (the roof's underside; the pillar's sides face away from the player), then the usual craft."""
    station = goal.source.station
    if oracle.slot_of(station) >= 0:
        cell = yield from place_nearby(oracle, station)
        if cell is not None:
            oracle.stations[station].append(cell)
    done = yield from oracle._craft(goal)
    item = goal.item
    if done and oracle.spec.category == "techtree" and item in oracle.spec.target_names \
            and item in oracle.cat.placeable:
        yield from place_nearby(oracle, item)  # a techtree target counts once used: placed
    return done


def place_nearby(oracle: VoxelOracle, item: str) -> Plan:
    """Place ``item`` in an empty cell near the player against any face in sight (on a pillar the
    only ones are usually the roof's underside); the cell used, or None."""
    x, y, z = oracle.feet()
    cells = [(x + dx, y + dy, z + dz) for dx in (-1, 0, 1) for dz in (-1, 0, 1) for dy in (-1, 0, 1, 2)
             if (dx, dz) != (0, 0)]
    cells.sort(key=lambda c: abs(c[0] - x) + abs(c[2] - z) + abs(c[1] - y))
    for cell in cells:
        if oracle._block(*cell) != 0 or _support_face(oracle, cell) is None:
            continue
        placed = yield from place_at(oracle, cell, item)
        if placed:
            return cell
    oracle.log.append(f"t={oracle.world.time} no face to place {item} on near {oracle.feet()}")
    return None


@dataclass(frozen=True)
class Site:
    """A portal frame set against a wall: opening cells ``base + i * axis + j * up`` (i in 0..1, j in
    0..2), the frame around them, the player's side ``+front`` and solid blocks behind (``-front``).

    Every frame block is placed against the face of the wall block right behind its cell, which the
    player sees from in front at any height; a frame standing free would need its upper blocks put
    on top faces above the eye, which the place action cannot reach."""

    base: tuple[int, int, int]
    axis: tuple[int, int, int]
    front: tuple[int, int, int]

    def cell(self, i: int, j: int, k: int = 0) -> tuple[int, int, int]:
        """The cell ``i`` along the frame, ``j`` up and ``k`` towards the player from the base."""
        bx, by, bz = self.base
        ax, _, az = self.axis
        fx, _, fz = self.front
        return bx + i * ax + k * fx, by + j, bz + i * az + k * fz

    def frame(self) -> list[tuple[int, int, int]]:
        """The 10 obsidian cells in build order: bottom row, the sides bottom-up, then the top row."""
        out = [self.cell(0, -1), self.cell(1, -1)]
        out += [self.cell(-1, j) for j in range(3)] + [self.cell(2, j) for j in range(3)]
        return out + [self.cell(0, 3), self.cell(1, 3)]

    def opening(self) -> list[tuple[int, int, int]]:
        return [self.cell(i, j) for j in range(3) for i in range(2)]

    def wall(self) -> list[tuple[int, int, int]]:
        """Cells behind the frame that must be solid (the faces every frame block is set against)."""
        return [self.cell(i, j, -1) for i in range(-1, 3) for j in range(-1, 4)]

    def floor(self) -> list[tuple[int, int, int]]:
        """Cells under the frame's sides and in front of it that carry the player and the bottom row."""
        return [self.cell(i, -1) for i in (-1, 2)] + [self.cell(i, -1, k) for i in (0, 1) for k in (1, 2)]

    def to_clear(self) -> list[tuple[int, int, int]]:
        """Cells that must be empty before the frame is set (frame cells may already be obsidian): the
        frame above the floor, the opening and the slab in front of it that the look rays cross; the
        corners stay as they are; nearest the player first, so each block is in sight when broken."""
        out = [self.cell(i, j, 2) for j in (3, 2, 1, 0) for i in (0, 1)]
        out += [self.cell(i, j, 1) for j in (3, 2, 1, 0) for i in (-1, 0, 1, 2)]
        return out + [self.cell(i, j) for j in (3, 2, 1, 0) for i in (-1, 0, 1, 2) if j < 3 or i in (0, 1)]

    def stands(self) -> list[tuple[int, int, int]]:
        """Feet cells in front of the frame, two blocks from its plane."""
        return [self.cell(i, 0, 2) for i in (0, 1)]


def _site_cost(oracle: VoxelOracle, site: Site, lut: np.ndarray) -> float:
    """Ticks of breaking to prepare ``site`` (inf where it cannot be built: liquid or unbreakable
    blocks in the way, no wall behind, no floor)."""
    w = oracle.world
    for c in site.wall() + site.floor():
        b = oracle._block(*c)
        if b <= 0 or not w.collidable[b] or w.liquid_kind[b]:
            return math.inf
    frame = set(site.frame())
    cost = 0.0
    for c in site.frame()[:2]:  # the floor under the opening becomes the bottom row
        b = oracle._block(*c)
        if b != w.id_obsidian:
            if b < 0 or not w.collidable[b] and b != 0:
                return math.inf
            cost += lut[b] if b > 0 else 0.0
    for c in site.to_clear():
        b = oracle._block(*c)
        if b < 0 or b == w.id_portal:
            return math.inf
        if b == 0 or (b == w.id_obsidian and c in frame):
            continue
        cost += lut[b] + 2.0  # every other block there is broken (plants too)
    for c in site.to_clear() + site.frame():  # no liquid next to the site (a lava pool by an obsidian seam)
        for dx, dy, dz in _NEIGHBOURS:
            b = oracle._block(c[0] + dx, c[1] + dy, c[2] + dz)
            if b > 0 and w.liquid_kind[b]:
                return math.inf
    return cost


def find_site(oracle: VoxelOracle, radius: int = SITE_RADIUS) -> Site | None:
    """The cheapest frame site near the player (least breaking, then nearest), sunk into the ground
    or cut into a wall where the land has no ready one."""
    fx, fy, fz = oracle.feet()
    lut = oracle._cost_lut()
    best, best_key = None, (math.inf, math.inf)
    for dx in range(-radius, radius + 1):
        for dz in range(-radius, radius + 1):
            for dy in range(-4, 2):
                for axis, fronts in (((1, 0, 0), ((0, 0, 1), (0, 0, -1))), ((0, 0, 1), ((1, 0, 0), (-1, 0, 0)))):
                    for front in fronts:
                        site = Site((fx + dx, fy + dy, fz + dz), axis, front)
                        cost = _site_cost(oracle, site, lut)
                        if cost > SITE_MAX_TICKS:
                            continue
                        key = (cost + 10.0 * (abs(dx) + abs(dz) + 2 * abs(dy)), 0)
                        if key < best_key:
                            best, best_key = site, key
    return best


def _face_aims(oracle: VoxelOracle, support: tuple[int, int, int], normal: tuple[int, int, int]
               ) -> tuple[float, float] | None:
    """A camera (yaw, pitch) reachable in one action whose look ray hits ``support`` first, through
    its face ``normal`` (the world places a block on that face), within the world's reach."""
    from embodied_gym.agents.voxel_oracle import CAMERA_BIN, _wrap
    from embodied_gym.envs.voxel import physics
    from embodied_gym.envs.voxel.world import REACH

    w = oracle.world
    eye = w.eye()
    target = np.array(support, dtype=np.float64) + 0.5 + 0.5 * np.array(normal, dtype=np.float64)
    d = target - eye
    exact_yaw = math.degrees(math.atan2(-d[0], d[2]))
    exact_pitch = math.degrees(math.atan2(-d[1], math.hypot(d[0], d[2])))
    candidates = []
    for i in range(-12, 13):
        yaw = _wrap(w.player.yaw + i * CAMERA_BIN)
        for j in range(-12, 13):
            pitch = w.player.pitch + j * CAMERA_BIN
            if pitch < -90.0 or pitch > 90.0:
                continue
            candidates.append((abs(_wrap(yaw - exact_yaw)) + abs(pitch - exact_pitch), yaw, pitch))
    candidates.sort()
    for _, yaw, pitch in candidates[:160]:
        r_yaw, r_pitch = math.radians(yaw), math.radians(pitch)
        dx, dy, dz = -math.sin(r_yaw) * math.cos(r_pitch), -math.sin(r_pitch), math.cos(r_yaw) * math.cos(r_pitch)
        hit, hx, hy, hz, nx, ny, nz, _ = physics.raycast_voxel(w.blocks, w.targetable, eye[0], eye[1], eye[2],
                                                               dx, dy, dz, REACH)
        if hit and (hx, hy, hz) == tuple(support) and (nx, ny, nz) == tuple(normal):
            return yaw, pitch
    return None



def _support_face(oracle: VoxelOracle, cell: tuple[int, int, int]) -> tuple[float, float] | None:
    """A camera (yaw, pitch) that aims at a face of a solid neighbour of ``cell`` from which the
    place action puts a block into ``cell``; None if no such face is in reach and in sight."""
    w = oracle.world
    if not w._can_place_at(*cell):
        return None
    for dx, dy, dz in _NEIGHBOURS:
        support = (cell[0] + dx, cell[1] + dy, cell[2] + dz)
        sb = oracle._block(*support)
        if sb <= 0 or not w.targetable[sb] or w.liquid_kind[sb]:
            continue
        aim = _face_aims(oracle, support, (-dx, -dy, -dz))
        if aim is not None:
            return aim
    return None


def place_at(oracle: VoxelOracle, cell: tuple[int, int, int], item: str) -> Plan:
    """Put ``item`` (a block) into ``cell`` through the place action, against any solid neighbour face
    the look ray can reach from where the player stands; True once the block is there."""
    w = oracle.world
    want = oracle.cat.block_id(item)
    if oracle._block(*cell) == want:
        return True
    for _attempt in range(2):
        slot = oracle.slot_of(item)
        if slot < 0:
            return False
        b = oracle._block(*cell)
        if b > 0 and (w.collidable[b] or not w.liquid_kind[b]) and b != want:
            ok = yield from oracle._break(cell, max_ticks=400)  # a plant or a block in the way
            if not ok:
                return False
        found = _support_face(oracle, cell)
        if found is not None:
            pitch_bin, yaw_bin = oracle._camera_to(*found)
            yield oracle._action(pitch=pitch_bin, yaw=yaw_bin, fn=6, slot=slot)
            if oracle._block(*cell) == want:
                return True
        yield oracle._action()
    return oracle._block(*cell) == want


def _use_on_face(oracle: VoxelOracle, item: str, support: tuple[int, int, int], normal: tuple[int, int, int]) -> Plan:
    slot = oracle.slot_of(item)
    if slot < 0:
        return False
    yield from oracle._equip(slot)
    aim = _face_aims(oracle, support, normal)
    if aim is None:
        return False
    pitch_bin, yaw_bin = oracle._camera_to(*aim)
    yield oracle._action(pitch=pitch_bin, yaw=yaw_bin, fn=1)
    return True


def build_portal(oracle: VoxelOracle) -> Plan:
    """Build and light a nether portal beside the player: a 4 x 5 frame of 10 obsidian (corners left
    as they are) set against a wall, lit with flint and steel on the inside of its bottom row. True
    once the opening has turned into portal blocks."""
    w = oracle.world
    counts = oracle.counts()
    if counts.get("obsidian", 0) < 10 or counts.get(PORTAL_LIGHTER, 0) < 1:
        oracle.log.append(f"t={w.time} portal: need 10 obsidian and {PORTAL_LIGHTER}, have {counts.get('obsidian', 0)}")
        return None
    for _try in range(3):
        site = find_site(oracle)
        if site is None:
            oracle.log.append(f"t={w.time} portal: no site near {oracle.feet()}")
            yield from oracle._wander(30)
            continue
        oracle.log.append(f"t={w.time} portal: site {site.base} axis {site.axis}")
        ok = yield from _build_at(oracle, site)
        if ok:
            mem = _memory(oracle)
            mem.cells[w.dimension] = [site.cell(0, 0), site.cell(1, 0)]
            oracle.log.append(f"t={w.time} portal lit at {site.base}")
            return True
        oracle.failed_blocks.add(site.base)
        yield from oracle._wander(20)
    return None


def _work_through(oracle: VoxelOracle, site: Site, cells: list[tuple[int, int, int]], done, can, act) -> Plan:
    """Do ``act(cell)`` for every cell not ``done`` yet: each time the nearest cell that ``can`` be
    done from where the player stands (a block in sight, a face the camera grid reaches), moving to
    the site's next stand cell when none can; False when none can from any of them."""
    stands = site.stands() + [site.cell(i, 0, 1) for i in (0, 1, -1, 2)]
    tried = {oracle.feet()}
    for _round in range(4 * len(cells) + len(stands)):
        todo = [c for c in cells if not done(c)]
        if not todo:
            return True
        eye = oracle.world.eye()
        todo.sort(key=lambda c: float(np.linalg.norm(np.array(c, dtype=np.float64) + 0.5 - eye)))
        ready = next((c for c in todo if can(c)), None)
        if ready is not None:
            ok = yield from act(ready)
            if ok or done(ready):
                continue
        moved = False
        for stand in stands:
            if stand in tried or oracle._solid(*stand) or oracle._solid(stand[0], stand[1] + 1, stand[2]) \
                    or not oracle._solid(stand[0], stand[1] - 1, stand[2]):
                continue
            tried.add(stand)
            arrived = yield from oracle._goto({stand}, stand)
            if arrived:
                moved = True
                break
        if not moved:
            return False
    return all(done(c) for c in cells)


def _build_at(oracle: VoxelOracle, site: Site) -> Plan:
    w = oracle.world
    ok = yield from oracle._goto(set(site.stands()), site.cell(0, 0))
    if not ok:
        oracle.log.append(f"t={w.time} portal: cannot stand before the site at {site.base}")
        return False
    # clear the slab in front, the opening and the frame's cells above the floor (frame cells already
    # of obsidian stay), then the floor under the opening, which becomes the bottom row
    frame = set(site.frame())

    def cleared(c):
        b = oracle._block(*c)
        return b == 0 or (b == w.id_obsidian and c in frame)

    ok = yield from _work_through(oracle, site, site.to_clear() + site.frame()[:2], cleared,
                                  lambda c: oracle._aim_at_block(c) is not None,
                                  lambda c: oracle._break(c, max_ticks=600))
    if not ok:
        oracle.log.append(f"t={w.time} portal: cannot clear the site from {oracle.feet()}")
        return False
    obsidian = oracle.cat.block_id("obsidian")
    ok = yield from _work_through(oracle, site, site.frame(), lambda c: oracle._block(*c) == obsidian,
                                  lambda c: _support_face(oracle, c) is not None,
                                  lambda c: place_at(oracle, c, "obsidian"))
    if not ok:
        oracle.log.append(f"t={w.time} portal: could not set the frame from {oracle.feet()}")
        return False
    ok = yield from _work_through(oracle, site, site.opening(), lambda c: oracle._block(*c) == 0,
                                  lambda c: oracle._aim_at_block(c) is not None,
                                  lambda c: oracle._break(c, max_ticks=200))  # a drop fell in
    if not ok:
        return False
    bottom = site.frame()[:2]
    ok = yield from _work_through(oracle, site, bottom, lambda c: oracle._block(*site.cell(0, 0)) == w.id_portal,
                                  lambda c: _face_aims(oracle, c, (0, 1, 0)) is not None,
                                  lambda c: _light(oracle, c))
    return bool(ok) and oracle._block(*site.cell(0, 0)) == w.id_portal


def _light(oracle: VoxelOracle, bottom: tuple[int, int, int]) -> Plan:
    """Use flint and steel on the top face of a bottom-row block (inside the opening)."""
    used = yield from _use_on_face(oracle, PORTAL_LIGHTER, bottom, (0, 1, 0))
    return used


def _carry_stations(oracle: VoxelOracle) -> Plan:
    """Hold the crafting table / furnace that the plan's crafts and smelts still need before a trip
    (the nether has no trees to make a table from, nor cobblestone for a furnace): pick up the ones
    placed nearby, else make new ones."""
    counts = oracle.counts()
    missing = {k: v for k, v in oracle.targets.items() if counts.get(k, 0) < v}
    if not missing or oracle.graph is None:
        return True
    try:
        goals = plan(oracle.graph, missing, dict(counts, **{PORTAL: 1}))
    except ValueError:
        return True
    needed = {g.source.station for g in goals if g.source.station in ("crafting_table", "furnace")}
    needed = {s for s in needed if oracle.slot_of(s) < 0}
    if not needed:
        return True
    yield from oracle._take_stations()
    for station in sorted(needed):
        if oracle.slot_of(station) >= 0:
            continue
        try:
            steps = plan(oracle.graph, {station: 1}, oracle.counts())
        except ValueError:
            continue
        for step in steps:
            if step.source.kind not in ("craft", "smelt") and step.source.kind != "mine":
                break
            yield from oracle._pursue(step)
    return True


def travel(oracle: VoxelOracle) -> Plan:
    """Go through the nearest lit portal: walk into it, step out and back in if the world has just
    brought the player through it, then stand still until the dimension changes."""
    w = oracle.world
    start_dim = w.dimension
    if start_dim == "overworld":
        yield from _carry_stations(oracle)
    for _leg in range(RETURN_LEGS):
        cells = portal_cells(oracle)
        if not cells:
            oracle.log.append(f"t={w.time} travel: no lit portal in the {start_dim}")
            return None
        target = cells[0]
        here = oracle.feet()
        if oracle._block(*here) == w.id_portal:
            break
        if target[1] > here[1] + SHAFT_ABOVE:  # deep below it (ores mined before leaving): straight up
            yield from oracle._take_stations()
            yield from climb(oracle, target[1])
        ok = yield from oracle._goto(set(cells[:6]), target, partial=True)
        if oracle._block(*oracle.feet()) == w.id_portal:
            break
        if not ok and np.abs(np.array(oracle.feet()) - np.array(target)).sum() <= 2:
            yield from oracle._wander(8)
    else:
        oracle.log.append(f"t={w.time} travel: could not reach the portal from {oracle.feet()}")
        return None
    if w.player.portal_ticks < 0:  # just arrived through it: it works again once stepped out of
        yield from _step_out(oracle)
        cells = portal_cells(oracle)
        if cells:
            yield from oracle._goto(set(cells[:6]), cells[0])
    oracle.log.append(f"t={w.time} travel: in the portal at {oracle.feet()} ({start_dim})")
    for _ in range(TRAVEL_WAIT):
        if w.dimension != start_dim:
            break
        yield oracle._action()
    if w.dimension == start_dim:
        return None
    note_dimension(oracle)
    oracle.log.append(f"t={w.time} travel: arrived in the {w.dimension} at {oracle.feet()}")
    portal_cells(oracle)
    yield from _step_out(oracle)
    return True


def _step_out(oracle: VoxelOracle) -> Plan:
    """Leave the portal cell the player stands in (digging a side cell out if the land is closed)."""
    w = oracle.world
    x, y, z = oracle.feet()
    options = []
    for dx, dz, _yaw in ((0, 1, 0.0), (0, -1, 180.0), (-1, 0, 90.0), (1, 0, -90.0)):
        for dist in (1, 2):
            c = (x + dx * dist, y, z + dz * dist)
            if oracle._block(*c) != w.id_portal:
                options.append(c)
                break
    goals = {c for c in options if oracle._solid(c[0], c[1] - 1, c[2]) and oracle._block(*c) != w.id_portal}
    if goals:
        ok = yield from oracle._goto(goals, next(iter(goals)))
        if ok:
            return True
    ok = yield from oracle._goto(oracle.cells_near((x, y, z), 3, (-1, 0, 1)) - {(x, y, z)}, (x, y, z + 3), partial=True)
    return ok and oracle._block(*oracle.feet()) != w.id_portal


# ---------------------------------------------------------------------------------------- climbing
#: blocks the oracle stacks under itself to climb (any solid block it can spare), best first
PILLAR_BLOCKS: tuple[str, ...] = ("netherrack", "cobblestone", "dirt", "stone", "sand", "gravel", "soul_sand")
#: a mined block higher than this above the feet is out of reach from the floor: climb to it
HIGH_ABOVE = 4
#: in the overworld, blocks all higher than this above the feet: dig a shaft up to them first
SHAFT_ABOVE = 12


def handles(oracle: VoxelOracle, goal: Goal) -> bool:
    """Goals this module does instead of the oracle's own handlers: the portal's build and the trips,
    and mining in the nether where the block lies out of reach overhead (glowstone hangs from the
    cavern's roof, 40-70 blocks above its floor)."""
    source = goal.source
    if source.kind in ("build", TRAVEL, "collect"):
        return True
    if source.kind in ("craft", "smelt") and source.station in ("crafting_table", "furnace"):
        # up on a pillar there is no floor beside the feet to set a station on
        return _aloft(oracle) and not oracle._station_near(source.station)
    if source.kind != "mine":
        return False
    if source.target == "obsidian" and source.tool:
        return True
    if oracle.world.dimension != "overworld":
        return source.station == PORTAL and (_aloft(oracle) or _only_overhead(oracle, source.target))
    # deep down after the obsidian (it lies under lava pools at y <= 8), the rest of the plan is often
    # at the surface, beyond what the path finder climbs: a shaft up first
    return _memory(oracle).portal_plan and _only_overhead(oracle, source.target, SHAFT_ABOVE)


def _blocks_of(oracle: VoxelOracle, name: str, radius: int = 48) -> np.ndarray:
    w = oracle.world
    fx, _, fz = oracle.feet()
    x0, z0 = max(fx - radius, 0), max(fz - radius, 0)
    found = np.argwhere(np.isin(w.blocks[x0:fx + radius + 1, :, z0:fz + radius + 1], oracle._kind_ids(name)))
    if found.size:
        found[:, 0] += x0
        found[:, 2] += z0
    return found


def _only_overhead(oracle: VoxelOracle, name: str, above: int = HIGH_ABOVE) -> bool:
    """True when every block of ``name`` near the player is more than ``above`` over the feet."""
    found = _blocks_of(oracle, name)
    if found.size == 0:
        return False
    return bool((found[:, 1] > oracle.feet()[1] + above).all())



def _pillar_stock(oracle: VoxelOracle) -> int:
    counts = oracle.counts()
    return sum(counts.get(n, 0) for n in PILLAR_BLOCKS if n not in oracle.targets)


def _pillar_block_slot(oracle: VoxelOracle) -> int:
    for name in PILLAR_BLOCKS:
        if name in oracle.targets:
            continue
        slot = oracle.slot_of(name)
        if slot >= 0:
            return slot
    return -1


def _column_floor(oracle: VoxelOracle, x: int, top: int, z: int) -> int | None:
    """The highest solid, non-liquid block below ``top`` in column (x, z) with open air above it up
    to ``top`` (None where that column ends in lava or has no floor)."""
    w = oracle.world
    for y in range(top - 1, 0, -1):
        b = oracle._block(x, y, z)
        if b > 0 and w.liquid_kind[b]:
            return None
        if b > 0 and w.collidable[b]:
            return y
    return None


def pillar_to(oracle: VoxelOracle, block: tuple[int, int, int]) -> Plan:
    """Stand under ``block`` (on the floor of its column, or one beside it) and stack blocks under
    the feet -- jump, look straight down, place while airborne -- until the head is just below it."""
    w = oracle.world
    bx, by, bz = block
    floor = _column_floor(oracle, bx, by, bz)
    if floor is None:
        return False
    need = by - 2 - (floor + 1)
    if _pillar_stock(oracle) < need:
        filler = "netherrack" if w.dimension == "nether" else "cobblestone"
        source = Source("mine", filler, filler, 1.0, "pickaxe", 0, station=PORTAL if w.dimension == "nether" else "")
        want = oracle.counts().get(filler, 0) + need - _pillar_stock(oracle) + 2
        for _ in range(6):
            if _pillar_stock(oracle) >= need:
                break
            got = yield from oracle._mine_one(Goal(filler, want, source, max(want, 1)))
            if not got:
                break
        if _pillar_stock(oracle) < need:
            oracle.log.append(f"t={w.time} climb: {need} blocks needed, {_pillar_stock(oracle)} held")
            return False
    start = (bx, floor + 1, bz)
    ok = yield from oracle._goto({start}, start)
    if not ok:
        oracle.log.append(f"t={w.time} climb: cannot reach the foot of {block}")
        return False
    oracle.log.append(f"t={w.time} climb: {need} blocks up to {block}")
    _memory(oracle).pillar_floor[(bx, bz)] = floor
    ok = yield from climb(oracle, by - 2)
    return ok


def climb(oracle: VoxelOracle, to_y: int) -> Plan:
    """Raise the feet to ``to_y`` where the player stands, stacking spare blocks under itself: jump,
    look straight down, place while airborne; a block overhead is dug away first (a shaft up through
    rock). Stops under liquid (a lake's floor, lava). True once the feet are at ``to_y``."""
    w = oracle.world
    stuck = 0
    while oracle.feet()[1] < to_y and stuck < 6 and w.player.alive:
        x, y, z = oracle.feet()
        above = oracle._block(x, y + 2, z)
        if above > 0 and w.liquid_kind[above]:
            oracle.log.append(f"t={w.time} climb: liquid above {oracle.feet()}")
            return False
        if oracle._solid(x, y + 2, z):  # rock or a roof overhead: dig through it
            broke = yield from oracle._break((x, y + 2, z), max_ticks=300)
            if not broke:
                return False
            continue
        yield from oracle._center(10)
        slot = _pillar_block_slot(oracle)
        if slot < 0:
            return False
        pitch_bin, yaw_bin = oracle._camera_to(w.player.yaw, 90.0)
        yield oracle._action(pitch=pitch_bin, yaw=yaw_bin)
        placed = False
        for tick in range(14):
            jump = 1 if tick == 0 else 0
            fn = 6 if w.player.pos[1] >= y + 1.0 and not placed else 0
            yield oracle._action(jump=jump, fn=fn, slot=slot)
            if fn == 6 and oracle._block(x, y, z) > 0:
                placed = True
            if placed and w.player.on_ground:
                break
        stuck = 0 if oracle.feet()[1] > y else stuck + 1
    return oracle.feet()[1] >= to_y


def _aloft(oracle: VoxelOracle) -> bool:
    """True when the player stands on a pillar (no ground beside the block under its feet)."""
    x, y, z = oracle.feet()
    return oracle._solid(x, y - 1, z) and not any(oracle._solid(x + dx, y - 1, z + dz) or oracle._solid(x + dx, y - 2, z + dz)
                                                  for dx, dz in ((1, 0), (-1, 0), (0, 1), (0, -1)))


def _pillar_column(oracle: VoxelOracle, found: np.ndarray) -> tuple[tuple[int, int, int], int, int] | None:
    """Where to climb: ``(block to climb under, floor y, blocks in reach from the top)`` for the
    column whose top reaches the most target blocks (then the fewest blocks to stack, then nearest)."""
    feet = np.array(oracle.feet())
    best, best_key = None, None
    for cell in found:
        gx, gy, gz = (int(v) for v in cell)
        if (gx, gy, gz) in oracle.failed_blocks or oracle._block(gx, gy - 1, gz) != 0:
            continue
        floor = _column_floor(oracle, gx, gy, gz)
        if floor is None or floor + 1 >= gy - 2:
            continue
        eye = np.array([gx + 0.5, gy - 2 + 1.62, gz + 0.5])
        reach = int((np.linalg.norm(found + 0.5 - eye, axis=1) <= 4.2).sum())
        key = (-min(reach, 3), gy - floor + 0.3 * float(np.abs(cell - feet)[[0, 2]].sum()))
        if best_key is None or key < best_key:
            best, best_key = ((gx, gy, gz), floor, reach), key
    return best


def mine_overhead(oracle: VoxelOracle, goal: Goal) -> Plan:
    """Mine ``goal``'s block where it only lies overhead: climb a pillar under the spot whose top
    reaches the most of them, mine every one in reach, and climb back down when none is left there."""
    w = oracle.world
    if w.dimension == "overworld":
        found = _blocks_of(oracle, goal.source.target)
        to_y = int(found[:, 1].min()) - 1 if found.size else oracle.feet()[1]
        oracle.log.append(f"t={w.time} shaft up from {oracle.feet()} to {to_y} for {goal.source.target}")
        yield from oracle._take_stations()
        yield from climb(oracle, to_y)
        return (yield from oracle._mine_one(goal))
    ids = oracle._kind_ids(goal.source.target)
    before = oracle.counts().get(goal.item, 0)
    for _round in range(3):
        if _aloft(oracle):
            broken = []
            while oracle.counts().get(goal.item, 0) < goal.count and len(broken) < 8:
                cell = oracle._reachable_block(ids, radius=5)
                if cell is None:
                    break
                ok = yield from oracle._break(cell)
                if not ok:
                    oracle.failed_blocks.add(cell)
                    continue
                broken.append(cell)
            if broken:
                for _ in range(30):  # the drops fall onto the pillar's top
                    yield oracle._action()
                    if oracle.counts().get(goal.item, 0) >= goal.count:
                        break
                if oracle.counts().get(goal.item, 0) > before:
                    return True
            x, y, z = oracle.feet()
            floor = _memory(oracle).pillar_floor.get((x, z))  # where this pillar stands
            oracle.log.append(f"t={w.time} climb: nothing in reach at {oracle.feet()}, down to {floor}")
            yield from oracle._descend_to((floor if floor is not None else y - 40) + 1, max_blocks=120)
            if _aloft(oracle):
                return None
        found = _blocks_of(oracle, goal.source.target)
        if found.size == 0:
            return None
        choice = _pillar_column(oracle, found)
        if choice is None:
            return None
        cell, _floor, _reach = choice
        ok = yield from pillar_to(oracle, cell)
        if not ok:
            oracle.failed_blocks.add(cell)
            if not _aloft(oracle):
                continue
    return oracle.counts().get(goal.item, 0) > before or None


# ---------------------------------------------------------------------------------------- laid items
#: ticks one collect goal waits and walks before the oracle replans
COLLECT_BUDGET = 1500


def collect_laid(oracle: VoxelOracle, goal: Goal, budget: int = COLLECT_BUDGET) -> Plan:
    """Gather what a mob lays (a chicken's egg): walk to any laid one lying in the loaded land, however
    far (not into water, where the oracle would drown); with none lying about, explore while no layer
    is loaded (new land brings herds), else stay near the nearest one: every chicken lays about once
    per 9,000 ticks, and one walked away from may be gone when its land unloads."""
    from embodied_gym.envs.voxel.mobs import MOB_INDEX

    w = oracle.world
    item = oracle.cat.item_id(goal.item)
    kind = MOB_INDEX.get(goal.source.target, -1)
    end = w.time + budget
    unreachable: set[int] = set()
    while w.time < end and oracle.counts().get(goal.item, 0) < goal.count and w.player.alive:
        lying = [int(k) for k in np.flatnonzero(w.item_alive & (w.item_id == item)) if int(k) not in unreachable
                 and not oracle._is_liquid(*(int(math.floor(v)) for v in w.item_pos[k]))]  # no swim to drown
        if lying:
            d = np.linalg.norm(w.item_pos[lying] - w.player.pos, axis=1)
            k = lying[int(np.argmin(d))]
            before = oracle.counts().get(goal.item, 0)
            for _leg in range(6):
                if not w.item_alive[k] or oracle.counts().get(goal.item, 0) > before:
                    break
                spot = tuple(int(math.floor(v)) for v in w.item_pos[k])
                start = w.time
                ok = yield from oracle._goto(oracle.cells_near(spot, 0, (-1, 0, 1)), spot, partial=True)
                for _ in range(12):
                    yield oracle._action()
                if not ok and w.time - start < 20:
                    break
            if w.item_alive[k] and oracle.counts().get(goal.item, 0) <= before:
                unreachable.add(k)
            continue
        layers = np.flatnonzero(w.mob_alive & (w.mob_kind == kind))
        if layers.size == 0:
            start = w.time
            yield from oracle._explore(60)
            if w.time == start:
                yield from oracle._wait(20)
            continue
        d = np.linalg.norm(w.mob_pos[layers] - w.player.pos, axis=1)
        if d.min() > 12.0:
            yield from oracle._close_in(int(layers[int(np.argmin(d))]), reach=6.0)
        yield from oracle._wait(20)
    return oracle.counts().get(goal.item, 0) >= goal.count or None


# ---------------------------------------------------------------------------------------- obsidian
#: ticks one obsidian goal runs before the oracle replans
OBSIDIAN_BUDGET = 3000
#: a stand cell deeper than this below the feet is reached by a vertical shaft first
DESCEND_SHAFT = 6


def _obsidian_stands(oracle: VoxelOracle, radius: int = 64) -> list[tuple[float, tuple[int, int, int], list]]:
    """Obsidian cells near the player with dry stand cells to mine them from, nearest first.

    The world's obsidian lies under lava pools (a cave's lava at y <= 10 rests on one obsidian block
    per step of the cave): the cell above it is lava, so it is mined from below -- feet two under it
    -- or from beside and one lower (eye level with it), where no liquid or bedrock is at the feet
    or the head and a solid floor is under them."""
    w = oracle.world
    cat = oracle.cat
    found = _blocks_of(oracle, "obsidian", radius)
    if found.size == 0:
        return []
    feet = np.array(oracle.feet())
    out = []
    for cell in found:
        x, y, z = (int(v) for v in cell)
        if (x, y, z) in oracle.failed_blocks:
            continue
        stands = [(x, y - 2, z)] + [(x + dx, y - 1, z + dz) for dx, dz in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        dry = []
        for sx, sy, sz in stands:
            floor, body = oracle._block(sx, sy - 1, sz), [oracle._block(sx, sy + k, sz) for k in (0, 1)]
            if floor <= 0 or not w.collidable[floor] or w.liquid_kind[floor]:
                continue  # nothing (or lava, water) to stand on
            if any(b < 0 or (b > 0 and (w.liquid_kind[b] or cat.hardness[b] < 0)) for b in body):
                continue  # liquid where the body goes, or bedrock that cannot be dug out
            dry.append((sx, sy, sz))
        if not dry:
            continue
        dist = float(np.abs(cell - feet).sum() + 2.0 * max(feet[1] - y, 0) + 3.0 * max(y - feet[1], 0))
        out.append((dist, (x, y, z), dry))
    out.sort(key=lambda t: t[0])
    return out


def mine_obsidian(oracle: VoxelOracle, goal: Goal, budget: int = OBSIDIAN_BUDGET) -> Plan:
    """Mine obsidian (188 ticks a block with a diamond pickaxe) from dry cells under or beside it,
    every block in reach of a spot before moving on; drops fall onto the player below."""
    w = oracle.world
    ids = oracle._kind_ids("obsidian")
    before = oracle.counts().get("obsidian", 0)
    end = w.time + budget
    misses = 0
    while oracle.counts().get("obsidian", 0) < goal.count and w.time < end and w.player.alive and misses < 4:
        yield from settle(oracle)
        cell = oracle._reachable_block(ids, radius=4)
        if cell is not None:
            ok = yield from oracle._break(cell, max_ticks=500)
            if not ok:
                oracle.failed_blocks.add(cell)
                continue
            yield from oracle._pickup_near(np.array(cell, dtype=np.float64) + 0.5, "obsidian",
                                           oracle.counts().get("obsidian", 0), radius=4.0)
            continue
        options = _obsidian_stands(oracle)
        if not options:
            total = _blocks_of(oracle, "obsidian", 64)
            failed = sum(tuple(int(v) for v in c) in oracle.failed_blocks for c in total)
            oracle.log.append(f"t={w.time} obsidian: none with a dry stand near {oracle.feet()} "
                              f"({len(total)} blocks, {failed} failed before): exploring")
            start = w.time
            yield from oracle._explore(240)  # new land, new lava caves (the world loads 3 chunks around)
            if w.time == start:
                break
            continue
        arrived = moved = False
        for _dist, target, stands in options[:4]:
            sy = min(s[1] for s in stands)
            if sy < oracle.feet()[1] - DESCEND_SHAFT:
                yield from oracle._descend_to(sy + 2)
                yield from settle(oracle)
            start = oracle.feet()
            # partial: a far target (beyond the path finder's window, or a walk cut short by a
            # fight) is walked towards and tried again from nearer
            arrived = yield from oracle._goto(set(stands), target, partial=True)
            if arrived and oracle._aim_at_block(target) is not None:
                break
            arrived = False
            if oracle.feet() != start:
                moved = True
                break
            dug = yield from tunnel_toward(oracle, stands[0])  # the path finder found no way: dig one
            if dug:
                moved = True
                break
            oracle.log.append(f"t={w.time} obsidian: no way to a stand by {target} from {oracle.feet()}")
            oracle.failed_blocks.add(target)
        misses = 0 if arrived or moved else misses + 1
    got = oracle.counts().get("obsidian", 0)
    oracle.log.append(f"t={w.time} obsidian: {got - before} mined, {got} held")
    return True if got > before else None


def tunnel_toward(oracle: VoxelOracle, goal: tuple[int, int, int], steps: int = 12) -> Plan:
    """Dig a 1 x 2 tunnel cell by cell towards ``goal`` (level, or one up or down a step), never into
    liquid or bedrock nor over a hole; True if the player got nearer. For where the path finder
    finds no way (deep down, between lava pools and bedrock)."""
    w = oracle.world
    cat = oracle.cat
    start = oracle.feet()

    def dist(c):
        return abs(c[0] - goal[0]) + abs(c[2] - goal[2]) + 2 * abs(c[1] - goal[1])

    for _ in range(steps):
        yield from settle(oracle)
        x, y, z = oracle.feet()
        if (x, y, z) == goal:
            break
        best = None
        for dx, dz in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            for dy in (0, 1, -1) if goal[1] > y else ((0, -1, 1) if goal[1] < y else (0, 1, -1)):
                c = (x + dx, y + dy, z + dz)
                cells = [oracle._block(c[0], c[1] + k, c[2]) for k in (-1, 0, 1, 2)]
                floor, body = cells[0], cells[1:3] + (cells[3:] if dy > 0 else [])
                if floor <= 0 or not w.collidable[floor] or w.liquid_kind[floor]:
                    continue
                if any(b < 0 or (b > 0 and (w.liquid_kind[b] or cat.hardness[b] < 0)) for b in body):
                    continue
                if dist(c) < dist((x, y, z)) and (best is None or dist(c) < dist(best)):
                    best = c
        if best is None:
            break
        ok = yield from oracle._step_to(best)
        if not ok:
            break
    return dist(oracle.feet()) < dist(start)


def settle(oracle: VoxelOracle, ticks: int = 12) -> Plan:
    """Wait (at most ``ticks``) until the player stands on the ground: right after digging down it is
    still falling, and an aim taken in mid-air (the 15-degree camera grid, from a higher eye) misses
    the block beside the feet."""
    w = oracle.world
    for _ in range(ticks):
        if w.player.on_ground or w.liquid_kind[max(oracle._block(*oracle.feet()), 0)]:
            return True
        yield oracle._action()
    return bool(w.player.on_ground)
