"""Renderer speed: frames/s of the numba ray caster on a generated 6-room house and on a block world,
beside Miniworld's OpenGL rendering measured in the same run.

Run: ``python benchmarks/bench_render.py`` (or ``make bench``; ``--quick`` for a short run).

Figures printed:
- single: one camera per call, numba limited to one thread (the per-env cost of a plain gym env)
- batched: 64 cameras per call over all cores (the vector-env path)
- multi-scene: 64 cameras in 64 *different* scenes in one call (houses: 8 distinct houses x 8 copies
  keep set-up short; the kernel treats them as 64 scenes)
- first frame in a fresh process with the JIT cache warm (cache=True)
- Miniworld (OpenGL through pyglet's headless EGL, Mesa llvmpipe on CPU): env steps/s at its default
  60x80 observation, which renders one frame per step.

- raster vs raycast: the house rows (``--ab-world block``: the block world's, ``both``: both) with ``render_batch(method="raycast")`` (brick-map ray casting)
  and ``method="raster"`` (box faces into a depth buffer, ``envs/render/raster.py``), in one process,
  alternating; ``--method`` picks the method of the main table (default ``auto``: raster for
  unedited scenes with boxes, i.e. the houses and the unedited block test world).

- ``--ab-rev REV``: the raster kernels of git revision REV against today's (same process, alternating,
  identical pixels checked), e.g. ``--ab-only --ab-world both --ab-rev 8e0b397``.

Frames/s count RGB + planar depth. The machine load (``os.getloadavg``) is printed beside them: on a
shared box the figures are pessimistic.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np
from peers import miniworld_steps_per_second

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def house_cameras(scene, house: dict, n: int, seed: int, pitch: float = 0.0):
    """n eye positions (1.5 m) at random free spots inside rooms, random yaw."""
    from embodied_gym.envs.house.scene import _inside_polygon, _points_xz

    rng = np.random.default_rng(seed)
    dense = scene.to_dense()
    vs = scene.voxel_size
    polys = [_points_xz(r["floorPolygon"], "floor") for r in house["rooms"]]
    out = []
    while len(out) < n:
        poly = polys[int(rng.integers(len(polys)))]
        lo, hi = poly.min(0) + 0.4, poly.max(0) - 0.4
        x, z = rng.uniform(lo, hi)
        if not _inside_polygon(np.array(x), np.array(z), poly):
            continue
        i = int((x - scene.origin[0]) / vs)
        k = int((z - scene.origin[2]) / vs)
        j_eye = int((1.7 - scene.origin[1]) / vs)
        j_floor = int(round(-scene.origin[1] / vs))
        if dense[i - 4:i + 5, j_floor:j_eye, k - 4:k + 5].any():
            continue
        out.append((x, 1.5, z))
    from embodied_gym.envs.render import Cameras

    return Cameras.make(np.array(out), yaw_deg=rng.uniform(0, 360, n), pitch_deg=pitch, fov_deg=90.0)


def block_cameras(scene, n: int, seed: int):
    from embodied_gym.envs.render import Cameras
    from embodied_gym.envs.render.blockworld import eye_position

    rng = np.random.default_rng(seed)
    nx, _, nz = scene.shape
    pos = [eye_position(scene, *rng.uniform([nx * 0.3, nz * 0.3], [nx * 0.7, nz * 0.7])) for _ in range(n)]
    return Cameras.make(np.array(pos), yaw_deg=rng.uniform(0, 360, n), pitch_deg=0.0, fov_deg=70.0)


def fps(batch, cams, size: int, seconds: float, method: str = "auto") -> tuple[float, float]:
    """(frames per wall second, frames per CPU second of this process), best of three timed blocks."""
    from embodied_gym.envs.render import render_batch

    out = render_batch(batch, cams, size, size, outputs=("rgb", "depth"), method=method)
    best, best_cpu = 0.0, 0.0
    for _ in range(3):
        frames, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            render_batch(batch, cams, size, size, outputs=("rgb", "depth"), out=out, method=method)
            frames += len(cams)
            dt = time.perf_counter() - t0
            if dt > seconds / 3:
                break
        best = max(best, frames / dt)
        best_cpu = max(best_cpu, frames / max(time.process_time() - c0, 1e-9))
    return best, best_cpu


def single_fps(batch, cams, size: int, seconds: float, method: str = "auto") -> float:
    """One camera per call, cycling through the cameras, on one numba thread."""
    import numba
    from embodied_gym.envs.render import Cameras, render_batch

    numba.set_num_threads(1)
    singles = [Cameras.make(cams.position[i], cams.yaw_deg[i], cams.pitch_deg[i], cams.fov_deg[i],
                            cams.scene_index[i]) for i in range(len(cams))]
    out = render_batch(batch, singles[0], size, size, outputs=("rgb", "depth"), method=method)
    best, best_cpu = 0.0, 0.0
    for _ in range(3):
        frames, t0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            for c in singles:
                render_batch(batch, c, size, size, outputs=("rgb", "depth"), out=out, method=method)
            frames += len(singles)
            dt = time.perf_counter() - t0
            if dt > seconds / 3:
                break
        best = max(best, frames / dt)
        best_cpu = max(best_cpu, frames / max(time.process_time() - c0, 1e-9))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return best, best_cpu


def method_ab(batch, cams, seconds: float) -> list[tuple[str, int, tuple[float, float], tuple[float, float]]]:
    """The same rows timed with method="raycast" and method="raster", alternating three times so
    that load changes hit both alike; each figure is the best of its three blocks."""
    import numba

    threads = numba.config.NUMBA_NUM_THREADS
    rows = [("single camera, 1 thread", 64, single_fps)]
    rows += [(f"batched 64 cams, {threads} threads", size, fps) for size in (64, 128, 224)]
    out = []
    for mode, size, fn in rows:
        best = {"raycast": (0.0, 0.0), "raster": (0.0, 0.0)}
        for _ in range(3):
            for method in best:
                wall, cpu = fn(batch, cams, size, seconds / 3, method)
                best[method] = (max(best[method][0], wall), max(best[method][1], cpu))
        out.append((mode, size, best["raycast"], best["raster"]))
    return out


def kernel_at(rev: str):
    """``envs/render/kernel.py`` as of git revision ``rev``, imported as a module of its own (its
    relative imports pointed at today's package: the box, chunk and scene-table layouts it reads must
    still hold, as they do from b752b07 on, where the kernels took today's argument list)."""
    import importlib.util
    import re
    import tempfile

    src = subprocess.run(["git", "show", f"{rev}:envs/render/kernel.py"], check=True, capture_output=True,
                         text=True, cwd=REPO).stdout
    src = re.sub(r"^from \.(\w+) import", r"from embodied_gym.envs.render.\1 import", src, flags=re.M)
    safe = re.sub(r"\W", "_", rev)
    path = os.path.join(tempfile.gettempdir(), f"embodied_gym_kernel_{safe}.py")  # (fixed path: numba caches it)
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location(f"embodied_gym_kernel_{safe}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba's cache re-imports it by name when it loads a cached kernel
    spec.loader.exec_module(module)
    return module


def kernel_ab(batch, cams, rev: str, seconds: float) -> list[tuple[str, int, float, float, bool]]:
    """Raster kernels of revision ``rev`` vs today's on the same cameras in one process, alternating
    timed blocks (best of three each): rows (mode, size, old frames per CPU-s, new, identical pixels)."""
    import numba
    from embodied_gym.envs.render import kernel as new

    old = kernel_at(rev)
    n = len(cams)
    vis_n, vis_idx, vis_rect = batch._no_visible(n)
    ent = batch._no_entities
    use_boxes = batch.boxes_ready(cams.scene_index, budget=-1)
    scene_args = (batch.scene_int, batch.scene_float, batch.words, batch.pool_flat, batch.top, batch.light,
                  batch.part_material, batch.part_class, batch.part_instance, batch.part_tint, batch.materials)
    rows = []
    for parallel, size in ((False, 64), (True, 64), (True, 128), (True, 224)):
        outs = {}
        best = {"old": 0.0, "new": 0.0}
        for _ in range(3):
            for name, km in (("old", old), ("new", new)):
                rgb = np.zeros((n, size, size, 3), np.uint8)
                depth = np.zeros((n, size, size), np.float32)
                empty = km.empty_outputs()
                kernel = km.raster_parallel if parallel else km.raster_serial
                args = (use_boxes, *scene_args, batch.boxes, batch.chunks, cams.position, cams.yaw_deg,
                        cams.pitch_deg, cams.fov_deg, cams.scene_index, ent.box, ent.material, ent.class_id,
                        ent.instance_id, ent.tint, vis_n, vis_idx, vis_rect, size, size, True, True, False, False,
                        rgb, depth, empty[2], empty[3])
                kernel(*args)
                outs[name] = (rgb.copy(), depth.copy())
                frames, t0, c0 = 0, time.perf_counter(), time.process_time()
                while time.perf_counter() - t0 < seconds / 6:
                    kernel(*args)
                    frames += n
                best[name] = max(best[name], frames / max(time.process_time() - c0, 1e-9))
        same = all(np.array_equal(a, b) for a, b in zip(outs["old"], outs["new"], strict=True))
        mode = f"batched 64 cams, {numba.config.NUMBA_NUM_THREADS} threads" if parallel else "batched 64 cams, 1 thread"
        rows.append((mode, size, best["old"], best["new"], same))
    return rows


def first_frame_seconds() -> tuple[float, float]:
    """(wall, CPU) seconds from the start of a fresh Python process to its first rendered frame,
    with the JIT cache already on disk (the run before it fills the cache if needed)."""
    code = (
        "import time\n"
        "from embodied_gym.envs.render import render_batch, Cameras\n"
        "from embodied_gym.envs.render.blockworld import block_test_scene\n"
        "s = block_test_scene(0, size=(32, 32, 32))\n"
        "render_batch(s, Cameras.make([16.5, 25.0, 16.5]), 64, 64)\n"
        "print(time.time(), time.process_time())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=REPO)  # warm cache
    start = time.time()
    res = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO)
    done, cpu = (float(v) for v in res.stdout.strip().splitlines()[-1].split())
    return done - start, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings (CI smoke run)")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per figure")
    parser.add_argument("--method", choices=("auto", "raycast", "raster"), default="auto",
                        help="render_batch method for the main table (the raster/raycast A/B is always printed)")
    parser.add_argument("--ab-only", action="store_true", help="print only the raster/raycast A/B")
    parser.add_argument("--ab-world", choices=("house", "block", "both"), default="house",
                        help="world(s) of the raster/raycast A/B (block: block_test_scene(0), 32 m view)")
    parser.add_argument("--ab-rev", metavar="REV",
                        help="also time the raster kernels of git revision REV against today's, same process "
                             "(worlds of --ab-world; REV from b752b07 on), and check their pixels are identical")
    args = parser.parse_args(argv)
    seconds = 0.6 if args.quick else args.seconds

    import numba
    from embodied_gym.envs.house.scene import house_scene
    from embodied_gym.envs.render import Cameras, SceneBatch
    from embodied_gym.envs.render.blockworld import block_test_scene
    from embodied_gym.procgen.house import generate_house

    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus; "
          f"numba threads {numba.config.NUMBA_NUM_THREADS}; threading layer set on first call")
    houses = [generate_house(seed, spec="2-bed-2-bath") for seed in range(8)]
    t0 = time.perf_counter()
    house_scenes = [house_scene(h) for h in houses]
    build_s = (time.perf_counter() - t0) / len(houses)
    h0 = house_scenes[0]
    print(f"house: 6 rooms, grid {h0.shape} voxels of {h0.voxel_size} m, {h0.bricks.shape[0]} bricks; "
          f"scene build {build_s * 1e3:.0f} ms/house")
    block = block_test_scene(0)
    print(f"block world: {block.shape} blocks, view distance {block.style.view_distance:.0f} m")

    worlds = {
        "house": (SceneBatch([h0]), house_cameras(h0, houses[0], 64, 1)),
        "block": (SceneBatch([block]), block_cameras(block, 64, 1)),
    }
    for world in ("house", "block") if args.ab_world == "both" else (args.ab_world,):
        ab_rows = method_ab(*worlds[world], seconds)
        print(f"{world}, raster vs raycast in one process (alternating timed blocks; "
              f"load {os.getloadavg()[0]:.2f}):")
        print(f"{'mode':32} {'size':>8} {'raycast/s':>10} {'raster/s':>10} {'ratio':>6}  (frames per CPU-s; wall)")
        for mode, size, ray, ras in ab_rows:
            print(f"{mode:32} {size:>4}x{size:<3} {ray[1]:>10,.0f} {ras[1]:>10,.0f} {ras[1] / ray[1]:>6.2f}"
                  f"  (wall {ray[0]:,.0f} / {ras[0]:,.0f})")
        if args.ab_rev:
            rows = kernel_ab(*worlds[world], args.ab_rev, seconds)
            print(f"{world}, raster kernel {args.ab_rev} vs today's in one process (load {os.getloadavg()[0]:.2f}):")
            print(f"{'mode':32} {'size':>8} {'old/s':>10} {'new/s':>10} {'ratio':>6}  (frames per CPU-s)")
            for mode, size, old_fps, new_fps, same in rows:
                print(f"{mode:32} {size:>4}x{size:<3} {old_fps:>10,.0f} {new_fps:>10,.0f} {new_fps / old_fps:>6.2f}"
                      f"  {'identical pixels' if same else 'PIXELS DIFFER'}")
    if args.ab_only:
        return 0
    method = args.method
    print(f"main table: method={method!r}")
    rows = []
    for name, (batch, cams) in worlds.items():
        rows.append((name, "single camera, 1 thread", 64, single_fps(batch, cams, 64, seconds, method)))
        for size in (64, 128, 224):
            rows.append((name, f"batched 64 cams, {numba.config.NUMBA_NUM_THREADS} threads", size,
                         fps(batch, cams, size, seconds, method)))
    # 64 different scenes in one call
    multi_house = SceneBatch([house_scenes[i % 8] for i in range(64)])
    cams = [house_cameras(house_scenes[i % 8], houses[i % 8], 1, 100 + i) for i in range(64)]
    mcams = Cameras.make(np.concatenate([c.position for c in cams]),
                         np.concatenate([c.yaw_deg for c in cams]), 0.0, 90.0, np.arange(64))
    rows.append(("house", "64 cams in 64 scenes", 64, fps(multi_house, mcams, 64, seconds, method)))
    blocks = [block_test_scene(i) for i in range(8)]
    multi_block = SceneBatch([blocks[i % 8] for i in range(64)])
    bc = block_cameras(block, 64, 7)
    bc.scene_index = np.arange(64, dtype=np.int32)
    rows.append(("block", "64 cams in 64 scenes", 64, fps(multi_block, bc, 64, seconds, method)))

    print(f"{'world':6} {'mode':32} {'size':>8} {'frames/s':>10} {'per CPU-s':>10}")
    for world, mode, size, (value, per_cpu) in rows:
        print(f"{world:6} {mode:32} {size:>4}x{size:<3} {value:>10,.0f} {per_cpu:>10,.0f}")
    print("frames/s: per wall second. per CPU-s: per second of CPU time this process got (per core);"
          " on a quiet machine, wall = per CPU-s x cores used.")
    wall, cpu = first_frame_seconds()
    print(f"first frame in a fresh process (JIT cache warm): {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"Miniworld MiniWorld-Hallway-v0: {miniworld_steps_per_second('MiniWorld-Hallway-v0', max(seconds, 2.0))}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
