"""Fixed scenes shared by the renderer tests: a hand-written two-room house (AI2-THOR schema 1.0.0)
and helpers. Kept independent of the house generator so the golden images only change when the
renderer or the scene builder does."""

from __future__ import annotations

H = 2.5


def _wall(wid: str, room: str, x0: float, z0: float, x1: float, z1: float, material: str) -> dict:
    return {
        "id": wid,
        "roomId": room,
        "material": {"name": material},
        "polygon": [{"x": x0, "y": 0.0, "z": z0}, {"x": x1, "y": 0.0, "z": z1},
                    {"x": x1, "y": H, "z": z1}, {"x": x0, "y": H, "z": z0}],
    }


def _room(rid: str, kind: str, x0: float, z0: float, x1: float, z1: float, floor: str) -> dict:
    return {"id": rid, "roomType": kind, "floorMaterial": {"name": floor}, "children": [], "ceilings": [],
            "floorPolygon": [{"x": x0, "y": 0.0, "z": z0}, {"x": x1, "y": 0.0, "z": z0},
                             {"x": x1, "y": 0.0, "z": z1}, {"x": x0, "y": 0.0, "z": z1}]}


def two_room_house() -> dict:
    """Living room x 0..4, kitchen x 4..7, both z 0..3, walls 2.5 m; a door between them, a window
    in the living room's south wall, a table with an apple, a chair, a sofa and a fridge."""
    walls = [
        _wall("wall|1|0|0|4|0", "room|1", 0, 0, 4, 0, "PureWhite"),
        _wall("wall|exterior|0|0|4|0", "room|1", 0, 0, 4, 0, "RedBrick"),
        _wall("wall|1|0|3|4|3", "room|1", 0, 3, 4, 3, "PureWhite"),
        _wall("wall|exterior|0|3|4|3", "room|1", 0, 3, 4, 3, "RedBrick"),
        _wall("wall|1|0|0|0|3", "room|1", 0, 0, 0, 3, "PureWhite"),
        _wall("wall|exterior|0|0|0|3", "room|1", 0, 0, 0, 3, "RedBrick"),
        _wall("wall|1|4|0|4|3", "room|1", 4, 0, 4, 3, "PureWhite"),
        _wall("wall|2|4|0|4|3", "room|2", 4, 0, 4, 3, "KitchenTiles"),
        _wall("wall|2|4|0|7|0", "room|2", 4, 0, 7, 0, "KitchenTiles"),
        _wall("wall|exterior|4|0|7|0", "room|2", 4, 0, 7, 0, "RedBrick"),
        _wall("wall|2|4|3|7|3", "room|2", 4, 3, 7, 3, "KitchenTiles"),
        _wall("wall|exterior|4|3|7|3", "room|2", 4, 3, 7, 3, "RedBrick"),
        _wall("wall|2|7|0|7|3", "room|2", 7, 0, 7, 3, "KitchenTiles"),
        _wall("wall|exterior|7|0|7|3", "room|2", 7, 0, 7, 3, "RedBrick"),
    ]
    return {
        "rooms": [_room("room|1", "LivingRoom", 0, 0, 4, 3, "OrangeWood"),
                  _room("room|2", "Kitchen", 4, 0, 7, 3, "WhiteMarbleTile")],
        "walls": walls,
        "doors": [{"id": "door|1|2", "assetId": "Doorway_1", "room0": "room|1", "room1": "room|2",
                   "wall0": "wall|1|4|0|4|3", "wall1": "wall|2|4|0|4|3",
                   "holePolygon": [{"x": 1.0, "y": 0.0, "z": 0}, {"x": 2.0, "y": 2.1, "z": 0}],
                   "assetPosition": {"x": 1.5, "y": 1.05, "z": 0}, "openness": 1.0}],
        "windows": [{"id": "window|1|0", "assetId": "Window_Fixed_36x48", "room0": "room|1", "room1": "room|1",
                     "wall0": "wall|1|0|0|4|0", "wall1": "wall|exterior|0|0|4|0",
                     "holePolygon": [{"x": 1.5, "y": 0.9, "z": 0}, {"x": 2.5, "y": 1.8, "z": 0}],
                     "assetPosition": {"x": 2.0, "y": 1.35, "z": 0}}],
        "objects": [
            {"id": "DiningTable|1", "assetId": "Dining_Table_16_1", "position": {"x": 2.0, "y": 0.4125, "z": 1.7},
             "rotation": {"x": 0, "y": 0, "z": 0}, "kinematic": True,
             "children": [{"id": "Apple|1", "assetId": "Apple_1", "position": {"x": 2.0, "y": 0.882, "z": 1.7},
                           "rotation": {"x": 0, "y": 0, "z": 0}}]},
            {"id": "Chair|1", "assetId": "Chair_002_1", "position": {"x": 2.0, "y": 0.483, "z": 0.7},
             "rotation": {"x": 0, "y": 0, "z": 0}},
            {"id": "Sofa|1", "assetId": "RoboTHOR_sofa_alrid", "position": {"x": 5.5, "y": 0.409, "z": 2.45},
             "rotation": {"x": 0, "y": 180, "z": 0}},
            {"id": "Fridge|1", "assetId": "Fridge_1", "position": {"x": 6.4, "y": 0.984, "z": 0.5},
             "rotation": {"x": 0, "y": 0, "z": 0}},
        ],
        "proceduralParameters": {
            "ceilingMaterial": {"name": "PureWhite"},
            "lights": [
                {"id": "light|1", "type": "point", "roomId": "room|1", "intensity": 0.8,
                 "position": {"x": 2.0, "y": 2.4, "z": 1.5}},
                {"id": "light|2", "type": "point", "roomId": "room|2", "intensity": 0.8,
                 "position": {"x": 5.5, "y": 2.4, "z": 1.5}},
            ],
        },
        "metadata": {"schema": "1.0.0"},
    }
