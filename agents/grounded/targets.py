"""Auxiliary target tables for the grounded agent: one row per board of the training board set.

Conditions of Kumar et al. (2022) and what each row holds here:

- ``language``: the mean all-MiniLM-L6-v2 embedding of the board's descriptions (384-d; the paper
  used a 768-d sentence encoder);
- ``program`` (GSP: ``program_library`` / ``program_no_library``): the 64-d recognition-model
  activations from DreamCoder with or without library learning; on grammar boards, a bag of program
  symbols (operators and operator-argument pairs) of the program that drew the board;
- ``autoencoder``: the 64-d code of a small board autoencoder trained on the same boards, a control
  that carries the board's identity but no human or program abstraction.

Every table is standardised per dimension over the training boards (zero mean, unit variance), so
``aux_coef`` weighs a 384-d sentence vector and a 64-d program code comparably.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np


def standardise(table: np.ndarray) -> np.ndarray:
    """Per-dimension z-score (constant dimensions become 0)."""
    table = np.asarray(table, dtype=np.float64)
    std = table.std(axis=0)
    return ((table - table.mean(axis=0)) / np.where(std > 1e-8, std, 1.0)).astype(np.float32)


def language_targets(descriptions: Sequence[Sequence[str]]) -> np.ndarray:
    """Mean sentence embedding of each board's descriptions, standardised."""
    from ..text_embedding import embed_texts

    if any(len(d) == 0 for d in descriptions):
        raise ValueError("every board needs at least one description for language targets")
    flat = [text for board in descriptions for text in board]
    vectors = embed_texts(flat)
    out, start = [], 0
    for board in descriptions:
        out.append(vectors[start:start + len(board)].mean(axis=0))
        start += len(board)
    return standardise(np.stack(out))


_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def program_symbol_targets(programs: Sequence[str]) -> np.ndarray:
    """Bag-of-symbols vectors of s-expression programs (operators and ``op:argpos=value`` pairs)."""
    bags: list[dict[str, int]] = []
    for text in programs:
        if not text:
            raise ValueError("program targets need a program for every board")
        bag: dict[str, int] = {}
        stack: list[list[str]] = []
        for token in _TOKEN.findall(text):
            if token == "(":
                stack.append([])
            elif token == ")":
                stack.pop()
            else:
                node = stack[-1]
                key = token if not node else f"{node[0]}:{len(node)}={token}"
                bag[key] = bag.get(key, 0) + 1
                node.append(token)
        bags.append(bag)
    vocab = sorted({k for bag in bags for k in bag})
    index = {k: i for i, k in enumerate(vocab)}
    table = np.zeros((len(programs), len(vocab)), dtype=np.float64)
    for row, bag in enumerate(bags):
        for k, v in bag.items():
            table[row, index[k]] = v
    return standardise(table)


def autoencoder_targets(boards: np.ndarray, code_dim: int = 64, steps: int = 1500, seed: int = 0) -> np.ndarray:
    """Codes of a 16 -> 64 -> ``code_dim`` -> 64 -> 16 autoencoder trained on ``boards`` (n, 16) 0/1."""
    import torch as th
    from torch import nn

    x = th.as_tensor(np.asarray(boards, dtype=np.float32).reshape(len(boards), -1))
    gen = th.Generator().manual_seed(seed)
    th_state = th.random.get_rng_state()
    th.manual_seed(seed)
    encoder = nn.Sequential(nn.Linear(x.shape[1], 64), nn.Tanh(), nn.Linear(64, code_dim), nn.Tanh())
    decoder = nn.Sequential(nn.Linear(code_dim, 64), nn.Tanh(), nn.Linear(64, x.shape[1]))
    th.random.set_rng_state(th_state)
    optimizer = th.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=3e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(steps):
        batch = x[th.randint(len(x), (min(256, len(x)),), generator=gen)]
        loss = loss_fn(decoder(encoder(batch)), batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with th.no_grad():
        return standardise(encoder(x).numpy())
