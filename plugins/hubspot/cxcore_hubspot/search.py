"""Incremental reads through HubSpot's CRM search API, immune to its 10,000-result cap.

HubSpot's search endpoint (``POST /crm/v3/objects/{type}/search``) pages with an offset
(``after``) and refuses to page past 10,000 results of one query, so an offset walk through a
busy window silently stops at 10,000 records (airbyte#10700, airbyte#26365). Offsets also lose
records mid-walk: a record modified during the walk leaves the window, every later record
moves one place up, and the record that slid into the already-read offset is never seen.

So every page here is a *fresh query* that starts strictly after the last
``(last-modified, id)`` key already emitted — the time window is split at every page
boundary — and no query is ever paged past its first page:

``range`` mode
    ``modified > after_ms AND modified <= end_ms``, sorted by the modified date. HubSpot
    accepts a single sort, so records sharing one millisecond come back in no defined order.
    A full page is therefore cut before its last millisecond ``L``: records before ``L`` are
    emitted, and the next query starts at ``modified >= L`` (``after_ms = L - 1``), which
    returns all of ``L``'s records again, in full, at the head of the next page.
``tie`` mode
    When a single millisecond holds a whole page or more (bulk imports do that), the walk
    switches to ``modified == L AND hs_object_id > after_id`` sorted by id, a keyset on the
    id alone, and returns to ``range`` mode after ``L`` once that millisecond is exhausted.

Each query's lower bound strictly increases, so the walk terminates; a server answer that
would break that (results outside the filter, out of order) raises
:class:`~cxcore.sdk.PaginationError` instead of looping or skipping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import attrs

from cxcore.sdk import PaginationError

__all__ = ["SEARCH_MAX_LIMIT", "Position", "SearchPage", "keyset_pages", "to_millis"]

#: HubSpot's largest search page.
SEARCH_MAX_LIMIT = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_millis(value: Any) -> int | None:
    """Epoch milliseconds of a HubSpot date-time property (ISO 8601 or epoch-ms digits).

    Integer arithmetic on purpose: a float round trip can move a value by one millisecond,
    and the keyset compares milliseconds exactly.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a HubSpot date-time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return (parsed - _EPOCH) // _MS


@attrs.frozen
class Position:
    """Where a walk through one window stands; JSON-ready through :meth:`dump`.

    ``range``: every record with ``modified <= after_ms`` was emitted. ``tie``: every record
    with ``modified < after_ms``, and those at ``after_ms`` with ``id <= after_id``, were.
    """

    mode: Literal["range", "tie"]
    after_ms: int
    after_id: int | None = None

    def dump(self) -> dict[str, Any]:
        """The position as saved in the stream state."""
        out: dict[str, Any] = {"mode": self.mode, "after_ms": self.after_ms}
        if self.after_id is not None:
            out["after_id"] = self.after_id
        return out

    @classmethod
    def load(cls, data: Any) -> Position:
        """Parse a saved position; :class:`PaginationError` if it is not one."""
        if not isinstance(data, Mapping) or data.get("mode") not in ("range", "tie"):
            raise PaginationError(f"saved search position {data!r} is not one of mine")
        after_ms, after_id = data.get("after_ms"), data.get("after_id")
        if not isinstance(after_ms, int) or not (after_id is None or isinstance(after_id, int)):
            raise PaginationError(f"saved search position {data!r} is malformed")
        return cls(data["mode"], after_ms, after_id)


@attrs.frozen
class SearchPage:
    """Records to emit, and the position after them (``None``: the window is exhausted)."""

    records: list[dict[str, Any]]
    position: Position | None


Search = Callable[[Mapping[str, Any]], Any]
"""Sends one search request body and returns the parsed JSON answer."""


def _filter(name: str, operator: str, value: int) -> dict[str, str]:
    return {"propertyName": name, "operator": operator, "value": str(value)}


