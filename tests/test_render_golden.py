"""Golden images: a fixed house and a fixed block world at 64x64 and 256x256 against committed PNGs.

Each golden holds three panels side by side: RGB, depth (grey, 0..8 m in the house, 0..32 m in the block world) and the semantic mask
(a fixed palette). Tolerance is for float rounding only: at most 0.5% of pixel values may differ,
by at most a few levels. On failure the rendered image and an amplified diff are written to
``tests/golden/failures/`` and the message names them. Regenerate after an intended change with
``EMBODIED_GYM_UPDATE_GOLDEN=1 pytest tests/test_render_golden.py`` and look at the PNGs.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from embodied_gym.envs.house.scene import house_scene
from embodied_gym.envs.render import Cameras, render_batch
from embodied_gym.envs.render.blockworld import block_test_scene, eye_position
from PIL import Image
from render_cases import two_room_house

GOLDEN = Path(__file__).resolve().parent / "golden"
FAILURES = GOLDEN / "failures"
UPDATE = os.environ.get("EMBODIED_GYM_UPDATE_GOLDEN") == "1"


def _palette(ids: np.ndarray) -> np.ndarray:
    h = (ids.astype(np.uint64) * np.uint64(2654435761)) & np.uint64(0xFFFFFF)
    rgb = np.stack([(h >> np.uint64(s)) & np.uint64(255) for s in (16, 8, 0)], axis=-1).astype(np.uint8)
    rgb[ids == 0] = 0
    return rgb


def _panels(out: dict, max_depth: float) -> np.ndarray:
    depth = (np.clip(out["depth"][0] / max_depth, 0, 1) * 255).astype(np.uint8)
    return np.concatenate([out["rgb"][0], np.repeat(depth[..., None], 3, axis=2), _palette(out["semantic"][0])], axis=1)


def _render(case: str, size: int) -> np.ndarray:
    outputs = ("rgb", "depth", "semantic")
    if case == "house":
        scene = house_scene(two_room_house())
        cams = Cameras.make([2.0, 1.5, 2.8], yaw_deg=200.0, pitch_deg=20.0, fov_deg=90.0)
    else:
        scene = block_test_scene(0)
        cams = Cameras.make(eye_position(scene, 48.5, 48.5), yaw_deg=30.0, pitch_deg=5.0, fov_deg=70.0)
    return _panels(render_batch(scene, cams, size, size, outputs=outputs), 8.0 if case == "house" else 32.0)


@pytest.mark.parametrize("case", ["house", "block"])
@pytest.mark.parametrize("size", [64, 256])
def test_matches_golden(case: str, size: int):
    image = _render(case, size)
    path = GOLDEN / f"{case}_{size}.png"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        Image.fromarray(image).save(path)
    assert path.exists(), f"golden {path} missing; create it with EMBODIED_GYM_UPDATE_GOLDEN=1"
    golden = np.asarray(Image.open(path).convert("RGB"))
    assert golden.shape == image.shape, f"{path.name}: shape {image.shape} != golden {golden.shape}"
    diff = np.abs(image.astype(int) - golden.astype(int))
    bad = diff > 3
    if bad.mean() > 0.005 or diff.max() > 64 and bad.mean() > 0.001:
        FAILURES.mkdir(exist_ok=True)
        got = FAILURES / f"{case}_{size}_got.png"
        dif = FAILURES / f"{case}_{size}_diff.png"
        Image.fromarray(image).save(got)
        Image.fromarray(np.clip(diff * 8, 0, 255).astype(np.uint8)).save(dif)
        pytest.fail(f"{path.name}: {bad.mean():.2%} of values differ by > 3 (max {diff.max()}); "
                    f"rendered image: {got}, diff: {dif}")
