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


def test_an_edit_is_redrawn_from_rebuilt_boxes_never_from_stale_ones():
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
    assert not batch.boxes_ready([0], rebuild_stale=False)[0]  # stale boxes are never drawable
    auto = render_batch(batch, cams, 32, 32, outputs=("depth",))  # auto re-merges the edited chunk
    assert batch.scene_int[0, SI_NBOX] > 0
    ray = render_batch(batch, cams, 32, 32, outputs=("depth",), method="raycast")
    assert np.abs(auto["depth"] - ray["depth"]).max() <= 1e-3
    assert auto["depth"][0, 16, 16] < before["depth"][0, 16, 16] - 0.5
    # hiding a part is an edit too
    part = int(batch.get_voxels(0, ijk[:1])[0])
    assert batch.replace_part(0, part, 0) > 0
    assert batch.scene_int[0, SI_NBOX] == BOXES_STALE
    forced = render_batch(batch, cams, 32, 32, outputs=("depth",), method="raster")
    assert batch.scene_int[0, SI_NBOX] > 0
    ray = render_batch(batch, cams, 32, 32, outputs=("depth",), method="raycast")
    assert np.abs(forced["depth"] - ray["depth"]).max() <= 1e-3
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
    # an edit re-merges only the chunks it touched, from the batch's voxels, and leaves the scene's
    # own (unedited) boxes alone
    merged = []
    real_chunk_boxes = boxes_module.chunk_boxes
    monkeypatch.setattr(boxes_module, "chunk_boxes", lambda *a, **k: merged.append(a[2:]) or real_chunk_boxes(*a, **k))
    second.set_voxels(0, [[5, 5, 5]], 1)
    assert second.boxes_ready([0])[0]
    assert merged == [(0, 0)]  # the house is one chunk
    third = SceneBatch([scene])
    assert third.boxes_ready([0])[0]
    np.testing.assert_array_equal(third.boxes[: third.scene_int[0, SI_NBOX]], built)


def _block_cameras(scene, n: int, seed: int) -> Cameras:
    from embodied_gym.envs.render.blockworld import eye_position

    rng = np.random.default_rng(seed)
    nx, _, nz = scene.shape
    pos = [eye_position(scene, *rng.uniform([4, 4], [nx - 4, nz - 4])) for _ in range(n)]
    return Cameras.make(np.array(pos), yaw_deg=rng.uniform(0, 360, n), pitch_deg=rng.uniform(-40, 20, n),
                        fov_deg=70.0)


def _sorted_rows(boxes: np.ndarray) -> np.ndarray:
    return boxes[np.lexsort(boxes.T[::-1])]


def test_block_world_edits_are_drawn_as_the_ray_caster_draws_them():
    """Digging and placing blocks (water included), many at chunk borders, keep the block world on
    the raster path, and every frame agrees with the ray caster's."""
    from embodied_gym.envs.render.blockworld import block_test_scene
    from embodied_gym.envs.render.boxes import chunk_width

    scene = block_test_scene(1, size=(48, 32, 48))
    batch = SceneBatch([scene])
    cams = _block_cameras(scene, 24, seed=3)
    assert_agree(render_batch(batch, cams, 48, 48, outputs=OUTPUTS, method="raycast"),
                 render_batch(batch, cams, 48, 48, outputs=OUTPUTS), texel_share=0.001)
    width = chunk_width(scene.voxel_size, scene.brick)
    rng = np.random.default_rng(5)
    n_parts = len(scene.parts)
    for step in range(4):
        ijk = np.stack([rng.integers(0, 48, 60), rng.integers(4, 28, 60), rng.integers(0, 48, 60)], 1)
        ijk[:20, 0] = width * rng.integers(1, 3, 20) - rng.integers(0, 2, 20)  # either side of a chunk border
        ijk[20:40, 2] = width * rng.integers(1, 3, 20) - rng.integers(0, 2, 20)
        parts = np.where(rng.random(60) < 0.6, 0, rng.integers(1, n_parts, 60))
        batch.set_voxels(0, ijk, parts)
        assert batch.scene_int[0, SI_NBOX] == BOXES_STALE
        auto = render_batch(batch, cams, 48, 48, outputs=OUTPUTS)
        assert batch.scene_int[0, SI_NBOX] > 0, f"edit {step}: auto left the edited world to the ray caster"
        assert_agree(render_batch(batch, cams, 48, 48, outputs=OUTPUTS, method="raycast"), auto,
                     texel_share=0.001)


