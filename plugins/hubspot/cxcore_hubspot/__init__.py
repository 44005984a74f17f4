"""cxcore source plugin for the HubSpot CRM: contacts, deals, tickets, feedback submissions.

Install with ``pip install cxcore-hubspot``; configure in ``cxcore.toml``::

    [sources.crm]
    plugin = "hubspot"
    settings = { access_token = { env = "HUBSPOT_TOKEN" } }

See :mod:`cxcore_hubspot.source` for the streams and how they are read, and
:mod:`cxcore_hubspot.mapping` for how they become cxcore records.
"""

from __future__ import annotations

from collections.abc import Iterator

import cxcore

from .schemas import SCHEMAS
from .source import CONFIG_SCHEMA, HubSpotSource

__all__ = ["CONFIG_SCHEMA", "HubSpotSource", "cxcore_schemas", "cxcore_sources"]

__version__ = "0.1.0"


@cxcore.hookimpl
def cxcore_sources() -> Iterator[cxcore.SourceSpec]:
    """Register the ``hubspot`` source type."""
    yield cxcore.SourceSpec(
        name="hubspot",
        factory=HubSpotSource,
        config_schema=CONFIG_SCHEMA,
        description="HubSpot CRM: contacts, deals, tickets and NPS/CSAT/CES feedback",
    )


@cxcore.hookimpl
def cxcore_schemas() -> Iterator[cxcore.SchemaSpec]:
    """Register the raw record schemas (``cxcore validate --schema hubspot/contacts``)."""
    for name, schema in SCHEMAS.items():
        yield cxcore.SchemaSpec(name=f"hubspot/{name}", schema=schema)
