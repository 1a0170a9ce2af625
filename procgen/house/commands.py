"""Command-line entry points for houses.

``embodied-gym generate houses --n 10000 --split train --seed 0 --out DIR [--workers N] [--ray]``
``embodied-gym houses stats DIR_OR_FILE [--plot PNG]``
``embodied-gym houses draw DIR_OR_FILE [--indices 0 1 2] [--out DIR]``
``embodied-gym houses draw --seed 0 --split train --indices 0 1 --out DIR`` (generate on the fly)
``embodied-gym houses validate DIR_OR_FILE [--level full]`` (our datasets or real ProcTHOR houses)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def configure_generate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=int, required=True, help="number of houses")
    p.add_argument("--split", default="train", choices=("train", "val", "test"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True, help="output folder; writes OUT/<split>.jsonl.gz")
    p.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    p.add_argument("--ray", action="store_true", help="run the chunks as Ray tasks (ray.init(address=--ray-address))")
    p.add_argument("--ray-address", default=None, help="Ray cluster address (default: start or join a local one)")
    p.add_argument("--spec", default=None, help="force one room spec id (default: draw by weight)")
    p.add_argument("--no-progress", action="store_true")


def run_generate(args: argparse.Namespace) -> int:
    from .dataset import write_house_dataset

    t0 = time.perf_counter()
    path = write_house_dataset(args.out, args.n, args.split, args.seed, args.workers, use_ray=args.ray, spec=args.spec,
                               progress=not args.no_progress, ray_address=args.ray_address)
    dt = time.perf_counter() - t0
    print(f"wrote {args.n} {args.split} houses to {path} in {dt:.1f} s ({args.n / max(dt, 1e-9):.1f} houses/s)")
    return 0


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="houses_command", metavar="SUBCOMMAND", required=True)
    s = sub.add_parser("stats", help="rooms/objects/doors/windows per house and object types of a dataset")
    s.add_argument("path", type=Path, help="a .jsonl.gz dataset, or a folder holding some")
    s.add_argument("--plot", type=Path, default=None, help="where to write the figure (default: next to the data)")
    s.set_defaults(func=run_stats)
    d = sub.add_parser("draw", help="top-down floor-plan PNGs")
    d.add_argument("path", type=Path, nargs="?", default=None, help="a .jsonl.gz dataset / folder / house .json; "
                   "omit to generate houses from --seed/--split")
    d.add_argument("--indices", type=int, nargs="+", default=[0, 1, 2, 3], help="which houses (line numbers from 0)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--split", default="train", choices=("train", "val", "test"))
    d.add_argument("--out", type=Path, default=Path("floorplans"))
    d.add_argument("--navgrid", action="store_true", help="overlay the reachable 0.25 m grid points")
    d.set_defaults(func=run_draw)
    v = sub.add_parser("validate", help="validate every house of a dataset / house file; report the bad fields")
    v.add_argument("path", type=Path, help="a .jsonl.gz dataset, a folder holding some, or a house .json")
    v.add_argument("--level", default="schema", choices=("schema", "full"),
                   help="schema: structure, references, walls, asset ids (real ProcTHOR houses pass); "
                        "full: also placement and reachability (generated houses pass)")
    v.add_argument("--max-errors", type=int, default=20, help="stop listing after this many bad houses")
    v.set_defaults(func=run_validate)


def run(args: argparse.Namespace) -> int:  # pragma: no cover - argparse always sets func
    raise SystemExit("use `embodied-gym houses stats|draw`")


def _dataset_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(path.glob("*.jsonl.gz")) + sorted(path.glob("*.jsonl"))
        if not files:
            raise SystemExit(f"no *.jsonl.gz datasets in {path}")
        return files
    if not path.exists():
        raise SystemExit(f"{path} does not exist")
    return [path]


def run_stats(args: argparse.Namespace) -> int:
    from .io import load_houses
    from .stats import HouseStats

    stats = HouseStats()
    for f in _dataset_files(args.path):
        for house in load_houses(f):
            stats.add(house)
    print(stats.summary())
    if stats.n_houses:
        plot = args.plot or ((args.path if args.path.is_dir() else args.path.parent) / "house_stats.png")
        stats.plot(plot)
        print(f"figure: {plot}")
    return 0


def run_draw(args: argparse.Namespace) -> int:
    from .draw import draw_house

    args.out.mkdir(parents=True, exist_ok=True)
    wanted = sorted(set(args.indices))
    if any(i < 0 for i in wanted):
        raise SystemExit("--indices must be >= 0")
    houses: list[tuple[str, dict]] = []
    if args.path is None:
        from .generate import generate_house

        houses = [(f"{args.split}_{i:05d}", generate_house(args.seed, args.split, index=i)) for i in wanted]
    elif args.path.suffix == ".json" or args.path.name.endswith(".json.gz"):
        from .io import load_house

        houses = [(args.path.name.split(".")[0], load_house(args.path))]
    else:
        from .io import load_houses

        for f in _dataset_files(args.path):
            stem = f.name.split(".")[0]
            for i, house in enumerate(load_houses(f)):
                if i in wanted:
                    houses.append((f"{stem}_{i:05d}", house))
                if i >= wanted[-1]:
                    break
    if not houses:
        print("no houses matched", file=sys.stderr)
        return 1
    for name, house in houses:
        out = args.out / f"{name}.png"
        draw_house(house, out, show_navgrid=args.navgrid, title=name + ": " + house.get("metadata", {}).get("roomSpecId", ""))
        print(out)
    return 0


def run_validate(args: argparse.Namespace) -> int:
    """Exit code 0 when every house is valid, 1 otherwise (each bad house printed with its field)."""
    import gzip
    import json

    from .io import load_house
    from .validate import HouseValidationError

    n = bad = 0
    paths = [args.path] if args.path.suffix == ".json" or args.path.name.endswith(".json.gz") else _dataset_files(args.path)
    for f in paths:
        if f.suffix == ".json" or f.name.endswith(".json.gz"):
            lines = [f.read_text() if f.suffix == ".json" else gzip.decompress(f.read_bytes()).decode()]
        else:
            opener = gzip.open if f.suffix == ".gz" else open
            with opener(f, "rt", encoding="utf-8") as fh:
                lines = [ln for ln in fh if ln.strip()]
        for i, line in enumerate(lines):
            n += 1
            try:
                load_house(json.loads(line), validate=args.level)
            except (HouseValidationError, json.JSONDecodeError) as e:
                bad += 1
                if bad <= args.max_errors:
                    print(f"{f.name}:{i}: {e}")
    print(f"{n - bad}/{n} houses valid at level {args.level!r}")
    return 0 if bad == 0 else 1
