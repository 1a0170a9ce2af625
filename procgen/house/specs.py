"""Room specs: which rooms a house has, and how often each combination is drawn.

Sixteen specs in the spirit of ProcTHOR-10k's room-spec sampler: single rooms, small apartments and
family houses of up to ten rooms built from the four room types AI2-THOR houses use. The weights are
the sampling weights; ``rooms per house`` over a large dataset follows them (a test checks this).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ROOM_TYPES = ("Kitchen", "LivingRoom", "Bedroom", "Bathroom")

# Target floor area ranges (m^2) per room type; a room's share of the house follows these.
ROOM_AREA_RANGE = {
    "Kitchen": (8.0, 16.0),
    "LivingRoom": (14.0, 28.0),
    "Bedroom": (9.0, 18.0),
    "Bathroom": (4.0, 8.0),
}


@dataclass(frozen=True)
class RoomSpec:
    """A named list of room types and its sampling weight."""

    spec_id: str
    rooms: tuple[str, ...]
    weight: float

    @property
    def n_rooms(self) -> int:
        return len(self.rooms)


K, L, B, BA = "Kitchen", "LivingRoom", "Bedroom", "Bathroom"

ROOM_SPECS: tuple[RoomSpec, ...] = (
    RoomSpec("kitchen", (K,), 1.0),
    RoomSpec("living-room", (L,), 1.0),
    RoomSpec("bedroom", (B,), 1.0),
    RoomSpec("bathroom", (BA,), 1.0),
    RoomSpec("kitchen-living-room", (K, L), 2.0),
    RoomSpec("bedroom-bathroom", (B, BA), 2.0),
    RoomSpec("studio-bath", (L, B, BA), 2.0),
    RoomSpec("kitchen-living-bedroom", (K, L, B), 2.0),
    RoomSpec("4-room", (K, L, B, BA), 4.0),
    RoomSpec("2-bed-1-bath", (K, L, B, B, BA), 3.0),
    RoomSpec("2-bed-2-bath", (K, L, B, B, BA, BA), 3.0),
    RoomSpec("3-bed-1-bath", (K, L, B, B, B, BA), 2.0),
    RoomSpec("3-bed-2-bath", (K, L, B, B, B, BA, BA), 2.0),
    RoomSpec("8-room-3-bed", (K, L, B, B, B, BA, BA, BA), 1.0),
    RoomSpec("9-room-4-bed", (K, L, L, B, B, B, B, BA, BA), 1.0),
    RoomSpec("10-room-4-bed", (K, L, L, B, B, B, B, BA, BA, BA), 1.0),
)


class UnknownRoomSpecError(KeyError):
    """A room-spec id that does not exist; the message lists the known ids."""

    def __str__(self) -> str:
        return self.args[0]


@lru_cache(maxsize=1)
def _spec_table() -> dict[str, RoomSpec]:
    return {s.spec_id: s for s in ROOM_SPECS}


def get_spec(spec_id: str) -> RoomSpec:
    try:
        return _spec_table()[spec_id]
    except KeyError:
        raise UnknownRoomSpecError(
            f"unknown room spec {spec_id!r}; known: {', '.join(_spec_table())}"
        ) from None


def spec_probabilities() -> np.ndarray:
    w = np.array([s.weight for s in ROOM_SPECS], dtype=float)
    return w / w.sum()


def sample_spec(rng: np.random.Generator) -> RoomSpec:
    """Draw a spec with probability proportional to its weight."""
    return ROOM_SPECS[int(rng.choice(len(ROOM_SPECS), p=spec_probabilities()))]


def expected_rooms_distribution() -> dict[int, float]:
    """P(house has n rooms) implied by the spec weights."""
    out: dict[int, float] = {}
    for spec, p in zip(ROOM_SPECS, spec_probabilities(), strict=True):
        out[spec.n_rooms] = out.get(spec.n_rooms, 0.0) + float(p)
    return dict(sorted(out.items()))
