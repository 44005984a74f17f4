"""A local stand-in for Medallia Experience Cloud's OAuth token endpoint and Query API.

Served endpoints:

* ``POST /oauth/{company}/token`` (and ``POST /oauth/token``) — OAuth 2.0 client
  credentials: ``client_id:client_secret`` as HTTP Basic (Medallia's documented way) or
  as form fields, body ``grant_type=client_credentials``.  Answers ``{access_token,
  token_type: "Bearer", expires_in}``; ``token_ttl`` sets ``expires_in`` (short values
  exercise token refresh).  Wrong credentials: 401 ``{"error": "invalid_client", ...}``.
* ``POST /data/v0/query`` — the GraphQL Query API, ``{"query", "variables",
  "operationName"}`` with ``Authorization: Bearer <token>``.  A missing, unknown or
  expired token gets 401 ``{"error": "invalid_token", ...}``.

GraphQL subset understood (a real tokenizer and recursive-descent parser, so formatting,
comments, aliases, variables, fragments and ``@include``/``@skip`` all work):

* root ``feedback(first, after, filter, orderBy)`` → ``{totalCount, pageInfo{hasNextPage
  hasPreviousPage startCursor endCursor}, nodes{...}, edges{cursor node{...}}}``; a node
  has ``id`` and ``fieldData(fieldId: "...") {values field{id name description dataType
  multivalued filterable} ... on <X>FieldData {options{id name}}}``.  ``first`` defaults
  to 30 (as documented) and may not exceed ``max_page_size`` (1000); ``after`` takes an
  ``endCursor``/edge ``cursor``.
* ``filter``: ``{and: [...]}``, ``{or: [...]}``, ``{not: [...]}`` (true when none of the
  listed filters holds) and ``{fieldIds: "f" | ["f", ...], gt|gte|lt|lte: "v", in: [...],
  isNull: bool}`` (a record matches when any listed field has a value satisfying every
  comparison).  Comparisons follow the field's ``dataType``: ``DATE``/``DATETIME``
  values (``2024-01-02``, ``2024-01-02 03:04:05``, ISO-8601) compare as instants,
  ``INT``/``DOUBLE``/numeric ``ENUM`` values as numbers, the rest as strings.  This is
  what a keyset watermark needs: ``{or: [{fieldIds: "e_responsedate", gt: D}, {and:
  [{fieldIds: "e_responsedate", gte: D}, {fieldIds: "a_surveyid", gt: ID}]}]}``.
* ``orderBy``: ``{fieldId, direction: ASC|DESC}`` or a list of them; ties are broken by
  record id (default order: record id).
* root ``fields(ids, q, first, after)`` → a connection of field metadata.
* ``__typename`` anywhere.  Anything else is a GraphQL validation error.

Errors are GraphQL-shaped (``{"errors": [{"message", "locations", "extensions":
{"classification": "InvalidSyntax" | "ValidationError" | "DataFetchingException"}}]}``,
HTTP 200, ``data`` omitted for request errors and ``null`` fields for field errors).
Rate limit (off by default): ``rate_limit_per_second`` (Medallia documents 10/s)
answers 429 with ``Retry-After`` and ``X-RateLimit-*`` headers.

Records are dicts ``{"id": "...", "<fieldId>": value | [values] | None, ...}``;
``fieldData(fieldId).values`` is the list of the value(s) as strings.  Mutations:
:meth:`MedalliaStandin.add_record`, :meth:`~MedalliaStandin.update_record`,
:meth:`~MedalliaStandin.delete_record`, :meth:`~MedalliaStandin.expire_tokens`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypedDict

from cxcore.testing.standin import (
    Clock,
    Fault,
    FaultPlan,
    RateLimit,
    RateLimitState,
    Request,
    Response,
    Route,
    StandinServer,
    basic_credentials,
    bearer_token,
    decode_cursor,
    encode_cursor,
    json_response,
    parse_iso,
    sample_people,
)

__all__ = [
    "GraphQLError",
    "MedalliaDataset",
    "MedalliaStandin",
    "parse_graphql",
    "sample_dataset",
]

Record = dict[str, Any]

DEFAULT_FIRST = 30
MAX_PAGE_SIZE = 1000
_DATE_TYPES = frozenset({"DATE", "DATETIME", "TIMESTAMP"})
_NUMBER_TYPES = frozenset({"INT", "INTEGER", "LONG", "DOUBLE", "FLOAT", "NUMBER", "DECIMAL"})
_FIELD_DATA_TYPENAMES = {
    "ENUM": "stringEnumFieldData",
    "INT": "intFieldData",
    "DOUBLE": "doubleFieldData",
    "DATE": "dateFieldData",
    "DATETIME": "dateFieldData",
    "COMMENT": "commentFieldData",
    "STRING": "stringFieldData",
}


# ======================================================================================
# GraphQL: tokenizer, parser
# ======================================================================================


class GraphQLError(Exception):
    """A GraphQL error (rendered into the response's ``errors`` list)."""

    def __init__(
        self,
        message: str,
        *,
        classification: str = "ValidationError",
        loc: tuple[int, int] | None = None,
        path: Sequence[str | int] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.classification = classification
        self.loc = loc
        self.path = list(path) if path is not None else None

    def as_dict(self) -> Record:
        out: Record = {"message": self.message}
        if self.loc is not None:
            out["locations"] = [{"line": self.loc[0], "column": self.loc[1]}]
        if self.path is not None:
            out["path"] = self.path
        out["extensions"] = {"classification": self.classification}
        return out


_TOKEN_RE = re.compile(
    r"""
    (?P<skip>[\s,\ufeff]+|\#[^\r\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$&()\:=@\[\]{}|])
  | (?P<block>\"\"\"(?:\\\"\"\"|[\s\S])*?\"\"\")
  | (?P<string>"(?:[^"\\\r\n]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: str
    line: int
    col: int


def _tokenize(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(source):
        m = _TOKEN_RE.match(source, pos)
        if m is None:
            raise GraphQLError(
                f"Invalid Syntax : offending token '{source[pos]}' at line {line} column "
                f"{pos - line_start + 1}",
                classification="InvalidSyntax",
                loc=(line, pos - line_start + 1),
            )
        kind = m.lastgroup or ""
        text = m.group()
        if kind != "skip":
            tokens.append(_Tok(kind, text, line, pos - line_start + 1))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = pos + text.rfind("\n") + 1
        pos = m.end()
    tokens.append(_Tok("eof", "", line, pos - line_start + 1))
    return tokens


@dataclass(frozen=True)
class Var:
    """A ``$variable`` reference in a GraphQL value."""

    name: str


@dataclass(frozen=True)
class EnumValue:
    """An enum literal (e.g. ``ASC``)."""

    value: str


@dataclass
class _Field:
    name: str
    alias: str | None
    args: dict[str, Any]
    directives: list[tuple[str, dict[str, Any]]]
    selections: list[Any] | None
    loc: tuple[int, int]

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class _InlineFragment:
    type_condition: str | None
    directives: list[tuple[str, dict[str, Any]]]
    selections: list[Any]
    loc: tuple[int, int]


@dataclass
class _Spread:
    name: str
    directives: list[tuple[str, dict[str, Any]]]
    loc: tuple[int, int]


@dataclass
class _Operation:
    kind: str
    name: str | None
    variables: dict[str, Any]
    selections: list[Any]
    loc: tuple[int, int]


@dataclass
class Document:
    """A parsed GraphQL document."""

    operations: list[_Operation] = field(default_factory=list)
    fragments: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)


class _Parser:
    def __init__(self, source: str) -> None:
        self.toks = _tokenize(source)
        self.i = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def fail(self, expected: str) -> GraphQLError:
        t = self.tok
        shown = t.value or "<EOF>"
        return GraphQLError(
            f"Invalid Syntax : offending token '{shown}' at line {t.line} column {t.col}"
            f" (expected {expected})",
            classification="InvalidSyntax",
            loc=(t.line, t.col),
        )

    def peek(self, value: str) -> bool:
        return self.tok.kind in ("punct", "spread") and self.tok.value == value

    def take(self, value: str) -> _Tok:
        if not self.peek(value):
            raise self.fail(f"'{value}'")
        t = self.tok
        self.i += 1
        return t

    def name(self) -> str:
        if self.tok.kind != "name":
            raise self.fail("a name")
        value = self.tok.value
        self.i += 1
        return value

    def document(self) -> Document:
        doc = Document()
        while self.tok.kind != "eof":
            t = self.tok
            if self.peek("{"):
                doc.operations.append(
                    _Operation("query", None, {}, self.selection_set(), (t.line, t.col))
                )
            elif t.kind == "name" and t.value in ("query", "mutation", "subscription"):
                self.i += 1
                name = self.name() if self.tok.kind == "name" else None
                variables = self.variable_definitions() if self.peek("(") else {}
                self.directives()
                doc.operations.append(
                    _Operation(t.value, name, variables, self.selection_set(), (t.line, t.col))
                )
            elif t.kind == "name" and t.value == "fragment":
                self.i += 1
                name = self.name()
                if self.name() != "on":
                    raise self.fail("'on'")
                type_condition = self.name()
                self.directives()
                doc.fragments[name] = (type_condition, self.selection_set())
            else:
                raise self.fail("an operation or fragment definition")
        return doc

    def variable_definitions(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.take("(")
        while not self.peek(")"):
            self.take("$")
            name = self.name()
            self.take(":")
            self.type_ref()
            out[name] = None
            if self.peek("="):
                self.take("=")
                out[name] = self.value(const=True)
            self.directives()
        self.take(")")
        return out

    def type_ref(self) -> None:
        if self.peek("["):
            self.take("[")
            self.type_ref()
            self.take("]")
        else:
            self.name()
        if self.peek("!"):
            self.take("!")

    def directives(self) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        while self.peek("@"):
            self.take("@")
            name = self.name()
            out.append((name, self.arguments() if self.peek("(") else {}))
        return out

    def selection_set(self) -> list[Any]:
        self.take("{")
        selections: list[Any] = []
        while not self.peek("}"):
            if self.tok.kind == "eof":
                raise self.fail("'}'")
            selections.append(self.selection())
        self.take("}")
        if not selections:
            raise self.fail("a selection")
        return selections

    def selection(self) -> Any:
        t = self.tok
        if self.peek("..."):
            self.i += 1
            if self.tok.kind == "name" and self.tok.value == "on":
                self.i += 1
                type_condition: str | None = self.name()
            elif self.tok.kind == "name":
                name = self.name()
                return _Spread(name, self.directives(), (t.line, t.col))
            else:
                type_condition = None
            directives = self.directives()
            return _InlineFragment(
                type_condition, directives, self.selection_set(), (t.line, t.col)
            )
        name = self.name()
        alias = None
        if self.peek(":"):
            self.take(":")
            alias, name = name, self.name()
        args = self.arguments() if self.peek("(") else {}
        directives = self.directives()
        selections = self.selection_set() if self.peek("{") else None
        return _Field(name, alias, args, directives, selections, (t.line, t.col))

    def arguments(self) -> dict[str, Any]:
        self.take("(")
        out: dict[str, Any] = {}
        while not self.peek(")"):
            name = self.name()
            self.take(":")
            out[name] = self.value()
        self.take(")")
        return out

    def value(self, *, const: bool = False) -> Any:
        t = self.tok
        if self.peek("$") and not const:
            self.i += 1
            return Var(self.name())
        if self.peek("["):
            self.i += 1
            items = []
            while not self.peek("]"):
                if self.tok.kind == "eof":
                    raise self.fail("']'")
                items.append(self.value(const=const))
            self.take("]")
            return items
        if self.peek("{"):
            self.i += 1
            obj: dict[str, Any] = {}
            while not self.peek("}"):
                key = self.name()
                self.take(":")
                obj[key] = self.value(const=const)
            self.take("}")
            return obj
        self.i += 1
        if t.kind == "number":
            return float(t.value) if any(c in t.value for c in ".eE") else int(t.value)
        if t.kind == "string":
            return json.loads(t.value)
        if t.kind == "block":
            return _block_string(t.value[3:-3])
        if t.kind == "name":
            return {"true": True, "false": False, "null": None}.get(t.value, EnumValue(t.value))
        self.i -= 1
        raise self.fail("a value")


def _block_string(raw: str) -> str:
    lines = raw.replace('\\"""', '"""').splitlines()
    indents = [len(x) - len(x.lstrip()) for x in lines[1:] if x.strip()]
    common = min(indents) if indents else 0
    body = [lines[0], *(x[common:] for x in lines[1:])] if lines else []
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return "\n".join(body)


def parse_graphql(source: str) -> Document:
    """Parse a GraphQL document (raises :class:`GraphQLError` on a syntax error)."""
    return _Parser(source).document()


# ======================================================================================
# Schema of the served subset (type -> field -> (result type | None for scalars, args))
# ======================================================================================

_SCHEMA: dict[str, dict[str, tuple[str | None, frozenset[str]]]] = {
    "Query": {
        "feedback": ("FeedbackConnection", frozenset({"first", "after", "filter", "orderBy"})),
        "fields": ("FieldConnection", frozenset({"ids", "q", "first", "after", "dataTypes"})),
    },
    "FeedbackConnection": {
        "totalCount": (None, frozenset()),
        "pageInfo": ("PageInfo", frozenset()),
        "nodes": ("Feedback", frozenset()),
        "edges": ("FeedbackEdge", frozenset()),
    },
    "FeedbackEdge": {"cursor": (None, frozenset()), "node": ("Feedback", frozenset())},
    "FieldConnection": {
        "totalCount": (None, frozenset()),
        "pageInfo": ("PageInfo", frozenset()),
        "nodes": ("Field", frozenset()),
        "edges": ("FieldEdge", frozenset()),
    },
    "FieldEdge": {"cursor": (None, frozenset()), "node": ("Field", frozenset())},
    "PageInfo": {
        "hasNextPage": (None, frozenset()),
        "hasPreviousPage": (None, frozenset()),
        "startCursor": (None, frozenset()),
        "endCursor": (None, frozenset()),
    },
    "Feedback": {
        "id": (None, frozenset()),
        "fieldData": ("FieldData", frozenset({"fieldId"})),
    },
    "FieldData": {
        "values": (None, frozenset()),
        "field": ("Field", frozenset()),
        "options": ("Option", frozenset()),
    },
    "Field": {
        "id": (None, frozenset()),
        "name": (None, frozenset()),
        "description": (None, frozenset()),
        "dataType": (None, frozenset()),
        "multivalued": (None, frozenset()),
        "filterable": (None, frozenset()),
    },
    "Option": {"id": (None, frozenset()), "name": (None, frozenset())},
}


# ======================================================================================
# Typed comparisons
# ======================================================================================

_DATE_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_NUM_RE = re.compile(r"^-?\d+(?:\.\d+)?$")


@functools.lru_cache(maxsize=1 << 17)
def _as_date(text: str) -> float:
    value = text.strip()
    if _NUM_RE.match(value):
        return float(value)
    if len(value) == 10:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    return parse_iso(value.replace(" ", "T", 1))


@functools.lru_cache(maxsize=1 << 17)
def _sortable(data_type: str, text: str) -> tuple[int, Any]:
    """A comparable key: (kind, value); kinds keep numbers, dates and strings apart."""
    if data_type in _DATE_TYPES or (not data_type and _DATE_RE.match(text)):
        try:
            return (1, _as_date(text))
        except ValueError:
            return (2, text)
    if _NUM_RE.match(text) and (data_type in _NUMBER_TYPES or data_type in ("ENUM", "")):
        return (0, float(text))
    return (2, text)


# ======================================================================================
# The stand-in
# ======================================================================================


@dataclass
class _Connection:
    total: int
    items: list[Any]
    start: int
    has_next: bool


class MedalliaStandin(StandinServer):
    """In-process Medallia OAuth + Query API stand-in (see the module docstring).

    Args:
        records: feedback records ``{"id", <fieldId>: value(s), ...}`` (e.g. from
            :func:`sample_dataset`).
        client_id, client_secret: the accepted OAuth client credentials.
        fields: field metadata, a mapping or list of ``{"id", "name", "dataType",
            "multivalued", "filterable", "options"}``; inferred from the records when
            omitted.  With ``strict_fields=True`` (default when ``fields`` is given) an
            unknown ``fieldId`` is a GraphQL error.
        company: the ``{company}`` of ``/oauth/{company}/token`` (any is accepted).
        token_ttl: ``expires_in`` seconds of issued tokens.
        max_page_size: the largest ``first`` accepted.
        rate_limit_per_second: enforce a request rate on ``/data/v0/query`` (``None``: off).
        faults, clock, host, port: see :class:`~cxcore.testing.standin.StandinServer`.
    """

    vendor = "medallia"

    def __init__(
        self,
        records: Iterable[Mapping[str, Any]] = (),
        client_id: str = "standin-client",
        client_secret: str = "standin-secret",
        *,
        fields: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None = None,
        strict_fields: bool | None = None,
        company: str = "company",
        token_ttl: int = 3600,
        max_page_size: int = MAX_PAGE_SIZE,
        rate_limit_per_second: int | None = None,
        faults: FaultPlan | Iterable[Fault] | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        limits = []
        if rate_limit_per_second is not None:
            limits.append(
                RateLimit(rate_limit_per_second, 1.0, name="query", path=r"^/data/v0/query$")
            )
        super().__init__(faults=faults, rate_limits=limits, clock=clock, host=host, port=port)
        self.client_id = client_id
        self.client_secret = client_secret
        self.company = company
        self.token_ttl = token_ttl
        self.max_page_size = max_page_size
        self._records: dict[str, Record] = {}
        for record in records:
            self._records[str(record["id"])] = dict(record)
        self._order_cache: tuple[int, list[str]] | None = None
        self._version = 0
        self._tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.strict_fields = fields is not None if strict_fields is None else strict_fields
        if fields is None:
            self._fields = _infer_fields(self._records.values())
        elif isinstance(fields, Mapping):
            self._fields = {str(k): _field_meta(str(k), v) for k, v in fields.items()}
        else:
            self._fields = {str(f["id"]): _field_meta(str(f["id"]), f) for f in fields}

    # ---- dataset and tokens ----------------------------------------------------------

    @property
    def records(self) -> list[Record]:
        """Copies of the records, in id order."""
        with self.lock:
            return [dict(self._records[k]) for k in self._ids()]

    def add_record(self, record: Mapping[str, Any]) -> None:
        """Add or replace a record (new field ids join the inferred catalogue)."""
        with self.lock:
            self._records[str(record["id"])] = dict(record)
            self._version += 1
            for fid, meta in _infer_fields([record]).items():
                self._fields.setdefault(fid, meta)

    def update_record(self, record_id: str, **values: Any) -> Record:
        """Change field values of one record."""
        with self.lock:
            record = {**self._records[str(record_id)], **values}
            self._records[str(record_id)] = record
            self._version += 1
            return dict(record)

    def delete_record(self, record_id: str) -> None:
        with self.lock:
            self._records.pop(str(record_id), None)
            self._version += 1

    def expire_tokens(self) -> None:
        """Make every issued access token invalid (as if ``expires_in`` had passed)."""
        with self.lock:
            self._tokens.clear()

    def _ids(self) -> list[str]:
        if self._order_cache is None or self._order_cache[0] != self._version:
            self._order_cache = (self._version, sorted(self._records, key=_id_key))
        return self._order_cache[1]

    # ---- routing, auth, errors ---------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        return (
            Route("POST", r"/oauth/token", self._token),
            Route("POST", r"/oauth/(?P<company>[^/]+)/token", self._token),
            Route("POST", r"/data/v0/query", self._query),
        )

    def authenticate(self, request: Request) -> Response | None:
        if request.path.startswith("/oauth/"):
            return None  # the token endpoint checks client credentials itself
        token = bearer_token(request.header("authorization"))
        if token is None:
            return self._oauth_error(
                401, "unauthorized", "Full authentication is required to access this resource"
            )
        with self.lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            return self._oauth_error(401, "invalid_token", "Invalid access token")
        if self.clock() >= expiry:
            return self._oauth_error(401, "invalid_token", "Access token expired")
        return None

    @staticmethod
    def _oauth_error(status: int, error: str, description: str) -> Response:
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = (
                f'Bearer error="{error}", error_description="{description}"'
            )
        return json_response({"error": error, "error_description": description}, status, headers)

    def error_response(
        self, request: Request, status: int, *, retry_after: float | None = None
    ) -> Response:
        if status == 401:
            response = self._oauth_error(401, "invalid_token", "Invalid access token")
        elif status == 403:
            response = json_response(
                {"error": "access_denied", "error_description": "Access is denied"}, 403
            )
        else:
            reason = {
                404: "Not Found",
                405: "Method Not Allowed",
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
            }.get(status, "Error")
            response = json_response({"message": reason}, status)
        if retry_after:
            response.headers["Retry-After"] = str(math.ceil(retry_after))
        return response

    def rate_limited_response(
        self, request: Request, limit: RateLimit | None, retry_after: float | None
    ) -> Response:
        response = json_response({"message": "API rate limit exceeded"}, 429)
        if limit is not None:
            response.headers["X-RateLimit-Limit"] = str(limit.limit)
            response.headers["X-RateLimit-Remaining"] = "0"
        if retry_after is not None:
            response.headers["Retry-After"] = str(math.ceil(retry_after))
        return response

    def decorate(
        self, request: Request, response: Response, states: Sequence[RateLimitState]
    ) -> None:
        for state in states:
            response.headers["X-RateLimit-Limit"] = str(state.limit.limit)
            response.headers["X-RateLimit-Remaining"] = str(state.remaining)

    # ---- OAuth ------------------------------------------------------------------------

    def _token(self, request: Request, company: str | None = None) -> Response:
        form = request.form() if request.body else {}
        creds = basic_credentials(request.header("authorization"))
        if creds is None and "client_id" in form:
            creds = (form.get("client_id", ""), form.get("client_secret", ""))
        if creds != (self.client_id, self.client_secret):
            return self._oauth_error(401, "invalid_client", "Bad client credentials")
        grant = form.get("grant_type")
        if not grant:
            return self._oauth_error(400, "invalid_request", "Missing grant type")
        if grant != "client_credentials":
            return self._oauth_error(
                400, "unsupported_grant_type", f"Unsupported grant type: {grant}"
            )
        with self.lock:
            self.tokens_issued += 1
            seed = f"{self.client_id}:{self.tokens_issued}"
            token = hashlib.sha256(seed.encode()).hexdigest()[:40]
            self._tokens[token] = self.clock() + self.token_ttl
        return json_response(
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}
        )

    # ---- GraphQL ---------------------------------------------------------------------------

    def _query(self, request: Request) -> Response:
        try:
            payload = request.json()
        except (ValueError, UnicodeDecodeError):
            return json_response(
                {
                    "errors": [
                        {
                            "message": "Request body is not valid JSON",
                            "extensions": {"classification": "InvalidSyntax"},
                        }
                    ]
                },
                400,
            )
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return json_response(
                {
                    "errors": [
                        {
                            "message": "Missing 'query' in request body",
                            "extensions": {"classification": "InvalidSyntax"},
                        }
                    ]
                },
                400,
            )
        variables = payload.get("variables") or {}
        if not isinstance(variables, dict):
            variables = {}
        try:
            document = parse_graphql(payload["query"])
            operation = _pick_operation(document, payload.get("operationName"))
            variables = {**operation.variables, **variables}
            selections = self._validate(document, operation.selections, "Query", variables)
        except GraphQLError as exc:
            return json_response({"errors": [exc.as_dict()]})
        errors: list[GraphQLError] = []
        data = self._execute_root(document, selections, variables, errors)
        body: Record = {"data": data}
        if errors:
            body["errors"] = [e.as_dict() for e in errors]
        return json_response(body)

    def _validate(
        self,
        document: Document,
        selections: list[Any],
        type_name: str,
        variables: Mapping[str, Any],
        seen: frozenset[str] = frozenset(),
    ) -> list[Any]:
        for sel in _flatten(document, selections, variables, seen=seen, check=True):
            self._validate_field(document, sel, type_name, variables, seen)
        return selections

    def _validate_field(
        self,
        document: Document,
        f: _Field,
        type_name: str,
        variables: Mapping[str, Any],
        seen: frozenset[str],
    ) -> None:
        if f.name == "__typename":
            if f.selections:
                raise GraphQLError("Field '__typename' must not have a selection", loc=f.loc)
            return
        spec = _SCHEMA[type_name].get(f.name)
        if spec is None:
            raise GraphQLError(
                f"Validation error (FieldUndefined@[{f.key}]) : Field '{f.name}' in type "
                f"'{type_name}' is undefined",
                loc=f.loc,
            )
        result_type, allowed = spec
        for arg in f.args:
            if arg not in allowed:
                raise GraphQLError(
                    f"Validation error (UnknownArgument@[{f.key}]) : "
                    f"Unknown field argument '{arg}'",
                    loc=f.loc,
                )
        _check_vars(f.args, variables, f.loc)
        if f.name == "fieldData" and "fieldId" not in f.args:
            raise GraphQLError(
                "Validation error (MissingFieldArgument@[fieldData]) : "
                "Missing field argument 'fieldId'",
                loc=f.loc,
            )
        if result_type is None:
            if f.selections:
                raise GraphQLError(
                    f"Validation error (SubselectionNotAllowed@[{f.key}]) : Sub selection not "
                    f"allowed on leaf field '{f.name}'",
                    loc=f.loc,
                )
            return
        if not f.selections:
            raise GraphQLError(
                f"Validation error (SubselectionRequired@[{f.key}]) : Sub selection required for "
                f"type '{result_type}' of field '{f.name}'",
                loc=f.loc,
            )
        self._validate(document, f.selections, result_type, variables, seen)

    # ---- execution ---------------------------------------------------------------------------

    def _execute_root(
        self,
        document: Document,
        selections: list[Any],
        variables: Mapping[str, Any],
        errors: list[GraphQLError],
    ) -> Record:
        data: Record = {}
        for f in _fields_for(document, selections, variables, "Query"):
            if f.name == "__typename":
                data[f.key] = "Query"
                continue
            try:
                args = _resolve_args(f.args, variables)
                with self.lock:
                    if f.name == "feedback":
                        conn = self._feedback(args, [f.key])
                        data[f.key] = self._connection(document, f, conn, variables, "Feedback")
                    else:
                        conn = self._fields_connection(args, [f.key])
                        data[f.key] = self._connection(document, f, conn, variables, "Field")
            except GraphQLError as exc:
                if exc.path is None:
                    exc.path = [f.key]
                if exc.loc is None:
                    exc.loc = f.loc
                errors.append(exc)
                data[f.key] = None
        return data

    def _page_args(self, args: Mapping[str, Any], path: list[Any]) -> tuple[int, int]:
        first = args.get("first", DEFAULT_FIRST)
        if first is None:
            first = DEFAULT_FIRST
        if not isinstance(first, int) or isinstance(first, bool) or first < 0:
            raise GraphQLError("Argument 'first' must be a non-negative integer", path=path)
        if first > self.max_page_size:
            raise GraphQLError(
                f"Argument 'first' must not exceed {self.max_page_size}",
                classification="DataFetchingException",
                path=path,
            )
        start = 0
        after = args.get("after")
        if after:
            try:
                position = decode_cursor(str(after))
                if not isinstance(position, int) or position < 0:
                    raise ValueError(after)
            except ValueError:
                raise GraphQLError(
                    f"Invalid cursor: {after}", classification="DataFetchingException", path=path
                ) from None
            start = position + 1
        return first, start

    def _feedback(self, args: Mapping[str, Any], path: list[Any]) -> _Connection:
        first, start = self._page_args(args, path)
        flt = args.get("filter")
        if flt is not None and not isinstance(flt, dict):
            raise GraphQLError("Argument 'filter' must be an input object", path=path)
        order = args.get("orderBy")
        orders = [] if order is None else order if isinstance(order, list) else [order]
        ids = self._ids()
        records = [self._records[i] for i in ids]
        if flt:
            predicate = self._compile_filter(flt, path)
            records = [r for r in records if predicate(r)]
        for spec in reversed(orders):
            if not isinstance(spec, dict) or "fieldId" not in spec:
                raise GraphQLError("orderBy entries need a fieldId", path=path)
            fid = str(spec["fieldId"])
            self._require_field(fid, path)
            direction = spec.get("direction", EnumValue("ASC"))
            descending = str(getattr(direction, "value", direction)).upper() == "DESC"
            records.sort(key=self._order_key(fid, descending), reverse=descending)
        page = records[start : start + first]
        return _Connection(len(records), page, start, start + first < len(records))

    def _fields_connection(self, args: Mapping[str, Any], path: list[Any]) -> _Connection:
        first, start = self._page_args(args, path)
        metas = [self._fields[k] for k in sorted(self._fields)]
        ids = args.get("ids")
        if ids is not None:
            wanted = set(ids if isinstance(ids, list) else [ids])
            metas = [m for m in metas if m["id"] in wanted]
        q = str(args.get("q") or "").lower()
        if q:
            metas = [m for m in metas if q in m["id"].lower() or q in str(m["name"]).lower()]
        types = args.get("dataTypes")
        if types is not None:
            wanted_types = {
                str(getattr(t, "value", t)) for t in (types if isinstance(types, list) else [types])
            }
            metas = [m for m in metas if m["dataType"] in wanted_types]
        return _Connection(
            len(metas), metas[start : start + first], start, start + first < len(metas)
        )

    def _require_field(self, fid: str, path: list[Any]) -> None:
        if self.strict_fields and fid not in self._fields:
            raise GraphQLError(
                f"Field '{fid}' does not exist", classification="DataFetchingException", path=path
            )

    def _data_type(self, fid: str) -> str:
        meta = self._fields.get(fid)
        return str(meta["dataType"]) if meta else ""

    def _order_key(self, fid: str, descending: bool) -> Callable[[Record], tuple[int, Any]]:
        data_type = self._data_type(fid)

        def key(record: Record) -> tuple[int, Any]:
            values = _values(record.get(fid))
            if not values:
                return (0, (0, 0)) if descending else (1, (0, 0))
            return (
                (1, _sortable(data_type, values[0]))
                if descending
                else (0, _sortable(data_type, values[0]))
            )

        return key

    def _compile_filter(self, flt: Mapping[str, Any], path: list[Any]) -> Callable[[Record], bool]:
        parts: list[Callable[[Record], bool]] = []
        comparisons: dict[str, Any] = {}
        field_ids: list[str] | None = None
        for key, value in flt.items():
            if key in ("and", "or", "not"):
                items = value if isinstance(value, list) else [value]
                subs = []
                for item in items:
                    if not isinstance(item, dict):
                        raise GraphQLError(f"'{key}' expects filter objects", path=path)
                    subs.append(self._compile_filter(item, path))
                parts.append(_combine(key, subs))
            elif key == "fieldIds":
                field_ids = [str(v) for v in (value if isinstance(value, list) else [value])]
            elif key in ("gt", "gte", "lt", "lte", "in", "isNull"):
                comparisons[key] = value
            else:
                raise GraphQLError(
                    f"Validation error (WrongType) : unknown filter field '{key}'", path=path
                )
        if comparisons and field_ids is None:
            raise GraphQLError("A comparison filter needs fieldIds", path=path)
        if field_ids:
            for fid in field_ids:
                self._require_field(fid, path)
            parts.append(self._compile_comparison(field_ids, comparisons, path))
        return lambda r: all(p(r) for p in parts)

    def _compile_comparison(
        self, field_ids: list[str], comparisons: Mapping[str, Any], path: list[Any]
    ) -> Callable[[Record], bool]:
        if not comparisons:
            return lambda r: True
        is_null = comparisons.get("isNull")
        plan: list[tuple[str, str, list[tuple[str, Any]]]] = []
        for fid in field_ids:
            data_type = self._data_type(fid)
            ops: list[tuple[str, Any]] = []
            for op, raw in comparisons.items():
                if op == "isNull":
                    continue
                if op == "in":
                    items = raw if isinstance(raw, list) else [raw]
                    ops.append((op, {_sortable(data_type, str(x)) for x in items}))
                else:
                    target = raw[0] if isinstance(raw, list) and raw else raw
                    if target is None:
                        raise GraphQLError(f"'{op}' needs a value", path=path)
                    ops.append((op, _sortable(data_type, str(target))))
            plan.append((fid, data_type, ops))

        def test(record: Record) -> bool:
            for fid, data_type, ops in plan:
                values = _values(record.get(fid))
                if is_null is not None and (not values) != bool(is_null):
                    continue
                if not ops:
                    return True
                for value in values:
                    key = _sortable(data_type, value)
                    if all(_compare(key, op, target) for op, target in ops):
                        return True
            return False

        return test

    def _connection(
        self,
        document: Document,
        f: _Field,
        conn: _Connection,
        variables: Mapping[str, Any],
        node_type: str,
    ) -> Record:
        out: Record = {}
        assert f.selections is not None
        conn_type = f"{node_type}Connection"
        for sel in _fields_for(document, f.selections, variables, conn_type):
            if sel.name == "__typename":
                out[sel.key] = conn_type
            elif sel.name == "totalCount":
                out[sel.key] = conn.total
            elif sel.name == "pageInfo":
                last = conn.start + len(conn.items) - 1
                info = {
                    "hasNextPage": conn.has_next,
                    "hasPreviousPage": conn.start > 0,
                    "startCursor": encode_cursor(conn.start) if conn.items else None,
                    "endCursor": encode_cursor(last) if conn.items else None,
                    "__typename": "PageInfo",
                }
                out[sel.key] = self._scalars(document, sel, info, variables, "PageInfo")
            elif sel.name == "nodes":
                render = self._node_renderer(document, sel, variables, node_type)
                out[sel.key] = [render(item) for item in conn.items]
            elif sel.name == "edges":
                assert sel.selections is not None
                parts = _fields_for(document, sel.selections, variables, f"{node_type}Edge")
                renderers = {
                    e.key: self._node_renderer(document, e, variables, node_type)
                    for e in parts
                    if e.name == "node"
                }
                edges = []
                for offset, item in enumerate(conn.items):
                    edge: Record = {}
                    for e in parts:
                        if e.name == "cursor":
                            edge[e.key] = encode_cursor(conn.start + offset)
                        elif e.name == "node":
                            edge[e.key] = renderers[e.key](item)
                        else:
                            edge[e.key] = f"{node_type}Edge"
                    edges.append(edge)
                out[sel.key] = edges
        return out

    def _scalars(
        self,
        document: Document,
        f: _Field,
        source: Mapping[str, Any],
        variables: Mapping[str, Any],
        type_name: str,
    ) -> Record:
        assert f.selections is not None
        return {
            s.key: source.get(s.name, type_name if s.name == "__typename" else None)
            for s in _fields_for(document, f.selections, variables, type_name)
        }

    def _node_renderer(
        self, document: Document, f: _Field, variables: Mapping[str, Any], node_type: str
    ) -> Callable[[Any], Record]:
        """Compile a node selection once; the returned function renders one node."""
        assert f.selections is not None
        if node_type == "Field":
            sub = f

            def render_field(item: Any) -> Record:
                return self._scalars(
                    document, sub, {**item, "__typename": "Field"}, variables, "Field"
                )

            return render_field
        steps: list[tuple[str, str, str, Record]] = []  # (key, kind, field id, template)
        for sel in _fields_for(document, f.selections, variables, "Feedback"):
            if sel.name == "id":
                steps.append((sel.key, "id", "", {}))
            elif sel.name == "__typename":
                steps.append((sel.key, "typename", "", {}))
            elif sel.name == "fieldData":
                fid = str(_resolve_args(sel.args, variables)["fieldId"])
                self._require_field(fid, [f.key, sel.key])
                template, values_keys = self._field_data_template(document, sel, fid, variables)
                for values_key in values_keys or [""]:
                    steps.append(
                        (sel.key, "data", fid, {"template": template, "values": values_key})
                    )

        def render(record: Any) -> Record:
            out: Record = {}
            for key, kind, fid, extra in steps:
                if kind == "id":
                    out[key] = str(record["id"])
                elif kind == "typename":
                    out[key] = "Feedback"
                else:
                    data = out.get(key)
                    if data is None:
                        data = out[key] = dict(extra["template"])
                    if extra["values"]:
                        data[extra["values"]] = _values(record.get(fid))
            return out

        return render

    def _field_data_template(
        self, document: Document, f: _Field, fid: str, variables: Mapping[str, Any]
    ) -> tuple[Record, list[str]]:
        """The record-independent part of a ``fieldData`` selection, and its ``values`` keys."""
        meta = self._fields.get(fid) or _field_meta(fid, {})
        typename = _FIELD_DATA_TYPENAMES.get(str(meta["dataType"]), "stringFieldData")
        template: Record = {}
        values_keys: list[str] = []
        assert f.selections is not None
        for sel in _fields_for(document, f.selections, variables, typename):
            if sel.name == "values":
                template[sel.key] = None
                values_keys.append(sel.key)
            elif sel.name == "__typename":
                template[sel.key] = typename
            elif sel.name == "field":
                template[sel.key] = self._scalars(
                    document, sel, {**meta, "__typename": "Field"}, variables, "Field"
                )
            elif sel.name == "options":
                options = [{**o, "__typename": "Option"} for o in meta.get("options") or []]
                template[sel.key] = [
                    self._scalars(document, sel, o, variables, "Option") for o in options
                ]
        return template, values_keys


# ---- GraphQL helpers ----------------------------------------------------------------------------


def _pick_operation(document: Document, name: Any) -> _Operation:
    ops = document.operations
    if not ops:
        raise GraphQLError("No operation in the query document", classification="InvalidSyntax")
    if name:
        for op in ops:
            if op.name == name:
                chosen = op
                break
        else:
            raise GraphQLError(f"Unknown operation named '{name}'")
    elif len(ops) > 1:
        raise GraphQLError("Must provide operation name if query contains multiple operations")
    else:
        chosen = ops[0]
    if chosen.kind != "query":
        raise GraphQLError(f"Only queries are supported, not {chosen.kind}", loc=chosen.loc)
    return chosen


def _resolve(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, Var):
        return variables.get(value.name)
    if isinstance(value, list):
        return [_resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, variables) for k, v in value.items()}
    return value


def _resolve_args(args: Mapping[str, Any], variables: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _resolve(v, variables) for k, v in args.items()}


def _check_vars(value: Any, variables: Mapping[str, Any], loc: tuple[int, int]) -> None:
    if isinstance(value, Var):
        if value.name not in variables:
            raise GraphQLError(
                f"Validation error (UndefinedVariable) : Undefined variable '{value.name}'", loc=loc
            )
    elif isinstance(value, list):
        for v in value:
            _check_vars(v, variables, loc)
    elif isinstance(value, dict):
        for v in value.values():
            _check_vars(v, variables, loc)


def _included(directives: list[tuple[str, dict[str, Any]]], variables: Mapping[str, Any]) -> bool:
    for name, args in directives:
        condition = bool(_resolve(args.get("if"), variables))
        if (name == "include" and not condition) or (name == "skip" and condition):
            return False
    return True


def _flatten(
    document: Document,
    selections: list[Any],
    variables: Mapping[str, Any],
    *,
    seen: frozenset[str] = frozenset(),
    check: bool = False,
    type_name: str | None = None,
) -> list[Any]:
    """Fields of a selection set with fragments expanded (type conditions applied)."""
    out: list[Any] = []
    for sel in selections:
        if isinstance(sel, _Field):
            if _included(sel.directives, variables):
                out.append(sel)
            continue
        if not _included(sel.directives, variables):
            continue
        if isinstance(sel, _Spread):
            if sel.name not in document.fragments:
                raise GraphQLError(f"Undefined fragment '{sel.name}'", loc=sel.loc)
            if sel.name in seen:
                raise GraphQLError(f"Fragment '{sel.name}' spreads itself", loc=sel.loc)
            condition, inner = document.fragments[sel.name]
            nested_seen = seen | {sel.name}
        else:
            condition, inner, nested_seen = sel.type_condition, sel.selections, seen
        if not check and not _type_matches(condition, type_name):
            continue
        out.extend(
            _flatten(document, inner, variables, seen=nested_seen, check=check, type_name=type_name)
        )
    return out


def _type_matches(condition: str | None, type_name: str | None) -> bool:
    if condition is None or type_name is None:
        return True
    if condition.lower() == type_name.lower():
        return True
    return condition == "FieldData" and type_name.endswith("FieldData")


def _fields_for(
    document: Document, selections: list[Any], variables: Mapping[str, Any], type_name: str
) -> list[_Field]:
    return [
        f
        for f in _flatten(document, selections, variables, type_name=type_name)
        if isinstance(f, _Field)
    ]


def _combine(key: str, subs: list[Callable[[Record], bool]]) -> Callable[[Record], bool]:
    if key == "and":
        return lambda r: all(p(r) for p in subs)
    if key == "or":
        return lambda r: any(p(r) for p in subs)
    return lambda r: not any(p(r) for p in subs)


def _values(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def _compare(key: tuple[int, Any], op: str, target: Any) -> bool:
    if op == "in":
        return key in target
    if key[0] != target[0]:  # different kinds (e.g. number vs text): compare as text
        key, target = (2, str(key[1])), (2, str(target[1]))
    if op == "gt":
        return bool(key > target)
    if op == "gte":
        return bool(key >= target)
    if op == "lt":
        return bool(key < target)
    return bool(key <= target)


def _id_key(rid: str) -> tuple[int, Any]:
    return (0, int(rid)) if rid.isdigit() else (1, rid)


def _field_meta(fid: str, meta: Mapping[str, Any]) -> Record:
    return {
        "id": fid,
        "name": meta.get("name", fid),
        "description": meta.get("description", ""),
        "dataType": str(meta.get("dataType", "STRING")).upper(),
        "multivalued": bool(meta.get("multivalued", False)),
        "filterable": bool(meta.get("filterable", True)),
        "options": list(meta.get("options") or []),
    }


def _infer_fields(records: Iterable[Mapping[str, Any]]) -> dict[str, Record]:
    seen: dict[str, list[str]] = {}
    for record in records:
        for fid, raw in record.items():
            if fid == "id":
                continue
            seen.setdefault(fid, []).extend(_values(raw)[:1])
    out: dict[str, Record] = {}
    for fid, samples in seen.items():
        if samples and all(_NUM_RE.match(s) for s in samples):
            data_type = "INT"
        elif samples and all(_DATE_RE.match(s) for s in samples):
            data_type = "DATE"
        else:
            data_type = "STRING"
        out[fid] = _field_meta(fid, {"dataType": data_type})
    return out


# ======================================================================================
# Sample data
# ======================================================================================


class MedalliaDataset(TypedDict):
    """What :func:`sample_dataset` returns; ``MedalliaStandin(**dataset)`` accepts it."""

    records: list[Record]
    fields: list[Record]


SURVEY_ID_BASE = 10_000_000

_NPS_COMMENTS = {
    "promoter": ("Great experience, will recommend!", "Fast delivery and friendly staff.", None),
    "passive": ("Good, but room to improve.", "Average support experience.", None),
    "detractor": ("Very slow response from support.", "Product broke after a week.", None),
}


def sample_fields() -> list[Record]:
    """Field metadata of the sample data (Medallia-style ``a_``/``e_``/``q_``/``k_`` ids)."""

    def options(pairs: Iterable[tuple[str, str]]) -> list[Record]:
        return [{"id": k, "name": v} for k, v in pairs]

    return [
        _field_meta("a_surveyid", {"name": "Survey ID", "dataType": "INT"}),
        _field_meta("a_customerid", {"name": "Customer ID", "dataType": "STRING"}),
        _field_meta("e_email", {"name": "Email", "dataType": "STRING"}),
        _field_meta("e_creationdate", {"name": "Creation Date", "dataType": "DATE"}),
        _field_meta("e_responsedate", {"name": "Response Date", "dataType": "DATE"}),
        _field_meta("e_initialfinishdate", {"name": "Initial Finish Date", "dataType": "DATE"}),
        _field_meta(
            "k_initialfinishdate_epoch_int",
            {"name": "Initial Finish Date (epoch)", "dataType": "INT"},
        ),
        _field_meta(
            "e_status",
            {
                "name": "Status",
                "dataType": "ENUM",
                "options": options([("0", "Invited"), ("1", "Completed")]),
            },
        ),
        _field_meta(
            "e_channel",
            {
                "name": "Channel",
                "dataType": "ENUM",
                "options": options(
                    [("email", "Email"), ("sms", "SMS"), ("web", "Web"), ("app", "App")]
                ),
            },
        ),
        _field_meta(
            "e_touchpoint",
            {
                "name": "Touchpoint",
                "dataType": "ENUM",
                "options": options(
                    [
                        ("support", "Support"),
                        ("purchase", "Purchase"),
                        ("onboarding", "Onboarding"),
                        ("renewal", "Renewal"),
                    ]
                ),
            },
        ),
        _field_meta(
            "q_global_nps_0to10",
            {
                "name": "Likelihood to Recommend",
                "dataType": "ENUM",
                "options": options((str(i), str(i)) for i in range(11)),
            },
        ),
        _field_meta("q_global_nps_comment_txt", {"name": "LTR Comment", "dataType": "COMMENT"}),
        _field_meta(
            "comment_length_q_global_nps_comment_txt",
            {"name": "LTR Comment Length", "dataType": "INT"},
        ),
        _field_meta(
            "q_osat_1to5",
            {
                "name": "Overall Satisfaction",
                "dataType": "ENUM",
                "options": options((str(i), str(i)) for i in range(1, 6)),
            },
        ),
    ]


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def sample_dataset(
    n: int,
    seed: int = 0,
    *,
    start: float = 1_704_067_200.0,  # 2024-01-01T00:00:00Z
    span_days: float = 365.0,
) -> MedalliaDataset:
    """Deterministic Medallia survey responses for ``n`` customers.

    Each customer of :func:`cxcore.testing.standin.sample_people` (``a_customerid`` =
    their ``external_id``, ``e_email`` = their e-mail) answered 0–3 surveys: NPS
    (``q_global_nps_0to10``, optional comment), overall satisfaction (``q_osat_1to5``),
    channel, touchpoint and the usual date fields, response dates within ``span_days``.
    """
    rng = random.Random(f"medallia:{seed}")
    people = sample_people(n, seed)
    span = span_days * 86_400.0
    records: list[Record] = []
    nps_weights = (2, 1, 1, 2, 2, 4, 6, 10, 16, 22, 20)
    for person in people:
        for _ in range(rng.choices((0, 1, 2, 3), (35, 40, 18, 7))[0]):
            sid = SURVEY_ID_BASE + len(records) + 1
            created = start + rng.uniform(0, span)
            responded = created + rng.uniform(300, 86_400 * 3)
            nps = rng.choices(range(11), nps_weights)[0]
            group = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
            comment = rng.choice(_NPS_COMMENTS[group])
            osat = max(1, min(5, round(nps / 2) + rng.choice((-1, 0, 0, 1))))
            records.append(
                {
                    "id": str(sid),
                    "a_surveyid": str(sid),
                    "a_customerid": person.external_id,
                    "e_email": person.email,
                    "e_creationdate": _stamp(created),
                    "e_responsedate": _stamp(responded),
                    "e_initialfinishdate": _stamp(responded),
                    "k_initialfinishdate_epoch_int": str(int(responded)),
                    "e_status": "1",
                    "e_channel": rng.choice(("email", "email", "sms", "web", "app")),
                    "e_touchpoint": rng.choice(("support", "purchase", "onboarding", "renewal")),
                    "q_global_nps_0to10": str(nps),
                    "q_global_nps_comment_txt": comment,
                    "comment_length_q_global_nps_comment_txt": str(len(comment or "")),
                    "q_osat_1to5": str(osat),
                }
            )
    return {"records": records, "fields": sample_fields()}
