"""Hook specifications: the whole contract between cxcore and its plugins.

This module holds only hookspecs. Every hook is prefixed ``cxcore_``, typed, and documented
with when it is called, what it receives, what it returns and an example. Return annotations
describe what *one implementation* returns; cxcore calls each implementation separately, so a
failing plugin is reported by name while the others keep working.

Registration hooks (``cxcore_sources``, ``cxcore_metrics``, ``cxcore_schemas``,
``cxcore_stores``) take no arguments and yield frozen registration objects from
:mod:`cxcore.types`. Lifecycle hooks receive one event object whose attributes may grow in
later versions without breaking existing implementations.

Compatibility: within a major version hooks and event attributes are only added, never
removed or changed; implementations may accept fewer arguments than the spec declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .events import RecordsRejected, RecordsStored
    from .types import MetricSpec, SchemaSpec, SourceSpec, StoreSpec

PROJECT_NAME = "cxcore"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorator for hook implementations: ``@cxcore.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def cxcore_sources() -> Iterable[SourceSpec]:
    """Register source types: where records come from.

    Called once, when a workspace's plugin manager first needs its sources (``cxcore sources``,
    ``cxcore ingest``, a sync). Yield one :class:`cxcore.types.SourceSpec` per source type.
    Names must be unique across all plugins; a duplicate is reported naming both providers.

    Returns:
        An iterable of :class:`~cxcore.types.SourceSpec`.

    Example::

        @cxcore.hookimpl
        def cxcore_sources():
            yield cxcore.SourceSpec(
                name="acme",
                factory=AcmeSource,
                config_schema={"type": "object", "required": ["subdomain"]},
                description="Acme Helpdesk tickets and surveys",
            )

    .. versionadded:: 0.1
    """


@hookspec
def cxcore_metrics() -> Iterable[MetricSpec]:
    """Register metric calculators (KPIs).

    Called once, when a workspace first needs its metric catalogue (``cxcore metrics``, a
    report). Yield one :class:`cxcore.types.MetricSpec` per metric; the built-in catalogue
    (NPS, CSAT, CES...) registers through this same hook.

    Returns:
        An iterable of :class:`~cxcore.types.MetricSpec`.

    Example::

        @cxcore.hookimpl
        def cxcore_metrics():
            yield cxcore.MetricSpec(name="first_contact_resolution", factory=FcrCalculator)

    .. versionadded:: 0.1
    """


@hookspec
def cxcore_schemas() -> Iterable[SchemaSpec]:
    """Register extra JSON Schemas (draft 2020-12), e.g. the raw records of a source's streams.

    Called once, when a workspace builds its schema registry. Each schema needs an ``$id``;
    it can ``$ref`` cxcore's schemas by their ``$id``. The schemas become available to
    ``cxcore validate --schema NAME`` and to :meth:`cxcore.Workspace.validator`.

    Returns:
        An iterable of :class:`~cxcore.types.SchemaSpec`.

    Example::

        @cxcore.hookimpl
        def cxcore_schemas():
            yield cxcore.SchemaSpec(name="acme/ticket", schema=ACME_TICKET_SCHEMA)

    .. versionadded:: 0.1
    """


@hookspec
def cxcore_stores() -> Iterable[StoreSpec]:
    """Register store implementations (where records, rejected records and sync state live).

    Called once, when a workspace opens its store from configuration (``[store] plugin``).
    Embedders who bring their own storage can instead pass a store object to
    :class:`cxcore.Workspace` directly.

    Returns:
        An iterable of :class:`~cxcore.types.StoreSpec`.

    Example::

        @cxcore.hookimpl
        def cxcore_stores():
            yield cxcore.StoreSpec(name="postgres", factory=PostgresStore)

    .. versionadded:: 0.1
    """


@hookspec
def cxcore_commands(cli: click.Group) -> None:
    """Add commands to the ``cxcore`` command line.

    Called once when the ``cxcore`` command starts, before arguments are parsed, with the
    root click group. Add commands or groups with ``cli.add_command``. A command whose name
    is already taken is reported as a plugin failure and not added. Plugins are loaded from
    entry points here, honouring ``CXCORE_DISABLE_PLUGINS`` and ``CXCORE_LOAD_PLUGINS``.

    Args:
        cli: the root :class:`click.Group` of the ``cxcore`` command.

    Example::

        @cxcore.hookimpl
        def cxcore_commands(cli):
            @cli.command()
            def hello():
                "Say hello."
                click.echo("hello from my plugin")

    .. versionadded:: 0.1
    """


@hookspec
def cxcore_records_stored(event: RecordsStored) -> None:
    """React to a batch of records once it is committed to the store.

    Called after every committed batch (a file chunk, a page of a sync), never per record,
    so implementations stay cheap. ``event`` carries the workspace, the source, the record
    kind, the records as dicts, and how many were inserted, updated or unchanged. Use it
    for real-time reactions: alert on a detractor, push to a CRM, update a dashboard.
    Raising here does not undo the commit; the error is reported with the plugin's name.

    Args:
        event: a :class:`cxcore.events.RecordsStored`.

    Example::

        @cxcore.hookimpl
        def cxcore_records_stored(event):
            for r in event.records:
                if r.get("item") == "nps" and r.get("value") is not None and r["value"] <= 6:
                    alert(f"detractor {r['customer_id']}")

    .. versionadded:: 0.1
    """


@hookspec
def cxcore_records_rejected(event: RecordsRejected) -> None:
    """React to records that failed validation and went to the rejected table.

    Called once per batch that had rejections, after they are stored. ``event.rejected``
    holds :class:`cxcore.store.RejectedRecord` objects with each record's locator and
    every field error.

    Args:
        event: a :class:`cxcore.events.RecordsRejected`.

    Example::

        @cxcore.hookimpl
        def cxcore_records_rejected(event):
            metrics.increment("cx.rejected", len(event.rejected), tags=[event.source])

    .. versionadded:: 0.1
    """
