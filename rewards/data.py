"""Clip datasets on disk: ``.npz`` frame shards plus a JSON-lines manifest.

Layout of a dataset directory::

    dataset.json          what produced it (command, seed, worlds, counts per event and split)
    manifest.jsonl        one line per clip: shard, start frame, event, caption, split, world, seed, ...
    shard-00000.npz       frames (F, 3, H, W) uint8 of whole episodes, back to back

Clips are 16-frame windows into the stored episodes, so overlapping clips share frames on disk instead
of copying them. Both files are standard (``numpy.load`` and one ``json.loads`` per line), so the data can
be read without this package. :class:`ShardWriter` writes, :func:`read_manifest` / :func:`iter_clip_batches`
read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MANIFEST = "manifest.jsonl"
DATASET_INFO = "dataset.json"


class DatasetError(ValueError):
    """A dataset directory is missing files or holds inconsistent records."""


@dataclass
class ClipRecord:
    shard: str
    start: int
    num_frames: int
    event: str
    caption: str
    split: str
    world: str
    seed: int
    env_id: str = ""
    agent: str = ""
    episode: int = -1  # index of the episode in the make-data run (manifest order); -1 when unknown

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


def save_npz(path: str | Path, frames: np.ndarray, compresslevel: int = 6) -> None:
    """``frames`` as ``frames.npy`` inside a zip: the file ``np.savez_compressed`` writes, readable by
    ``numpy.load``, but with a chosen deflate level (level 1 is several times faster than numpy's
    default and voxel/house frames, with their flat colours, still shrink ~4x); 0 stores it uncompressed."""
    import zipfile

    method = zipfile.ZIP_DEFLATED if compresslevel > 0 else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method, compresslevel=compresslevel or None,
                         allowZip64=True) as archive, archive.open("frames.npy", "w", force_zip64=True) as handle:
        np.lib.format.write_array(handle, np.ascontiguousarray(frames), allow_pickle=False)


class ShardWriter:
    """Collects episodes and their clip records; writes a shard every ``frames_per_shard`` frames."""

    def __init__(self, root: str | Path, frames_per_shard: int = 16384, compress: bool = True,
                 compresslevel: int = 6) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.frames_per_shard = int(frames_per_shard)
        self.compress = compress
        self.compresslevel = int(compresslevel)
        self._frames: list[np.ndarray] = []
        self._pending: list[ClipRecord] = []
        self._count = 0
        self._shard_index = 0
        self._manifest = (self.root / MANIFEST).open("w")
        self.num_clips = 0
        self.num_frames_written = 0

    @property
    def _shard_name(self) -> str:
        return f"shard-{self._shard_index:05d}.npz"

    def add_episode(self, frames: np.ndarray, clips: Sequence[dict]) -> None:
        """``frames`` (T, 3, H, W) uint8; each clip dict has ``start`` (within the episode) + record fields."""
        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[1] != 3 or frames.dtype != np.uint8:
            raise DatasetError(f"episode frames must be (T, 3, H, W) uint8, got {frames.shape} {frames.dtype}")
        offset = self._count
        for clip in clips:
            if clip["start"] < 0 or clip["start"] + clip["num_frames"] > len(frames):
                raise DatasetError(f"clip {clip} runs outside its {len(frames)}-frame episode")
            fields = dict(clip)
            fields["start"] = offset + int(clip["start"])
            self._pending.append(ClipRecord(shard=self._shard_name, **fields))
        self._frames.append(frames)
        self._count += len(frames)
        if self._count >= self.frames_per_shard:
            self.flush()

    def flush(self) -> None:
        if not self._frames:
            return
        frames = np.concatenate(self._frames)
        save_npz(self.root / self._shard_name, frames, self.compresslevel if self.compress else 0)
        for record in self._pending:
            self._manifest.write(record.to_json() + "\n")
        self._manifest.flush()
        self.num_clips += len(self._pending)
        self.num_frames_written += len(frames)
        self._frames, self._pending, self._count = [], [], 0
        self._shard_index += 1

    def close(self, info: dict | None = None) -> None:
        self.flush()
        self._manifest.close()
        if info is not None:
            (self.root / DATASET_INFO).write_text(json.dumps(info, indent=2, sort_keys=True))


def read_manifest(root: str | Path) -> list[ClipRecord]:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise DatasetError(f"{root} has no {MANIFEST}; create one with `embodied-gym rewards make-data`")
    records = []
    with path.open() as handle:
        for line_no, line in enumerate(handle, 1):
            try:
                records.append(ClipRecord(**json.loads(line)))
            except (TypeError, json.JSONDecodeError) as exc:
                raise DatasetError(f"{path}:{line_no}: bad clip record ({exc})") from exc
    return records


def load_shard(root: str | Path, shard: str) -> np.ndarray:
    path = Path(root) / shard
    if not path.is_file():
        raise DatasetError(f"manifest names {shard} but {path} does not exist")
    with np.load(path) as data:
        return data["frames"]


def clip_frames(frames: np.ndarray, record: ClipRecord) -> np.ndarray:
    return frames[record.start : record.start + record.num_frames]


def iter_clip_batches(
    root: str | Path,
    records: Sequence[ClipRecord],
    batch_size: int,
    rng: np.random.Generator,
    shards_in_memory: int = 2,
    drop_last: bool = True,
) -> Iterator[tuple[np.ndarray, list[ClipRecord]]]:
    """Shuffled batches, streaming a few shards at a time (memory stays bounded on large datasets).

    Shard order is shuffled, then clips of the ``shards_in_memory`` loaded shards are mixed and batched.
    """
    by_shard: dict[str, list[ClipRecord]] = {}
    for record in records:
        by_shard.setdefault(record.shard, []).append(record)
    shard_names = sorted(by_shard)
    order = rng.permutation(len(shard_names))
    for group_start in range(0, len(order), shards_in_memory):
        group = [shard_names[i] for i in order[group_start : group_start + shards_in_memory]]
        frames = {name: load_shard(root, name) for name in group}
        pool = [r for name in group for r in by_shard[name]]
        perm = rng.permutation(len(pool))
        stop = len(perm) - (len(perm) % batch_size if drop_last else 0)
        for start in range(0, stop, batch_size):
            chosen = [pool[i] for i in perm[start : start + batch_size]]
            batch = np.stack([clip_frames(frames[r.shard], r) for r in chosen])
            yield batch, chosen


def merge_datasets(out: str | Path, roots: Sequence[str | Path]) -> dict:
    """Write a dataset at ``out`` whose manifest points into the shards of ``roots`` (no frames copied).

    Shard paths become relative to ``out``, so the merged directory works wherever the set is moved
    together. ``dataset.json`` lists the sources and sums their clip counts.
    """
    import os

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    infos, total = [], 0
    counts: dict[str, dict[str, int]] = {}
    with (out / MANIFEST).open("w") as handle:
        for root in roots:
            root = Path(root)
            rel = Path(os.path.relpath(root, out))
            for record in read_manifest(root):
                record.shard = str(rel / record.shard)
                handle.write(record.to_json() + "\n")
                split = counts.setdefault(record.split, {})
                split[record.event] = split.get(record.event, 0) + 1
                total += 1
            info_path = root / DATASET_INFO
            infos.append(json.loads(info_path.read_text()) if info_path.is_file() else {"root": str(root)})
    first = infos[0] if infos else {}
    info = {
        "format": first.get("format"),
        "sources": [str(r) for r in roots],
        "seed": [i.get("seed") for i in infos],
        "command": [i.get("command") for i in infos],
        "frame_stride": first.get("frame_stride"),
        "image_size": first.get("image_size"),
        "num_frames": first.get("num_frames"),
        "episodes": sum(int(i.get("episodes") or 0) for i in infos),
        "env_steps": sum(int(i.get("env_steps") or 0) for i in infos),
        "num_clips": total,
        "counts": counts,
    }
    strides = {i.get("frame_stride") for i in infos}
    if len(strides) > 1:
        raise DatasetError(f"cannot merge datasets with different frame strides {sorted(map(str, strides))}")
    (out / DATASET_INFO).write_text(json.dumps(info, indent=2, sort_keys=True))
    return info
