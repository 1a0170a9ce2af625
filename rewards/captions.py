"""Captions from what happened: per-world rules that read ``info`` and turn changes into events and text.

An *event* is a key such as ``voxel/kill/cow`` or ``house/enter/Kitchen``; each event has several
phrasings. Phrasings are split once, deterministically, into *train* phrasings and *held-out* phrasings:
training captions only ever use the former, so retrieval on the held-out ones measures whether the model
understands a goal it was never shown in those words.

The voxel rules read MineDojo-format info (``inventory``, ``stat.kill_entity``, ``stat.use_item``); the
house rules read AI2-THOR-style metadata (``agent`` room, ``objects`` with ``visible``/``isPickedUp``/
``isOpen``/``isToggled``, ``lastAction`` / ``lastActionSuccess``). A field a world does not report simply
produces no events of that kind; ``make-data`` reports the event counts per world so that shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# ---- phrasing tables ---------------------------------------------------------------------------------

#: voxel items whose inventory increase is an event, with their spoken name
VOXEL_ITEMS: dict[str, str] = {
    "log": "log", "log2": "log", "dirt": "dirt", "cobblestone": "cobblestone", "sand": "sand",
    "planks": "planks", "stick": "sticks", "crafting_table": "crafting table",
    "wooden_pickaxe": "wooden pickaxe", "wool": "wool", "milk_bucket": "milk", "coal": "coal", "iron_ore": "iron ore",
    "sapling": "sapling", "apple": "apple", "wheat_seeds": "seeds", "reeds": "sugar cane", "leaves": "leaves",
}
VOXEL_MOBS = ("cow", "pig", "sheep", "chicken", "zombie", "spider", "skeleton", "creeper", "rabbit", "horse")

_ITEM_PHRASES = {
    "log": (["harvest a log", "chop a tree", "collect wood from a tree", "punch a tree to get a log",
             "gather a wood log"], ["cut down a tree for wood", "obtain log"]),
    "dirt": (["dig dirt", "collect a dirt block", "dig into the ground for dirt"], ["obtain dirt", "shovel some soil"]),
    "cobblestone": (["mine stone", "collect cobblestone", "break a stone block with a pickaxe"],
                    ["obtain cobblestone with wooden pickaxe", "dig out some rock"]),
    "milk_bucket": (["milk a cow", "fill a bucket with milk", "use a bucket on a cow"],
                    ["obtain milk from a cow with an empty bucket", "get milk from the cow"]),
    "wool": (["shear a sheep", "collect wool from a sheep", "cut the wool off a sheep"],
             ["shear a sheep with shears", "obtain wool"]),
    "planks": (["craft planks", "turn a log into wooden planks", "make planks"], ["craft wooden planks from wood"]),
    "crafting_table": (["craft a crafting table", "build a workbench"], ["make a crafting table from planks"]),
}

_MOB_PHRASES = {
    "cow": (["kill a cow", "hunt a cow", "attack a cow until it dies", "slaughter a cow for beef"],
            ["hunt a cow in plains", "slay a cow"]),
    "pig": (["kill a pig", "hunt a pig", "attack a pig until it dies"], ["hunt a pig for porkchop", "slay a pig"]),
    "sheep": (["kill a sheep", "hunt a sheep", "attack a sheep until it dies"], ["hunt a sheep for mutton", "slay a sheep"]),
    "chicken": (["kill a chicken", "hunt a chicken"], ["slay a chicken", "hunt a chicken for meat"]),
    "zombie": (["kill a zombie", "fight a zombie", "defeat a zombie"], ["combat a zombie", "slay a zombie"]),
    "spider": (["kill a spider", "fight a spider"], ["combat a spider", "slay a spider"]),
}

_HOUSE_ROOMS = {
    "Kitchen": "kitchen", "Bedroom": "bedroom", "Bathroom": "bathroom", "LivingRoom": "living room",
}


def _split_phrases(train: list[str], heldout: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(train), tuple(heldout)


def _generic_item(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    spoken = VOXEL_ITEMS.get(name, name.replace("_", " "))
    return (f"collect {spoken}", f"get some {spoken}", f"pick up {spoken}"), (f"obtain {spoken}",)


def _generic_mob(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (f"kill a {name}", f"attack a {name} until it dies"), (f"slay a {name}", f"combat a {name}")


def _spoken_object(object_type: str) -> str:
    """``CoffeeTable`` -> ``coffee table``, ``TVStand`` -> ``tv stand``."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|\d+", object_type)
    return " ".join(w.lower() for w in words) or object_type.lower()


