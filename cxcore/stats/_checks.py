"""Input validation shared by the stats modules.

Bad counts are data errors upstream (a mapping bug, a join that duplicated rows); returning
a plausible-looking interval for them would hide the bug from analysts, so we raise. NaN is
not an error: it marks a group with no data and simply propagates.
"""

from __future__ import annotations

import numpy as np

from cxcore.stats._arrays import FloatArray

__all__ = ["check_confidence", "check_nonnegative"]


def check_confidence(confidence: FloatArray) -> None:
    """Raise ``ValueError`` unless every confidence level is strictly between 0 and 1."""
    if not np.all((confidence > 0.0) & (confidence < 1.0)):
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


def check_nonnegative(name: str, values: FloatArray) -> None:
    """Raise ``ValueError`` if any (non-NaN) value is negative or infinite."""
    bad = (values < 0.0) | np.isinf(values)
    if np.any(bad):
        raise ValueError(f"{name} must be finite and >= 0, got {values[bad][:5]!r}")
