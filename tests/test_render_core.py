"""Renderer behaviour users depend on: metric planar depth, masks that agree with the scene,
batched == one-by-one, in-place edits, entities, glass, bit-identical output across processes,
and clear errors for bad input."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from embodied_gym.envs.render import Cameras, EntityBatch, PartTable, SceneBatch, VoxelScene, render_batch
from embodied_gym.envs.render.batch import cell_words
from embodied_gym.envs.render.blockworld import BLOCK_ID, block_test_scene, eye_position
from embodied_gym.envs.render.materials import UnknownMaterialError, material_id
from embodied_gym.envs.render.types import RenderError, SceneStyle

REPO = Path(__file__).resolve().parents[1]


def wall_scene(distance: float = 2.0, vs: float = 0.05) -> VoxelScene:
    """A 4 m x 3 m wall whose near face lies ``distance`` metres in front of z = 0 (camera plane)."""
    nx, ny, nz = 120, 80, 160
    grid = np.zeros((nx, ny, nz), np.uint16)
    # origin (-3, -1, -1): the wall face z = distance is voxel boundary (distance + 1) / vs
    k = int(round((distance + 1.0) / vs))
    grid[20:100, 0:60, k:k + 2] = 1
    parts = PartTable.build([0, material_id("wall_paint")], [0, 7], [0, 42])
    return VoxelScene.from_dense(grid, parts, origin=(-3.0, -1.0, -1.0), voxel_size=vs, brick=4,
                                 style=SceneStyle(view_distance=20.0, fog_start=20.0))


def test_wall_two_metres_ahead_reads_two_metres_everywhere():
    scene = wall_scene(2.0)
    cams = Cameras.make([0.0, 0.5, 0.0], yaw_deg=0.0, pitch_deg=0.0, fov_deg=60.0)
    out = render_batch(scene, cams, 64, 64, outputs=("depth", "semantic", "instance"))
    depth = out["depth"][0]
    wall = out["instance"][0] == 42
    assert wall.mean() > 0.9
    # planar depth: every wall pixel, centre and corners alike, reads the same 2.00 m
    assert np.all(np.abs(depth[wall] - 2.0) <= 0.02)
    assert np.all(out["semantic"][0][wall] == 7)


def test_depth_is_planar_not_ray_length_and_pitch_is_downwards():
    scene = wall_scene(3.0)
    # turned 20 degrees: planar depth across the wall varies linearly, the centre ray length is 3/cos20
    cams = Cameras.make([0.0, 0.5, 0.0], yaw_deg=20.0, pitch_deg=0.0, fov_deg=60.0)
    d = render_batch(scene, cams, 64, 64, outputs=("depth",))["depth"][0]
    centre_planar = 3.0 / np.cos(np.radians(20.0))
    assert abs(0.5 * (d[32, 31] + d[32, 32]) - centre_planar) < 0.03
    # looking down: the upper image half still sees the wall, lower rows see it nearer than the top
    down = render_batch(scene, Cameras.make([0.0, 0.5, 0.0], 0.0, 30.0, 60.0), 64, 64, outputs=("depth",))["depth"][0]
    # ray = forward + v * up with pitch 30 down: its z component is cos30 + v sin30 (v > 0 above centre)
    v = np.tan(np.radians(30.0)) * (1 - 2 * 5.5 / 64)
    p = np.radians(30.0)
    assert abs(down[5, 32] - 3.0 / (np.cos(p) + v * np.sin(p))) < 0.02
    assert down[5, 32] < 3.0 < down[58, 32]  # looking down: the top of the image sees the wall nearer
    empty = render_batch(scene, Cameras.make([0.0, 0.5, 0.0], 180.0, 0.0, 60.0), 64, 64, outputs=("depth",))
    assert np.all(empty["depth"][0] == 20.0)  # nothing behind: the view distance


def test_entity_pixels_project_where_its_box_projects():
    scene = wall_scene(6.0)
    cams = Cameras.make([0.0, 0.5, 0.0], yaw_deg=0.0, pitch_deg=0.0, fov_deg=90.0)
    box_c, half = np.array([0.6, 0.4, 2.0]), np.array([0.2, 0.3, 0.2])
    ents = EntityBatch.build(1, [0], box_c[None], half[None], 0.0, material_id("mob_pink"), 9, 77)
    out = render_batch(scene, cams, 128, 128, outputs=("rgb", "depth", "semantic", "instance"), entities=ents)
    mask = out["instance"][0] == 77
    assert mask.sum() > 50
    assert np.all(out["semantic"][0][mask] == 9)
    # project the box's corners with the pinhole model: the mask must lie inside, and fill it
    t = np.tan(np.radians(45.0))
    corners = np.array([[box_c[0] + sx * half[0], box_c[1] + sy * half[1], box_c[2] + sz * half[2]]
                        for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
    rel = corners - np.array([0.0, 0.5, 0.0])
    cols = (rel[:, 0] / rel[:, 2] / t + 1) * 64
    rows = (1 - rel[:, 1] / rel[:, 2] / t) * 64
    r, c = np.nonzero(mask)
    assert r.min() >= np.floor(rows.min()) - 1 and r.max() <= np.ceil(rows.max())
    assert c.min() >= np.floor(cols.min()) - 1 and c.max() <= np.ceil(cols.max())
    # the front face is planar at z = 1.8; the side face seen from the left lies behind it
    assert np.all(out["depth"][0][mask] >= 1.78) and np.all(out["depth"][0][mask] <= 2.22)
    front_col = int((box_c[0] - half[0] / 2) / 1.8 / t * 64 + 64)
    front_row = int((1 - (box_c[1] - 0.5) / 1.8 / t) * 64)
    assert abs(out["depth"][0][front_row, front_col] - 1.8) <= 0.02


def _entity_hits(eye, yaw, pitch, fov, size, centre, half, box_yaw):
    """Per pixel, whether its ray meets the entity box beyond the near plane (the kernel's rule),
    computed here in numpy from the pinhole model."""
    from embodied_gym.envs.render.kernel import NEAR

    sy, cy, sp, cp = np.sin(np.radians(yaw)), np.cos(np.radians(yaw)), np.sin(np.radians(pitch)), np.cos(np.radians(pitch))
    f, r, u = np.array([sy * cp, -sp, cy * cp]), np.array([cy, 0.0, -sy]), np.array([sy * sp, cp, cy * sp])
    t = np.tan(np.radians(fov / 2))
    grid = (np.arange(size) + 0.5) / size
    v, uu = np.meshgrid((1 - 2 * grid) * t, (2 * grid - 1) * t, indexing="ij")
    d = f + uu[..., None] * r + v[..., None] * u
    es, ec = np.sin(np.radians(box_yaw)), np.cos(np.radians(box_yaw))
    ro = eye - centre
    o = np.array([ec * ro[0] - es * ro[2], ro[1], es * ro[0] + ec * ro[2]])
    dl = np.stack([ec * d[..., 0] - es * d[..., 2], d[..., 1], es * d[..., 0] + ec * d[..., 2]], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (-half - o) / dl, (half - o) / dl
    tn, tf = np.minimum(t1, t2).max(-1), np.maximum(t1, t2).min(-1)
    return (tn < tf - 1e-6) & (tn > 1.01 * NEAR)


def test_an_entity_across_the_near_plane_keeps_every_pixel_that_sees_it():
    """Mobs beside the player cross the camera's near plane; their screen rectangle is that of the
    part in front of it (not the whole screen, which cost a per-pixel test everywhere), and no pixel
    that sees the box is lost."""
    from embodied_gym.envs.render.kernel import entity_rects

    scene = wall_scene(6.0)
    rng = np.random.default_rng(4)
    size, fov = 48, 70.0
    tight = drawn = 0
    for k in range(40):
        eye = np.array([0.0, 0.5, 0.0])
        yaw, pitch = float(rng.uniform(-40, 40)), float(rng.uniform(-89, 89))
        centre = eye + rng.uniform(-0.6, 0.6, 3)
        half, box_yaw = rng.uniform(0.15, 0.5, 3), float(rng.uniform(0, 90))
        ents = EntityBatch.build(1, [0], centre[None], half[None], box_yaw, material_id("mob_pink"), 9, 77)
        cams = Cameras.make(eye, yaw_deg=yaw, pitch_deg=pitch, fov_deg=fov)
        mask = render_batch(scene, cams, size, size, outputs=("instance",), entities=ents)["instance"][0] == 77
        want = _entity_hits(eye, yaw, pitch, fov, size, centre, half, box_yaw)
        assert np.all(mask[want]), f"case {k}: pixels that see the box were not drawn"
        drawn += int(mask.any())
        vis_n, vis_idx, vis_rect = np.zeros(1, np.int32), np.zeros((1, 1), np.int32), np.zeros((1, 1, 4), np.int32)
        entity_rects(cams.position, cams.yaw_deg, cams.pitch_deg, cams.fov_deg, cams.scene_index, ents.box,
                     ents.offsets, size, size, vis_n, vis_idx, vis_rect)
        if vis_n[0]:
            c0, r0, c1, r1 = np.clip(vis_rect[0, 0], 0, size - 1)
            tight += int((c1 - c0 + 1) * (r1 - r0 + 1) < size * size)
    assert drawn >= 10 and tight >= 10


def test_batched_render_equals_one_by_one_and_serial_equals_parallel():
    a, b = block_test_scene(0, size=(48, 40, 48)), block_test_scene(1, size=(48, 40, 48))
    batch = SceneBatch([a, b])
    pos = np.array([eye_position(a, 24.5, 24.5), eye_position(b, 20.5, 30.5), eye_position(a, 10.5, 30.5)])
    cams = Cameras.make(pos, yaw_deg=[0.0, 130.0, 250.0], pitch_deg=[0.0, 20.0, -10.0], fov_deg=70.0,
                        scene_index=[0, 1, 0])
    outputs = ("rgb", "depth", "semantic", "instance")
    together = render_batch(batch, cams, 48, 40, outputs=outputs, parallel=True)
    serial = render_batch(batch, cams, 48, 40, outputs=outputs, parallel=False)
    for i, scene in enumerate((a, b, a)):
        alone = render_batch(scene, Cameras.make(pos[i], cams.yaw_deg[i], cams.pitch_deg[i], 70.0), 48, 40,
                             outputs=outputs)
        for key in outputs:
            assert np.array_equal(together[key][i], alone[key][0]), key
            assert np.array_equal(serial[key][i], alone[key][0]), key


def test_set_voxels_shows_up_and_matches_a_fresh_pack():
    scene = block_test_scene(0, size=(48, 40, 48))
    batch = SceneBatch([scene])
    eye = eye_position(scene, 24.5, 24.5)
    cams = Cameras.make(eye, yaw_deg=0.0, pitch_deg=0.0, fov_deg=70.0)
    ahead = np.array([[24, int(eye[1]), 27], [24, int(eye[1]) + 6, 27]])  # one in an empty brick far up
    batch.set_voxels(0, ahead, BLOCK_ID["diamond_ore"])
    assert np.all(batch.get_voxels(0, ahead) == BLOCK_ID["diamond_ore"])
    out = render_batch(batch, cams, 64, 64, outputs=("rgb", "semantic"))
    assert out["semantic"][0][32, 32] == BLOCK_ID["diamond_ore"]
    dense = scene.to_dense()
    dense[ahead[:, 0], ahead[:, 1], ahead[:, 2]] = BLOCK_ID["diamond_ore"]
    fresh = VoxelScene.from_dense(dense, scene.parts, voxel_size=1.0, brick=4, style=scene.style)
    again = render_batch(fresh, cams, 64, 64, outputs=("rgb", "semantic"))
    assert np.array_equal(out["rgb"], again["rgb"]) and np.array_equal(out["semantic"], again["semantic"])
    batch.set_voxels(0, ahead, 0)
    back = render_batch(batch, cams, 64, 64, outputs=("semantic",))
    assert back["semantic"][0][32, 32] != BLOCK_ID["diamond_ore"]
    assert np.array_equal(batch._top.view(0), SceneBatch([scene])._top.view(0))  # column tops restored


def test_replace_scene_swaps_one_world_and_survives_compaction():
    scenes = [block_test_scene(seed, size=(32 + 8 * (seed % 3), 32, 32)) for seed in range(6)]
    batch = SceneBatch(scenes[:2])
    outputs = ("rgb", "depth", "instance", "semantic")

    def check():
        for i in range(2):
            s = batch.scenes[i]
            eye = eye_position(s, 16.5, 16.5)
            cams = Cameras.make([eye, eye], yaw_deg=[40.0, 200.0], pitch_deg=10.0, fov_deg=70.0, scene_index=i)
            got = render_batch(batch, cams, 40, 32, outputs=outputs)
            want = render_batch(s, Cameras.make([eye, eye], [40.0, 200.0], 10.0, 70.0), 40, 32, outputs=outputs)
            for key in outputs:
                assert np.array_equal(got[key], want[key]), key

    def words_in_step():  # the kernel words kept in step equal words derived afresh, on every scene's cells
        words, fresh = batch.words, cell_words(batch.cells)
        for i in range(len(batch.scenes)):
            seg = slice(batch._cells.offset[i], batch._cells.offset[i] + batch._cells.length[i])
            assert np.array_equal(words[seg], fresh[seg])

    for step in range(8):  # enough swaps to trigger pool and segment compaction
        batch.replace_scene(step % 2, scenes[2 + step % 4])
        words_in_step()
        check()
    for step in range(6):  # two swaps between renders: both ranges re-derived, each alone
        batch.replace_scene(0, scenes[2 + step % 4])
        batch.replace_scene(1, scenes[5 - step % 4])
        words_in_step()
        check()
    small = [block_test_scene(seed, size=(20, 32, 20)) for seed in (7, 8)]
    for i in range(2):  # far fewer live bricks than slots: the pool is compacted and renumbered
        batch.replace_scene(i, small[i])
    assert batch._n_bricks == sum(s.bricks.shape[0] for s in small)
    words_in_step()
    check()
    assert batch.pool.shape[0] < 4 * sum(s.bricks.shape[0] for s in batch.scenes) + 64
    with pytest.raises(RenderError, match="brick size"):
        batch.replace_scene(0, wall_scene(2.0).__class__.from_dense(
            np.zeros((8, 8, 8), np.uint16), PartTable.build([0], [0], [0]), brick=8))


def test_glass_is_seen_through_and_counts_as_the_first_surface():
    grid = np.zeros((40, 40, 40), np.uint16)
    grid[:, :, 20] = 1  # a glass pane at z = 20 m
    grid[:, :, 30] = 2  # a stone wall behind it
    parts = PartTable.build([0, material_id("block_glass"), material_id("stone")], [0, 5, 6], [0, 1, 2])
    scene = VoxelScene.from_dense(grid, parts, voxel_size=1.0, brick=4, style=SceneStyle(view_distance=60, fog_start=60))
    cams = Cameras.make([20.5, 20.5, 5.0], fov_deg=40.0)
    out = render_batch(scene, cams, 32, 32, outputs=("rgb", "depth", "semantic"))
    assert np.all(out["semantic"][0] == 5)
    assert np.allclose(out["depth"][0][16, 16], 15.0, atol=0.02)
    no_glass = grid.copy()
    no_glass[:, :, 20] = 0
    plain = render_batch(VoxelScene.from_dense(no_glass, parts, voxel_size=1.0, brick=4, style=scene.style),
                         cams, 32, 32, outputs=("rgb",))
    tinted, behind = out["rgb"][0].astype(int), plain["rgb"][0].astype(int)
    assert np.abs(tinted - behind).mean() > 10  # the pane tints what lies behind it
    assert np.corrcoef(tinted[..., 0].ravel(), behind[..., 0].ravel())[0, 1] > 0.5  # but it is still seen


_RENDER_SCRIPT = """
import hashlib, numpy as np
from embodied_gym.envs.render import Cameras, render_batch
from embodied_gym.envs.render.blockworld import block_test_scene, eye_position
s = block_test_scene(3, size=(48, 40, 48))
rng = np.random.default_rng(5)
pos = np.array([eye_position(s, *rng.uniform(10, 38, 2)) for _ in range(4)])
out = render_batch(s, Cameras.make(pos, rng.uniform(0, 360, 4), rng.uniform(-30, 30, 4), 80.0), 64, 48,
                   outputs=("rgb", "depth", "semantic", "instance"))
print(hashlib.sha256(b"".join(out[k].tobytes() for k in sorted(out))).hexdigest())
"""


def test_bit_identical_across_processes():
    digests = [subprocess.run([sys.executable, "-c", _RENDER_SCRIPT], capture_output=True, text=True,
                              check=True, cwd=REPO).stdout.strip() for _ in range(2)]
    namespace: dict = {}
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(_RENDER_SCRIPT, namespace)
    assert digests[0] == digests[1] == buf.getvalue().strip()
    assert len(digests[0]) == 64 and hashlib.sha256(b"").hexdigest() != digests[0]


def test_bad_input_raises_typed_errors_naming_the_problem():
    scene = wall_scene(2.0)
    cams = Cameras.make([0.0, 0.5, 0.0])
    with pytest.raises(RenderError, match="width"):
        render_batch(scene, cams, 31, 64)
    with pytest.raises(RenderError, match="height"):
        render_batch(scene, cams, 64, 600)
    with pytest.raises(RenderError, match="outputs"):
        render_batch(scene, cams, 64, 64, outputs=("normals",))
    with pytest.raises(RenderError, match="scene_index"):
        render_batch(scene, Cameras.make([0.0, 0.5, 0.0], scene_index=1), 64, 64)
    with pytest.raises(RenderError, match="fov_deg"):
        Cameras.make([0.0, 0.5, 0.0], fov_deg=0.0)
    with pytest.raises(RenderError, match="pitch_deg"):
        Cameras.make([0.0, 0.5, 0.0], pitch_deg=95.0)
    with pytest.raises(RenderError, match="position"):
        Cameras.make([[0.0, 0.5]])
    with pytest.raises(RenderError, match="part ids"):
        VoxelScene.from_dense(np.full((4, 4, 4), 3, np.uint16), PartTable.build([0, 1], [0, 1], [0, 1]))
    with pytest.raises(RenderError, match="material"):
        PartTable.build([0, 9999], [0, 1], [0, 1])
    with pytest.raises(UnknownMaterialError, match="accepted"):
        material_id("unobtainium")
    with pytest.raises(RenderError, match="brick"):
        VoxelScene.from_dense(np.zeros((4, 4, 4), np.uint16), PartTable.build([0], [0], [0]), brick=3)
    with pytest.raises(RenderError, match="brick size"):
        SceneBatch([wall_scene(2.0), VoxelScene.from_dense(np.zeros((8, 8, 8), np.uint16),
                                                           PartTable.build([0], [0], [0]), brick=8)])
    with pytest.raises(RenderError, match="voxel coordinates"):
        SceneBatch([scene]).set_voxels(0, [[-1, 0, 0]], 1)
    assert issubclass(RenderError, ValueError)


def test_second_process_loads_compiled_kernels_from_the_disk_cache():
    script = (
        "from embodied_gym.envs.render import Cameras, render_batch\n"
        "from embodied_gym.envs.render.blockworld import block_test_scene\n"
        "s = block_test_scene(0, size=(16, 24, 16))\n"
        "for method in ('raycast', 'raster'):\n"
        "    render_batch(s, Cameras.make([8.5, 22.0, 8.5]), 32, 32, method=method)\n"
        "    render_batch(s, Cameras.make([[8.5, 22.0, 8.5]] * 2), 32, 32, method=method)\n"
    )
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, cwd=REPO, env=env)
    second = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                            cwd=REPO, env=env).stdout
    assert "data loaded" in second and "render_serial" in second and "render_parallel" in second
    assert "raster_serial" in second and "raster_parallel" in second
    assert "data saved" not in second, "the second process recompiled a kernel instead of loading it"


def test_render_command_writes_the_panels(tmp_path):
    from embodied_gym.cli import main
    from PIL import Image

    out = tmp_path / "frames.png"
    assert main(["render", "block", "--seed", "0", "--size", "48", "--views", "2", "--out", str(out)]) == 0
    image = np.asarray(Image.open(out))
    assert image.shape == (96, 4 * 48, 3) and image.std() > 10


@pytest.mark.parametrize("brick", [2, 4, 8])
def test_from_dense_bricks_hold_the_grid_and_tops_mark_the_highest_opaque_voxel(brick):
    rng = np.random.default_rng(brick)
    grid = (rng.integers(0, 4, (13, 11, 9)) * (rng.random((13, 11, 9)) < 0.15)).astype(np.int32)
    parts = PartTable.build([0, material_id("stone"), material_id("block_glass"), material_id("dirt")],
                            [0, 1, 2, 3], [0, 1, 2, 3])
    scene = VoxelScene.from_dense(grid, parts, voxel_size=1.0, brick=brick)
    cx, cy, cz = scene.coarse.shape
    padded = np.zeros((cx * brick, cy * brick, cz * brick), np.uint16)
    padded[:13, :11, :9] = grid
    for c in np.ndindex(cx, cy, cz):
        block = padded[c[0] * brick:(c[0] + 1) * brick, c[1] * brick:(c[1] + 1) * brick, c[2] * brick:(c[2] + 1) * brick]
        if scene.coarse[c] >= 0:
            assert np.array_equal(scene.bricks[scene.coarse[c]].reshape(brick, brick, brick), block)
        else:
            assert not block.any()
    assert len(scene.bricks) == (scene.coarse >= 0).sum()
    opaque = np.isin(padded, [1, 3])  # stone and dirt hide what is behind them, glass does not
    want = np.where(opaque.any(axis=1), padded.shape[1] - np.argmax(opaque[:, ::-1, :], axis=1), 0)
    assert np.array_equal(scene.top, want)
