"""cxcore source plugin for Medallia Experience Cloud (survey feedback via the Query API).

Registers the ``medallia`` source type (``plugin = "medallia"`` in cxcore.toml); see
:mod:`cxcore_medallia.source` for what it reads and how, and
:mod:`cxcore_medallia.settings` for its settings.
"""

from __future__ import annotations

from collections.abc import Iterator

import cxcore
from cxcore.types import SourceSpec

from .settings import CONFIG_SCHEMA
from .source import MedalliaQueryError, MedalliaSource

__all__ = ["CONFIG_SCHEMA", "MedalliaQueryError", "MedalliaSource", "cxcore_sources"]
__version__ = "0.1.0"


@cxcore.hookimpl
def cxcore_sources() -> Iterator[SourceSpec]:
    """Register the ``medallia`` source type."""
    yield SourceSpec(
        name="medallia",
        factory=MedalliaSource,
        config_schema=CONFIG_SCHEMA,
        description="Medallia Experience Cloud survey feedback (Query API, OAuth2 client "
        "credentials)",
    )
