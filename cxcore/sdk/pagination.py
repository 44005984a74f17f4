"""Paginators: turn a request function into an iterator of pages with a resumable state.

Each :class:`Page` carries its records and ``state``, a small JSON-serialisable dict. Persist
``page.state`` after you have stored ``page.records``; passing it back as ``state=`` later
resumes right after that page. A repeated page token raises
:class:`~cxcore.sdk.errors.PaginationLoopError` instead of looping forever.

Example (Zendesk incremental ticket export)::

    pager = CursorInBody("tickets", cursor_path="after_cursor",
                         is_last=lambda body: body["end_of_stream"])
    fetch = client.fetcher("/api/v2/incremental/tickets/cursor.json",
                           params={"start_time": start})
    for page in pager.pages(fetch, state=saved):
        store(page.records)
        save(page.state)
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import urljoin

import attrs
import orjson

from cxcore.sdk.errors import PaginationError, PaginationLoopError
from cxcore.sdk.models import Fetch, JsonResponse, PageRequest
from cxcore.sdk.secret import scrub_text

__all__ = [
    "CursorInBody",
    "KeysetWatermark",
    "NextLink",
    "Offset",
    "Page",
    "Paginator",
    "dig",
]

Key = tuple[Any, Any]


@attrs.frozen(kw_only=True)
class Page:
    """One page: its records, the state to resume *after* it, and whether it was the last."""

    records: list[Any] = attrs.field(repr=lambda records: f"<{len(records)} records>")
    # A next link may carry a credential in its query string.
    state: Mapping[str, Any] = attrs.field(repr=lambda state: scrub_text(repr(dict(state))))
    is_last: bool
    number: int
    response: JsonResponse = attrs.field(repr=False)


def dig(body: Any, path: str) -> Any:
    """Value at a dotted ``path`` in parsed JSON (``"meta.after_cursor"``, ``"items.0.id"``).

    ``""`` is the body itself; a missing step gives ``None``.
    """
    value = body
    for step in path.split(".") if path else ():
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and step.lstrip("-").isdigit():
            index = int(step)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
    return value


def _token(state: Mapping[str, Any]) -> bytes:
    return orjson.dumps(state, option=orjson.OPT_SORT_KEYS)


@attrs.frozen
class _Step:
    records: list[Any]
    state: dict[str, Any]
    is_last: bool


class Paginator(abc.ABC):
    """Base class: subclasses say how to ask for a page and how to read the next state."""

    # Paginators whose tokens can never repeat (offsets) catch a server that ignores them by
    # noticing the same records twice instead.
    _detect_repeated_pages: ClassVar[bool] = False

    def __init__(self, records_path: str) -> None:
        self.records_path = records_path

    def pages(self, fetch: Fetch, state: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """Fetch pages lazily from ``state`` (``None`` = from the beginning) until the last."""
        current = self._load(dict(state or {}))
        seen = {_token(current)}
        previous: bytes | None = None
        number = 0
        while True:
            response = fetch(self._request(current))
            number += 1
            records = self._records(response)
            if self._detect_repeated_pages and records:
                fingerprint = orjson.dumps(records, default=repr)
                if fingerprint == previous:
                    raise PaginationLoopError(
                        f"{type(self).__name__}: page {number} from {response.url} repeats the "
                        f"previous page's {len(records)} records; the server seems to ignore "
                        "the page position"
                    )
                previous = fingerprint
            step = self._step(current, response, records)
            if not step.is_last:
                token = _token(step.state)
                if token in seen:
                    raise PaginationLoopError(
                        f"{type(self).__name__}: page {number} from {response.url} leads back to "
                        f"a page already requested ({_describe_state(step.state)}); stopping "
                        "instead of looping forever"
                    )
                seen.add(token)
            yield Page(
                records=step.records,
                state=step.state,
                is_last=step.is_last,
                number=number,
                response=response,
            )
            if step.is_last:
                return
            current = step.state

    def _records(self, response: JsonResponse) -> list[Any]:
        found = dig(response.body, self.records_path)
        if not isinstance(found, list):
            # Treating a missing list as "no records" is how syncs silently lose data.
            keys = sorted(response.body) if isinstance(response.body, Mapping) else []
            raise PaginationError(
                f"{type(self).__name__}: expected a list at {self.records_path or '(body)'!r} "
                f"in {response.url}, got {type(found).__name__}; top-level keys: {keys[:20]}"
            )
        return found

    def _load(self, state: dict[str, Any]) -> dict[str, Any]:
        """Validate a saved state; the default accepts anything."""
        return state

    @abc.abstractmethod
    def _request(self, state: Mapping[str, Any]) -> PageRequest:
        """The request for the page that follows ``state``."""

    @abc.abstractmethod
    def _step(self, state: Mapping[str, Any], response: JsonResponse, records: list[Any]) -> _Step:
        """Records to emit, the next state, and whether this page was the last."""

    def _bad_state(self, state: Mapping[str, Any], expected: str) -> PaginationError:
        return PaginationError(
            f"{type(self).__name__}: saved state {_describe_state(state)} is not one of mine "
            f"(expected {expected})"
        )


def _describe_state(state: Mapping[str, Any]) -> str:
    text = scrub_text(orjson.dumps(state, option=orjson.OPT_SORT_KEYS, default=repr).decode())
    return text if len(text) <= 200 else text[:200] + "..."


def _is_last(test: Callable[[Any], bool], response: JsonResponse, name: str) -> bool:
    try:
        return bool(test(response.body))
    except Exception as exc:  # the vendor changed its body shape: say where
        raise PaginationError(
            f"{name}: is_last test failed on the response from {response.url}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


class CursorInBody(Paginator):
    """An opaque cursor in the JSON body, sent back as the query parameter ``param``.

    End of stream is an explicit test on the body (Zendesk: ``body["end_of_stream"]``;
    HubSpot list: ``"next" not in body.get("paging", {})``) because an empty page does not
    always mean the end. State: ``{"cursor": value}``. The last page's state keeps the final
    cursor (or the previous one if the body has none) so an incremental export resumes there.
    """

    def __init__(
        self,
        records_path: str,
        *,
        cursor_path: str,
        is_last: Callable[[Any], bool],
        param: str = "cursor",
    ) -> None:
        super().__init__(records_path)
        self.cursor_path = cursor_path
        self.is_last = is_last
        self.param = param

    def _load(self, state: dict[str, Any]) -> dict[str, Any]:
        if state and (set(state) != {"cursor"} or not isinstance(state["cursor"], str | int)):
            raise self._bad_state(state, '{"cursor": str}')
        return state

    def _request(self, state: Mapping[str, Any]) -> PageRequest:
        if "cursor" in state:
            return PageRequest(params={self.param: state["cursor"]})
        return PageRequest()

    def _step(self, state: Mapping[str, Any], response: JsonResponse, records: list[Any]) -> _Step:
        last = _is_last(self.is_last, response, type(self).__name__)
        cursor = dig(response.body, self.cursor_path)
        if cursor in (None, ""):
            if not last:
                raise PaginationError(
                    f"CursorInBody: {response.url} says more pages follow but has no cursor at "
                    f"{self.cursor_path!r}"
                )
            return _Step(records, dict(state), True)
        if not isinstance(cursor, str | int):
            raise PaginationError(
                f"CursorInBody: cursor at {self.cursor_path!r} in {response.url} is a "
                f"{type(cursor).__name__}, expected a string"
            )
        return _Step(records, {"cursor": cursor}, last)


class NextLink(Paginator):
    """Follow a next-page URL from the body (``next_path``) or the ``Link`` header (``rel``).

    Relative links are resolved against the URL that was requested. Without ``is_last`` the
    stream ends when there is no next link; with it (Zendesk: ``not body["meta"]["has_more"]``)
    the test decides. State: ``{"next_url": url}``; the last page's state is ``{}`` because a
    finished link chain has nothing to resume, so resuming from it starts over.
    """

    def __init__(
        self,
        records_path: str,
        *,
        next_path: str | None = None,
        rel: str = "next",
        is_last: Callable[[Any], bool] | None = None,
    ) -> None:
        super().__init__(records_path)
        self.next_path = next_path
        self.rel = rel
        self.is_last = is_last

    def _load(self, state: dict[str, Any]) -> dict[str, Any]:
        if state and (set(state) != {"next_url"} or not isinstance(state["next_url"], str)):
            raise self._bad_state(state, '{"next_url": str}')
        return state

    def _request(self, state: Mapping[str, Any]) -> PageRequest:
        if "next_url" in state:
            return PageRequest(url=state["next_url"])
        return PageRequest()

    def _step(self, state: Mapping[str, Any], response: JsonResponse, records: list[Any]) -> _Step:
        if self.next_path is not None:
            link = dig(response.body, self.next_path)
        else:
            link = response.links.get(self.rel)
        if link is not None and not isinstance(link, str):
            raise PaginationError(
                f"NextLink: next link at {self.next_path!r} in {response.url} is a "
                f"{type(link).__name__}, expected a URL string"
            )
        if self.is_last is not None:
            last = _is_last(self.is_last, response, type(self).__name__)
        else:
            last = not link
        if last:
            return _Step(records, {}, True)
        if not link:
            raise PaginationError(f"NextLink: {response.url} says more pages follow but no link")
        return _Step(records, {"next_url": urljoin(response.request_url, link)}, False)


class Offset(Paginator):
    """``offset``/``limit`` paging.

    The next offset advances by the records actually received (servers may cap ``limit``).
    With ``total_path`` the stream ends when ``offset >= total``; without it, on a page shorter
    than ``limit`` — so set ``limit`` no higher than the server's maximum page size. An empty
    page always ends it. Offsets never repeat, so a server that ignores the offset is caught by
    comparing pages: the same non-empty records twice raise ``PaginationLoopError``.
    State: ``{"offset": int}``.
    """

    _detect_repeated_pages = True

    def __init__(
        self,
        records_path: str,
        *,
        limit: int,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_path: str | None = None,
        start: int = 0,
    ) -> None:
        super().__init__(records_path)
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.total_path = total_path
        self.start = start

    def _load(self, state: dict[str, Any]) -> dict[str, Any]:
        if not state:
            return {"offset": self.start}
        offset = state.get("offset")
        if set(state) != {"offset"} or not isinstance(offset, int) or offset < 0:
            raise self._bad_state(state, '{"offset": int >= 0}')
        return state

    def _request(self, state: Mapping[str, Any]) -> PageRequest:
        params = {self.offset_param: state["offset"], self.limit_param: self.limit}
        return PageRequest(params=params)

    def _step(self, state: Mapping[str, Any], response: JsonResponse, records: list[Any]) -> _Step:
        offset = int(state["offset"])
        following = {"offset": offset + len(records)}
        if not records:
            return _Step(records, dict(state), True)
        if self.total_path is not None:
            total = dig(response.body, self.total_path)
            if not isinstance(total, int):
                raise PaginationError(
                    f"Offset: no integer total at {self.total_path!r} in {response.url}"
                )
            return _Step(records, following, following["offset"] >= total)
        return _Step(records, following, len(records) < self.limit)


class KeysetWatermark(Paginator):
    """Keyset paging on records sorted by ``(timestamp, id)`` (HubSpot search, Medallia).

    ``key(record)`` gives the record's ``(timestamp, id)`` — JSON scalars that compare correctly
    (e.g. ``(props["hs_lastmodifieddate"], int(record["id"]))``). ``request(after)`` builds the
    request for records strictly after ``after`` (``None`` for the first page). Records at or
    before the watermark are dropped, so a ``>=`` filter on the timestamp alone is enough. Ends
    on an empty page, or a page shorter than ``page_size`` when given. Out-of-order records
    raise ``PaginationError`` (the watermark would skip data); a page that does not move the
    watermark raises ``PaginationLoopError``. State: ``{"after": [timestamp, id]}``.
    """

    def __init__(
        self,
        records_path: str,
        *,
        key: Callable[[Any], Key],
        request: Callable[[Key | None], PageRequest],
        page_size: int | None = None,
    ) -> None:
        super().__init__(records_path)
        self.key = key
        self.request = request
        self.page_size = page_size

    @staticmethod
    def _watermark(state: Mapping[str, Any]) -> Key | None:
        after = state.get("after")
        return None if after is None else (after[0], after[1])

    def _load(self, state: dict[str, Any]) -> dict[str, Any]:
        after = state.get("after")
        if state and (
            set(state) != {"after"}
            or not isinstance(after, list | tuple)
            or len(after) != 2
            or not all(_scalar(part) for part in after)
        ):
            raise self._bad_state(state, '{"after": [timestamp, id]}')
        return {"after": list(after)} if after is not None else {}

    def _request(self, state: Mapping[str, Any]) -> PageRequest:
        return self.request(self._watermark(state))

    def _step(self, state: Mapping[str, Any], response: JsonResponse, records: list[Any]) -> _Step:
        watermark = self._watermark(state)
        fresh: list[Any] = []
        last_key = watermark
        for record in records:
            key = self._key(record, response)
            if watermark is not None and key <= watermark:
                continue
            if last_key is not None and key < last_key:
                raise PaginationError(
                    f"KeysetWatermark: {response.url} returned records out of (timestamp, id) "
                    f"order ({list(key)} after {list(last_key)}); sort the request by both"
                )
            fresh.append(record)
            last_key = key
        if not records or (self.page_size is not None and len(records) < self.page_size):
            next_state = dict(state) if last_key is None else {"after": list(last_key)}
            return _Step(fresh, next_state, True)
        if last_key is None:
            return _Step(fresh, dict(state), False)  # loop detection reports it
        return _Step(fresh, {"after": list(last_key)}, False)

    def _key(self, record: Any, response: JsonResponse) -> Key:
        try:
            key = self.key(record)
        except Exception as exc:
            raise PaginationError(
                f"KeysetWatermark: key() failed on a record from {response.url}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not (isinstance(key, tuple) and len(key) == 2 and all(_scalar(p) for p in key)):
            raise PaginationError(
                "KeysetWatermark: key() must return (timestamp, id) made of str/int/float, "
                f"got {key!r}"
            )
        return key


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)
