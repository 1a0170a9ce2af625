"""Dataset statistics: rooms, objects, object types, doors and windows per house."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..catalog.assets import UnknownAssetError, get_asset
from .specs import expected_rooms_distribution


@dataclass
class HouseStats:
    n_houses: int = 0
    rooms: list[int] = field(default_factory=list)
    objects: list[int] = field(default_factory=list)  # top-level + children
    small_objects: list[int] = field(default_factory=list)
    doors: list[int] = field(default_factory=list)
    windows: list[int] = field(default_factory=list)
    room_types: Counter = field(default_factory=Counter)
    object_types: Counter = field(default_factory=Counter)
    specs: Counter = field(default_factory=Counter)

    def add(self, house: dict) -> None:
        self.n_houses += 1
        self.rooms.append(len(house["rooms"]))
        self.doors.append(len(house.get("doors", [])))
        self.windows.append(len(house.get("windows", [])))
        self.room_types.update(r.get("roomType", "?") for r in house["rooms"])
        self.specs[house.get("metadata", {}).get("roomSpecId", "?")] += 1
        n_obj = n_small = 0
        stack = [(o, False) for o in house.get("objects", [])]
        while stack:
            obj, is_child = stack.pop()
            n_obj += 1
            n_small += is_child
            try:
                self.object_types[get_asset(obj["assetId"]).object_type] += 1
            except UnknownAssetError:
                self.object_types["<unknown>"] += 1
            stack.extend((c, True) for c in obj.get("children") or [])
        self.objects.append(n_obj)
        self.small_objects.append(n_small)

    def rooms_histogram(self) -> dict[int, int]:
        return dict(sorted(Counter(self.rooms).items()))

    def summary(self, top_types: int = 15) -> str:
        def desc(name: str, v: list[int]) -> str:
            a = np.asarray(v)
            return f"{name:<22} mean {a.mean():6.2f}  min {a.min():4d}  median {np.median(a):5.1f}  max {a.max():4d}"

        if not self.n_houses:
            return "no houses"
        lines = [f"houses: {self.n_houses}", desc("rooms per house", self.rooms), desc("objects per house", self.objects),
                 desc("small objects per house", self.small_objects), desc("doors per house", self.doors),
                 desc("windows per house", self.windows), "", "rooms per house: observed share vs spec weights"]
        expected = expected_rooms_distribution()
        hist = self.rooms_histogram()
        for k in sorted(set(expected) | set(hist)):
            lines.append(f"  {k:2d} rooms  {hist.get(k, 0) / self.n_houses:6.3f}  expected {expected.get(k, 0.0):6.3f}")
        lines.append("room types: " + ", ".join(f"{t} {c}" for t, c in self.room_types.most_common()))
        lines.append(f"object types ({len(self.object_types)} kinds), most common:")
        for t, c in self.object_types.most_common(top_types):
            lines.append(f"  {t:<18} {c:7d}  ({c / self.n_houses:.2f} per house)")
        return "\n".join(lines)

    def plot(self, path: str | Path) -> Path:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 3, figsize=(13, 7), dpi=100)
        expected = expected_rooms_distribution()
        ks = sorted(set(expected) | set(self.rooms))
        hist = self.rooms_histogram()
        ax = axes[0, 0]
        ax.bar(ks, [hist.get(k, 0) / self.n_houses for k in ks], color="#4c72b0", label="generated")
        ax.plot(ks, [expected.get(k, 0) for k in ks], "o", color="#dd8452", label="spec weights")
        ax.set_title("rooms per house")
        ax.legend(fontsize=8)
        for ax, data, title in ((axes[0, 1], self.objects, "objects per house"),
                                (axes[0, 2], self.small_objects, "small objects per house"),
                                (axes[1, 0], self.doors, "doors per house"),
                                (axes[1, 1], self.windows, "windows per house")):
            a = np.asarray(data)
            ax.hist(a, bins=np.arange(a.min(), a.max() + 2) - 0.5, color="#55a868")
            ax.set_title(title)
        ax = axes[1, 2]
        top = self.object_types.most_common(20)[::-1]
        ax.barh([t for t, _ in top], [c / self.n_houses for _, c in top], color="#8172b2")
        ax.set_title("object types (per house)")
        ax.tick_params(axis="y", labelsize=7)
        fig.suptitle(f"{self.n_houses} houses")
        fig.tight_layout()
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out)
        plt.close(fig)
        return out


def collect_stats(houses: Iterable[dict]) -> HouseStats:
    stats = HouseStats()
    for h in houses:
        stats.add(h)
    return stats
