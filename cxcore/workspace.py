"""The Workspace: the one object embedders and the CLI use (plugins, schemas, store, ingest).

A workspace is built from ``cxcore.toml`` (:meth:`Workspace.from_config`) or entirely in code,
with its own store and its own plugin list. Workspaces share nothing: two in one process with
different plugins do not interfere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .config import DEFAULT_CONFIG_NAME, ProjectConfig, StoreConfig, load_config
from .errors import ConfigError, FieldError, SchemaError
from .ingest import Ingestor, IngestSummary, Item
from .model import RECORD_KINDS, Journey
from .plugins import PluginManager
from .schemas import SchemaRegistry, SchemaValidator
from .store import Store

if TYPE_CHECKING:
    from .journeys import JourneyAnalysis, JourneyAnalysisConfig
    from .metrics import MetricEngine, ResultSet
    from .sdk.sync import CheckResult, ProgressCallback, SyncSummary

__all__ = ["Workspace"]


class Workspace:
    """Everything one cxcore project needs, wired together.

    Args:
        config: the project configuration (default: an empty one, in-memory store).
        journey: overrides ``config.journey``.
        store: a store object to use instead of the one the configuration names (embedders
            bring their own storage this way).
        plugins: a ready :class:`PluginManager`, or an iterable of plugins to register
            explicitly (then entry points are loaded only if ``entry_points`` is true).
        entry_points: load installed ``cxcore.plugins`` entry points (default: true unless
            a plugin list is given).
        disable: plugin names never to load.
        strict: re-raise plugin failures.

    Example::

        ws = Workspace(journey=my_journey, store=DuckDBStore(":memory:"),
                       plugins=["cxcore.builtins.file_source", my_kpi_module])
        summary = ws.ingest(records, source="crm")
    """

    def __init__(
        self,
        *,
        config: ProjectConfig | None = None,
        journey: Journey | None = None,
        store: Store | None = None,
        plugins: PluginManager | Iterable[Any] | None = None,
        entry_points: bool | None = None,
        disable: Iterable[str] = (),
        strict: bool | None = None,
    ) -> None:
        self.config = config or ProjectConfig(store=StoreConfig(path=None))
        self.journey = journey or self.config.journey
        if isinstance(plugins, PluginManager):
            self.plugins = plugins
        else:
            self.plugins = PluginManager(
                plugins or (),
                entry_points=(plugins is None) if entry_points is None else entry_points,
                disable=[*self.config.disabled_plugins, *disable],
                strict=self.config.strict_plugins if strict is None else strict,
            )
        self._store = store
        self._schemas: SchemaRegistry | None = None

    @classmethod
    def from_config(cls, path: str | Path | None = None, **kwargs: Any) -> Workspace:
        """Build a workspace from a ``cxcore.toml`` (default: the one in the current folder)."""
        return cls(config=load_config(path or DEFAULT_CONFIG_NAME), **kwargs)

    # -- parts -----------------------------------------------------------------------------

    @property
    def schemas(self) -> SchemaRegistry:
        """cxcore's schemas plus those plugins registered (built once per workspace)."""
        if self._schemas is None:
            registry = SchemaRegistry.builtin()
            for name, spec in self.plugins.schemas().items():
                try:
                    registry.add(name, spec.schema, owner=self.plugins.provider("schemas", name))
                except SchemaError as exc:
                    self.plugins.report_failure(
                        self.plugins.provider("schemas", name), "validate", exc
                    )
            self._schemas = registry
        return self._schemas

    @property
    def store(self) -> Store:
        """The store, opened on first use from the configuration's ``[store]`` table."""
        if self._store is None:
            cfg = self.config.store
            stores = self.plugins.stores()
            if cfg.plugin not in stores:
                raise ConfigError(
                    f"store plugin {cfg.plugin!r} is not installed; available: "
                    f"{', '.join(stores) or 'none'}"
                )
            self._store = stores[cfg.plugin].factory(path=cfg.path, settings=cfg.settings)
        return self._store

    def validator(self, schema: str) -> SchemaValidator:
        """The validator of a named schema (``interaction``, ``zendesk/ticket``...)."""
        return self.schemas.validator(schema)

    def validate(self, schema: str, record: Any) -> list[FieldError]:
        """Every problem of a record against a named schema (empty when valid).

        For the record kinds (``customer``, ``interaction``, ``response``) this is exactly
        what ingest checks: the schema, values within their scale, and the journey's stages,
        channels, touchpoints and segments.
        """
        if schema in RECORD_KINDS:
            return self.ingestor().check(schema, record)
        v = self.validator(schema)
        return [] if v.is_valid(record) else v.errors(record)

    # -- ingest ----------------------------------------------------------------------------

    def ingestor(self, *, batch_size: int = 50_000) -> Ingestor:
        return Ingestor(
            self.store,
            self.schemas,
            plugins=self.plugins,
            journey=self.journey,
            batch_size=batch_size,
            workspace=self,
        )

    def ingest(
        self,
        records: Iterable[Mapping[str, Any]] | Iterable[Item],
        *,
        source: str,
        kind: str | None = None,
        batch_size: int = 50_000,
    ) -> IngestSummary:
        """Validate and store records (dicts with a ``kind`` field, or pass ``kind``).

        Returns an :class:`IngestSummary`; rejected records are stored with their reasons
        and listed in the summary, the valid ones are kept.
        """

        def items() -> Iterable[Item]:
            for index, r in enumerate(records):
                if isinstance(r, tuple):
                    yield cast(Item, r)
                else:
                    record = cast(Mapping[str, Any], r)
                    yield f"{source}[{index}]", kind or str(record.get("kind", "unknown")), record

        return self.ingestor(batch_size=batch_size).ingest(items(), source=source)

    def ingest_files(
        self,
        paths: Sequence[str | Path],
        *,
        kind: str | None = None,
        source: str = "file",
        batch_size: int = 50_000,
    ) -> IngestSummary:
        """Ingest JSONL, JSON or CSV files through the ``file`` source plugin."""
        sources = self.plugins.sources()
        if "file" not in sources:
            raise ConfigError("the built-in 'file' source plugin is disabled or not installed")
        reader = sources["file"].factory(paths=list(paths), kind=kind, source=source)
        return self.ingestor(batch_size=batch_size).ingest(reader.read(), source=source)

    # -- sources, metrics, journeys --------------------------------------------------------
    # Thin doors onto the subsystems, imported on use so a workspace that only validates
    # and stores records never loads the HTTP, metric or analysis code.

    def check_sources(self, names: Sequence[str] | None = None) -> list[CheckResult]:
        """Check each configured source's credentials and reachability (one line each)."""
        from .sdk.sync import check_sources

        return check_sources(self, names)

    def sync(
        self,
        names: Sequence[str] | None = None,
        *,
        streams: Sequence[str] | None = None,
        full_refresh: bool = False,
        progress: ProgressCallback | None = None,
    ) -> SyncSummary:
        """Sync configured sources into the store (see :func:`cxcore.sdk.sync_sources`)."""
        from .sdk.sync import sync_sources

        return sync_sources(
            self, names, streams=streams, full_refresh=full_refresh, progress=progress
        )

    def metric_engine(self) -> MetricEngine:
        """The metric engine over this workspace's catalogue, declared metrics and store."""
        from .metrics import MetricEngine

        return MetricEngine.from_workspace(self)

    def compute(self, metrics: Sequence[str] | None = None, **options: Any) -> ResultSet:
        """Compute metrics over the store (see :meth:`cxcore.metrics.MetricEngine.compute`).

        Example: ``ws.compute(["nps", "csat"], by=["stage"], grain="month")``.
        """
        return self.metric_engine().compute(metrics, **options)

    def analyse_journeys(self, config: JourneyAnalysisConfig | None = None) -> JourneyAnalysis:
        """Every journey analysis over the store (see :func:`cxcore.journeys.analyse_journeys`)."""
        from .journeys import analyse_journeys

        return analyse_journeys(self, config)

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
