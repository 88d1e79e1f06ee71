"""Small vectorised sampling helpers shared by the simulators."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def pick(rng: np.random.Generator, weights: Mapping[str, float], n: int) -> np.ndarray:
    """n codes drawn with the given relative weights (object array)."""
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype="float64")
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def pick_index(
    rng: np.random.Generator, weights: Mapping[str, float], n: int, index: Mapping[str, int]
) -> np.ndarray:
    """Like `pick`, returning each code's position in `index` (int32)."""
    lookup = np.array([index[k] for k in weights], dtype="int32")
    p = np.array(list(weights.values()), dtype="float64")
    return lookup[rng.choice(len(lookup), size=n, p=p / p.sum())]


def uniform_days(rng: np.random.Generator, low, high, n: int) -> np.ndarray:
    """Whole days uniformly in [low, high] (arrays or scalars)."""
    low = np.broadcast_to(np.asarray(low, dtype="float64"), (n,))
    high = np.maximum(np.broadcast_to(np.asarray(high, dtype="float64"), (n,)), low)
    return np.floor(low + rng.random(n) * (high - low + 1))


def gamma_days(rng: np.random.Generator, shape: float, scale: float, n: int) -> np.ndarray:
    return np.round(rng.gamma(shape, scale, n))


def unique_ids(rng: np.random.Generator, n: int, start: int, prefix: str, width: int) -> np.ndarray:
    """n distinct, shuffled, id strings like prefix + zero-padded number."""
    numbers = start + np.cumsum(rng.integers(1, 9, n))
    rng.shuffle(numbers)
    text = np.char.zfill(numbers.astype(str), width)
    return np.char.add(prefix, text).astype(object)


def fake_postcodes(rng: np.random.Generator, area: str, n: int) -> np.ndarray:
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    district = rng.integers(1, 30, n).astype(str)
    sector = rng.integers(0, 10, n).astype(str)
    unit = np.char.add(letters[rng.integers(0, 20, n)], letters[rng.integers(0, 20, n)])
    out = np.char.add(np.char.add(area, district), " ")
    return np.char.add(np.char.add(out, sector), unit).astype(object)
