"""Saving and loading reward-model weights: our own checkpoints, real MineCLIP checkpoints, open_clip weights.

Every loader is strict: a key the model needs that the file lacks, a key in the file the model does not
know, or a shape that differs raises :class:`CheckpointMismatchError` (a ``KeyError``) that names them.
Nothing is silently skipped, because a half-loaded reward model gives plausible-looking but wrong rewards.

MineCLIP (MineDojo/MineCLIP) stores a PyTorch-Lightning ``state_dict`` whose keys start with ``model.``.
Its image tower is registered three times (``image_encoder``, ``clip_model.vision_model`` and
``reward_head.clip_model.vision_model``) and its text tower twice, so the same tensor may appear under
several names; each of our parameters lists every name it may come from (see :func:`mineclip_key_map`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from embodied_gym.rewards.config import VideoModelConfig, get_config
from embodied_gym.rewards.model import VideoLanguageModel

CHECKPOINT_FORMAT = "embodied_gym.rewards.v1"


class CheckpointMismatchError(KeyError):
    """A checkpoint's keys or shapes do not match the model it is loaded into."""

    def __init__(self, source: str, missing=(), unexpected=(), mismatched=()) -> None:
        self.source = source
        self.missing = sorted(missing)
        self.unexpected = sorted(unexpected)
        self.mismatched = sorted(mismatched)
        super().__init__(self._message())

    def _message(self) -> str:
        def show(label: str, items: list) -> str:
            head = ", ".join(str(i) for i in items[:12])
            more = f" ... (+{len(items) - 12} more)" if len(items) > 12 else ""
            return f"\n  {label} ({len(items)}): {head}{more}"

        parts = [f"checkpoint {self.source} does not match the model"]
        if self.missing:
            parts.append(show("missing keys", self.missing))
        if self.unexpected:
            parts.append(show("unexpected keys", self.unexpected))
        if self.mismatched:
            parts.append(show("shape mismatches (key: file vs model)", self.mismatched))
        return "".join(parts)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class CheckpointNotFoundError(FileNotFoundError):
    """The checkpoint path does not exist."""


