"""How each Minecraft item is obtained, as a graph, and goal plans over it.

An item has *sources*: mine a natural block (with the tool class and tier the catalog says), kill or
interact with a mob (milk a cow with a bucket, shear a sheep), collect what a mob lays (a chicken's
egg), fish in water with a rod, fill a bucket, build a nether portal (sources in the nether then need it), craft it (in the hand's
2x2 grid or at a crafting table) or smelt it (at a furnace, with fuel). The graph is built from the voxel
world's catalog (block drops, recipes) plus the world's *capabilities*: which blocks the terrain
generates, which mobs exist and what they drop. The same graph answers two questions:

* coverage -- can a task be completed in the embedded world at all, and if not, what is missing;
* the oracle's plan -- from the current inventory, the ordered list of "have N of item X via source S"
  goals that reaches the task's target most cheaply (costs are rough step counts).

Mob drops and the special interactions are Minecraft 1.11 facts; which of them a world offers comes
from its capabilities, so the graph never promises what the world cannot do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

#: Minecraft 1.11 mob drops (item -> mobs that drop it), used where the world declares the mob.
MOB_DROPS: dict[str, tuple[str, ...]] = {
    "cow": ("beef", "leather"), "mooshroom": ("beef", "leather"), "pig": ("porkchop",),
    "sheep": ("mutton", "wool"), "chicken": ("chicken", "feather"), "rabbit": ("rabbit", "rabbit_hide", "rabbit_foot"),
    "horse": ("leather",), "donkey": ("leather",), "llama": ("leather",), "squid": ("dye",),
    "zombie": ("rotten_flesh",), "husk": ("rotten_flesh",), "zombie_villager": ("rotten_flesh",),
    "skeleton": ("bone", "arrow"), "stray": ("bone", "arrow"), "spider": ("string", "spider_eye"),
    "cave_spider": ("string", "spider_eye"), "creeper": ("gunpowder",), "enderman": ("ender_pearl",),
    "slime": ("slime_ball",), "magma_cube": ("magma_cream",),
    "witch": ("glass_bottle", "glowstone_dust", "redstone", "sugar", "stick", "gunpowder", "spider_eye"),
    "blaze": ("blaze_rod",), "ghast": ("ghast_tear", "gunpowder"), "zombie_pigman": ("rotten_flesh", "gold_nugget"),
    "wither_skeleton": ("coal", "bone", "skull"), "guardian": ("prismarine_shard", "fish"),
    "shulker": ("shulker_shell",), "polar_bear": ("fish",),
}
#: mobs the oracle may meet in the overworld without a specified biome (hostile ones only at night)
NIGHT_MOBS = frozenset({"zombie", "skeleton", "spider", "creeper", "enderman", "witch", "slime", "husk", "stray"})

#: interactions: item -> (mob or block, tool item consumed/used, kind)
INTERACTIONS: dict[str, tuple[str, str, str]] = {
    "milk_bucket": ("cow", "bucket", "milk"),
    "water_bucket": ("water", "bucket", "fill"),
    "lava_bucket": ("lava", "bucket", "fill"),
}
#: shearing a sheep gives wool without killing it (MineDojo's "shear a sheep" tasks)
SHEAR_ITEMS: dict[str, str] = {"wool": "sheep"}
#: blocks that shears harvest as themselves (Minecraft 1.11; the voxel world does the same)
SHEAR_BLOCKS: tuple[str, ...] = ("leaves", "leaves2", "tallgrass", "web", "vine")

#: the pseudo-item a plan "holds" once a nether portal is built and lit (10 obsidian, flint and steel);
#: sources in the other dimension name it as their ``station``
PORTAL = "nether_portal"
PORTAL_FRAME: tuple[tuple[str, int], ...] = (("obsidian", 10),)
PORTAL_LIGHTER = "flint_and_steel"

#: pickaxe items by tier (0 wood ... 3 diamond); golden tools are tier 0 but cost gold
TOOL_ITEMS: dict[str, tuple[str, ...]] = {
    "pickaxe": ("wooden_pickaxe", "stone_pickaxe", "iron_pickaxe", "diamond_pickaxe"),
    "axe": ("wooden_axe", "stone_axe", "iron_axe", "diamond_axe"),
    "shovel": ("wooden_shovel", "stone_shovel", "iron_shovel", "diamond_shovel"),
    "sword": ("wooden_sword", "stone_sword", "iron_sword", "diamond_sword"),
    "shears": ("shears",),
}
#: blocks whose drop needs a tool class other than the one that breaks them fastest: the world gives a
#: web's string only to a sword (shears take the web itself, a hand gets nothing)
DROP_TOOL: dict[str, str] = {"web": "sword"}
#: fuels the oracle burns, best first, with items smelted per unit (Minecraft: 200 ticks per item)
FUELS: tuple[tuple[str, float], ...] = (("coal", 8.0), ("planks", 1.5), ("log", 1.5))

#: rough step costs (used only to choose between sources)
COST_MINE, COST_KILL, COST_INTERACT, COST_CRAFT, COST_SMELT = 60.0, 150.0, 120.0, 2.0, 12.0
#: waiting beside a mob for what it lays (Minecraft: a chicken lays an egg every 6,000-12,000 ticks)
COST_COLLECT = 1500.0
#: one fishing cast: Minecraft 1.11 waits 100-600 ticks for a bite
COST_FISH = 350.0
INFINITE = float("inf")


@dataclass(frozen=True)
class Source:
    """One way to obtain ``item``: ``per_action`` of it each time the action is done."""

    kind: str  # "mine" | "kill" | "collect" | "fish" | "milk" | "shear" | "fill" | "craft" | "smelt" | "build"
    item: str
    target: str = ""  # block or mob name, or the recipe output
    per_action: float = 1.0  # expected yield per action (a craft's output count)
    tool: str = ""  # tool class required ("pickaxe"), or the held item for interactions ("bucket")
    tier: int = -1  # minimum tool tier, -1 = any
    ingredients: tuple[tuple[str, int], ...] = ()
    station: str = ""  # "", "crafting_table", "furnace", or PORTAL (the source is in another dimension)


@dataclass(frozen=True, eq=False)
class Capabilities:
    """What a world offers: naturally generated blocks, mobs, biomes, and actions it implements.

    Compared and hashed by identity (it is built once per world version and caches its graphs).
    """

    blocks: frozenset[str]
    mobs: frozenset[str]
    biomes: frozenset[str]
    #: blocks reachable only in one dimension ("nether", "end"): usable only in tasks set there
    dimension_blocks: Mapping[str, frozenset[str]] = field(default_factory=dict)
    interactions: frozenset[str] = frozenset({"milk", "shear", "fill", "craft", "smelt"})
    #: extra drops the world gives beyond the catalog's single drop per block, e.g. leaves -> apple
    extra_block_drops: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: mob drops the world implements: item names, or (item, expected count per kill) pairs
    #: (defaults to :data:`MOB_DROPS`, one of each, for every declared mob)
    mob_drops: Mapping[str, tuple] | None = None
    #: items a live mob leaves on the ground by itself (a chicken's egg): mob -> item names, or
    #: (item, expected count per collect action) pairs; planned as "collect" goals next to the mob
    laid_items: Mapping[str, tuple] = field(default_factory=dict)
    #: mobs of another dimension (reached through a portal), by dimension
    dimension_mobs: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: dimensions a portal built in this world leads to: their ``dimension_blocks`` and
    #: ``dimension_mobs`` become sources that need a :data:`PORTAL` first
    portal_to: frozenset[str] = frozenset()
    #: what one fishing cast lands (item -> expected count), where the world has water to fish in
    fishing: Mapping[str, float] = field(default_factory=dict)


class SourceGraph:
    """Item -> sources, with a cost per item computed to a fixed point (recipes can form cycles)."""

    def __init__(self, catalog, capabilities: Capabilities, dimension: str = "overworld") -> None:
        self.catalog = catalog
        self.capabilities = capabilities
        self.dimension = dimension
        self.sources: dict[str, list[Source]] = {}
        self._build()
        self.cost = self._costs()
        self._avoid_costs: dict[frozenset[tuple[str, str]], dict[str, float]] = {}

    # -- construction -------------------------------------------------------------------------------
    def _add(self, source: Source) -> None:
        self.sources.setdefault(source.item, []).append(source)

    def _build(self) -> None:
        cat, caps = self.catalog, self.capabilities
        if self.dimension == "overworld":
            blocks = set(caps.blocks)
        else:
            blocks = set(caps.dimension_blocks.get(self.dimension, frozenset()))
        for block in sorted(blocks):
            self._add_block(block)
        for mob in sorted(caps.mobs):
            self._add_mob(mob)
        if "water" in blocks:
            for item, per in sorted(caps.fishing.items()):
                self._add(Source("fish", item, "water", float(per), tool="fishing_rod"))
        for other in sorted(caps.portal_to):
            if other == self.dimension:
                continue
            self._add(Source("build", PORTAL, PORTAL, 1.0, tool=PORTAL_LIGHTER, ingredients=PORTAL_FRAME))
            for block in sorted(caps.dimension_blocks.get(other, ())):
                self._add_block(block, station=PORTAL)
            for mob in sorted(caps.dimension_mobs.get(other, ())):
                self._add_mob(mob, station=PORTAL)
        for mob in sorted(caps.laid_items):
            if mob in caps.mobs:
                for entry in caps.laid_items[mob]:
                    item, per = (entry, 1.0) if isinstance(entry, str) else entry
                    self._add(Source("collect", item, mob, float(per)))
        for item, (what, held, kind) in INTERACTIONS.items():
            available = what in caps.mobs if kind == "milk" else what in blocks
            if kind in caps.interactions and available:
                self._add(Source(kind, item, what, 1.0, tool=held))
        for item, mob in SHEAR_ITEMS.items():
            if "shear" in caps.interactions and mob in caps.mobs:
                self._add(Source("shear", item, mob, 1.0, tool="shears"))
        table_items = set(cat.craft_smelt_items[cat.n_hand_craft : cat.n_hand_craft + cat.n_table_craft])
        if "craft" in caps.interactions:
            for out, recipes in cat.crafting.items():
                for recipe in recipes:
                    station = "crafting_table" if out in table_items else ""
                    self._add(Source("craft", out, out, float(recipe.count), ingredients=recipe.ingredients, station=station))
        if "smelt" in caps.interactions:
            for out, recipes in cat.smelting.items():
                for recipe in recipes:
                    self._add(Source("smelt", out, out, float(recipe.count), ingredients=recipe.ingredients, station="furnace"))

    def _add_block(self, block: str, station: str = "") -> None:
        """Mining sources of a natural block (``station``: what must be held first, e.g. a portal)."""
        from embodied_gym.procgen.catalog.minecraft import TOOL_CLASSES

        cat, caps = self.catalog, self.capabilities
        try:
            index = cat.block_id(block)
        except KeyError:
            return
        drop, low, high = cat.drops[index]
        tool = TOOL_CLASSES[int(cat.tool_class[index])]
        tier = int(cat.min_tier[index])
        needs_tool = not bool(cat.needs_no_tool[index])
        if block in DROP_TOOL:
            tool, tier, needs_tool = DROP_TOOL[block], -1, True
        drops = [(drop, (low + high) / 2.0)] if drop else []
        for extra in caps.extra_block_drops.get(block, ()):  # a name (5 % assumed) or (name, rate)
            drops.append((extra, 0.05) if isinstance(extra, str) else (extra[0], float(extra[1])))
        for item, per in drops:
            if per <= 0:
                continue
            self._add(Source("mine", item, block, per, tool if needs_tool else "", tier if needs_tool else -1,
                             station=station))
        if block in SHEAR_BLOCKS and "shear" in caps.interactions and block in cat.item_index:
            self._add(Source("mine", block, block, 1.0, "shears", -1, station=station))

    def _add_mob(self, mob: str, station: str = "") -> None:
        caps = self.capabilities
        drops_table = caps.mob_drops if caps.mob_drops is not None else MOB_DROPS
        for entry in drops_table.get(mob, ()):
            item, per = (entry, 1.0) if isinstance(entry, str) else entry
            self._add(Source("kill", item, mob, float(per), station=station))

    def tool_cost(self, tool: str, tier: int, costs: Mapping[str, float]) -> float:
        if not tool:
            return 0.0
        candidates = TOOL_ITEMS.get(tool, (tool,))
        if tool in TOOL_ITEMS and tier >= 0:
            candidates = candidates[tier:]
        return min((costs.get(c, INFINITE) for c in candidates), default=INFINITE)

    def source_cost(self, source: Source, costs: Mapping[str, float]) -> float:
        base = {"mine": COST_MINE, "kill": COST_KILL, "craft": COST_CRAFT, "smelt": COST_SMELT,
                "collect": COST_COLLECT, "fish": COST_FISH}.get(source.kind, COST_INTERACT)
        total = base / max(source.per_action, 1e-6) if source.kind in ("mine", "kill", "collect", "fish") else base
        total += self.tool_cost(source.tool, source.tier, costs) if source.kind in ("mine",) else 0.0
        if source.kind in ("milk", "shear", "fill", "build", "fish"):
            total += costs.get(source.tool, INFINITE)
        for name, count in source.ingredients:
            total += costs.get(name, INFINITE) * count / max(source.per_action, 1.0)
        if source.station:
            total += costs.get(source.station, INFINITE) * 0.05  # built once, reused
        if source.kind == "smelt":
            total += min(costs.get(f, INFINITE) / per for f, per in FUELS)
        return total

    def _costs(self, banned: frozenset[tuple[str, str]] = frozenset()) -> dict[str, float]:
        """Cheapest cost of every item; ``banned`` ``(kind, target)`` sources are left out wherever
        the item has another source (as :func:`plan` falls back to them only then)."""
        usable = {}
        for item, sources in self.sources.items():
            kept = [s for s in sources if (s.kind, s.target) not in banned]
            usable[item] = kept or list(sources)
        costs: dict[str, float] = {}
        for _ in range(60):
            changed = False
            for item, sources in usable.items():
                best = min(self.source_cost(s, costs) for s in sources)
                if best < costs.get(item, INFINITE) - 1e-9:
                    costs[item] = best
                    changed = True
            if not changed:
                break
        return costs

    # -- queries ------------------------------------------------------------------------------------
    def costs_avoiding(self, banned: frozenset[tuple[str, str]]) -> Mapping[str, float]:
        """Item costs with the ``banned`` sources left out, so an item made from an avoided source
        (bone meal from a skeleton nobody can reach) loses to its other recipes (a flower's dye)
        rather than to a worse way of getting the same ingredient. Cached per banned set."""
        if not banned:
            return self.cost
        if banned not in self._avoid_costs:
            self._avoid_costs[banned] = self._costs(banned)
        return self._avoid_costs[banned]

    def obtainable(self, item: str) -> bool:
        return self.cost.get(item, INFINITE) < INFINITE

    def best_source(self, item: str, exclude: Iterable[str] = (), avoid: Iterable[tuple[str, str]] = ()) -> Source | None:
        """The cheapest source of ``item`` (``exclude``: source kinds not to use; ``avoid``:
        ``(kind, target)`` pairs not to use, e.g. a block the caller could not reach)."""
        skip = set(exclude)
        banned = frozenset(avoid)
        costs = self.costs_avoiding(banned)
        best, best_cost = None, INFINITE
        for source in self.sources.get(item, ()):
            if source.kind in skip or (source.kind, source.target) in banned:
                continue
            c = self.source_cost(source, costs)
            if c < best_cost:
                best, best_cost = source, c
        return best

    def best_tool(self, tool: str, tier: int, have: Mapping[str, int] | None = None) -> str | None:
        """The tool item to use for (class, tier): one already held if any, else the cheapest to get."""
        candidates = TOOL_ITEMS.get(tool, (tool,))
        if tool in TOOL_ITEMS and tier >= 0:
            candidates = candidates[tier:]
        if have:
            held = [c for c in candidates if have.get(c, 0) > 0]
            if held:
                return held[-1]
        options = [(self.cost.get(c, INFINITE), c) for c in candidates]
        cost, name = min(options)
        return name if cost < INFINITE else None

    def missing_for(self, item: str) -> list[str]:
        """Why ``item`` cannot be obtained: the raw things (blocks, mobs) none of its sources reach."""
        reasons: list[str] = []
        seen: set[str] = set()

        def walk(name: str, depth: int) -> None:
            if name in seen or depth > 6:
                return
            seen.add(name)
            sources = self.sources.get(name, [])
            if not sources:
                reasons.append(f"item:{name}")
                return
            for source in sources:
                for ingredient, _ in source.ingredients:
                    if not self.obtainable(ingredient):
                        walk(ingredient, depth + 1)
                if source.kind in ("milk", "shear", "fill", "build", "fish") and not self.obtainable(source.tool):
                    walk(source.tool, depth + 1)

        walk(item, 0)
        return sorted(set(reasons))


@dataclass(frozen=True)
class Goal:
    """Have at least ``count`` of ``item`` in the inventory, via ``source``."""

    item: str
    count: int
    source: Source
    #: how many times the source's action is planned (crafts, blocks mined, mobs killed)
    actions: int = 1


def plan(graph: SourceGraph, targets: Mapping[str, int], have: Mapping[str, int],
         avoid: Iterable[tuple[str, str]] = ()) -> list[Goal]:
    """Ordered goals that take the inventory ``have`` to at least ``targets`` (dependencies first).

    ``targets`` are absolute counts. Quantities propagate through recipes (4 planks per log needs
    ceil(n / 4) logs); tools and stations (crafting table, furnace) are obtained once and not consumed
    -- a caller that has placed a station within reach counts it in ``have``. Each goal's ``count`` is
    the absolute inventory count to reach at that point of the plan. Raises ``ValueError`` when an item
    has no source in this world. ``avoid``: ``(kind, target)`` sources to skip where another exists.
    """
    banned = frozenset(avoid)
    stock = {name: int(count) for name, count in have.items()}
    goals: list[Goal] = []
    visiting: set[str] = set()
    keep: set[str] = set()  # tools and stations: needed, never consumed

    def obtain(item: str, amount: int) -> None:
        """Make ``amount`` units of ``item`` available beyond what ``stock`` already holds."""
        if amount <= 0:
            return
        source = graph.best_source(item, avoid=banned) or graph.best_source(item)
        if source is None or not graph.obtainable(item):
            raise ValueError(f"{item!r} cannot be obtained in this world (missing: {graph.missing_for(item)})")
        if item in visiting:
            raise ValueError(f"cyclic plan for {item!r}")
        visiting.add(item)
        produced = amount
        actions = max(1, math.ceil(amount / max(source.per_action, 1e-6)))
        if source.station and source.kind not in ("craft", "smelt"):
            hold(source.station)  # e.g. a nether portal before mining or hunting in the nether
        if source.kind in ("craft", "smelt"):
            batches = -(-amount // int(source.per_action))
            produced = batches * int(source.per_action)
            actions = batches
            if source.station:
                hold(source.station)
            for ingredient, per in source.ingredients:
                consume(ingredient, per * batches)
            if source.kind == "smelt":
                fuel, per_fuel = _fuel_choice(graph, stock)
                consume(fuel, -(-batches // int(per_fuel)))
        elif source.kind == "build":  # a portal: its frame is used up, the lighter is kept
            for ingredient, per in source.ingredients:
                consume(ingredient, per)
            hold(source.tool)
        elif source.kind == "mine" and source.tool:
            tool_item = graph.best_tool(source.tool, source.tier, stock)
            if tool_item is None:
                raise ValueError(f"no {source.tool} of tier >= {source.tier} obtainable to mine {source.target}")
            hold(tool_item)
        elif source.kind in ("milk", "fill"):
            consume(source.tool, 1)  # the empty bucket becomes the filled one
        elif source.kind in ("shear", "fish"):
            hold(source.tool)
        visiting.discard(item)
        stock[item] = stock.get(item, 0) + produced
        goals.append(Goal(item, stock[item], source, actions))

    def available(item: str) -> int:
        return stock.get(item, 0) - (1 if item in keep else 0)

    def consume(item: str, amount: int) -> None:
        obtain(item, amount - available(item))
        stock[item] = stock.get(item, 0) - amount

    def hold(item: str) -> None:
        if item not in keep:
            if stock.get(item, 0) < 1:
                obtain(item, 1)
            keep.add(item)

    for item, count in targets.items():
        obtain(item, int(count) - stock.get(item, 0))
    return goals


def _fuel_choice(graph: SourceGraph, stock: Mapping[str, int]) -> tuple[str, float]:
    for fuel, per in FUELS:
        if stock.get(fuel, 0) > 0:
            return fuel, per
    best = min(FUELS, key=lambda f: graph.cost.get(f[0], INFINITE) / f[1])
    return best


@lru_cache(maxsize=8)
def _cached_graph(capabilities: Capabilities, dimension: str) -> SourceGraph:
    from embodied_gym.procgen.catalog.minecraft import load_catalog

    return SourceGraph(load_catalog(), capabilities, dimension)


def graph_for(capabilities: Capabilities, dimension: str = "overworld") -> SourceGraph:
    """The (cached) source graph of a world with ``capabilities`` in ``dimension``."""
    return _cached_graph(capabilities, dimension)
