"""cxcore source plugin for Zendesk Support: tickets, ticket metrics, CSAT ratings, users.

Installed, it registers the source type ``zendesk`` (use ``plugin = "zendesk"`` under
``[sources.<name>]`` in cxcore.toml) and the raw-record schemas ``zendesk/<stream>`` (for
``cxcore validate --schema zendesk/tickets``). See the package README for the settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from cxcore import SchemaSpec, SourceSpec, hookimpl

from .source import CONFIG_SCHEMA, CSAT_SCALE, DEFAULT_CHANNELS, ZendeskSource

__all__ = ["CONFIG_SCHEMA", "CSAT_SCALE", "DEFAULT_CHANNELS", "ZendeskSource", "__version__"]
__version__ = "0.1.0"


@hookimpl
def cxcore_sources() -> Iterator[SourceSpec]:
    """Register the ``zendesk`` source type."""
    yield SourceSpec(
        name="zendesk",
        factory=ZendeskSource,
        config_schema=CONFIG_SCHEMA,
        description="Zendesk Support: tickets, ticket metrics, CSAT ratings, users",
    )


@hookimpl
def cxcore_schemas() -> Iterator[SchemaSpec]:
    """Register the raw-record schema of each stream as ``zendesk/<stream>``."""
    for stream in ZendeskSource.streams:
        yield SchemaSpec(name=f"zendesk/{stream.name}", schema=stream.schema)