def _read(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise CheckpointNotFoundError(f"no checkpoint at {path}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    return torch.load(str(path), map_location="cpu", weights_only=False)


# ---- our own format -------------------------------------------------------------------------------

def save_checkpoint(model: VideoLanguageModel, path: str | Path, meta: Mapping | None = None) -> Path:
    """Write config + weights (+ free-form ``meta``: data seed, command, metrics) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch.save(
        {"format": CHECKPOINT_FORMAT, "config": model.config.to_dict(), "state_dict": state,
         "meta": dict(meta or {})},
        str(path),
    )
    return path


def strict_load(model: torch.nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """``load_state_dict`` that reports missing, unexpected *and* mis-shaped keys in one typed error."""
    expected = model.state_dict()
    missing = set(expected) - set(state)
    unexpected = set(state) - set(expected)
    mismatched = [
        f"{k}: {tuple(state[k].shape)} vs {tuple(expected[k].shape)}"
        for k in set(expected) & set(state)
        if tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if missing or unexpected or mismatched:
        raise CheckpointMismatchError(source, missing, unexpected, mismatched)
    model.load_state_dict(dict(state), strict=True)


def load_model(path: str | Path, device: str = "cpu") -> VideoLanguageModel:
    """Rebuild a model saved by :func:`save_checkpoint` (its config travels with the weights)."""
    blob = _read(path)
    if not isinstance(blob, dict) or blob.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointMismatchError(
            str(path), missing=[f"format == {CHECKPOINT_FORMAT!r} (use load_mineclip_checkpoint for MineCLIP "
                                "files and load_open_clip_weights for open_clip ones)"]
        )
    model = VideoLanguageModel(VideoModelConfig.from_dict(blob["config"]))
    strict_load(model, blob["state_dict"], str(path))
    model.checkpoint_meta = blob.get("meta", {})
    return model.to(device).eval()


def checkpoint_meta(path: str | Path) -> dict:
    blob = _read(path)
    return dict(blob.get("meta", {}))


# ---- MineCLIP ---------------------------------------------------------------------------------------

_VISION_PREFIXES = ("image_encoder.", "clip_model.vision_model.", "reward_head.clip_model.vision_model.")
_TEXT_PREFIXES = ("clip_model.text_model.", "reward_head.clip_model.text_model.")


def _tower_name(open_clip_key: str, kind: str) -> str:
    """open_clip parameter name -> MineCLIP's name for the same tensor in its CLIP towers."""
    key = open_clip_key.replace("transformer.resblocks.", "blocks.")
    renames = {
        "class_embedding": "cls_token",
        "positional_embedding": "pos_embed",
        "proj": "projection",
        "text_projection": "projection",
    }
    return renames.get(key, key)


def mineclip_key_map(model: VideoLanguageModel) -> dict[str, tuple[str, ...]]:
    """Our state-dict key -> every MineCLIP key (``model.`` prefix stripped) that may hold that tensor."""
    config = model.config
    if config.text != "open_clip":
        raise ValueError("MineCLIP checkpoints need the open_clip text tower (preset mineclip-avg/mineclip-attn)")
    mapping: dict[str, tuple[str, ...]] = {}
    for key in model.state_dict():
        if key.startswith("image_encoder."):
            name = _tower_name(key.removeprefix("image_encoder."), "vision")
            mapping[key] = tuple(p + name for p in _VISION_PREFIXES)
        elif key.startswith("text_encoder.model."):
            name = _tower_name(key.removeprefix("text_encoder.model."), "text")
            mapping[key] = tuple(p + name for p in _TEXT_PREFIXES)
        elif key == "logit_scale":
            mapping[key] = ("clip_model.logit_scale", "reward_head.clip_model.logit_scale")
        elif key.startswith("video_adapter."):
            m = re.fullmatch(r"video_adapter\.mlp\.(\d+)\.(weight|bias)", key)
            if m:
                linear_index = int(m.group(1)) // 2  # ours: Linear, ReLU, Linear...
                mapping[key] = (f"reward_head.video_adapter.{3 * linear_index}.{m.group(2)}",)  # theirs: +Identity
            elif key == "video_adapter.residual_weight":
                mapping[key] = ("reward_head.video_residual_weight",)
            else:
                raise KeyError(f"no MineCLIP name for {key}")
        elif key.startswith("temporal."):
            mapping[key] = (_temporal_name(key),)
        else:
            raise KeyError(f"no MineCLIP name for model key {key}")
    return mapping


def _temporal_name(key: str) -> str:
    base = "temporal_encoder.attn.model."
    if key == "temporal.pos_emb":
        return base + "pos_emb.emb.weight"
    m = re.fullmatch(r"temporal\.norm\.(weight|bias)", key)
    if m:
        return base + f"norm.{m.group(1)}"
    m = re.fullmatch(r"temporal\.blocks\.(\d+)\.(\w+)\.(weight|bias)", key)
    if not m:
        raise KeyError(f"no MineCLIP name for {key}")
    block, part, leaf = int(m.group(1)), m.group(2), m.group(3)
    attn_layer, ff_layer = f"{base}attn_layers.layers.{2 * block}.", f"{base}attn_layers.layers.{2 * block + 1}."
    names = {
        "attn_norm": attn_layer + "0.0",
        "to_q": attn_layer + "1.to_q",
        "to_k": attn_layer + "1.to_k",
        "to_v": attn_layer + "1.to_v",
        "to_out": attn_layer + "1.to_out",
        "ff_norm": ff_layer + "0.0",
        "ff_in": ff_layer + "1.net.0.proj",
        "ff_out": ff_layer + "1.net.3",
    }
    if part not in names:
        raise KeyError(f"no MineCLIP name for {key}")
    return f"{names[part]}.{leaf}"


def _unwrap_state_dict(blob: Mapping, strip_prefix: str) -> dict[str, torch.Tensor]:
    state = blob.get("state_dict", blob) if isinstance(blob, Mapping) else None
    if not isinstance(state, Mapping):
        raise CheckpointMismatchError("<input>", missing=["state_dict"])
    out = {}
    for key, value in state.items():
        if not torch.is_tensor(value):
            continue
        out[key.removeprefix(strip_prefix)] = value
    return out


def load_mineclip_state_dict(
    model: VideoLanguageModel, blob: Mapping, source: str = "<state dict>", strip_prefix: str = "model."
) -> None:
    """Load MineCLIP weights (``{"state_dict": {"model.image_encoder....": tensor}}``) into ``model``.

    Strict: every parameter must be found under one of its MineCLIP names with the right shape, and every
    key of the file must be a name some parameter maps from.
    """
    state = _unwrap_state_dict(blob, strip_prefix)
    mapping = mineclip_key_map(model)
    known = {name for names in mapping.values() for name in names}
    expected = model.state_dict()
    missing, mismatched, loaded = [], [], {}
    for ours, names in mapping.items():
        present = [n for n in names if n in state]
        if not present:
            missing.append(names[0])
            continue
        tensor = state[present[0]]
        if tuple(tensor.shape) != tuple(expected[ours].shape):
            mismatched.append(f"{present[0]}: {tuple(tensor.shape)} vs {tuple(expected[ours].shape)}")
            continue
        loaded[ours] = tensor
    unexpected = sorted(set(state) - known)
    if missing or unexpected or mismatched:
        raise CheckpointMismatchError(source, missing, unexpected, mismatched)
    model.load_state_dict(loaded, strict=True)


def load_mineclip_checkpoint(path: str | Path, variant: str | None = None, device: str = "cpu") -> VideoLanguageModel:
    """Build the MineCLIP config (``avg`` or ``attn``) and load a real MineCLIP ``.pth`` into it.

    ``variant`` defaults to what the file contains: ``attn`` when it has temporal-transformer keys.
    """
    blob = _read(path)
    state = _unwrap_state_dict(blob, "model.")
    if variant is None:
        variant = "attn" if any(k.startswith("temporal_encoder.attn.") for k in state) else "avg"
    if variant not in ("avg", "attn"):
        raise ValueError(f"MineCLIP variant {variant!r} is unknown; accepted: 'avg', 'attn'")
    model = VideoLanguageModel(get_config(f"mineclip-{variant}"))
    load_mineclip_state_dict(model, {"state_dict": state}, str(path), strip_prefix="")
    return model.to(device).eval()


# ---- open_clip pretrained weights ----------------------------------------------------------------

def _resize_grid_embedding(pos: torch.Tensor, new_grid: tuple[int, int]) -> torch.Tensor:
    """Bicubic resize of a ViT position table (class token first) to a new patch grid."""
    cls, grid = pos[:1], pos[1:]
    old = int(round(grid.shape[0] ** 0.5))
    if old * old != grid.shape[0]:
        raise CheckpointMismatchError("<open_clip>", mismatched=[f"positional_embedding: non-square grid {grid.shape[0]}"])
    grid = grid.reshape(1, old, old, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=new_grid, mode="bicubic", align_corners=False)
    return torch.cat([cls, grid.permute(0, 2, 3, 1).reshape(new_grid[0] * new_grid[1], -1)], dim=0)


def load_open_clip_weights(
    model: VideoLanguageModel, path: str | Path, towers: tuple[str, ...] = ("vision", "text")
) -> None:
    """Load an open_clip/OpenAI CLIP checkpoint from a local ``.pt``/``.bin``/``.safetensors`` file.

    ``visual.*`` goes to the image tower (its position table is resized when the grid differs, e.g. 224x224
    weights into MineCLIP's 160x256); the text keys go to the open_clip text tower. Strict per tower.
    """
    blob = _read(path)
    state = _unwrap_state_dict(blob, "")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if "vision" in towers:
        vision = {k.removeprefix("visual."): v for k, v in state.items() if k.startswith("visual.")}
        target = model.image_encoder.state_dict()
        pos = vision.get("positional_embedding")
        want = target["positional_embedding"]
        if pos is not None and pos.shape != want.shape and pos.shape[-1] == want.shape[-1]:
            vision["positional_embedding"] = _resize_grid_embedding(pos, tuple(model.image_encoder.grid_size))
        strict_load(model.image_encoder, vision, f"{path} (vision tower)")
    if "text" in towers:
        if model.config.text != "open_clip":
            raise ValueError("this model's text tower is MiniLM; load open_clip text weights only into open_clip text")
        text_keys = ("token_embedding.", "positional_embedding", "transformer.", "ln_final.", "text_projection")
        text = {k: v for k, v in state.items() if k.startswith(text_keys)}
        strict_load(model.text_encoder.model, text, f"{path} (text tower)")
        if "logit_scale" in state:
            model.logit_scale.data.copy_(state["logit_scale"].reshape(()))
