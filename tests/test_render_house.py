"""House dict -> voxel scene: walls where the dict puts them, holes for doors, glass in windows,
objects of catalog size, stable semantic classes and instance ids that name the AI2-THOR ids."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.envs.house.scene import (
    HouseSceneError,
    class_id,
    house_classes,
    house_scene,
    snap_voxel_size,
)
from embodied_gym.envs.render import Cameras, render_batch
from render_cases import two_room_house


@pytest.fixture(scope="module")
def scene():
    return house_scene(two_room_house())


def look(scene, pos, yaw, pitch=0.0, fov=90.0, size=64):
    return render_batch(scene, Cameras.make(pos, yaw, pitch, fov), size, size,
                        outputs=("rgb", "depth", "semantic", "instance"))


def instance_of(scene, name: str) -> int:
    return scene.instance_names.index(name)


def test_wall_face_sits_one_voxel_inside_the_wall_line(scene):
    # living room north wall at z = 3; the camera at z = 1.5 looks north (+z) over nothing
    out = look(scene, (0.8, 1.9, 1.5), 0.0, fov=30.0)
    assert out["semantic"][0][32, 32] == class_id("Wall")
    assert abs(out["depth"][0][32, 32] - (1.5 - scene.voxel_size)) <= 0.02
    assert scene.instance_names[out["instance"][0][32, 32]] == "wall|1|0|3|4|3"


def test_door_hole_shows_the_next_room_and_window_glass_shows_outside(scene):
    # from the living room, looking east (+x) through the door at z 1..2 into the kitchen's east wall
    out = look(scene, (3.0, 1.0, 1.5), 90.0, fov=20.0)
    assert scene.instance_names[out["instance"][0][32, 32]] == "wall|2|7|0|7|3"
    assert abs(out["depth"][0][32, 32] - (4.0 - scene.voxel_size)) <= 0.02
    # door trim frames the opening
    wide = look(scene, (3.0, 1.0, 1.5), 90.0, fov=90.0)
    door_px = wide["semantic"][0] == class_id("Door")
    assert door_px.any()
    assert set(np.unique(wide["instance"][0][door_px])) == {instance_of(scene, "door|1|2")}
    # looking south (-z) at the window (x 1.5..2.5, y 0.9..1.8): glass first, sky/grass through it
    win = look(scene, (2.0, 1.35, 1.0), 180.0, fov=20.0)
    assert win["semantic"][0][32, 32] == class_id("Window")
    assert abs(win["depth"][0][32, 32] - 1.0) <= 0.06
    blue = win["rgb"][0][8:24, 24:40].astype(int)
    assert (blue[..., 2] > blue[..., 0]).mean() > 0.9  # the sky seen through the glass


def test_objects_are_their_catalog_size_and_labelled(scene):
    from embodied_gym.procgen.catalog.assets import get_asset

    # looking straight down on the table from above: the table top covers the predicted footprint
    out = look(scene, (2.0, 2.3, 1.7), 0.0, pitch=89.0, fov=60.0, size=128)
    table = out["instance"][0] == instance_of(scene, "DiningTable|1")
    apple = out["instance"][0] == instance_of(scene, "Apple|1")
    assert apple.any() and table.any()
    assert np.all(out["semantic"][0][table] == class_id("DiningTable"))
    assert np.all(out["semantic"][0][apple] == class_id("Apple"))
    sx, sy, sz = get_asset("Dining_Table_16_1").size
    top_depth = 2.3 - sy
    px_per_m = 64 / (top_depth * np.tan(np.radians(30.0)))
    expected = sx * sz * px_per_m**2
    assert 0.75 * expected <= (table | apple).sum() <= 1.15 * expected
    assert abs(np.median(out["depth"][0][table]) - top_depth) <= 0.06
    # the apple sits at the image centre, on top of the table
    r, c = np.nonzero(apple)
    assert abs(r.mean() - 63.5) < 4 and abs(c.mean() - 63.5) < 4
    assert out["depth"][0][apple].min() < top_depth


def test_semantic_classes_are_stable_and_cover_catalog_types():
    names = house_classes()
    assert names[0] == "" and names[class_id("Wall")] == "Wall"
    assert "Apple" in names and "Fridge" in names and len(names) == len(set(names))
    with pytest.raises(HouseSceneError, match="semantic class"):
        class_id("Dragon")


def test_generated_house_renders_with_every_room_reachable_by_camera():
    from embodied_gym.procgen.house import generate_house

    house = generate_house(3)
    scene = house_scene(house)
    agent = house["metadata"]["agent"]
    pos = (agent["position"]["x"], 1.5, agent["position"]["z"])
    out = render_batch(scene, Cameras.make(np.array([pos] * 4), [0, 90, 180, 270], 0.0, 90.0), 64, 64,
                       outputs=("rgb", "semantic"))
    seen = np.unique(out["semantic"])
    assert class_id("Floor") in seen and class_id("Wall") in seen and class_id("Ceiling") in seen
    assert out["rgb"].std() > 10


def test_bad_house_dicts_name_the_field():
    house = two_room_house()
    del house["walls"]
    with pytest.raises(HouseSceneError, match="walls"):
        house_scene(house)
    house = two_room_house()
    house["objects"][0]["assetId"] = "No_Such_Asset"
    with pytest.raises(HouseSceneError, match="No_Such_Asset"):
        house_scene(house)
    house = two_room_house()
    house["doors"][0]["wall0"] = "wall|nowhere"
    with pytest.raises(HouseSceneError, match="wall0"):
        house_scene(house)
    house = two_room_house()
    house["rooms"][0]["floorPolygon"] = [{"x": 0}]
    with pytest.raises(HouseSceneError, match="floorPolygon"):
        house_scene(house)


def test_voxel_size_snaps_to_the_floor_plan_grid():
    pts = np.array([[0.0, 0.0], [2.74, 5.48], [8.22, 2.74]])
    vs = snap_voxel_size(pts, 0.05)
    assert abs(vs - 0.05) < 0.005
    assert np.allclose(pts / vs, np.round(pts / vs), atol=0.02)
    assert snap_voxel_size(np.array([[0.0, 0.0], [3.0, 4.0]]), 0.05) == 0.05


def test_replace_part_hides_a_voxelised_object(scene):
    from embodied_gym.envs.render import SceneBatch

    batch = SceneBatch([scene])
    cams = Cameras.make((2.0, 2.3, 1.7), 0.0, 89.0, 60.0)
    before = render_batch(batch, cams, 128, 128, outputs=("instance",))["instance"][0]
    apple = instance_of(scene, "Apple|1")
    part = int(np.flatnonzero(scene.parts.instance_id == apple)[0])
    n_voxels = int((scene.to_dense() == part).sum())
    assert (before == apple).any() and n_voxels > 0
    assert batch.replace_part(0, part, 0) == n_voxels
    after = render_batch(batch, cams, 128, 128, outputs=("instance",))["instance"][0]
    assert not (after == apple).any()
    # where the apple was, the table top shows through
    assert np.all(after[before == apple] == instance_of(scene, "DiningTable|1"))


def test_camera_outside_the_grid_sees_the_exterior_wall_and_grass(scene):
    out = look(scene, (2.0, 1.0, -5.0), 0.0, fov=60.0)
    assert scene.instance_names[out["instance"][0][40, 32]] == "wall|exterior|0|0|4|0"
    assert abs(out["depth"][0][40, 32] - (5.0 - scene.voxel_size)) <= 0.02
    assert out["semantic"][0][63, 32] == class_id("Ground")
    assert out["semantic"][0][0, 32] == 0  # sky above the roofless box
