"""The reachability grid on hand-built houses, where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.procgen.house.geometry import door_openings, grid_region_polygon, solid_wall_pieces
from embodied_gym.procgen.house.navgrid import build_navgrid


def rect_room(rid, x0, z0, x1, z1):
    pts = [(x0, z0), (x1, z0), (x1, z1), (x0, z1)]
    room = {"id": rid, "roomType": "Bedroom", "floorPolygon": [{"x": x, "y": 0.0, "z": z} for x, z in pts]}
    walls = []
    for (ax, az), (bx, bz) in zip(pts, pts[1:] + pts[:1], strict=True):
        a, b = sorted([(ax, az), (bx, bz)])
        walls.append({"id": f"wall|{rid}|{a[0]}|{a[1]}|{b[0]}|{b[1]}", "roomId": rid,
                      "polygon": [{"x": a[0], "y": 0, "z": a[1]}, {"x": b[0], "y": 0, "z": b[1]},
                                  {"x": b[0], "y": 2.5, "z": b[1]}, {"x": a[0], "y": 2.5, "z": a[1]}]})
    return room, walls


def two_rooms(door_width: float | None):
    """Two 4 m x 4 m rooms side by side sharing the wall x = 4."""
    r1, w1 = rect_room("room|1", 0, 0, 4, 4)
    r2, w2 = rect_room("room|2", 4, 0, 8, 4)
    house = {"rooms": [r1, r2], "walls": w1 + w2, "doors": [], "windows": [], "objects": []}
    if door_width is not None:
        t0 = 2.0 - door_width / 2
        house["doors"].append({"id": "door|1|2", "assetId": "Doorway_1", "room0": "room|1", "room1": "room|2",
                               "wall0": "wall|room|1|4|0|4|4", "wall1": "wall|room|2|4|0|4|4",
                               "holePolygon": [{"x": t0, "y": 0, "z": 0}, {"x": t0 + door_width, "y": 2.1, "z": 0}]})
    return house


def test_door_connects_rooms_and_wall_separates_them():
    open_house = build_navgrid(two_rooms(1.0))
    closed = build_navgrid(two_rooms(None))
    for nav, expect in ((open_house, {0, 1}), (closed, {0})):
        reach = nav.reachable_from(1.0, 1.0)
        assert set(np.unique(nav.room_index[reach]).tolist()) == expect


def test_agent_radius_blocks_narrow_doors():
    # 0.3 m hole: no grid point is 0.2 m away from both jambs
    nav = build_navgrid(two_rooms(0.3), agent_radius=0.2)
    assert set(np.unique(nav.room_index[nav.reachable_from(1.0, 1.0)]).tolist()) == {0}
    nav = build_navgrid(two_rooms(0.3), agent_radius=0.1)
    assert set(np.unique(nav.room_index[nav.reachable_from(1.0, 1.0)]).tolist()) == {0, 1}


def test_clearance_from_walls_and_grid_geometry():
    nav = build_navgrid(two_rooms(None), resolution=0.25, agent_radius=0.2)
    assert nav.free.shape == (16, 32)
    # points 0.125 m from a wall are blocked, 0.375 m are free
    assert not nav.free[0, 5] and nav.free[1, 5]
    assert nav.point(1, 5) == pytest.approx((1.375, 0.375))
    assert nav.room_at(6.0, 2.0) == "room|2"
    assert nav.room_at(-1.0, 2.0) is None


def test_objects_block_the_grid():
    house = two_rooms(1.0)
    # a 2 m wide bed (Bed_1 is ~1.8 x 2.2 m) fills the doorway side of room 1
    house["objects"].append({"id": "Bed|1|1", "assetId": "Bed_1", "position": {"x": 2.9, "y": 0.5, "z": 2.0},
                             "rotation": {"x": 0, "y": 0, "z": 0}})
    nav = build_navgrid(house)
    assert not nav.free[nav.index(2.9, 2.0)]
    without = build_navgrid(house, include_objects=False)
    assert without.free[without.index(2.9, 2.0)]


def test_solid_wall_pieces_cut_door_holes():
    house = two_rooms(1.0)
    pieces = solid_wall_pieces(house)
    on_shared = pieces[(np.abs(pieces[:, 0] - 4) < 1e-9) & (np.abs(pieces[:, 2] - 4) < 1e-9)]
    lengths = sorted(np.abs(on_shared[:, 3] - on_shared[:, 1]).tolist())
    assert lengths == pytest.approx([1.5, 1.5])
    (door,) = door_openings(house)
    assert door.a == pytest.approx((4.0, 1.5)) and door.b == pytest.approx((4.0, 2.5))


def test_grid_region_polygon_outlines_and_rejects_holes():
    l_shape = np.array([[1, 1, 1], [1, 0, 0]], dtype=bool)
    poly = grid_region_polygon(l_shape, 2.0)
    assert sorted(poly) == sorted([(0.0, 0.0), (6.0, 0.0), (6.0, 2.0), (2.0, 2.0), (2.0, 4.0), (0.0, 4.0)])
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False
    assert grid_region_polygon(ring, 1.0) is None
    pinch = np.array([[1, 0], [0, 1]], dtype=bool)
    assert grid_region_polygon(pinch, 1.0) is None
