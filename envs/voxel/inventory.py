"""The player's 36-slot inventory and 5 equipment slots, as small numpy arrays (cheap to copy/save).

Slot 0 is the main hand (MineDojo: "inventory slot 0 is the item held in the main hand"). Empty slots
hold the item ``air`` with quantity 0. Names in observations use MineDojo's spelling with spaces
(``"crafting table"``); item ids are positions in the catalog's sorted item list.
"""

from __future__ import annotations

import numpy as np

from ...procgen.catalog.minecraft import MinecraftCatalog

N_SLOTS = 36
#: MineDojo's equipment observation order: main hand, feet, legs, chest, head, off hand
EQUIPMENT_ORDER: tuple[str, ...] = ("mainhand", "feet", "legs", "chest", "head", "offhand")
ARMOR_SLOT_OF_PIECE = {"boots": "feet", "leggings": "legs", "chestplate": "chest", "helmet": "head"}


class Inventory:
    """36 slots + equipment; every mutation keeps the arrays consistent (no partial updates)."""

    def __init__(self, cat: MinecraftCatalog) -> None:
        self.cat = cat
        self.air = cat.item_id("air")
        self.item = np.full(N_SLOTS, self.air, np.int32)
        self.qty = np.zeros(N_SLOTS, np.int32)
        self.damage = np.zeros(N_SLOTS, np.int32)
        self.variant = np.zeros(N_SLOTS, np.int32)
        # equipment slots 1..5 of EQUIPMENT_ORDER (slot 0, the main hand, is inventory slot 0)
        self.eq_item = np.full(6, self.air, np.int32)
        self.eq_qty = np.zeros(6, np.int32)
        self.eq_damage = np.zeros(6, np.int32)

    # ---- state -------------------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k).copy() for k in ("item", "qty", "damage", "variant", "eq_item", "eq_qty", "eq_damage")}

    def load(self, state: dict[str, np.ndarray]) -> None:
        for k, v in state.items():
            setattr(self, k, np.array(v, copy=True))

    # ---- queries -----------------------------------------------------------------------------------
    def count(self, item_id: int) -> int:
        return int(self.qty[self.item == item_id].sum())

    def counts(self) -> np.ndarray:
        """Quantity per item id over the 36 slots (length = number of items)."""
        return np.bincount(self.item, weights=self.qty, minlength=len(self.cat.item_names)).astype(np.int64)

    def room_for(self, item_id: int, n: int) -> bool:
        stack = int(self.cat.stack_size[item_id])
        free = int(((self.item == item_id) * (stack - self.qty)).clip(0).sum())
        free += int((self.item == self.air).sum()) * stack
        return free >= n

    @property
    def held(self) -> int:
        return int(self.item[0])

    # ---- mutations ---------------------------------------------------------------------------------
    def add(self, item_id: int, n: int, variant: int = 0) -> int:
        """Add up to ``n``; returns how many did not fit."""
        if item_id == self.air or n <= 0:
            return 0
        stack = int(self.cat.stack_size[item_id])
        for s in range(N_SLOTS):
            if n == 0:
                break
            if self.item[s] == item_id and self.variant[s] == variant and self.qty[s] < stack:
                put = min(stack - int(self.qty[s]), n)
                self.qty[s] += put
                n -= put
        for s in range(N_SLOTS):
            if n == 0:
                break
            if self.item[s] == self.air:
                put = min(stack, n)
                self.item[s], self.qty[s], self.damage[s], self.variant[s] = item_id, put, 0, variant
                n -= put
        return n

    def remove(self, item_id: int, n: int) -> None:
        """Remove ``n`` of an item (caller has checked the count), last slots first."""
        for s in range(N_SLOTS - 1, -1, -1):
            if n == 0:
                break
            if self.item[s] == item_id:
                take = min(int(self.qty[s]), n)
                self.qty[s] -= take
                n -= take
                if self.qty[s] == 0:
                    self.clear_slot(s)

    def clear_slot(self, s: int) -> None:
        self.item[s], self.qty[s], self.damage[s], self.variant[s] = self.air, 0, 0, 0

    def set_slot(self, s: int, item_id: int, qty: int, variant: int = 0) -> None:
        self.item[s], self.qty[s], self.damage[s], self.variant[s] = item_id, qty, 0, variant

    def set_equipment(self, slot: str, item_id: int, qty: int = 1) -> None:
        k = EQUIPMENT_ORDER.index(slot)
        if k == 0:
            self.set_slot(0, item_id, qty)
        else:
            self.eq_item[k], self.eq_qty[k], self.eq_damage[k] = item_id, qty, 0

    def armor_points(self) -> float:
        total = 0.0
        for k in range(1, 5):
            if self.eq_item[k] != self.air:
                total += self.cat.items[int(self.eq_item[k])].get("armor", 0)
        return total

    def wear_tool(self, slot: int = 0) -> None:
        """One use of the tool in ``slot``; it breaks at its durability."""
        item_id = int(self.item[slot])
        dur = int(self.cat.durability[item_id])
        if dur <= 0:
            return
        self.damage[slot] += 1
        if self.damage[slot] >= dur:
            self.clear_slot(slot)