def keyset_pages(
    search: Search,
    *,
    modified: str,
    properties: Sequence[str],
    end_ms: int,
    start: Position,
    limit: int = SEARCH_MAX_LIMIT,
    where: str = "search",
) -> Iterator[SearchPage]:
    """Walk the window ``(start, end_ms]`` on the ``modified`` property; see the module doc.

    Args:
        search: sends a request body, returns the parsed answer (``{"results": [...]}``).
        modified: the last-modified property (``lastmodifieddate`` for contacts,
            ``hs_lastmodifieddate`` elsewhere).
        properties: properties to request (the modified date is added).
        end_ms: inclusive end of the window, epoch milliseconds.
        start: where to begin (``Position("range", window_start_ms - 1)`` for a new window).
        limit: page size, at most 200.
        where: names the endpoint in error messages.
    """
    if not 1 <= limit <= SEARCH_MAX_LIMIT:
        raise ValueError(f"limit must be 1..{SEARCH_MAX_LIMIT}, got {limit}")
    wanted = list(dict.fromkeys([*properties, modified, "hs_object_id"]))
    position = start
    while True:
        if position.mode == "range":
            body = {
                "filterGroups": [
                    {
                        "filters": [
                            _filter(modified, "GT", position.after_ms),
                            _filter(modified, "LTE", end_ms),
                        ]
                    }
                ],
                "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
                "properties": wanted,
                "limit": limit,
            }
            results = _results(search(body), where)
            stamps = [_stamp(r, modified, where) for r in results]
            _check_range(stamps, position.after_ms, end_ms, where)
            if len(results) < limit:
                yield SearchPage(results, None)
                return
            last = stamps[-1]
            if stamps[0] == last:
                # A whole page in one millisecond: only an id keyset can get through it.
                position = Position("tie", last)
                continue
            cut = stamps.index(last)
            position = Position("range", last - 1)
            yield SearchPage(results[:cut], position)
        else:
            at = position.after_ms
            filters = [_filter(modified, "EQ", at)]
            if position.after_id is not None:
                filters.append(_filter("hs_object_id", "GT", position.after_id))
            body = {
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                "properties": wanted,
                "limit": limit,
            }
            results = _results(search(body), where)
            ids = _check_tie(results, modified, at, position.after_id, where)
            if len(results) < limit:
                position = Position("range", at)
            else:
                position = Position("tie", at, ids[-1])
            yield SearchPage(results, position)


def _results(body: Any, where: str) -> list[dict[str, Any]]:
    results = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        keys = sorted(body)[:20] if isinstance(body, Mapping) else type(body).__name__
        raise PaginationError(f"{where}: expected a list of objects at 'results', got {keys}")
    return results


def _stamp(record: Mapping[str, Any], modified: str, where: str) -> int:
    props = record.get("properties")
    raw = props.get(modified) if isinstance(props, Mapping) else None
    try:
        stamp = to_millis(raw)
    except ValueError as exc:
        raise PaginationError(f"{where}: record {record.get('id')!r}: {exc}") from None
    if stamp is None:
        raise PaginationError(
            f"{where}: record {record.get('id')!r} has no {modified}; cannot page on it"
        )
    return stamp


def _check_range(stamps: list[int], after: int, end: int, where: str) -> None:
    previous = after
    for stamp in stamps:
        if not after < stamp <= end:
            raise PaginationError(
                f"{where}: a result modified at {stamp} ms lies outside the requested window "
                f"({after}, {end}]; the server ignored the filter"
            )
        if stamp < previous:
            raise PaginationError(
                f"{where}: results are not sorted by modification date ({stamp} after "
                f"{previous}); the server ignored the sort"
            )
        previous = stamp


def _check_tie(
    results: list[dict[str, Any]], modified: str, at: int, after_id: int | None, where: str
) -> list[int]:
    ids: list[int] = []
    previous = after_id if after_id is not None else -1
    for record in results:
        stamp = _stamp(record, modified, where)
        try:
            rid = int(str(record.get("id")))
        except ValueError:
            raise PaginationError(f"{where}: non-numeric record id {record.get('id')!r}") from None
        if stamp != at or rid <= previous:
            raise PaginationError(
                f"{where}: record {rid} (modified at {stamp} ms) breaks the id keyset at {at} ms "
                f"after id {previous}; the server ignored the filter or the sort"
            )
        ids.append(rid)
        previous = rid
    return ids
