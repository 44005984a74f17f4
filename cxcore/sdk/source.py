"""The source contract: streams of raw records, how to read them, how they map to cxcore.

A source plugin subclasses :class:`Source` and writes only what is specific to its API:

* ``streams``: the :class:`Stream` objects it offers (name, raw-record JSON Schema, primary
  key, cursor field);
* :meth:`Source.check`: are the credentials accepted and the API reachable?
* :meth:`Source.read`: yield pages of raw records, each with the opaque state that resumes
  right after it (paginators from :mod:`cxcore.sdk.pagination` do the paging);
* :meth:`Source.map_record` (or :meth:`Source.map` for whole pages): turn raw records into
  cxcore customers, interactions and responses with a :class:`~cxcore.sdk.mapping.MappingContext`.

Everything else — validating raw records, the rejected table, saving the state in the same
transaction as the records, retries, progress, summaries, privacy — is the SDK's job
(:mod:`cxcore.sdk.sync`).

Example::

    class AcmeSource(Source):
        streams = (Stream(name="tickets", schema=TICKET_SCHEMA, primary_key="id",
                          cursor_field="updated_at"),)

        def __init__(self, settings, *, clock=None):
            super().__init__(settings, clock=clock)
            self.client = self.http_client(settings["base_url"],
                                           auth=BearerToken(settings["token"]))

        def check(self):
            me = self.client.get("/me").body
            return f"authenticated as {me['name']}"

        def read(self, stream, state):
            pager = NextLink("tickets", next_path="next")
            yield from pager.pages(self.client.fetcher("/tickets"), state=state)

        def map_record(self, stream, record, ctx):
            yield ctx.interaction(id=f"ticket:{record['id']}", type="ticket.created",
                                  occurred_at=record["created_at"],
                                  channel=ctx.channel(record.get("channel")))
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import attrs

from cxcore.errors import ConfigError
from cxcore.model.records import RECORD_KINDS, RecordKind
from cxcore.sdk.auth import Auth
from cxcore.sdk.clock import Clock, SystemClock
from cxcore.sdk.http import HttpClient
from cxcore.sdk.models import HttpStats
from cxcore.sdk.privacy import PII_MODES, PiiMode
from cxcore.sdk.secret import Secret

if TYPE_CHECKING:  # mapping imports this module
    from cxcore.sdk.mapping import MappingContext

__all__ = [
    "COMMON_SETTINGS",
    "PageLike",
    "Source",
    "Stream",
    "StreamPage",
    "secret_setting",
    "settings_schema",
]

_STREAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _primary_key(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _stream_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _STREAM_NAME.match(value):
        raise ValueError(
            f"Stream.name: expected lower_snake_case (letters, digits, '_'), got {value!r}"
        )


def _non_empty_key(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]
) -> None:
    if not value or not all(isinstance(p, str) and p for p in value):
        raise ValueError(f"Stream.primary_key: expected one or more field names, got {value!r}")


def _kinds(value: Iterable[str]) -> tuple[RecordKind, ...]:
    kinds = tuple(value)
    for kind in kinds:
        if kind not in RECORD_KINDS:
            raise ValueError(f"Stream.produces: unknown record kind {kind!r}")
    return kinds  # type: ignore[return-value]  # checked just above


@attrs.frozen(kw_only=True)
class Stream:
    """One kind of raw record a source offers (tickets, users, survey answers...).

    Args:
        name: lower_snake_case, unique within the source; the sync state is kept per stream.
        schema: JSON Schema (draft 2020-12) of one raw record as the API returns it. Require
            only what the mapping cannot do without and allow additional properties, so a new
            vendor field is kept (in ``attributes``) rather than rejecting the record.
        primary_key: the field (or fields) identifying a raw record; dotted paths allowed.
        cursor_field: the field incremental reads advance on (``None`` for full refresh).
        description: one line for ``cxcore sources discover``.
        produces: the cxcore record kinds the stream maps to (documentation and discover).
    """

    name: str = attrs.field(validator=_stream_name)
    schema: Mapping[str, Any] = attrs.field(repr=False)
    primary_key: tuple[str, ...] = attrs.field(converter=_primary_key, validator=_non_empty_key)
    cursor_field: str | None = None
    description: str = ""
    produces: tuple[RecordKind, ...] = attrs.field(default=(), converter=_kinds)

    @property
    def incremental(self) -> bool:
        """Whether the stream reads only what changed since the saved state."""
        return self.cursor_field is not None

    @property
    def declared_fields(self) -> frozenset[str]:
        """Top-level property names the schema declares (anything else is drift)."""
        props = self.schema.get("properties", {})
        return frozenset(props) if isinstance(props, Mapping) else frozenset()

    def key_of(self, record: Any) -> str | None:
        """The primary key of a raw record as text (``"a|b"`` when composite), if present."""
        if not isinstance(record, Mapping):
            return None
        parts = []
        for path in self.primary_key:
            value: Any = record
            for step in path.split("."):
                value = value.get(step) if isinstance(value, Mapping) else None
            if value is None:
                return None
            parts.append(str(value))
        return "|".join(parts)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (what ``cxcore sources discover --format json`` prints)."""
        return {
            "name": self.name,
            "primary_key": list(self.primary_key),
            "cursor_field": self.cursor_field,
            "incremental": self.incremental,
            "produces": list(self.produces),
            "description": self.description,
            "schema": dict(self.schema),
        }


