"""Defaults shared by the command line and the generator (a module light enough to import
whenever ``cxcore`` starts: the command's options need them before the demo runs)."""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_CUSTOMERS", "DEFAULT_SEED"]

DEFAULT_SEED: Final = 7
"""The seed of the README's figures."""
DEFAULT_CUSTOMERS: Final = 5_000
"""People in the synthetic company by default."""