def phrasings(event: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(train phrasings, held-out phrasings)`` of an event key."""
    parts = event.split("/")
    world, kind = parts[0], parts[1]
    arg = "/".join(parts[2:])
    if world == "voxel":
        if kind == "get":
            return _split_phrases(*_ITEM_PHRASES[arg]) if arg in _ITEM_PHRASES else _generic_item(arg)
        if kind == "kill":
            return _split_phrases(*_MOB_PHRASES[arg]) if arg in _MOB_PHRASES else _generic_mob(arg)
        if kind == "idle":
            return ("walk around", "wander around the world", "look around the landscape"), ("explore the land",)
    if world == "house":
        if kind == "enter":
            room = _HOUSE_ROOMS.get(arg, _spoken_object(arg))
            return (f"walk into the {room}", f"go to the {room}", f"enter the {room}"), (
                f"navigate to the {room}", f"head over to the {room}")
        obj = _spoken_object(arg)
        table = {
            "see": ((f"look at the {obj}", f"find the {obj}", f"walk up to the {obj}"),
                    (f"go find the {obj}", f"approach the {obj}")),
            "pickup": ((f"pick up the {obj}", f"grab the {obj}", f"take the {obj}"), (f"lift the {obj}",)),
            "open": ((f"open the {obj}", f"pull open the {obj}"), (f"swing the {obj} open",)),
            "close": ((f"close the {obj}", f"shut the {obj}"), (f"push the {obj} shut",)),
            "toggle_on": ((f"turn on the {obj}", f"switch on the {obj}"), (f"power on the {obj}",)),
            "toggle_off": ((f"turn off the {obj}", f"switch off the {obj}"), (f"power off the {obj}",)),
            "put": ((f"put the {obj} down", f"place the {obj}"), (f"set the {obj} down",)),
        }
        if kind in table:
            return table[kind]
        if kind == "idle":
            return ("walk around the house", "wander through the rooms", "look around the room"), (
                "explore the house",)
    raise KeyError(f"no phrasings for event {event!r}")


def canonical_prompt(event: str) -> str:
    """The first train phrasing: what the reward wrapper's negative-prompt list holds for an event."""
    return phrasings(event)[0][0]


# ---- reading info ----------------------------------------------------------------------------------

def _inventory(info: Mapping) -> dict[str, int]:
    raw = info.get("inventory", {})
    counts: dict[str, int] = {}
    if isinstance(raw, Mapping) and {"name", "quantity"} <= set(raw):
        rows = zip(raw["name"], raw["quantity"], strict=True)
    elif isinstance(raw, Mapping):
        rows = raw.items()
    else:
        rows = ((r["name"], r["quantity"]) for r in raw)
    for name, qty in rows:
        name = str(name)
        if name in ("air", "none"):
            continue
        counts[name] = counts.get(name, 0) + int(qty)
    return counts


def _kills(info: Mapping) -> dict[str, int]:
    stat = info.get("stat", {}) or {}
    return {str(k): int(v) for k, v in (stat.get("kill_entity", {}) or {}).items()}


def _uses(info: Mapping) -> dict[str, int]:
    stat = info.get("stat", {}) or {}
    use = stat.get("use_item", {}) or {}
    if isinstance(use.get("minecraft"), Mapping):
        use = use["minecraft"]
    return {str(k): int(v) for k, v in use.items()}


@dataclass
class VoxelCaptioner:
    """Turns successive MineDojo-format infos into events (inventory gains, kills)."""

    def reset(self, info: Mapping) -> None:
        self._inv = _inventory(info)
        self._kills = _kills(info)
        self._uses = _uses(info)

    def step(self, info: Mapping) -> list[str]:
        inv, kills, uses = _inventory(info), _kills(info), _uses(info)
        sheared = uses.get("shears", 0) > self._uses.get("shears", 0)
        events = []
        for mob, count in kills.items():
            if count > self._kills.get(mob, 0):
                events.append(f"voxel/kill/{mob}")
        for item, count in inv.items():
            if count > self._inv.get(item, 0) and item in VOXEL_ITEMS:
                if item == "wool" and not sheared:
                    continue  # wool dropped by a killed sheep: the kill is the event
                # meat and leather are not in VOXEL_ITEMS: they are a kill's drops, captioned as the kill
                events.append(f"voxel/get/{'log' if item in ('log', 'log2') else item}")
        self._inv, self._kills, self._uses = inv, kills, uses
        return events

    idle_event = "voxel/idle"


@dataclass
class HouseCaptioner:
    """Turns successive AI2-THOR-style metadata into events (rooms entered, objects seen/handled).

    ``see_distance`` is how close (metres) a visible object must be to count as looked at.
    """

    see_distance: float = 1.5

    def _meta(self, info: Mapping) -> Mapping:
        return info.get("metadata", info)

    def _state(self, info: Mapping):
        meta = self._meta(info)
        agent = meta.get("agent", {}) or {}
        room = agent.get("roomType") or meta.get("room_type") or meta.get("roomType")
        seen, held, opened, toggled = set(), set(), set(), set()
        for obj in meta.get("objects", []) or []:
            otype = obj.get("objectType")
            if not otype:
                continue
            if obj.get("visible") and float(obj.get("distance", 1e9)) <= self.see_distance:
                seen.add(otype)
            if obj.get("isPickedUp"):
                held.add(otype)
            if obj.get("isOpen"):
                opened.add(otype)
            if obj.get("isToggled"):
                toggled.add(otype)
        return room, seen, held, opened, toggled

    def reset(self, info: Mapping) -> None:
        self._prev = self._state(info)
        self._ever_seen = set(self._prev[1])

    def step(self, info: Mapping) -> list[str]:
        room, seen, held, opened, toggled = self._state(info)
        p_room, p_seen, p_held, p_opened, p_toggled = self._prev
        events = []
        if room and room != p_room:
            events.append(f"house/enter/{room}")
        events += [f"house/pickup/{o}" for o in sorted(held - p_held)]
        events += [f"house/put/{o}" for o in sorted(p_held - held)]
        events += [f"house/open/{o}" for o in sorted(opened - p_opened)]
        events += [f"house/close/{o}" for o in sorted(p_opened - opened)]
        events += [f"house/toggle_on/{o}" for o in sorted(toggled - p_toggled)]
        events += [f"house/toggle_off/{o}" for o in sorted(p_toggled - toggled)]
        if not events:  # an object counts as "looked at" the first time it comes close in an episode
            events += [f"house/see/{o}" for o in sorted(seen - p_seen - self._ever_seen)]
        self._ever_seen |= seen
        self._prev = (room, seen, held, opened, toggled)
        return events

    idle_event = "house/idle"


CAPTIONERS = {"voxel": VoxelCaptioner, "house": HouseCaptioner}