@runtime_checkable
class PageLike(Protocol):
    """What :meth:`Source.read` yields: a paginator's :class:`~cxcore.sdk.pagination.Page`
    or a :class:`StreamPage`."""

    @property
    def records(self) -> Sequence[Any]:
        """The raw records of this page."""
        ...

    @property
    def state(self) -> Mapping[str, Any]:
        """JSON-serialisable state that resumes right after this page."""
        ...


@attrs.frozen(kw_only=True)
class StreamPage:
    """A page of raw records with the state that resumes after it.

    Use it when the state is more than a paginator's own (e.g. a time window plus the page
    position inside it); otherwise yield the paginator's pages directly.
    """

    records: Sequence[Any] = attrs.field(repr=lambda r: f"<{len(r)} records>")
    state: Mapping[str, Any]
    number: int = 0
    is_last: bool = False


def secret_setting(description: str = "") -> dict[str, Any]:
    """Schema of a credential setting: a non-empty string marked ``writeOnly``.

    The SDK treats every ``writeOnly`` setting as a secret: it is wrapped in
    :class:`~cxcore.sdk.secret.Secret` by :meth:`Source.secret`, scrubbed from logs and
    errors, and never echoed in configuration error messages. Write it in cxcore.toml as
    ``{env = "VAR"}``.
    """
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "writeOnly": True}
    if description:
        schema["description"] = description
    return schema


_IDENTIFIER_MAP = {
    "type": "object",
    "additionalProperties": {
        "type": "string",
        "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:\\-]*$",
    },
}

#: Settings every SDK source accepts; :func:`settings_schema` merges them in.
COMMON_SETTINGS: Mapping[str, Any] = {
    "streams": {
        "type": "array",
        "items": {"type": "string"},
        "uniqueItems": True,
        "description": "Sync only these streams (default: all).",
    },
    "pii": {
        "enum": list(PII_MODES),
        "description": "Personal identifiers: hash (keyed, default), clear, or drop.",
    },
    "lookback_seconds": {
        "type": "number",
        "minimum": 0,
        "description": "Re-read this many seconds before the saved cursor (late or lagging data).",
    },
    "mapping": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"channels": _IDENTIFIER_MAP, "stages": _IDENTIFIER_MAP},
        "description": "Channel and stage rules for this source, over [mapping] and the "
        "plugin's defaults.",
    },
}


