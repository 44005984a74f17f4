"""Running sources: open them from cxcore.toml, check them, and sync them into the store.

The sync runner does, for each stream of each source:

1. load the stream's saved state from the store (``None`` on the first run);
2. read pages from :meth:`Source.read <cxcore.sdk.source.Source.read>`;
3. validate each raw record against the stream's JSON Schema (compiled fast path); records
   that do not fit go to the rejected table with a ``stream:page`` locator and every reason;
4. map the valid ones with :meth:`Source.map <cxcore.sdk.source.Source.map>`;
5. hand the mapped records, the rejections and ``SyncState(source, stream, page.state)`` to the
   :class:`~cxcore.ingest.Ingestor`, which commits them in **one** store transaction.

Because a page's records and the state that resumes after it commit together (and the store
upserts on ``(source, id)``), a sync killed at any point resumes from the last committed page
with no record lost and none duplicated. A stream that fails (network trouble the HTTP layer
could not retry away, refused credentials, a plugin bug) is reported as failed in the
:class:`SyncSummary`; the other streams and sources carry on.

Python API (the CLI ``cxcore sources check | discover | sync`` is a thin layer over it)::

    from cxcore.sdk import check_sources, discover_streams, sync_sources

    for result in check_sources(ws):
        print(result.line)
    summary = sync_sources(ws, ["support"], progress=print)
    if summary.failed:
        ...
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs
import jsonschema
import orjson

from cxcore.config import resolve_secrets
from cxcore.errors import AuthError, ConfigError, CxcoreError, FieldError, SourceError, StoreError
from cxcore.ingest import IngestSummary, Item
from cxcore.schemas import SchemaRegistry, SchemaValidator
from cxcore.sdk.clock import Clock
from cxcore.sdk.mapping import MappingContext, MappingRules
from cxcore.sdk.models import HttpStats
from cxcore.sdk.privacy import PrivacyPolicy
from cxcore.sdk.secret import Secret, scrub_text
from cxcore.sdk.source import Source, Stream
from cxcore.store import RejectedRecord, SyncState
from cxcore.types import SourceSpec

if TYPE_CHECKING:
    from cxcore.workspace import Workspace

__all__ = [
    "CheckResult",
    "ProgressCallback",
    "StreamSummary",
    "SyncProgress",
    "SyncSummary",
    "build_source",
    "check_sources",
    "discover_streams",
    "open_source",
    "sync_source",
    "sync_sources",
]

logger = logging.getLogger("cxcore.sdk.sync")


# -- results ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SyncProgress:
    """Where a running sync is, passed to the progress callback after every page.

    ``records`` counts raw records read in this stream so far, ``stored`` those accepted.
    ``done`` is true once, when the stream ends (successfully or not).
    """

    source: str
    stream: str
    pages: int
    records: int
    stored: int
    rejected: int
    requests: int
    elapsed: float
    done: bool = False

    @property
    def rate(self) -> float:
        """Raw records per second since the stream started."""
        return self.records / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[SyncProgress], None]


@attrs.define(kw_only=True)
class StreamSummary:
    """What syncing one stream did.

    ``records`` counts raw records read; ``inserted + updated + unchanged`` are the cxcore
    records stored (a raw record may map to several); ``rejected`` counts raw records that
    did not fit the stream schema plus mapped records that did not fit cxcore's.
    """

    source: str
    stream: str
    plugin: str = ""
    status: Literal["ok", "failed"] = "ok"
    pages: int = 0
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    requests: int = 0
    retries: int = 0
    throttled_seconds: float = 0.0
    elapsed: float = 0.0
    error: str | None = None
    error_type: str | None = None
    notes: list[str] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """Whether the stream finished."""
        return self.status == "ok"

    @property
    def stored(self) -> int:
        """cxcore records accepted by the store (new, changed or unchanged)."""
        return self.inserted + self.updated + self.unchanged

    @property
    def rate(self) -> float:
        """Raw records per second, end to end."""
        return self.records / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``cxcore sources sync --format json``)."""
        out = attrs.asdict(self)
        out["rate"] = round(self.rate, 1)
        out["elapsed"] = round(self.elapsed, 3)
        out["throttled_seconds"] = round(self.throttled_seconds, 3)
        return out


