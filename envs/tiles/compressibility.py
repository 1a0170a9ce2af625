"""How compressible a board is under the tile grammar: its minimal program length.

Why: control boards are supposed to match the grammar boards' low-order statistics while lacking
their program structure. "Lacking structure" is measured here as the length of the shortest program
that draws the board, searched exactly within the grammar's union normal form::

    [invert] (union s1 s2 ... sk),  each si a library shape (a primitive, optionally wrapped in one
                                    symmetry or repetition; see ``grammar.shape_library``)

with length ``sum(len(si)) + [k >= 2] + [inverted]``. Every shape of a union must lie inside the board
(union can only add red tiles), so the search is an exact weighted set cover over the <= 2**16
sub-boards, done by dynamic programming in a numba kernel, in parallel over boards. Because programs
that nest transforms around unions are not searched, the figure is an upper bound of the true
minimum under the full grammar; it is exact for every board the sampler produces.
"""

from __future__ import annotations

import numpy as np

from .grammar import FULL_MASK, N_TILES, shape_library

_INF = np.int32(1 << 20)


def _kernels():
    from numba import njit, prange

    @njit(cache=True)
    def _cover(target, masks, lengths):
        n_states = 1 << 16
        cost = np.full(n_states, 1 << 20, np.int32)
        cost[0] = 0
        inside = np.zeros(masks.shape[0], np.bool_)
        single = 1 << 20
        for i in range(masks.shape[0]):
            inside[i] = (masks[i] & ~target) == 0
            if masks[i] == target and lengths[i] < single:
                single = lengths[i]
        for s in range(n_states):
            if (s & ~target) != 0 or cost[s] >= (1 << 20):
                continue
            for i in range(masks.shape[0]):
                if not inside[i]:
                    continue
                ns = s | masks[i]
                if ns == s:
                    continue
                c = cost[s] + lengths[i]
                if c < cost[ns]:
                    cost[ns] = c
        multi = cost[target] + 1
        return single if single < multi else multi

    @njit(cache=True, parallel=True)
    def _batch(targets, masks, lengths, full):
        out = np.empty(targets.shape[0], np.int32)
        for b in prange(targets.shape[0]):
            direct = _cover(targets[b], masks, lengths)
            inverted = _cover(full & ~targets[b], masks, lengths) + 1 if targets[b] != full else 1 << 20
            out[b] = direct if direct < inverted else inverted
        return out

    return _batch


_BATCH = None


def minimal_program_length(masks: np.ndarray | list[int]) -> np.ndarray:
    """Minimal program length (symbols) of each board given as a 16-bit mask; int32 array.

    An empty board has no program (union cannot draw nothing; ``invert`` of a full board is not in the
    library either) and raises ``ValueError``.
    """
    global _BATCH
    targets = np.asarray(masks, dtype=np.int64).reshape(-1)
    if targets.size and ((targets <= 0) | (targets > FULL_MASK)).any():
        raise ValueError(f"board masks must be in [1, {FULL_MASK}] (at least one red tile of {N_TILES})")
    if _BATCH is None:
        _BATCH = _kernels()
    lib_masks, lib_lengths, _ = shape_library()
    return _BATCH(targets, lib_masks, lib_lengths.astype(np.int32), np.int64(FULL_MASK))