def test_rebuilding_the_edited_chunks_gives_the_boxes_of_a_fresh_build():
    """After any sequence of edits, the lazily re-merged boxes are exactly those a fresh build of the
    edited voxels makes, chunk by chunk: no chunk keeps boxes from before an edit."""
    from embodied_gym.envs.render.batch import SI_BOX, SI_CHUNK, SI_NBOX_OPAQUE, SI_NCHUNK
    from embodied_gym.envs.render.blockworld import block_test_scene
    from embodied_gym.envs.render.boxes import (
        CH_G0,
        CH_G1,
        CH_HI,
        CH_LO,
        CH_O0,
        CH_O1,
        chunk_columns,
        chunk_grid,
        chunk_width,
    )

    scene = block_test_scene(2, size=(48, 32, 48))
    batch = SceneBatch([scene])
    batch.boxes_ready([0])
    rng = np.random.default_rng(9)
    for _ in range(5):
        ijk = np.stack([rng.integers(0, 48, 40), rng.integers(0, 32, 40), rng.integers(0, 48, 40)], 1)
        batch.set_voxels(0, ijk, np.where(rng.random(40) < 0.5, 0, rng.integers(1, len(scene.parts), 40)))
        if rng.random() < 0.5:
            part = int(rng.integers(1, len(scene.parts)))
            batch.replace_part(0, part, 0)
        batch.boxes_ready([0])
        fresh = SceneBatch([scene])
        fresh.set_voxels(0, np.argwhere(np.ones(scene.shape, bool)), batch._dense(0).reshape(-1))
        fresh.boxes_ready([0])
        for b in (batch, fresh):
            assert b.scene_int[0, SI_NBOX] >= 0
        mine = batch.boxes[batch.scene_int[0, SI_BOX]: batch.scene_int[0, SI_BOX] + batch.scene_int[0, SI_NBOX]]
        theirs = fresh.boxes[fresh.scene_int[0, SI_BOX]: fresh.scene_int[0, SI_BOX] + fresh.scene_int[0, SI_NBOX]]
        assert batch.scene_int[0, SI_NBOX_OPAQUE] == fresh.scene_int[0, SI_NBOX_OPAQUE]
        np.testing.assert_array_equal(_sorted_rows(mine), _sorted_rows(theirs))
        # each row (a section of one chunk) holds only boxes inside that chunk's columns, opaque ones
        # starting in one layer of the chunk's width, and its bounds (what culling tests) cover them
        table = batch.chunks[batch.scene_int[0, SI_CHUNK]: batch.scene_int[0, SI_CHUNK] + batch.scene_int[0, SI_NCHUNK]]
        width = chunk_width(scene.voxel_size, scene.brick)
        covered = np.zeros(len(mine), int)
        for row in table:
            for lo_, hi_ in ((row[CH_O0], row[CH_O1]), (row[CH_G0], row[CH_G1])):
                part = mine[lo_:hi_]
                covered[lo_:hi_] += 1
                if len(part) == 0:
                    continue
                c = int(part[0, 0] // width) * chunk_grid(scene.shape, width)[1] + int(part[0, 2] // width)
                x0, x1, z0, z1 = chunk_columns(c, scene.shape, width)
                assert np.all(part[:, 0] >= x0) and np.all(part[:, 3] <= x1)
                assert np.all(part[:, 2] >= z0) and np.all(part[:, 5] <= z1)
                assert np.all(part[:, 0:3] >= row[CH_LO:CH_LO + 3]) and np.all(part[:, 3:6] <= row[CH_HI:CH_HI + 3])
                if hi_ <= batch.scene_int[0, SI_NBOX_OPAQUE]:
                    assert len(np.unique(part[:, 1] // width)) == 1
        assert np.all(covered == 1), "every box lies in exactly one row"
        assert table[:, CH_O1].max() == batch.scene_int[0, SI_NBOX_OPAQUE]


def test_a_scene_over_the_box_budget_is_ray_cast_and_not_built_whole(monkeypatch):
    """Under auto, a scene with more boxes than ``MAX_RASTER_BOXES`` is ray cast; its build stops once
    past the budget, is not retried after edits, and ``method="raster"`` still builds it whole."""
    import embodied_gym.envs.render.boxes as boxes_module
    from embodied_gym.envs.render.batch import BOXES_OVER_BUDGET
    from embodied_gym.envs.render.blockworld import block_test_scene

    monkeypatch.setattr(boxes_module, "MAX_RASTER_BOXES", 50)
    merged = []
    real_chunk_boxes = boxes_module.chunk_boxes
    monkeypatch.setattr(boxes_module, "chunk_boxes", lambda *a, **k: merged.append(a[2:]) or real_chunk_boxes(*a, **k))
    scene = block_test_scene(3, size=(48, 32, 48))
    batch = SceneBatch([scene])
    cams = _block_cameras(scene, 4, seed=1)
    auto = render_batch(batch, cams, 32, 32, outputs=OUTPUTS)
    assert batch.scene_int[0, SI_NBOX] == BOXES_OVER_BUDGET
    assert 0 < len(merged) < 9  # stopped before merging all 3 x 3 chunks
    for key, value in render_batch(batch, cams, 32, 32, outputs=OUTPUTS, method="raycast").items():
        np.testing.assert_array_equal(auto[key], value)
    merged.clear()
    batch.set_voxels(0, [[20, 20, 20]], 0)
    render_batch(batch, cams, 32, 32, outputs=("depth",))
    assert batch.scene_int[0, SI_NBOX] == BOXES_OVER_BUDGET and merged == []
    ray = render_batch(batch, cams, 32, 32, outputs=OUTPUTS, method="raycast")
    ras = render_batch(batch, cams, 32, 32, outputs=OUTPUTS, method="raster")
    assert batch.scene_int[0, SI_NBOX] > 50
    assert_agree(ray, ras, texel_share=0.001)


def test_face_rects_keep_only_the_part_of_a_face_that_can_be_seen():
    """A face cell whose neighbour across is opaque can never be a first hit, so the raster path draws
    only the bounding rectangle of a face's other cells; a face wholly against opaque voxels is empty."""
    from embodied_gym.envs.render.boxes import BOX_FACES, face_rects, merge_region

    opaque = np.array([False, True, True, False])  # parts: 0 empty, 1 and 2 opaque, 3 water
    grid = np.zeros((4, 3, 4), np.uint16)
    grid[0:2, 0, 0:4] = 1  # a 2 x 1 x 4 slab of part 1 ...
    grid[2, 0, 0:2] = 2  # ... against part 2 on half of its +x face ...
    grid[2, 0, 2:3] = 3  # ... and water on a quarter of it
    padded = np.pad(grid, 1)
    boxes = merge_region(padded, opaque)
    slab = boxes[boxes[:, 6] == 1]
    assert slab.tolist() == [[0, 0, 0, 2, 1, 4, 1]]
    faces = face_rects(padded, slab, opaque)[0].reshape(6, 4)  # rows: -x, +x, -y, +y, -z, +z
    assert faces[1].tolist() == [0, 2, 1, 4]  # +x: y [0, 1) x z [2, 4) open (water, then air)
    assert faces[0].tolist() == [0, 0, 1, 4]  # -x: the grid border counts as open
    assert faces[2].tolist() == [0, 0, 2, 4]  # -y (grid floor): open
    assert BOX_FACES == 7
    part2 = boxes[boxes[:, 6] == 2]
    hidden = face_rects(padded, part2, opaque)[0].reshape(6, 4)[0]  # part 2's -x face: against part 1
    assert hidden[0] >= hidden[2]


def _pond_scene():
    """A 10 x 5 x 10 pond (water 3 deep) in a stone basin under open sky, a glass pane standing in it."""
    from embodied_gym.envs.render import VoxelScene
    from embodied_gym.envs.render.blockworld import BLOCK_ID, block_parts, block_style

    grid = np.zeros((16, 12, 16), np.uint16)
    grid[:, :4, :] = BLOCK_ID["stone"]
    grid[3:13, 4:7, 3:13] = BLOCK_ID["stone"]  # basin walls ...
    grid[4:12, 4:7, 4:12] = BLOCK_ID["water"]  # ... full of water
    grid[7, 4:9, 6:10] = BLOCK_ID["block_glass"]  # a pane through the water and out of it
    return VoxelScene.from_dense(grid, block_parts(), voxel_size=1.0, origin=(0.0, 0.0, 0.0), style=block_style(24.0))


def test_the_inside_of_a_body_of_water_is_left_out_of_the_boxes_and_drawn_the_same():
    """Water voxels whose neighbours are all water or opaque start no run of water on any ray, so no
    box holds them; the raster path still composites each run once, as the ray caster does, for eyes
    above the water, at its surface and deep inside it (where no box holds the eye's voxel)."""
    from embodied_gym.envs.render.blockworld import BLOCK_ID
    from embodied_gym.envs.render.boxes import merge_region

    scene = _pond_scene()
    grid = scene.to_dense()
    batch = SceneBatch([scene])
    padded = np.pad(grid, 1)
    boxes = merge_region(padded, batch._opaque_parts(0))
    water = boxes[boxes[:, 6] == BLOCK_ID["water"]]
    held = np.zeros(grid.shape, bool)
    for i0, j0, k0, i1, j1, k1 in water[:, :6]:
        held[i0:i1, j0:j1, k0:k1] = True
    assert held.sum() < (grid == BLOCK_ID["water"]).sum()
    assert not held[5, 4, 5] and held[5, 6, 5]  # a bottom voxel (stone below, water around); the surface
    assert not (held & (grid != BLOCK_ID["water"])).any()
    rng = np.random.default_rng(2)
    eyes = [[5.5, 8.5, 5.5], [10.5, 9.0, 4.5], [2.0, 7.6, 8.0], [5.5, 6.5, 8.5], [4.3, 4.6, 4.4], [9.5, 5.5, 10.5]]
    cams = Cameras.make(np.array(eyes * 4), yaw_deg=rng.uniform(0, 360, 24), pitch_deg=rng.uniform(-60, 30, 24),
                        fov_deg=80.0)
    ray = render_batch(batch, cams, 48, 48, outputs=OUTPUTS, method="raycast")
    ras = render_batch(batch, cams, 48, 48, outputs=OUTPUTS, method="raster")
    assert batch.scene_int[0, SI_NBOX] > 0
    assert_agree(ray, ras, min_share=0.999, texel_share=0.001)
    deep = ras["rgb"][4::6].astype(int)  # the eye deep in the water sees everything through it
    assert (deep[..., 2] >= deep[..., 0]).mean() > 0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_jumble_of_water_glass_leaves_and_stone_is_drawn_as_the_ray_caster_draws_it(seed):
    """Random voxels, a third of them water and a fifth glass or leaves, with eyes anywhere (in water, in
    glass, inside stone): rays cross many runs of several transparent parts, so pixels take both the
    one-entry and the several-entries paths; every pixel agrees with the ray caster."""
    from embodied_gym.envs.render import VoxelScene
    from embodied_gym.envs.render.blockworld import BLOCK_ID, block_parts, block_style

    rng = np.random.default_rng(seed)
    grid = np.zeros((24, 16, 24), np.uint16)
    r = rng.random(grid.shape)
    grid[r < 0.35] = BLOCK_ID["water"]
    grid[(r >= 0.35) & (r < 0.45)] = BLOCK_ID["block_glass"]
    grid[(r >= 0.45) & (r < 0.55)] = BLOCK_ID["stone"]
    grid[(r >= 0.55) & (r < 0.60)] = BLOCK_ID["leaves"]
    grid[:, :2] = BLOCK_ID["stone"]
    batch = SceneBatch([VoxelScene.from_dense(grid, block_parts(), voxel_size=1.0, style=block_style(24.0))])
    cams = Cameras.make(rng.uniform([1, 2, 1], [23, 15, 23], (24, 3)), yaw_deg=rng.uniform(0, 360, 24),
                        pitch_deg=rng.uniform(-60, 60, 24), fov_deg=80.0)
    ray = render_batch(batch, cams, 40, 40, outputs=OUTPUTS, method="raycast")
    ras = render_batch(batch, cams, 40, 40, outputs=OUTPUTS, method="raster")
    assert_agree(ray, ras, min_share=0.999, texel_share=0.001)


def test_gather_region_is_the_dense_grid_with_a_zero_margin():
    from embodied_gym.envs.render import PartTable, VoxelScene
    from embodied_gym.envs.render.boxes import gather_region
    from embodied_gym.envs.render.materials import material_id

    rng = np.random.default_rng(3)
    for brick in (2, 4, 8):
        dense = rng.integers(0, 4, (3 * brick + 1, 2 * brick, 4 * brick - 3)).astype(np.uint16)
        dense[: brick, :, : brick] = 0  # an all-empty brick (no pool entry) inside the region
        parts = PartTable.build([0, material_id("stone"), material_id("dirt"), material_id("block_glass")],
                                [0, 1, 2, 3], [0, 1, 2, 3])
        batch = SceneBatch([VoxelScene.from_dense(dense, parts, voxel_size=1.0, brick=brick)])
        cells, _top, b = batch._scene_views(0)
        nx, ny, nz = batch._fine_shape(0)
        padded = np.pad(np.pad(dense, ((0, nx - dense.shape[0]), (0, ny - dense.shape[1]), (0, nz - dense.shape[2]))), 1)
        for x0, x1, z0, z1 in ((0, nx, 0, nz), (1, 5, 2, min(9, nz)), (nx - 3, nx, 0, 3), (brick, 2 * brick, brick - 1, brick + 1)):
            got = gather_region(cells, batch.pool, b, x0, x1, z0, z1)
            want = padded[x0: x1 + 2, :, z0: z1 + 2]  # the margin: neighbours inside the grid, zeros outside
            assert np.array_equal(got, want), (brick, x0, x1, z0, z1)
