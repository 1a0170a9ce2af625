"""Deterministic integer-hash value noise (numba). No global RNG: every value is a function of
(seed, coordinates), so any chunk can be generated in any order with identical results."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def hash3(x: int, y: int, z: int, seed: int) -> float:
    """A float in [0, 1) from integer coordinates (a 32-bit avalanche hash)."""
    h = (x * 374761393 + y * 668265263 + z * 2147483647 + seed * 1274126177) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1274126177) & 0xFFFFFFFF
    h = h ^ (h >> 16)
    return (h & 0xFFFFFF) / 16777216.0


@njit(cache=True, inline="always")
def _smooth(t: float) -> float:
    return t * t * (3.0 - 2.0 * t)


@njit(cache=True)
def value2(x: float, z: float, seed: int) -> float:
    """2D value noise in [-1, 1] at unit frequency."""
    x0 = np.floor(x)
    z0 = np.floor(z)
    ix = int(x0)
    iz = int(z0)
    tx = _smooth(x - x0)
    tz = _smooth(z - z0)
    a = hash3(ix, 0, iz, seed)
    b = hash3(ix + 1, 0, iz, seed)
    c = hash3(ix, 0, iz + 1, seed)
    d = hash3(ix + 1, 0, iz + 1, seed)
    top = a + (b - a) * tx
    bot = c + (d - c) * tx
    return (top + (bot - top) * tz) * 2.0 - 1.0


@njit(cache=True)
def fbm2(x: float, z: float, seed: int, octaves: int, scale: float) -> float:
    """Fractal sum of ``octaves`` value-noise layers, roughly in [-1, 1]."""
    total = 0.0
    amp = 1.0
    norm = 0.0
    f = 1.0 / scale
    for o in range(octaves):
        total += amp * value2(x * f, z * f, seed + o * 7919)
        norm += amp
        amp *= 0.5
        f *= 2.0
    return total / norm
