"""The ``cxcore`` command line. Each command group lives in its own module."""

from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