@attrs.define
class SyncSummary:
    """What a sync did, stream by stream; aggregate properties sum over all streams."""

    streams: list[StreamSummary] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """True when every stream finished."""
        return all(s.ok for s in self.streams)

    @property
    def failed(self) -> list[StreamSummary]:
        """The streams that did not finish."""
        return [s for s in self.streams if not s.ok]

    def _sum(self, name: str) -> int:
        return sum(int(getattr(s, name)) for s in self.streams)

    @property
    def records(self) -> int:
        """Raw records read."""
        return self._sum("records")

    @property
    def pages(self) -> int:
        """Pages read."""
        return self._sum("pages")

    @property
    def inserted(self) -> int:
        """cxcore records new to the store."""
        return self._sum("inserted")

    @property
    def updated(self) -> int:
        """cxcore records that changed."""
        return self._sum("updated")

    @property
    def unchanged(self) -> int:
        """cxcore records stored again without change."""
        return self._sum("unchanged")

    @property
    def rejected(self) -> int:
        """Raw or mapped records sent to the rejected table."""
        return self._sum("rejected")

    @property
    def elapsed(self) -> float:
        """Seconds spent, summed over streams."""
        return sum(s.elapsed for s in self.streams)

    def stream(self, source: str, stream: str) -> StreamSummary:
        """The summary of one stream (``KeyError`` if it was not synced)."""
        for s in self.streams:
            if s.source == source and s.stream == stream:
                return s
        raise KeyError(f"{source}/{stream} was not synced")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "ok": self.ok,
            "records": self.records,
            "pages": self.pages,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "streams": [s.as_dict() for s in self.streams],
        }


@attrs.frozen(kw_only=True)
class CheckResult:
    """The outcome of checking one source's credentials and reachability."""

    source: str
    plugin: str
    ok: bool
    message: str

    @property
    def line(self) -> str:
        """One line naming the source: ``support (zendesk): <what happened or what to fix>``."""
        return f"{self.source} ({self.plugin}): {self.message}"


# -- opening sources -----------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _env_values(raw: Any, resolved: Any) -> Iterator[str]:
    """Values that came from ``{env = ...}`` references: they are secrets by convention."""
    if isinstance(raw, Mapping):
        if set(raw) == {"env"} and isinstance(resolved, str):
            yield resolved
        elif isinstance(resolved, Mapping):
            for key, value in raw.items():
                yield from _env_values(value, resolved.get(key))
    elif isinstance(raw, list) and isinstance(resolved, list):
        for a, b in zip(raw, resolved, strict=False):
            yield from _env_values(a, b)


def _write_only(schema: Mapping[str, Any]) -> set[str]:
    props = schema.get("properties", {})
    return {k for k, v in props.items() if isinstance(v, Mapping) and v.get("writeOnly")}


