"""The MineCLIP-style video-language model, built from open_clip towers.

Video: every frame goes through an open_clip ``VisionTransformer`` on its own (so a reward wrapper can embed
each new frame once and cache it), a temporal aggregator turns the last ``num_frames`` frame embeddings into
one clip embedding (``avg``: mean; ``attn``: a small pre-norm transformer with learned positions whose
outputs are averaged, the design MineCLIP's ``attn`` variant uses), and a residual-gated MLP adapter maps it
into the space shared with text. Text: open_clip's ``TextTransformer`` (MineCLIP's own text tower) or the
frozen all-MiniLM-L6-v2 sentence encoder followed by a learned linear projection.

Similarity is the cosine of the two embeddings scaled by ``exp(logit_scale)``, a learned temperature.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from embodied_gym.rewards.config import VideoModelConfig
from embodied_gym.rewards.text import build_text_encoder
from torch import nn


class FrameShapeError(ValueError):
    """Frames passed to the model have the wrong rank, channel count or dtype."""


class ResidualAdapter(nn.Module):
    """``s * x + (1 - s) * MLP(x)`` with ``s = sigmoid(residual_weight)``, starting close to identity.

    MineCLIP adapts its pooled video feature this way: the pretrained embedding is kept nearly intact at the
    start of fine-tuning and the MLP's share grows only as far as the contrastive loss asks for it.
    The MLP is Linear -> ReLU -> ... -> Linear with ``layers`` linear layers.
    """

    def __init__(self, dim: int, layers: int) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"a residual adapter needs >= 1 layer, got {layers}")
        mods: list[nn.Module] = []
        for i in range(layers):
            mods.append(nn.Linear(dim, dim))
            if i < layers - 1:
                mods.append(nn.ReLU())
        self.mlp = nn.Sequential(*mods)
        for mod in self.mlp:
            if isinstance(mod, nn.Linear):
                nn.init.orthogonal_(mod.weight)
                nn.init.zeros_(mod.bias)
        self.residual_weight = nn.Parameter(torch.tensor(4.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(self.residual_weight)
        return s * x + (1.0 - s) * self.mlp(x)


class TemporalBlock(nn.Module):
    """One pre-norm transformer block: self-attention then a SiLU-gated (GLU) feed-forward."""

    def __init__(self, dim: int, heads: int, ff_mult: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.attn_norm = nn.LayerNorm(dim)
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(dim, dim, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        self.ff_norm = nn.LayerNorm(dim)
        self.ff_in = nn.Linear(dim, 2 * ff_mult * dim)
        self.ff_out = nn.Linear(ff_mult * dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        h = self.attn_norm(x)
        q, k, v = (
            proj(h).view(b, n, self.heads, d // self.heads).transpose(1, 2)
            for proj in (self.to_q, self.to_k, self.to_v)
        )
        attn = F.scaled_dot_product_attention(q, k, v)
        x = x + self.to_out(attn.transpose(1, 2).reshape(b, n, d))
        value, gate = self.ff_in(self.ff_norm(x)).chunk(2, dim=-1)
        return x + self.ff_out(value * F.silu(gate))


class TemporalTransformer(nn.Module):
    """Learned absolute positions (scaled by dim**-0.5) + pre-norm blocks + final LayerNorm, then the mean
    over time. The layout follows MineCLIP's ``attn.d2.nh8.glusw`` aggregator so its weights map onto it."""

    def __init__(self, dim: int, layers: int, heads: int, max_len: int) -> None:
        super().__init__()
        self.pos_emb = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.pos_scale = dim**-0.5
        self.blocks = nn.ModuleList([TemporalBlock(dim, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[1]
        if n > self.pos_emb.shape[0]:
            raise ValueError(f"{n} frames exceed the temporal transformer's {self.pos_emb.shape[0]} positions")
        x = x + self.pos_emb[:n] * self.pos_scale
        for block in self.blocks:
            x = block(x)
        return self.norm(x).mean(dim=1)


class TemporalAverage(nn.Module):
    """Mean of the frame embeddings (MineCLIP's ``avg`` variant); no parameters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=1)


def build_vision_tower(config: VideoModelConfig) -> nn.Module:
    from open_clip.model import QuickGELU
    from open_clip.transformer import VisionTransformer

    return VisionTransformer(
        image_size=tuple(config.image_size),
        patch_size=config.patch_size,
        width=config.vision_width,
        layers=config.vision_layers,
        heads=config.vision_heads,
        mlp_ratio=4.0,
        output_dim=config.embed_dim,
        act_layer=QuickGELU if config.quick_gelu else nn.GELU,
    )


class VideoLanguageModel(nn.Module):
    """Scores how well a clip of frames matches a sentence.

    Frames are uint8 ``(..., 3, H, W)`` as environments emit them (or float in [0, 255]); they are resized
    to ``config.image_size`` when they differ, scaled to [0, 1] and normalised with the config's mean/std.
    """

    def __init__(self, config: VideoModelConfig) -> None:
        super().__init__()
        self.config = config
        self.image_encoder = build_vision_tower(config)
        if config.temporal == "avg":
            self.temporal = TemporalAverage()
        else:
            self.temporal = TemporalTransformer(
                config.embed_dim, config.temporal_layers, config.temporal_heads, config.temporal_max_len
            )
        self.video_adapter = (
            ResidualAdapter(config.embed_dim, config.video_adapter_layers)
            if config.video_adapter_layers > 0
            else nn.Identity()
        )
        self.text_encoder = build_text_encoder(config)
        self.logit_scale = nn.Parameter(torch.tensor(float(config.init_logit_scale)))
        self.register_buffer("pixel_mean", torch.tensor(config.image_mean).view(3, 1, 1) * 255.0, persistent=False)
        self.register_buffer("pixel_std", torch.tensor(config.image_std).view(3, 1, 1) * 255.0, persistent=False)

    # ---- video ---------------------------------------------------------------------------------
    def preprocess(self, frames: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` uint8/float pixels -> normalised float at the model's resolution."""
        if frames.ndim != 4 or frames.shape[1] != 3:
            raise FrameShapeError(f"expected frames of shape (N, 3, H, W), got {tuple(frames.shape)}")
        x = frames.float()
        if tuple(x.shape[-2:]) != tuple(self.config.image_size):
            x = F.interpolate(x, size=tuple(self.config.image_size), mode="bilinear", align_corners=False)
        return (x - self.pixel_mean) / self.pixel_std

    def encode_frames(self, frames: torch.Tensor | np.ndarray) -> torch.Tensor:
        """Per-frame embeddings: ``(..., 3, H, W)`` -> ``(..., embed_dim)``; frames never see each other."""
        frames = torch.as_tensor(frames)
        if frames.ndim < 4:
            raise FrameShapeError(f"expected (..., 3, H, W) frames, got shape {tuple(frames.shape)}")
        lead = frames.shape[:-3]
        feats = self.image_encoder(self.preprocess(frames.reshape(-1, *frames.shape[-3:])))
        return feats.reshape(*lead, feats.shape[-1])

    def aggregate(self, frame_features: torch.Tensor) -> torch.Tensor:
        """``(B, T, D)`` frame embeddings -> ``(B, D)`` clip embeddings (temporal pooling + adapter)."""
        if frame_features.ndim != 3:
            raise FrameShapeError(f"expected (B, T, D) frame features, got {tuple(frame_features.shape)}")
        return self.video_adapter(self.temporal(frame_features))

    def encode_video(self, clips: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``(B, T, 3, H, W)`` clips -> ``(B, D)`` (not normalised)."""
        clips = torch.as_tensor(clips)
        if clips.ndim != 5:
            raise FrameShapeError(f"expected clips of shape (B, T, 3, H, W), got {tuple(clips.shape)}")
        return self.aggregate(self.encode_frames(clips))

    # ---- text ----------------------------------------------------------------------------------
    def encode_text(self, texts: Sequence[str]) -> torch.Tensor:
        if isinstance(texts, str):
            raise TypeError("encode_text takes a list of strings, not one string")
        return self.text_encoder(list(texts))

    def encode_text_features(self, base: torch.Tensor) -> torch.Tensor:
        """Map cached frozen-encoder outputs to the shared space (MiniLM text only; used in training)."""
        return self.text_encoder.project(base)

    # ---- scores --------------------------------------------------------------------------------
    def scale(self) -> torch.Tensor:
        return self.logit_scale.clamp(max=float(np.log(100.0))).exp()

    def logits(self, video_emb: torch.Tensor, text_emb: torch.Tensor) -> torch.Tensor:
        """Scaled cosine similarities, ``(B_video, B_text)``."""
        return self.scale() * F.normalize(video_emb, dim=-1) @ F.normalize(text_emb, dim=-1).t()

    def forward(self, clips: torch.Tensor, texts: Sequence[str]) -> torch.Tensor:
        return self.logits(self.encode_video(clips), self.encode_text(texts))
