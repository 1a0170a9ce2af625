"""House datasets at scale: all local cores, or a Ray cluster.

House ``i`` of a split is generated from ``(seed, split, i)`` alone, so the dataset is identical
whatever the number of workers or the backend. Workers generate chunks of consecutive indices and
return them already JSON-encoded and gzip-compressed (concatenated gzip members are one valid
gzip stream), so the parent process only writes bytes and never becomes the bottleneck.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .generate import SPLITS, generate_house

DEFAULT_CHUNK = 25


def _chunks(n: int, chunk: int) -> list[tuple[int, int]]:
    return [(s, min(n, s + chunk)) for s in range(0, n, chunk)]


def generate_chunk(seed: int, split: str, start: int, stop: int, spec: str | None = None,
                   compress: bool = True) -> bytes:
    """Houses start..stop-1 as JSON lines, gzip-compressed when ``compress``."""
    lines = [json.dumps(generate_house(seed, split, spec, index=i), separators=(",", ":")) for i in range(start, stop)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return gzip.compress(data, compresslevel=6, mtime=0) if compress else data


def _chunk_task(args: tuple) -> bytes:
    return generate_chunk(*args)


def _check(n: int, split: str, seed: int, workers: int | None) -> int:
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return workers


def _chunk_stream(n: int, split: str, seed: int, workers: int, use_ray: bool, spec: str | None, chunk: int,
                  compress: bool, ray_address: str | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield (houses in chunk, bytes) in index order."""
    tasks = [(seed, split, a, b, spec, compress) for a, b in _chunks(n, chunk)]
    if use_ray:
        import ray

        if not ray.is_initialized():
            ray.init(address=ray_address, ignore_reinit_error=True, log_to_driver=False)
        remote = ray.remote(_chunk_task)
        pending = [remote.remote(t) for t in tasks]
        for t, ref in zip(tasks, pending, strict=True):
            yield t[3] - t[2], ray.get(ref)
    elif workers == 1 or len(tasks) <= 1:
        for t in tasks:
            yield t[3] - t[2], _chunk_task(t)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        with ctx.Pool(workers) as pool:
            for t, data in zip(tasks, pool.imap(_chunk_task, tasks), strict=True):
                yield t[3] - t[2], data


def generate_houses(n: int, split: str = "train", seed: int = 0, workers: int | None = None, *,
                    use_ray: bool = False, spec: str | None = None, chunk: int = DEFAULT_CHUNK,
                    ray_address: str | None = None) -> Iterator[dict]:
    """Yield houses 0..n-1 of ``split`` in order, generated on ``workers`` processes (or Ray)."""
    workers = _check(n, split, seed, workers)
    for _count, data in _chunk_stream(n, split, seed, workers, use_ray, spec, chunk, compress=False,
                                      ray_address=ray_address):
        for line in data.decode("utf-8").splitlines():
            yield json.loads(line)


def write_house_dataset(out_dir: str | os.PathLike, n: int, split: str = "train", seed: int = 0,
                        workers: int | None = None, *, use_ray: bool = False, spec: str | None = None,
                        chunk: int = DEFAULT_CHUNK, progress: bool = True, ray_address: str | None = None) -> Path:
    """Write ``{out_dir}/{split}.jsonl.gz`` (one house per line, ProcTHOR-10k style); returns its path."""
    workers = _check(n, split, seed, workers)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{split}.jsonl.gz"
    tmp = path.with_suffix(".gz.partial")
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n, unit="house", desc=f"{split} houses", dynamic_ncols=True)
    try:
        with open(tmp, "wb") as f:
            for count, data in _chunk_stream(n, split, seed, workers, use_ray, spec, chunk, compress=True,
                                             ray_address=ray_address):
                f.write(data)
                if bar is not None:
                    bar.update(count)
        os.replace(tmp, path)
    finally:
        if bar is not None:
            bar.close()
        if tmp.exists():
            tmp.unlink()
    return path
