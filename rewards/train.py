"""Contrastive training of the video-language model on a clip dataset (InfoNCE with learned temperature).

Clips that share an event are positives for each other's captions (a batch often holds several
"harvest a log" clips), so the targets of the two cross-entropies are the normalised same-event masks,
not the identity: plain InfoNCE would push apart clips that show the same thing.

With the frozen MiniLM text tower the sentence embeddings of every phrasing are computed once up front;
each step then samples one train phrasing per clip and only the projection is trained on the text side.
Logs go to TensorBoard; checkpoints (config + weights + provenance) to ``out/``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from embodied_gym.rewards.captions import canonical_prompt, phrasings
from embodied_gym.rewards.data import DATASET_INFO, read_manifest


@dataclass
class TrainConfig:
    data: str
    out: str
    preset: str = "tiny64"
    batch_size: int = 48
    lr: float = 1e-3
    weight_decay: float = 0.05
    max_steps: int = 100000
    max_minutes: float = 25.0
    eval_every: int = 200
    eval_clips: int = 1000
    seed: int = 0
    threads: int = 2
    frames: int | None = None  # frames per training clip (subsampled evenly); None = all
    overrides: dict = field(default_factory=dict)


def contrastive_loss(logits, events: list[str]):
    """Symmetric InfoNCE with same-event clips as shared positives. ``logits`` is (B, B) video x text."""
    import torch
    import torch.nn.functional as F

    codes = {e: i for i, e in enumerate(dict.fromkeys(events))}
    ids = torch.tensor([codes[e] for e in events])
    same = (ids[:, None] == ids[None, :]).float()
    target = same / same.sum(dim=1, keepdim=True)
    loss_v = -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    loss_t = -(target * F.log_softmax(logits.t(), dim=1)).sum(dim=1).mean()
    return 0.5 * (loss_v + loss_t)


def train(cfg: TrainConfig, log=print) -> dict:
    import torch
    from embodied_gym.rewards.config import get_config
    from embodied_gym.rewards.data import iter_clip_batches
    from embodied_gym.rewards.evaluate import retrieval_metrics
    from embodied_gym.rewards.model import VideoLanguageModel
    from embodied_gym.rewards.text import sentence_embeddings
    from torch.utils.tensorboard import SummaryWriter

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    records = read_manifest(cfg.data)
    train_recs = [r for r in records if r.split == "train"]
    test_recs = [r for r in records if r.split == "test"]
    if not train_recs:
        raise ValueError(f"{cfg.data} holds no train clips")
    events = sorted({r.event for r in records})
    model = VideoLanguageModel(get_config(cfg.preset, **cfg.overrides))
    minilm = model.config.text == "minilm"

    # Phrasing tables: event -> row indices into one cached matrix of frozen sentence embeddings.
    train_phrases = {e: phrasings(e)[0] for e in events}
    all_texts = sorted({t for e in events for t in train_phrases[e]})
    text_row = {t: i for i, t in enumerate(all_texts)}
    base = sentence_embeddings(all_texts) if minilm else None

    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
    )
    writer = SummaryWriter(str(out / "tb"))
    start = time.monotonic()
    step, epoch, history = 0, 0, []
    data_info = _dataset_info(cfg.data)
    warmup = 100

    def evaluate() -> dict:
        metrics = {}
        if test_recs:
            heldout = retrieval_metrics(model, cfg.data, test_recs, np.random.default_rng(cfg.seed + 1),
                                        max_clips=cfg.eval_clips)
            metrics["test_heldout_phrasing"] = heldout
            for k in ("top1", "top5"):
                writer.add_scalar(f"eval/heldout_{k}", heldout[k], step)
        model.train()
        return metrics

    done = False
    while not done:
        for frames, batch in iter_clip_batches(cfg.data, train_recs, cfg.batch_size, rng):
            if cfg.frames:
                idx = np.linspace(0, frames.shape[1] - 1, cfg.frames).round().astype(int)
                frames = frames[:, idx]
            lr = cfg.lr * min(1.0, (step + 1) / warmup)
            for group in opt.param_groups:
                group["lr"] = lr
            texts = [train_phrases[r.event][rng.integers(len(train_phrases[r.event]))] for r in batch]
            video = model.encode_video(torch.from_numpy(frames))
            if minilm:
                text = model.encode_text_features(base[[text_row[t] for t in texts]])
            else:
                text = model.encode_text(texts)
            logits = model.logits(video, text)
            loss = contrastive_loss(logits, [r.event for r in batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            with torch.no_grad():
                model.logit_scale.clamp_(0.0, float(np.log(100.0)))
            step += 1
            if step % 20 == 0:
                elapsed = time.monotonic() - start
                writer.add_scalar("train/loss", loss.item(), step)
                writer.add_scalar("train/logit_scale", model.logit_scale.exp().item(), step)
                writer.add_scalar("train/lr", lr, step)
                writer.add_scalar("train/clips_per_s", step * cfg.batch_size / elapsed, step)
                log(f"step {step} epoch {epoch} loss {loss.item():.3f} scale {model.logit_scale.exp().item():.1f} "
                    f"{step * cfg.batch_size / elapsed:.1f} clips/s")
            if step % cfg.eval_every == 0:
                metrics = evaluate()
                history.append({"step": step, **_brief(metrics)})
                log(f"eval step {step}: {json.dumps(_brief(metrics))}")
                _save(model, out / "last.pt", cfg, data_info, events, step, metrics)
            if step >= cfg.max_steps or (time.monotonic() - start) / 60.0 >= cfg.max_minutes:
                done = True
                break
        epoch += 1
    metrics = evaluate()
    metrics["train_minutes"] = (time.monotonic() - start) / 60.0
    metrics["steps"] = step
    metrics["epochs_started"] = epoch
    metrics["history"] = history
    path = _save(model, out / "final.pt", cfg, data_info, events, step, metrics)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True, default=float))
    writer.close()
    log(f"saved {path}: {json.dumps(_brief(metrics))}")
    return metrics


def _brief(metrics: dict) -> dict:
    out = {}
    for name, value in metrics.items():
        if isinstance(value, dict) and "top1" in value:
            out[name] = {k: round(value[k], 4) for k in ("top1", "top5", "chance_top1", "chance_top5", "top1_macro")
                         if k in value}
            out[name]["events"] = value["events"]
    return out


def _dataset_info(root: str) -> dict:
    path = Path(root) / DATASET_INFO
    return json.loads(path.read_text()) if path.is_file() else {}


def _save(model, path: Path, cfg: TrainConfig, data_info: dict, events: list[str], step: int, metrics: dict):
    from embodied_gym.rewards.checkpoint import save_checkpoint

    prompts = sorted({canonical_prompt(e) for e in events})
    meta = {
        "negative_prompts": prompts,
        "events": events,
        "train_config": {k: v for k, v in cfg.__dict__.items()},
        "data": {k: data_info.get(k) for k in ("seed", "command", "counts", "worlds", "num_clips", "frame_stride",
                                               "image_size", "episodes", "env_steps")},
        "step": step,
        "metrics": _brief(metrics),
    }
    return save_checkpoint(model, path, meta)
