"""Model configurations for the video-language reward model (plain data, no torch import).

A :class:`VideoModelConfig` fully describes the architecture, so a checkpoint stores it beside the weights
and :func:`embodied_gym.rewards.checkpoint.load_model` rebuilds the exact model. Two families:

* ``tiny64`` (the default): a small open_clip ViT over 64x64 frames, fast enough to score thousands of
  frames per second on a laptop CPU, with the frozen all-MiniLM-L6-v2 sentence encoder as text tower.
* ``mineclip-avg`` / ``mineclip-attn``: MineCLIP's published architecture (ViT-B/16 image tower resized to
  160x256, 12-layer CLIP text transformer, ``avg`` pooling or a 2-layer temporal transformer, a 2-layer
  residual video adapter), so a real MineCLIP checkpoint loads into it key for key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

TEMPORAL_KINDS = ("avg", "attn")
TEXT_KINDS = ("minilm", "open_clip")

#: Pixel statistics MineCLIP normalises with (computed by its authors over 2.8M Minecraft frames).
MINECLIP_MEAN = (0.3331, 0.3245, 0.3051)
MINECLIP_STD = (0.2439, 0.2493, 0.2873)


class ConfigError(ValueError):
    """A model configuration names an unknown preset or an impossible combination of sizes."""


@dataclass(frozen=True)
class VideoModelConfig:
    """Every size and switch of the video-language model.

    The vision tower is open_clip's ``VisionTransformer``; ``image_size`` is (height, width) and must be a
    multiple of ``patch_size``. The temporal aggregator sees ``num_frames`` per-frame embeddings of size
    ``embed_dim``. ``video_adapter_layers`` = 0 means no adapter; otherwise a residual-gated MLP as in
    MineCLIP (output = s*x + (1-s)*MLP(x), s = sigmoid(learned weight), starting near identity).
    """

    name: str = "tiny64"
    image_size: tuple[int, int] = (64, 64)
    patch_size: int = 16
    vision_width: int = 128
    vision_layers: int = 2
    vision_heads: int = 4
    embed_dim: int = 128
    quick_gelu: bool = True
    num_frames: int = 16
    temporal: str = "avg"
    temporal_layers: int = 2
    temporal_heads: int = 4
    temporal_max_len: int = 32
    video_adapter_layers: int = 2
    text: str = "minilm"
    # open_clip text tower sizes (used when text == "open_clip")
    text_width: int = 512
    text_layers: int = 12
    text_heads: int = 8
    context_length: int = 77
    vocab_size: int = 49408
    # frozen sentence encoder width (all-MiniLM-L6-v2 gives 384)
    sentence_dim: int = 384
    image_mean: tuple[float, float, float] = MINECLIP_MEAN
    image_std: tuple[float, float, float] = MINECLIP_STD
    init_logit_scale: float = 2.6592600369262695  # log(1 / 0.07), CLIP's initial temperature
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.temporal not in TEMPORAL_KINDS:
            raise ConfigError(f"temporal={self.temporal!r} is unknown; accepted: {TEMPORAL_KINDS}")
        if self.text not in TEXT_KINDS:
            raise ConfigError(f"text={self.text!r} is unknown; accepted: {TEXT_KINDS}")
        h, w = self.image_size
        if h % self.patch_size or w % self.patch_size:
            raise ConfigError(
                f"image_size={self.image_size} must be a multiple of patch_size={self.patch_size}"
            )
        if self.vision_width % self.vision_heads:
            raise ConfigError(f"vision_width={self.vision_width} is not divisible by {self.vision_heads} heads")
        if self.temporal == "attn" and self.embed_dim % self.temporal_heads:
            raise ConfigError(f"embed_dim={self.embed_dim} is not divisible by {self.temporal_heads} temporal heads")
        if self.num_frames < 1 or self.num_frames > self.temporal_max_len:
            raise ConfigError(
                f"num_frames={self.num_frames} must be in [1, temporal_max_len={self.temporal_max_len}]"
            )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["image_size"] = list(self.image_size)
        data["image_mean"] = list(self.image_mean)
        data["image_std"] = list(self.image_std)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> VideoModelConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown config fields {unknown}; accepted: {sorted(known)}")
        data = dict(data)
        for key in ("image_size", "image_mean", "image_std"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)


def _mineclip(temporal: str) -> VideoModelConfig:
    return VideoModelConfig(
        name=f"mineclip-{temporal}",
        image_size=(160, 256),
        patch_size=16,
        vision_width=768,
        vision_layers=12,
        vision_heads=12,
        embed_dim=512,
        quick_gelu=True,
        num_frames=16,
        temporal=temporal,
        temporal_layers=2,
        temporal_heads=8,
        temporal_max_len=32,
        video_adapter_layers=2,
        text="open_clip",
        text_width=512,
        text_layers=12,
        text_heads=8,
        init_logit_scale=2.6592600369262695,
    )


PRESETS: dict[str, VideoModelConfig] = {
    "tiny64": VideoModelConfig(),
    "tiny64-attn": VideoModelConfig(name="tiny64-attn", temporal="attn"),
    "mineclip-avg": _mineclip("avg"),
    "mineclip-attn": _mineclip("attn"),
}


def get_config(name: str, **overrides) -> VideoModelConfig:
    """A preset by name, optionally with fields replaced (``get_config("tiny64", temporal="attn")``)."""
    if name not in PRESETS:
        raise ConfigError(f"unknown model preset {name!r}; accepted: {sorted(PRESETS)}")
    config = PRESETS[name]
    return replace(config, **overrides) if overrides else config