def settings_schema(
    properties: Mapping[str, Any],
    *,
    required: Sequence[str] = (),
    title: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A source's ``config_schema``: its own properties plus :data:`COMMON_SETTINGS`.

    Unknown settings are refused (a typo such as ``subdmain`` must not be silently ignored).
    ``extra`` adds top-level keywords (``oneOf``, ``dependentRequired``...).
    """
    clash = set(properties) & set(COMMON_SETTINGS)
    if clash:
        raise ValueError(f"settings {sorted(clash)} are reserved by the SDK")
    schema: dict[str, Any] = {
        "$schema": DRAFT_2020_12,
        "type": "object",
        "properties": {**properties, **COMMON_SETTINGS},
        "required": list(required),
        "additionalProperties": False,
    }
    if title:
        schema["title"] = title
    schema.update(extra or {})
    return schema


_SECRET_KEY = re.compile(r"token|secret|password|passwd|api_?key|credential", re.IGNORECASE)


class RedactedSettings(dict[str, Any]):
    """A settings dict whose repr masks credential-looking keys.

    Settings hold resolved secrets; a debugger, a log line or an error that prints them must
    not show the token. The values themselves are unchanged for the plugin's own use.
    """

    def __repr__(self) -> str:
        shown = {
            k: ("********" if _SECRET_KEY.search(k) and v is not None else v)
            for k, v in self.items()
        }
        return repr(shown)

    __str__ = __repr__


class Source(abc.ABC):
    """Base class of SDK sources; see the module docstring for what a subclass writes.

    A source object is built by its plugin's factory from the validated settings (secrets
    resolved from the environment) and used for one command: ``check``, ``discover`` or
    ``sync``. It owns its HTTP clients; :meth:`close` releases them.

    Args:
        settings: the source's settings from cxcore.toml, validated against its schema.
        clock: time for waits and "now" (tests pass a :class:`~cxcore.sdk.clock.FakeClock`).
    """

    #: The streams this source offers, in the order ``sync`` reads them.
    streams: ClassVar[tuple[Stream, ...]] = ()
    #: Source channel value -> journey channel id; ``[mapping.channels]`` overrides these.
    default_channels: ClassVar[Mapping[str, str]] = {}
    #: Source stage value -> journey stage id; ``[mapping.stages]`` overrides these.
    default_stages: ClassVar[Mapping[str, str]] = {}
    #: Read the next page in a background thread while the current one is stored. Set to
    #: ``False`` if :meth:`read` uses objects bound to the calling thread.
    prefetch: ClassVar[bool] = True

    def __init__(self, settings: Mapping[str, Any], *, clock: Clock | None = None) -> None:
        self.settings: Mapping[str, Any] = RedactedSettings(settings)
        self.clock: Clock = clock or SystemClock()
        pii = self.settings.get("pii", "hash")
        if pii not in PII_MODES:
            raise ConfigError(f"pii: expected one of {', '.join(PII_MODES)}, got {pii!r}")
        self.pii: PiiMode = pii
        self.lookback: float = float(self.settings.get("lookback_seconds", 0) or 0)
        self._clients: list[HttpClient] = []
        self._extra_secrets: list[Secret] = []

    # -- what a plugin implements -------------------------------------------------------

    @abc.abstractmethod
    def check(self) -> str | None:
        """Verify credentials and reachability with one cheap request.

        Returns a short success note (``"authenticated as ..."``) or ``None``. Raises
        :class:`~cxcore.errors.AuthError` (credentials), :class:`~cxcore.errors.TransportError`
        (network, vendor down) or :class:`~cxcore.errors.ConfigError` (a setting is wrong),
        with a one-line message that says what to fix.
        """

    @abc.abstractmethod
    def read(self, stream: Stream, state: Mapping[str, Any] | None) -> Iterator[PageLike]:
        """Yield pages of raw records of ``stream``, resuming after ``state``.

        ``state`` is what the last committed page of a previous run carried (``None`` on the
        first run or a full refresh). Each yielded page's ``state`` must resume right after
        that page; the final page's state is where the next incremental run starts.
        """

    def map(
        self, stream: Stream, records: Sequence[Any], ctx: MappingContext
    ) -> Iterable[Mapping[str, Any]]:
        """Turn one page of valid raw records into cxcore records (dicts with a ``kind``).

        The default calls :meth:`map_record` for each record; override this instead when a
        page is better mapped as a whole (e.g. with one lookup for all its records).
        """
        for record in records:
            yield from self.map_record(stream, record, ctx)

    def map_record(
        self, stream: Stream, record: Any, ctx: MappingContext
    ) -> Iterable[Mapping[str, Any]]:
        """Turn one raw record into zero or more cxcore records (use ``ctx`` builders)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement map_record() or map() for stream {stream.name!r}"
        )

    def discover(self) -> Sequence[Stream]:
        """The streams on offer; override to build them from the API (custom objects)."""
        return type(self).streams

    # -- helpers for plugins --------------------------------------------------------------

    def http_client(
        self,
        base_url: str,
        *,
        auth: Auth | None = None,
        **options: Any,
    ) -> HttpClient:
        """An :class:`~cxcore.sdk.http.HttpClient` on this source's clock, closed with it.

        Clients made here contribute their credentials to :meth:`secrets` (for scrubbing) and
        their counters to :meth:`http_stats` (for progress).
        """
        options.setdefault("clock", self.clock)
        client = HttpClient(base_url, auth=auth, **options)
        self._clients.append(client)
        return client

    def secret(self, name: str) -> Secret | None:
        """A credential setting as a :class:`~cxcore.sdk.secret.Secret` (``None`` if unset)."""
        value = self.settings.get(name)
        if value is None:
            return None
        secret = Secret(value) if not isinstance(value, Secret) else value
        self._extra_secrets.append(secret)
        return secret

    def stream(self, name: str) -> Stream:
        """The stream called ``name``; :class:`ConfigError` lists the valid names."""
        for stream in self.discover():
            if stream.name == name:
                return stream
        known = ", ".join(s.name for s in self.discover())
        raise ConfigError(f"unknown stream {name!r}; this source has: {known}")

    def selected_streams(self, names: Sequence[str] | None = None) -> list[Stream]:
        """Streams to sync: ``names`` if given, else the ``streams`` setting, else all."""
        wanted = names if names is not None else self.settings.get("streams")
        if not wanted:
            return list(self.discover())
        return [self.stream(n) for n in wanted]

    def secrets(self) -> tuple[Secret, ...]:
        """Every credential this source holds, so the SDK can scrub logs, errors and state."""
        found: list[Secret] = list(self._extra_secrets)
        for client in self._clients:
            if client.auth is not None:
                found.extend(client.auth.secrets())
        return tuple(found)

    def http_stats(self) -> HttpStats:
        """Requests, retries and throttling summed over this source's clients."""
        total = HttpStats()
        for client in self._clients:
            s = client.stats
            total.requests += s.requests
            total.retries += s.retries
            total.throttled_waits += s.throttled_waits
            total.throttled_seconds += s.throttled_seconds
            total.bytes_received += s.bytes_received
        return total

    def close(self) -> None:
        """Release HTTP sessions."""
        for client in self._clients:
            client.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What a plugin's ``SourceSpec.factory`` may be: a :class:`Source` subclass or a callable.
SourceFactory = Callable[..., Source]
