"""Paginators over the fake vendor: multi-page iteration, resume, loop detection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from sdk_fakes import FakeVendor, Reply, Seen

from cxcore.sdk import (
    CursorInBody,
    HttpClient,
    KeysetWatermark,
    NextLink,
    Offset,
    Page,
    PageRequest,
    PaginationError,
    PaginationLoopError,
)

MakeClient = Callable[..., HttpClient]
TICKETS = [{"id": i, "ts": 1000 + i // 2} for i in range(1, 9)]  # 8 records, shared timestamps


def ids(pages: list[Page]) -> list[list[int]]:
    return [[r["id"] for r in page.records] for page in pages]


# -- CursorInBody (Zendesk incremental export) ---------------------------------------------------


def zendesk_export(seen: Seen) -> Reply:
    position = int(seen.param("cursor") or 0)
    chunk = TICKETS[position : position + 3]
    after = position + len(chunk)
    return Reply(
        body={
            "tickets": chunk,
            "after_cursor": f"{after}",
            "end_of_stream": after >= len(TICKETS),
        }
    )


def zendesk_pager() -> CursorInBody:
    return CursorInBody(
        "tickets", cursor_path="after_cursor", is_last=lambda body: body["end_of_stream"]
    )


def test_cursor_in_body_iterates_all_pages(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/export", zendesk_export)
    fetch = make_client().fetcher("/export", params={"start_time": 0})
    pages = list(zendesk_pager().pages(fetch))
    assert ids(pages) == [[1, 2, 3], [4, 5, 6], [7, 8]]
    assert [p.state for p in pages] == [{"cursor": "3"}, {"cursor": "6"}, {"cursor": "8"}]
    assert [p.is_last for p in pages] == [False, False, True]
    assert [p.number for p in pages] == [1, 2, 3]
    assert [s.param("cursor") for s in vendor.requests] == [None, "3", "6"]
    assert all(s.param("start_time") == "0" for s in vendor.requests)


def test_cursor_in_body_resumes_from_saved_state(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/export", zendesk_export)
    fetch = make_client().fetcher("/export")
    first = next(iter(zendesk_pager().pages(fetch)))
    saved = orjson.loads(orjson.dumps(first.state))  # what a store would round-trip
    rest = list(zendesk_pager().pages(fetch, state=saved))
    assert ids(rest) == [[4, 5, 6], [7, 8]]
    assert vendor.requests[1].param("cursor") == "3"


def test_cursor_repeated_raises_loop_error(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route(
        "GET",
        "/export",
        Reply(body={"tickets": [{"id": 1}], "after_cursor": "same", "end_of_stream": False}),
    )
    pages = zendesk_pager().pages(make_client().fetcher("/export"))
    assert next(pages).state == {"cursor": "same"}
    with pytest.raises(PaginationLoopError, match="already requested"):
        next(pages)
    assert len(vendor.requests) == 2  # stopped, did not spin


def test_cursor_missing_while_not_at_end_is_an_error(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/export", Reply(body={"tickets": [], "end_of_stream": False}))
    with pytest.raises(PaginationError, match="no cursor at 'after_cursor'"):
        list(zendesk_pager().pages(make_client().fetcher("/export")))


def test_missing_records_list_is_an_error_not_an_empty_page(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/export", Reply(body={"error": "weird", "end_of_stream": True}))
    with pytest.raises(PaginationError, match="expected a list at 'tickets'.*'error'"):
        list(zendesk_pager().pages(make_client().fetcher("/export")))


def test_bad_saved_state_is_rejected() -> None:
    with pytest.raises(PaginationError, match="not one of mine"):
        next(zendesk_pager().pages(lambda req: pytest.fail("fetched"), state={"offset": 3}))


# -- NextLink -------------------------------------------------------------------------------------


def linked(seen: Seen, *, in_header: bool) -> Reply:
    page = int(seen.param("page") or 1)
    chunk = TICKETS[(page - 1) * 3 : page * 3]
    more = page * 3 < len(TICKETS)
    nxt = f"/items?page={page + 1}" if more else None
    if in_header:
        headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else {}
        return Reply(body={"items": chunk}, headers=headers)
    return Reply(body={"items": chunk, "links": {"next": nxt}})


@pytest.mark.parametrize("in_header", [False, True])
def test_next_link_body_and_header(
    vendor: FakeVendor, make_client: MakeClient, in_header: bool
) -> None:
    vendor.route("GET", "/items", lambda seen: linked(seen, in_header=in_header))
    pager = NextLink("items", next_path=None if in_header else "links.next")
    pages = list(pager.pages(make_client().fetcher("/items", params={"page": 1})))
    assert ids(pages) == [[1, 2, 3], [4, 5, 6], [7, 8]]
    assert pages[0].state == {"next_url": f"{vendor.base_url}/items?page=2"}
    assert pages[-1].state == {}
    assert [s.param("page") for s in vendor.requests] == ["1", "2", "3"]


def test_next_link_resume(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/items", lambda seen: linked(seen, in_header=False))
    pager = NextLink("items", next_path="links.next")
    state = {"next_url": f"{vendor.base_url}/items?page=3"}
    pages = list(pager.pages(make_client().fetcher("/items"), state=state))
    assert ids(pages) == [[7, 8]]


def test_next_link_self_loop_detected(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/items", Reply(body={"items": [{"id": 1}], "next": "/items?page=1"}))
    with pytest.raises(PaginationLoopError):
        list(NextLink("items", next_path="next").pages(make_client().fetcher("/items")))
    assert len(vendor.requests) == 2


def test_next_link_with_explicit_end_test(vendor: FakeVendor, make_client: MakeClient) -> None:
    # Zendesk cursor pagination keeps links.next but says meta.has_more = false on the last page
    vendor.route(
        "GET",
        "/items",
        Reply(body={"items": [{"id": 1}], "links": {"next": "/x"}, "meta": {"has_more": False}}),
    )
    pager = NextLink("items", next_path="links.next", is_last=lambda b: not b["meta"]["has_more"])
    pages = list(pager.pages(make_client().fetcher("/items")))
    assert len(pages) == 1 and pages[0].is_last


# -- Offset ---------------------------------------------------------------------------------------


def offset_api(seen: Seen, *, total: bool) -> Reply:
    offset, limit = int(seen.param("offset") or 0), int(seen.param("limit") or 3)
    body: dict[str, Any] = {"data": TICKETS[offset : offset + limit]}
    if total:
        body["total"] = len(TICKETS)
    return Reply(body=body)


@pytest.mark.parametrize("total", [True, False])
def test_offset_total_and_short_page(
    vendor: FakeVendor, make_client: MakeClient, total: bool
) -> None:
    vendor.route("GET", "/o", lambda seen: offset_api(seen, total=total))
    pager = Offset("data", limit=3, total_path="total" if total else None)
    pages = list(pager.pages(make_client().fetcher("/o")))
    assert ids(pages) == [[1, 2, 3], [4, 5, 6], [7, 8]]
    assert [p.state for p in pages] == [{"offset": 3}, {"offset": 6}, {"offset": 8}]
    assert [s.param("offset") for s in vendor.requests] == ["0", "3", "6"]


def test_offset_exact_multiple_ends_on_empty_page(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/o", lambda seen: offset_api(seen, total=False))
    pages = list(Offset("data", limit=4).pages(make_client().fetcher("/o")))
    assert ids(pages) == [[1, 2, 3, 4], [5, 6, 7, 8], []]


def test_offset_resume(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/o", lambda seen: offset_api(seen, total=True))
    pages = list(
        Offset("data", limit=3, total_path="total").pages(
            make_client().fetcher("/o"), state={"offset": 6}
        )
    )
    assert ids(pages) == [[7, 8]]


def test_offset_ignored_by_server_is_detected(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/o", Reply(body={"data": TICKETS[:3]}))
    with pytest.raises(PaginationLoopError, match="repeats the previous page"):
        list(Offset("data", limit=3).pages(make_client().fetcher("/o")))
    assert len(vendor.requests) == 2


# -- KeysetWatermark (HubSpot search) -------------------------------------------------------------


def search_api(seen: Seen) -> Reply:
    """Sorted by (ts, id); filter ``ts >= after_ts`` only, like a simple HubSpot GTE filter."""
    request = orjson.loads(seen.body)
    after = request.get("after_ts")
    rows = [t for t in TICKETS if after is None or t["ts"] >= after]
    return Reply(body={"results": rows[: request["limit"]]})


def keyset_pager(page_size: int = 3) -> KeysetWatermark:
    return KeysetWatermark(
        "results",
        key=lambda r: (r["ts"], r["id"]),
        request=lambda after: PageRequest(json={"after_ts": None if after is None else after[0]}),
        page_size=page_size,
    )


def test_keyset_iterates_and_drops_already_seen(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("POST", "/search", search_api)
    fetch = make_client().fetcher("/search", method="POST", json={"limit": 3})
    pages = list(keyset_pager().pages(fetch))
    flat = [i for page in ids(pages) for i in page]
    assert flat == [1, 2, 3, 4, 5, 6, 7, 8]  # no duplicates despite the >= filter
    assert len(pages) >= 3
    assert pages[0].state == {"after": [1001, 3]}
    assert pages[-1].is_last
    assert pages[-1].state == {"after": [1004, 8]}


def test_keyset_resume(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("POST", "/search", search_api)
    fetch = make_client().fetcher("/search", method="POST", json={"limit": 3})
    pages = list(keyset_pager().pages(fetch, state={"after": [1002, 5]}))
    assert [i for page in ids(pages) for i in page] == [6, 7, 8]
    assert orjson.loads(vendor.requests[0].body) == {"limit": 3, "after_ts": 1002}


def test_keyset_stuck_watermark_is_a_loop(vendor: FakeVendor, make_client: MakeClient) -> None:
    same_ts = [{"id": i, "ts": 5} for i in range(1, 4)]
    vendor.route("POST", "/search", Reply(body={"results": same_ts}))  # server ignores "after"
    fetch = make_client().fetcher("/search", method="POST", json={"limit": 3})
    pages = keyset_pager().pages(fetch)
    assert ids([next(pages)]) == [[1, 2, 3]]
    with pytest.raises(PaginationLoopError):
        next(pages)


def test_keyset_out_of_order_is_an_error(vendor: FakeVendor, make_client: MakeClient) -> None:
    rows = [{"id": 1, "ts": 9}, {"id": 2, "ts": 3}, {"id": 3, "ts": 10}]
    vendor.route("POST", "/search", Reply(body={"results": rows}))
    with pytest.raises(PaginationError, match="out of \\(timestamp, id\\) order"):
        list(keyset_pager().pages(make_client().fetcher("/search", method="POST")))