def _validate_settings(
    schema: Mapping[str, Any], settings: Mapping[str, Any], where: str, secrets: Sequence[Secret]
) -> None:
    if not schema:
        return
    validator = jsonschema.Draft202012Validator(dict(schema))
    errors = sorted(validator.iter_errors(dict(settings)), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    lines = []
    for error in errors:
        path = ".".join(str(p) for p in error.absolute_path)
        message = error.message
        if error.validator == "additionalProperties":
            known = ", ".join(sorted(schema.get("properties", {})))
            message = f"{message} (known settings: {known})"
        # jsonschema quotes the offending value; never let that be a credential.
        lines.append(f"{where}{'.' + path if path else ''}: {scrub_text(message, secrets)}")
    raise ConfigError("\n".join(lines))


def build_source(
    spec: SourceSpec,
    settings: Mapping[str, Any],
    *,
    where: str = "settings",
    clock: Clock | None = None,
    secrets: Sequence[Secret] = (),
) -> Any:
    """Validate ``settings`` (secrets already resolved) against ``spec`` and build the source.

    ``clock`` is passed to factories that accept it (tests use a fake clock). Raises
    :class:`ConfigError` listing every invalid setting, never echoing a credential.
    """
    hidden = [*secrets]
    for key in _write_only(spec.config_schema):
        value = settings.get(key)
        if isinstance(value, str):
            hidden.append(Secret(value))
    _validate_settings(spec.config_schema, settings, where, hidden)
    kwargs: dict[str, Any] = {}
    if clock is not None and _accepts(spec.factory, "clock"):
        kwargs["clock"] = clock
    return spec.factory(dict(settings), **kwargs)


def _accepts(factory: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _configured(workspace: Workspace, name: str) -> tuple[Any, SourceSpec]:
    sources = workspace.config.sources
    if name not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise ConfigError(
            f"no source named {name!r} in the configuration (configured: {known}); add "
            f'[sources.{name}] with plugin = "<type>" to cxcore.toml'
        )
    config = sources[name]
    specs = workspace.plugins.sources()
    if config.plugin not in specs:
        installed = ", ".join(sorted(specs)) or "none"
        raise ConfigError(
            f"sources.{name}: plugin {config.plugin!r} is not installed (installed source "
            f"types: {installed}); install it, e.g. pip install cxcore-{config.plugin}"
        )
    return config, specs[config.plugin]


def open_source(workspace: Workspace, name: str, *, clock: Clock | None = None) -> Any:
    """Build the source configured as ``[sources.<name>]`` in the workspace's cxcore.toml.

    Resolves ``{env = "VAR"}`` secrets, validates the settings against the plugin's schema
    and calls its factory. Returns a :class:`~cxcore.sdk.source.Source` for SDK plugins.
    Raises :class:`ConfigError` with a message that says what to fix.
    """
    config, spec = _configured(workspace, name)
    where = f"sources.{name}.settings"
    settings = resolve_secrets(config.settings, where=where)
    secrets = [Secret(v) for v in _env_values(config.settings, settings)]
    for key in _write_only(spec.config_schema):
        raw = config.settings.get(key)
        if isinstance(raw, str):
            logger.warning(
                '%s.%s is written inline in the configuration; use {env = "VAR"} so the '
                "credential stays out of the project file",
                where,
                key,
            )
    if isinstance(spec.factory, type) and issubclass(spec.factory, Source):
        return build_source(spec, settings, where=where, clock=clock, secrets=secrets)
    # Pre-SDK sources (the built-in file reader) take keyword settings and the source name.
    _validate_settings(spec.config_schema, settings, where, secrets)
    kwargs = dict(settings)
    if _accepts(spec.factory, "source"):
        kwargs["source"] = name
    if _accepts(spec.factory, "base_dir") and workspace.config.path is not None:
        # Relative paths in a project file mean "next to the project file".
        kwargs["base_dir"] = workspace.config.path.parent
    return spec.factory(**kwargs)


def _targets(workspace: Workspace, names: Sequence[str] | None) -> list[str]:
    if names:
        return list(names)
    return [n for n, c in workspace.config.sources.items() if c.enabled]


def _plugin_of(workspace: Workspace, name: str) -> str:
    config = workspace.config.sources.get(name)
    return config.plugin if config is not None else "?"


# -- check and discover ------------------------------------------------------------------------


def check_sources(
    workspace: Workspace, names: Sequence[str] | None = None, *, clock: Clock | None = None
) -> list[CheckResult]:
    """Check credentials and reachability of the named sources (default: all enabled ones).

    Never raises for a source's own problem: each result says ``ok`` or, in one line, what to
    fix (``result.line`` names the source too).
    """
    results = []
    for name in _targets(workspace, names):
        plugin = _plugin_of(workspace, name)
        secrets: tuple[Secret, ...] = ()
        try:
            source = open_source(workspace, name, clock=clock)
            try:
                secrets = source.secrets() if isinstance(source, Source) else ()
                check = getattr(source, "check", None)
                note = check() if callable(check) else "nothing to check (local source)"
            finally:
                if hasattr(source, "close"):
                    source.close()
            results.append(
                CheckResult(source=name, plugin=plugin, ok=True, message=str(note or "ok"))
            )
        except CxcoreError as exc:
            message = _one_line(scrub_text(str(exc), secrets))
            results.append(CheckResult(source=name, plugin=plugin, ok=False, message=message))
        except Exception as exc:  # a plugin bug must not hide the other sources' results
            logger.debug("check of %s failed:\n%s", name, scrub_text(traceback.format_exc()))
            message = _one_line(scrub_text(f"plugin error: {type(exc).__name__}: {exc}", secrets))
            results.append(CheckResult(source=name, plugin=plugin, ok=False, message=message))
    return results


def discover_streams(
    workspace: Workspace, name: str, *, clock: Clock | None = None
) -> list[Stream]:
    """The streams the source ``name`` offers, with their schemas, keys and cursors."""
    source = open_source(workspace, name, clock=clock)
    try:
        if not isinstance(source, Source):
            return []
        return list(source.discover())
    finally:
        source.close()


# -- sync ----------------------------------------------------------------------------------------


class _ProgressFailed(BaseException):
    """Carries an exception raised by the caller's progress callback past the stream guard."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(repr(error))
        self.error = error


def sync_sources(
    workspace: Workspace,
    names: Sequence[str] | None = None,
    *,
    streams: Sequence[str] | None = None,
    full_refresh: bool = False,
    progress: ProgressCallback | None = None,
    clock: Clock | None = None,
) -> SyncSummary:
    """Sync the named sources (default: every enabled one) into the workspace's store.

    Args:
        names: configured source names.
        streams: only these streams (default: the ``streams`` setting, else all).
        full_refresh: ignore saved states and read everything again (records are upserted,
            so this never duplicates).
        progress: called after every committed page and once at the end of each stream.
        clock: passed to the sources (tests).

    Returns a :class:`SyncSummary`; failures are in it, not raised. Store failures and
    exceptions from ``progress`` do propagate.
    """
    summary = SyncSummary()
    for name in _targets(workspace, names):
        plugin = _plugin_of(workspace, name)
        try:
            source = open_source(workspace, name, clock=clock)
        except Exception as exc:  # a plugin's factory failing must not stop other sources
            plugin_bug = not isinstance(exc, CxcoreError)
            text = f"plugin error: {type(exc).__name__}: {exc}" if plugin_bug else str(exc)
            summary.streams.append(
                StreamSummary(
                    source=name,
                    stream="*",
                    plugin=plugin,
                    status="failed",
                    error=_one_line(text),
                    error_type="PluginError" if plugin_bug else type(exc).__name__,
                )
            )
            continue
        try:
            part = sync_source(
                workspace,
                name,
                source,
                streams=streams,
                full_refresh=full_refresh,
                progress=progress,
                plugin=plugin,
            )
        finally:
            if hasattr(source, "close"):
                source.close()
        summary.streams.extend(part.streams)
    return summary


def sync_source(
    workspace: Workspace,
    name: str,
    source: Any,
    *,
    streams: Sequence[str] | None = None,
    full_refresh: bool = False,
    progress: ProgressCallback | None = None,
    plugin: str | None = None,
) -> SyncSummary:
    """Sync one already-built source object under the source name ``name``.

    The lower-level half of :func:`sync_sources`, for embedders and tests that build a
    :class:`~cxcore.sdk.source.Source` themselves. Mapping rules come from the workspace
    configuration and the source's defaults and settings.
    """
    if plugin is None:
        configured = workspace.config.sources.get(name)
        plugin = configured.plugin if configured is not None else type(source).__name__.lower()
    summary = SyncSummary()
    try:
        if not isinstance(source, Source):
            summary.streams.append(_sync_items(workspace, name, source, plugin, progress))
            return summary
        try:
            selected = source.selected_streams(streams)
        except ConfigError as exc:
            summary.streams.append(
                StreamSummary(
                    source=name,
                    stream="*",
                    plugin=plugin,
                    status="failed",
                    error=_one_line(str(exc)),
                    error_type="ConfigError",
                )
            )
            return summary
        rules = _rules(workspace, source)
        privacy = PrivacyPolicy(source.pii)
        refused_auth: str | None = None
        for stream in selected:
            if refused_auth is not None:
                # The same credentials would be refused again; do not hammer the API.
                summary.streams.append(
                    StreamSummary(
                        source=name,
                        stream=stream.name,
                        plugin=plugin,
                        status="failed",
                        error=f"not attempted: the credentials were refused ({refused_auth})",
                        error_type="AuthError",
                    )
                )
                continue
            result = _StreamRun(
                workspace, name, plugin, source, stream, rules, privacy, progress
            ).run(full_refresh=full_refresh)
            if result.error_type == "AuthError":
                refused_auth = f"see stream {stream.name}"
            summary.streams.append(result)
    except _ProgressFailed as failed:
        raise failed.error from None
    return summary


def _rules(workspace: Workspace, source: Source) -> MappingRules:
    defaults = MappingRules(channels=source.default_channels, stages=source.default_stages)
    project = MappingRules(channels=workspace.config.channel_map, stages=workspace.config.stage_map)
    own = source.settings.get("mapping") or {}
    local = MappingRules(channels=own.get("channels", {}), stages=own.get("stages", {}))
    return local.over(project.over(defaults))


def _sync_items(
    workspace: Workspace, name: str, source: Any, plugin: str, progress: ProgressCallback | None
) -> StreamSummary:
    """A pre-SDK source whose ``read()`` yields ``(locator, kind, record)`` items."""
    started = time.perf_counter()
    out = StreamSummary(source=name, stream="records", plugin=plugin)
    try:
        result = workspace.ingestor().ingest(source.read(), source=name)
    except StoreError:
        raise
    except Exception as exc:
        out.status, out.error, out.error_type = "failed", _one_line(str(exc)), type(exc).__name__
    else:
        out.pages = result.batches
        out.records = result.accepted + len(result.rejected)
        out.inserted, out.updated, out.unchanged = result.inserted, result.updated, result.unchanged
        out.rejected = len(result.rejected)
    out.elapsed = time.perf_counter() - started
    if progress is not None:
        _call(progress, _progress_of(out, done=True))
    return out


def _progress_of(out: StreamSummary, *, done: bool) -> SyncProgress:
    return SyncProgress(
        source=out.source,
        stream=out.stream,
        pages=out.pages,
        records=out.records,
        stored=out.stored,
        rejected=out.rejected,
        requests=out.requests,
        elapsed=out.elapsed,
        done=done,
    )


def _call(progress: ProgressCallback, event: SyncProgress) -> None:
    try:
        progress(event)
    except BaseException as exc:  # noqa: BLE001 - the caller's own error, re-raised as is
        raise _ProgressFailed(exc) from None


class _StreamRun:
    """One stream of one source, from its saved state to its last page."""

    def __init__(
        self,
        workspace: Workspace,
        name: str,
        plugin: str,
        source: Source,
        stream: Stream,
        rules: MappingRules,
        privacy: PrivacyPolicy,
        progress: ProgressCallback | None,
    ) -> None:
        self.workspace = workspace
        self.name = name
        self.source = source
        self.stream = stream
        self.progress = progress
        self.ctx = MappingContext(
            source=name,
            journey=workspace.journey,
            rules=rules,
            privacy=privacy,
            identity_keys=workspace.config.identity_keys,
        )
        self.out = StreamSummary(source=name, stream=stream.name, plugin=plugin)
        self._started = 0.0
        self._http_before = HttpStats()

    def run(self, *, full_refresh: bool) -> StreamSummary:
        out = self.out
        self._started = time.perf_counter()
        self._http_before = self.source.http_stats()
        try:
            self._pages(full_refresh)
        except (StoreError, _ProgressFailed):
            raise
        except Exception as exc:
            self._failed(exc)
        finally:
            self._finish()
        if self.progress is not None:
            _call(self.progress, _progress_of(out, done=True))
        return out

    def _pages(self, full_refresh: bool) -> None:
        store = self.workspace.store
        validator = _raw_validator(self.workspace, self.out.plugin, self.stream)
        saved = None if full_refresh else store.get_state(self.name, self.stream.name)
        logger.info(
            "sync %s/%s: %s", self.name, self.stream.name, "resuming" if saved else "from start"
        )
        ingestor = self.workspace.ingestor()
        ingested = IngestSummary()
        pages = self.source.read(self.stream, saved)
        reader = _Prefetcher(pages) if self.source.prefetch else _Direct(pages)
        try:
            for page in reader:
                self._page(page, validator, ingestor, ingested)
        finally:
            reader.close()

    def _page(
        self, page: Any, validator: SchemaValidator, ingestor: Any, ingested: IngestSummary
    ) -> None:
        self.out.pages += 1
        number = self.out.pages
        raw = list(page.records)
        self.out.records += len(raw)
        valid, refused = self._validate(validator, raw, number)
        items = self._map(valid, number, refused)
        state = SyncState(source=self.name, stream=self.stream.name, cursor=self._safe(page.state))
        rejected_before = len(ingested.rejected)
        ingestor.ingest(items, source=self.name, state=state, summary=ingested, rejected=refused)
        self.out.inserted = ingested.inserted
        self.out.updated = ingested.updated
        self.out.unchanged = ingested.unchanged
        self.out.rejected = len(ingested.rejected)
        logger.debug(
            "sync %s/%s page %d: %d raw, %d rejected, committed",
            self.name,
            self.stream.name,
            number,
            len(raw),
            len(ingested.rejected) - rejected_before,
        )
        if self.progress is not None:
            self._tick()
            _call(self.progress, _progress_of(self.out, done=False))

    def _validate(
        self, validator: SchemaValidator, raw: list[Any], number: int
    ) -> tuple[list[Any], list[RejectedRecord]]:
        valid: list[Any] = []
        refused: list[RejectedRecord] = []
        for index, record in enumerate(raw):
            if validator.is_valid(record):
                valid.append(record)
                continue
            key = self.stream.key_of(record)
            refused.append(
                RejectedRecord(
                    source=self.name,
                    kind=f"raw:{self.stream.name}",
                    locator=self._locator(number, key, index),
                    errors=validator.errors(record),
                    raw=record,
                    record_id=key,
                )
            )
        return valid, refused

    def _locator(self, number: int, key: str | None, index: int) -> str:
        where = f"id {key}" if key is not None else f"item {index}"
        return f"{self.stream.name}:page {number}:{where}"

    def _map(self, valid: list[Any], number: int, refused: list[RejectedRecord]) -> list[Item]:
        try:
            mapped = list(self.source.map(self.stream, valid, self.ctx))
        except CxcoreError:
            raise  # a configuration problem (e.g. no hash key) fails the stream, not records
        except Exception:
            # Map record by record to find the culprit(s) and keep the others.
            mapped = []
            for index, record in enumerate(valid):
                try:
                    mapped.extend(self.source.map(self.stream, [record], self.ctx))
                except CxcoreError:
                    raise
                except Exception as exc:
                    key = self.stream.key_of(record)
                    refused.append(
                        RejectedRecord(
                            source=self.name,
                            kind=f"raw:{self.stream.name}",
                            locator=self._locator(number, key, index),
                            errors=(
                                FieldError(
                                    pointer="",
                                    message=f"could not be mapped: {type(exc).__name__}: {exc}",
                                ),
                            ),
                            raw=record,
                            record_id=key,
                        )
                    )
        items: list[Item] = []
        prefix = f"{self.stream.name}:page {number}:"
        for record in mapped:
            if "source" not in record:
                record = {**record, "source": self.name}
            items.append((f"{prefix}{record.get('id')}", str(record.get("kind")), record))
        return items

    def _safe(self, state: Mapping[str, Any]) -> Mapping[str, Any]:
        try:
            text = orjson.dumps(dict(state)).decode()
        except TypeError as exc:
            raise SourceError(
                f"stream {self.stream.name}: the page state is not JSON-serialisable ({exc})"
            ) from None
        for secret in self.source.secrets():
            value = secret.reveal()
            if len(value) >= 4 and value in text:
                raise SourceError(
                    f"stream {self.stream.name}: the page state contains a credential; refusing "
                    "to store it (the plugin must keep secrets out of its state)"
                )
        return dict(state)

    def _failed(self, exc: BaseException) -> None:
        secrets = self.source.secrets()
        self.out.status = "failed"
        self.out.error_type = type(exc).__name__ if isinstance(exc, CxcoreError) else "PluginError"
        if isinstance(exc, AuthError):
            self.out.error_type = "AuthError"
        text = str(exc)
        if not isinstance(exc, CxcoreError):
            text = f"plugin error: {type(exc).__name__}: {exc}"
        self.out.error = _one_line(scrub_text(text, secrets))
        # Info, not warning: the summary reports the failure; a warning would print it twice.
        logger.info("sync %s/%s failed: %s", self.name, self.stream.name, self.out.error)
        logger.debug("traceback:\n%s", scrub_text(traceback.format_exc(), secrets))

    def _tick(self) -> None:
        self.out.elapsed = time.perf_counter() - self._started
        now = self.source.http_stats()
        self.out.requests = now.requests - self._http_before.requests
        self.out.retries = now.retries - self._http_before.retries
        self.out.throttled_seconds = now.throttled_seconds - self._http_before.throttled_seconds

    def _finish(self) -> None:
        self._tick()
        self.out.notes.extend(self.ctx.notes())
        logger.info(
            "sync %s/%s %s: %d pages, %d records, %d new, %d updated, %d rejected in %.2fs",
            self.name,
            self.stream.name,
            self.out.status,
            self.out.pages,
            self.out.records,
            self.out.inserted,
            self.out.updated,
            self.out.rejected,
            self.out.elapsed,
        )


class _Direct:
    """Pages read in the calling thread."""

    def __init__(self, pages: Iterator[Any]) -> None:
        self._pages = pages

    def __iter__(self) -> Iterator[Any]:
        return iter(self._pages)

    def close(self) -> None:
        # Close a generator now, so a plugin's cleanup runs before the next stream.
        close = getattr(self._pages, "close", None)
        if callable(close):
            close()


class _Prefetcher:
    """Reads page k+1 in a background thread while page k is validated, mapped and stored.

    Network and server time then overlap with the client's own work. Pages still reach the
    caller one at a time and in order, so states commit exactly as without prefetching; at
    most one unread page is held. Errors raised while reading are re-raised to the caller.
    """

    def __init__(self, pages: Iterator[Any]) -> None:
        self._pages = pages
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="cxcore-prefetch", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for page in self._pages:
                if not self._put(("page", page)):
                    return
            self._put(("done", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            self._put(("error", exc))
        finally:
            # The generator runs in this thread, so only this thread may close it.
            close = getattr(self._pages, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Any]:
        while True:
            kind, value = self._queue.get()
            if kind == "page":
                yield value
            elif kind == "done":
                return
            else:
                raise value

    def close(self) -> None:
        """Stop reading ahead; an in-flight request finishes in the background."""
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            self._queue.get_nowait()  # unblock a producer waiting to hand over a page
        self._thread.join(timeout=0.5)


def _raw_validator(workspace: Workspace, plugin: str, stream: Stream) -> SchemaValidator:
    name = f"{plugin}/{stream.name}"
    schema = dict(stream.schema)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise SourceError(
            f"stream {stream.name}: its raw-record schema is not valid draft 2020-12: "
            f"{exc.message} (a bug in the {plugin} plugin)"
        ) from None
    registry = workspace.schemas
    if name in registry.names() and registry.schema(name) == schema:
        return registry.validator(name)  # the plugin registered it: compiled once per workspace
    # A private registry: stream schemas need no $id and must not clash with registered ones.
    private = SchemaRegistry.builtin()
    schema.setdefault("$id", f"https://cxcore.dev/streams/{plugin}/{stream.name}/1-0-0.json")
    private.add(name, schema, owner=plugin)
    return private.validator(name)
