"""The raster path (box faces into a depth buffer) draws what the ray caster draws.

Agreement is per pixel: depth within 1 mm, the same class and instance, RGB within 2 levels; only
pixels that a surface edge crosses may differ (here: at most 0.5% of them). Edits to a scene must
never be drawn from boxes built before the edit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from embodied_gym.envs.house.scene import house_scene
from embodied_gym.envs.render import Cameras, EntityBatch, RenderError, SceneBatch, render_batch
from embodied_gym.envs.render.batch import BOXES_NOT_BUILT, BOXES_STALE, SI_NBOX
from render_cases import two_room_house

OUTPUTS = ("rgb", "depth", "semantic", "instance")
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def assert_agree(ray: dict, ras: dict, min_share: float = 0.995, texel_share: float = 0.0) -> None:
    """Depth, class and instance agree on ``min_share`` of pixels; RGB within 2 levels wherever both
    see the same surface, except on ``texel_share`` of pixels (a hit point exactly on a texture-cell
    edge, which the two paths round to different cells: only cameras at symmetric spots produce it)."""
    depth_ok = np.abs(ray["depth"] - ras["depth"]) <= 1e-3
    same_inst = ray["instance"] == ras["instance"]
    assert depth_ok.mean() >= min_share, f"depth agrees on only {depth_ok.mean():.4%} of pixels"
    assert (ray["semantic"] == ras["semantic"]).mean() >= min_share
    assert same_inst.mean() >= min_share
    rgb = np.abs(ray["rgb"].astype(int) - ras["rgb"].astype(int)).max(axis=-1)
    off = (rgb > 2) & depth_ok & same_inst
    assert off.mean() <= texel_share, f"RGB differs by > 2 on {off.mean():.4%} of same-surface pixels"


@pytest.fixture(scope="module")
def generated_house():
    from embodied_gym.procgen.house import generate_house

    house = generate_house(0, spec="2-bed-2-bath")
    return house, house_scene(house)


def test_raster_matches_raycast_on_random_house_cameras(generated_house):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from bench_render import house_cameras
    finally:
        sys.path.remove(str(BENCHMARKS))
    house, scene = generated_house
    batch = SceneBatch([scene])
    for pitch in (0.0, 30.0):
        cams = house_cameras(scene, house, 64, seed=11, pitch=pitch)
        ray = render_batch(batch, cams, 48, 40, outputs=OUTPUTS, method="raycast")
        ras = render_batch(batch, cams, 48, 40, outputs=OUTPUTS, method="raster")
        assert_agree(ray, ras, texel_share=0.001)
    assert 0 < batch.scene_int[0, SI_NBOX] < 4096


@pytest.mark.parametrize("view", ["golden", "window", "door", "entities", "inside"])
def test_raster_matches_raycast_on_the_fixed_house(view):
    scene = house_scene(two_room_house())
    entities = None
    if view == "golden":
        cams = Cameras.make([2.0, 1.5, 2.8], yaw_deg=200.0, pitch_deg=20.0, fov_deg=90.0)
    elif view == "window":  # glass first, the sky and grass through it
        cams = Cameras.make([2.0, 1.35, 1.0], yaw_deg=180.0, fov_deg=60.0)
    elif view == "door":
        cams = Cameras.make([3.0, 1.0, 1.5], yaw_deg=90.0, fov_deg=90.0)
    elif view == "inside":  # eyes inside the fridge and inside a wall: every ray hits at once
        cams = Cameras.make([[6.4, 0.9, 0.5], [0.8, 1.5, 2.98]], yaw_deg=[10.0, 180.0])
    else:  # rotated entity boxes in front of voxels, one straddling the near plane
        cams = Cameras.make([[1.0, 1.2, 1.5], [3.0, 1.0, 1.5]], yaw_deg=[90.0, 270.0], pitch_deg=[10.0, 0.0])
        entities = EntityBatch.build(1, [0, 0, 0], [[2.0, 1.0, 1.4], [2.6, 0.9, 1.6], [1.05, 1.2, 1.5]],
                                     [[0.2, 0.3, 0.1], [0.3, 0.2, 0.3], [0.1, 0.1, 0.1]], yaw_deg=[30.0, 0.0, 45.0],
                                     material=3, class_id=7, instance_id=99)
    ray = render_batch(scene, cams, 64, 64, outputs=OUTPUTS, entities=entities, method="raycast")
    ras = render_batch(scene, cams, 64, 64, outputs=OUTPUTS, entities=entities, method="raster")
    assert_agree(ray, ras, texel_share=0.005)
    if view == "entities":
        assert (ras["instance"] == 99).any()
    if view == "inside":
        assert ras["depth"].max() == 0.0


def test_edits_fall_back_to_the_ray_caster_or_rebuild():
    scene = house_scene(two_room_house())
    batch = SceneBatch([scene])
    cams = Cameras.make([0.8, 1.9, 1.5], yaw_deg=0.0, fov_deg=30.0)  # the living room's north wall
    assert batch.scene_int[0, SI_NBOX] == BOXES_NOT_BUILT
    before = render_batch(batch, cams, 32, 32, outputs=("depth",))  # auto: builds the boxes
    assert batch.scene_int[0, SI_NBOX] > 0
    # a block of wall 0.5 m in front of the camera
    i, j, k = (np.array([0.8, 1.9, 2.0]) - np.array(scene.origin)) / scene.voxel_size
    ijk = np.array([[int(i) + di, int(j) + dj, int(k)] for di in range(-3, 4) for dj in range(-3, 4)])
    batch.set_voxels(0, ijk, 1)
    assert batch.scene_int[0, SI_NBOX] == BOXES_STALE
    auto = render_batch(batch, cams, 32, 32, outputs=("depth",))
    ray = render_batch(batch, cams, 32, 32, outputs=("depth",), method="raycast")
    np.testing.assert_array_equal(auto["depth"], ray["depth"])  # ray cast, bit for bit
    assert auto["depth"][0, 16, 16] < before["depth"][0, 16, 16] - 0.5
    assert batch.scene_int[0, SI_NBOX] == BOXES_STALE  # auto does not rebuild on every edit
    forced = render_batch(batch, cams, 32, 32, outputs=("depth",), method="raster")  # rebuilds
    assert batch.scene_int[0, SI_NBOX] > 0
    assert np.abs(forced["depth"] - ray["depth"]).max() <= 1e-3
    # hiding a part is an edit too
    part = int(batch.get_voxels(0, ijk[:1])[0])
    assert batch.replace_part(0, part, 0) > 0
    assert batch.scene_int[0, SI_NBOX] == BOXES_STALE
    # a new scene in the slot starts with no boxes, and renders as the ray caster does
    batch.replace_scene(0, house_scene(two_room_house()))
    assert batch.scene_int[0, SI_NBOX] == BOXES_NOT_BUILT
    np.testing.assert_allclose(render_batch(batch, cams, 32, 32, outputs=("depth",))["depth"], before["depth"],
                               atol=1e-5)


def test_raster_reuses_out_arrays_and_is_the_same_serial_or_parallel(generated_house):
    _house, scene = generated_house
    batch = SceneBatch([scene, scene])
    cams = Cameras.make([[3.0, 1.5, 3.0], [4.0, 1.2, 5.0], [5.0, 1.5, 4.0]], yaw_deg=[0.0, 120.0, 250.0],
                        scene_index=[0, 1, 0])
    out = {name: None for name in OUTPUTS}
    first = render_batch(batch, cams, 40, 32, outputs=OUTPUTS, method="raster", parallel=True)
    out = {k: np.zeros_like(v) for k, v in first.items()}
    again = render_batch(batch, cams, 40, 32, outputs=OUTPUTS, method="raster", parallel=False, out=out)
    for name in OUTPUTS:
        assert again[name] is out[name]
        np.testing.assert_array_equal(again[name], first[name])


def test_unknown_method_is_a_clear_error():
    scene = house_scene(two_room_house())
    with pytest.raises(RenderError, match="method must be one of"):
        render_batch(scene, Cameras.make([2.0, 1.5, 1.5]), 32, 32, method="opengl")


def test_raster_is_the_same_bits_in_a_fresh_process():
    import hashlib
    import subprocess

    script = (
        "import hashlib, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from render_cases import two_room_house\n"
        "from embodied_gym.envs.house.scene import house_scene\n"
        "from embodied_gym.envs.render import Cameras, render_batch\n"
        "cams = Cameras.make([[2.0, 1.5, 2.8], [5.0, 1.2, 1.0]], yaw_deg=[200.0, 20.0], pitch_deg=[20.0, 0.0])\n"
        "out = render_batch(house_scene(two_room_house()), cams, 48, 32, outputs=('rgb', 'depth', 'instance'),"
        " method='raster')\n"
        "print(hashlib.sha256(b''.join(out[k].tobytes() for k in sorted(out))).hexdigest())\n"
    )
    repo = Path(__file__).resolve().parents[1]
    theirs = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                            cwd=repo).stdout.strip().splitlines()[-1]
    cams = Cameras.make([[2.0, 1.5, 2.8], [5.0, 1.2, 1.0]], yaw_deg=[200.0, 20.0], pitch_deg=[20.0, 0.0])
    out = render_batch(house_scene(two_room_house()), cams, 48, 32, outputs=("rgb", "depth", "instance"),
                       method="raster")
    assert hashlib.sha256(b"".join(out[k].tobytes() for k in sorted(out))).hexdigest() == theirs


def test_a_new_batch_of_the_same_scenes_reuses_their_boxes(monkeypatch):
    import embodied_gym.envs.render.boxes as boxes_module

    scene = house_scene(two_room_house())
    first = SceneBatch([scene, scene])
    first.boxes_ready([0, 1], rebuild_stale=False)
    built = first.boxes[: first.scene_int[0, SI_NBOX]].copy()

    def no_rebuild(*_args):
        raise AssertionError("boxes of an unedited scene were built again")

    monkeypatch.setattr(boxes_module, "scene_boxes", no_rebuild)
    second = SceneBatch([scene])
    assert second.boxes_ready([0], rebuild_stale=False)[0]
    np.testing.assert_array_equal(second.boxes[: second.scene_int[0, SI_NBOX]], built)
    # an edited scene is rebuilt from its voxels, not from the scene's boxes
    second.set_voxels(0, [[5, 5, 5]], 1)
    with pytest.raises(AssertionError, match="built again"):
        second.boxes_ready([0], rebuild_stale=True)
