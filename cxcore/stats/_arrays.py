"""Array plumbing shared by the stats modules: one place decides what "scalar in" means."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "as_float", "finish", "scalar_call"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
"""The array type every stats function returns for array input."""


def as_float(value: npt.ArrayLike) -> FloatArray:
    """``value`` as a float64 array (no copy when it already is one)."""
    return np.asarray(value, dtype=np.float64)


def scalar_call(*values: npt.ArrayLike) -> bool:
    """True when every argument is a plain or numpy scalar.

    A 0-d ``ndarray`` counts as an array on purpose: the static types promise an array back
    for any ``ndarray`` argument, and the runtime must keep that promise.
    """
    return all(not isinstance(v, np.ndarray) and np.ndim(v) == 0 for v in values)


def finish(value: npt.ArrayLike, scalar: bool) -> float | FloatArray:
    """Python ``float`` for scalar calls, otherwise a float64 array (never a numpy scalar)."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if scalar else arr
