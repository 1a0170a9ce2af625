"""``embodied-gym render``: write what the renderer sees to a PNG, to look at it.

    embodied-gym render house --seed 3 --size 224 --views 4 --out house.png
    embodied-gym render house --house my_house.json --out frames.png
    embodied-gym render block --seed 0 --out block.png

Each view is one row: RGB | depth (grey, near = dark) | semantic mask | instance mask. House views
stand at 1.5 m at the centres of the rooms (turning through the views), block views at eye height
looking round the middle of the world.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("world", choices=("house", "block"), help="a generated/loaded house or the block test world")
    parser.add_argument("--seed", type=int, default=0, help="house generator / block world seed")
    parser.add_argument("--house", type=Path, default=None, help="render this AI2-THOR house JSON instead")
    parser.add_argument("--size", type=int, default=224, help="image width and height in pixels (32..512)")
    parser.add_argument("--views", type=int, default=4, help="number of camera views (rows)")
    parser.add_argument("--pitch", type=float, default=0.0, help="camera pitch in degrees, positive looks down")
    parser.add_argument("--fov", type=float, default=90.0, help="vertical field of view in degrees")
    parser.add_argument("--out", type=Path, default=Path("render.png"), help="output PNG")


def _palette(ids: np.ndarray) -> np.ndarray:
    h = (ids.astype(np.uint64) * np.uint64(2654435761)) & np.uint64(0xFFFFFF)
    rgb = np.stack([(h >> np.uint64(s)) & np.uint64(255) for s in (16, 8, 0)], axis=-1).astype(np.uint8)
    rgb[ids == 0] = 0
    return rgb


def render_views(world: str, seed: int, size: int, views: int, pitch: float, fov: float,
                 house: dict | None = None) -> np.ndarray:
    """The PNG's pixels: one row of four panels per view."""
    from .api import render_batch
    from .types import Cameras, RenderError

    if views < 1:
        raise RenderError(f"views must be >= 1, got {views}")
    if world == "house":
        from ...procgen.house import generate_house
        from ..house.scene import house_scene

        house = house if house is not None else generate_house(seed)
        scene = house_scene(house)
        centres = [np.mean([[p["x"], p["z"]] for p in r["floorPolygon"]], axis=0) for r in house["rooms"]]
        pos = np.array([[centres[i % len(centres)][0], 1.5, centres[i % len(centres)][1]] for i in range(views)])
        max_depth = 8.0
    else:
        from .blockworld import block_test_scene, eye_position

        scene = block_test_scene(seed)
        nx, _, nz = scene.shape
        pos = np.array([eye_position(scene, nx / 2 + 0.5, nz / 2 + 0.5)] * views)
        max_depth = scene.style.view_distance
    yaw = np.arange(views) * (360.0 / max(views, 1)) + 15.0
    cams = Cameras.make(pos, yaw_deg=yaw, pitch_deg=pitch, fov_deg=fov)
    out = render_batch(scene, cams, size, size, outputs=("rgb", "depth", "semantic", "instance"))
    depth = (np.clip(out["depth"] / max_depth, 0, 1) * 255).astype(np.uint8)[..., None].repeat(3, axis=3)
    rows = [np.concatenate([out["rgb"][i], depth[i], _palette(out["semantic"][i]), _palette(out["instance"][i])],
                           axis=1) for i in range(views)]
    return np.concatenate(rows, axis=0)


def run(args: argparse.Namespace) -> int:
    from PIL import Image

    house = None
    if args.house is not None:
        with open(args.house, encoding="utf-8") as f:
            house = json.load(f)
    image = render_views(args.world, args.seed, args.size, args.views, args.pitch, args.fov, house)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(args.out)
    print(f"wrote {args.out} ({args.views} views of {args.size}x{args.size}: rgb | depth | semantic | instance)")
    return 0
