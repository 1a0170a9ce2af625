"""The shared all-MiniLM-L6-v2 sentence embedder (bundled weights, offline)."""

from __future__ import annotations

import numpy as np
import pytest
from embodied_gym.agents.text_embedding import EMBEDDING_DIM, TextEmbeddingError, embed_texts


def test_embeddings_are_unit_vectors_cached_and_semantic():
    texts = ["the top row is red", "the first row of tiles is red", "a cat sleeps on the sofa",
             "the top row is red"]
    vectors = embed_texts(texts)
    assert vectors.shape == (4, EMBEDDING_DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[3])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embed_texts([]).shape == (0, EMBEDDING_DIM)


def test_rejects_a_bare_string():
    with pytest.raises(TextEmbeddingError, match="list of strings"):
        embed_texts("the top row is red")
