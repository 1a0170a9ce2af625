"""Held-out evaluation: clip->text retrieval against chance, and reward vs task progress.

Retrieval: every held-out clip is scored against one *held-out phrasing* per event of the evaluation set
(phrasings never used as training captions); top-k accuracy is the share of clips whose own event's
phrasing ranks in the first k, and chance is k / (number of events).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from embodied_gym.rewards.captions import phrasings
from embodied_gym.rewards.data import ClipRecord, iter_clip_batches


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties); nan when either side is constant."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f"need two equal-length sequences of >= 2 values, got {len(x)} and {len(y)}")

    def ranks(v: np.ndarray) -> np.ndarray:
        order = np.argsort(v, kind="mergesort")
        r = np.empty(len(v))
        r[order] = np.arange(len(v), dtype=np.float64)
        for value in np.unique(v):  # average ties
            tie = v == value
            r[tie] = r[tie].mean()
        return r

    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def retrieval_metrics(
    model,
    root: str | Path,
    records: Sequence[ClipRecord],
    rng: np.random.Generator,
    max_clips: int = 2000,
    batch_size: int = 64,
    phrasing: str = "heldout",
) -> dict:
    """Clip->text top-1/top-5 on ``records`` with held-out (or train) phrasings, and chance levels."""
    import torch

    if not records:
        raise ValueError("no clips to evaluate")
    if len(records) > max_clips:
        records = [records[i] for i in sorted(rng.choice(len(records), size=max_clips, replace=False))]
    events = sorted({r.event for r in records})
    index = {e: i for i, e in enumerate(events)}
    texts = [phrasings(e)[1 if phrasing == "heldout" else 0][0] for e in events]
    model.eval()
    hits1 = hits5 = total = 0
    per_event: dict[str, list[int]] = {e: [0, 0] for e in events}
    with torch.inference_mode():
        text_emb = model.encode_text(texts)
        for frames, batch in iter_clip_batches(root, records, batch_size, rng, drop_last=False):
            logits = model.logits(model.encode_video(torch.from_numpy(frames)), text_emb)
            k = min(5, len(events))
            top = logits.topk(k, dim=1).indices.numpy()
            for row, rec in zip(top, batch, strict=True):
                target = index[rec.event]
                hits1 += int(row[0] == target)
                hits5 += int(target in row)
                per_event[rec.event][0] += int(row[0] == target)
                per_event[rec.event][1] += 1
                total += 1
    n_events = len(events)
    return {
        "clips": total,
        "events": n_events,
        "top1": hits1 / total,
        "top5": hits5 / total,
        "chance_top1": 1.0 / n_events,
        "chance_top5": min(5, n_events) / n_events,
        # class-balanced top-1: frequent events (logs) cannot carry it
        "top1_macro": float(np.mean([h / n for h, n in per_event.values() if n])),
        "per_event_top1": {e: (h / n if n else float("nan")) for e, (h, n) in per_event.items()},
        "per_event_clips": {e: n for e, (_, n) in per_event.items()},
        "texts": texts,
    }
