"""The sync runner: states, rejections, failures, progress, hooks, prefetching."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

import cxcore
from cxcore import Workspace
from cxcore.errors import AuthError, ConfigError, TransportError
from cxcore.events import RecordsRejected, RecordsStored
from cxcore.sdk import (
    MappingContext,
    PageLike,
    Source,
    Stream,
    StreamPage,
    SyncProgress,
    sync_source,
)
from cxcore.testing.contract import SyncKilled

ITEM = {
    "type": "object",
    "required": ["id", "n"],
    "properties": {"id": {"type": "integer"}, "n": {"type": "integer"}, "name": {"type": "string"}},
}

PAGES = [
    [{"id": 1, "n": 1000}, {"id": 2, "n": 1001}],
    [{"id": 3, "n": 1002}],
    [{"id": 4, "n": 1003, "extra": "kept"}],
]


class Toy(Source):
    """Serves fixed pages; ``fail`` maps (stream, page index) to an exception to raise."""

    streams = (
        Stream(name="items", schema=ITEM, primary_key="id", cursor_field="n"),
        Stream(name="more", schema=ITEM, primary_key="id", cursor_field="n"),
    )

    def __init__(
        self,
        pages: list[list[dict[str, Any]]] | None = None,
        *,
        fail: Mapping[tuple[str, int], BaseException] | None = None,
        state: Callable[[int], dict[str, Any]] | None = None,
        prefetch: bool = True,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(settings or {})
        self.pages = PAGES if pages is None else pages
        self.fail = dict(fail or {})
        self.state = state or (lambda i: {"page": i + 1})
        self.prefetch = prefetch  # type: ignore[misc]  # per-instance switch for the tests
        self.reads: list[tuple[str, Any]] = []

    def check(self) -> str:
        return "ok"

    def read(self, stream: Stream, state: Mapping[str, Any] | None) -> Iterator[PageLike]:
        self.reads.append((stream.name, state))
        for i in range(int((state or {}).get("page", 0)), len(self.pages)):
            if (stream.name, i) in self.fail:
                raise self.fail.pop((stream.name, i))
            yield StreamPage(records=self.pages[i], state=self.state(i), number=i + 1)

    def map_record(
        self, stream: Stream, record: Any, ctx: MappingContext
    ) -> Iterator[Mapping[str, Any]]:
        if record.get("name") == "boom":
            raise KeyError("boom")
        if record.get("name") == "config":
            raise ConfigError("CXCORE_HASH_KEY is not set")
        yield ctx.interaction(
            id=f"{stream.name}:{record['id']}",
            type="" if record.get("name") == "typeless" else "item.seen",
            occurred_at=record["n"],
            attributes=ctx.extras(stream, record),
        )


def ids(ws: Workspace) -> list[str]:
    return sorted(r["id"] for r in ws.store.records("interaction"))


def test_pages_commit_with_their_state_and_the_next_sync_resumes(cx_workspace: Workspace) -> None:
    source = Toy()

    first = sync_source(cx_workspace, "toy", source, streams=["items"])
    again = sync_source(cx_workspace, "toy", source, streams=["items"])

    assert first.ok and first.pages == 3 and first.records == 4 and first.inserted == 4
    assert ids(cx_workspace) == ["items:1", "items:2", "items:3", "items:4"]
    assert cx_workspace.store.get_state("toy", "items") == {"page": 3}
    assert source.reads[-1] == ("items", {"page": 3})
    assert (again.pages, again.inserted) == (0, 0)
    stored = {r["id"]: r for r in cx_workspace.store.records("interaction")}
    assert stored["items:4"]["attributes"] == {"extra": "kept"}


def test_empty_pages_still_move_the_cursor(cx_workspace: Workspace) -> None:
    pages = [[{"id": 1, "n": 1000}], [], []]

    summary = sync_source(cx_workspace, "toy", Toy(pages), streams=["items"])

    assert summary.pages == 3 and summary.inserted == 1
    assert cx_workspace.store.get_state("toy", "items") == {"page": 3}


def test_full_refresh_reads_again_without_duplicates(cx_workspace: Workspace) -> None:
    source = Toy()
    sync_source(cx_workspace, "toy", source, streams=["items"])

    again = sync_source(cx_workspace, "toy", source, streams=["items"], full_refresh=True)

    assert source.reads[-1] == ("items", None)
    assert (again.records, again.inserted, again.unchanged) == (4, 0, 4)
    assert cx_workspace.store.count("interaction") == 4


def test_raw_records_that_do_not_fit_the_schema_are_rejected_with_a_locator(
    cx_workspace: Workspace,
) -> None:
    pages = [[{"id": 1, "n": 1000}, {"id": "x", "n": 1001}, {"n": 5}]]

    summary = sync_source(cx_workspace, "toy", Toy(pages), streams=["items"])
    rejected = cx_workspace.store.rejected(source="toy")

    assert summary.ok and summary.rejected == 2 and summary.inserted == 1
    by_locator = {r.locator: r for r in rejected}
    assert set(by_locator) == {"items:page 1:id x", "items:page 1:item 2"}
    bad_id = by_locator["items:page 1:id x"]
    assert bad_id.kind == "raw:items" and bad_id.record_id == "x"
    assert [e.pointer for e in bad_id.errors] == ["/id"]
    assert by_locator["items:page 1:item 2"].errors[0].pointer == "/id"
    assert cx_workspace.store.get_state("toy", "items") == {"page": 1}


def test_a_record_the_mapping_chokes_on_is_rejected_alone(cx_workspace: Workspace) -> None:
    pages = [[{"id": 1, "n": 1000}, {"id": 2, "n": 1001, "name": "boom"}, {"id": 3, "n": 2}]]

    summary = sync_source(cx_workspace, "toy", Toy(pages), streams=["items"])
    (rejected,) = cx_workspace.store.rejected()

    assert summary.ok and summary.inserted == 2
    assert rejected.locator == "items:page 1:id 2"
    assert rejected.errors[0].message == "could not be mapped: KeyError: 'boom'"


def test_mapped_records_invalid_for_cxcore_are_rejected(cx_workspace: Workspace) -> None:
    pages = [[{"id": 1, "n": 1000, "name": "typeless"}]]

    summary = sync_source(cx_workspace, "toy", Toy(pages), streams=["items"])
    (rejected,) = cx_workspace.store.rejected()

    assert summary.rejected == 1 and summary.inserted == 0
    assert rejected.kind == "interaction" and rejected.locator == "items:page 1:items:1"
    assert rejected.errors[0].pointer == "/type"


def test_a_configuration_problem_fails_the_stream_instead_of_rejecting_records(
    cx_workspace: Workspace,
) -> None:
    pages = [[{"id": 1, "n": 1000}, {"id": 2, "n": 1001, "name": "config"}]]

    summary = sync_source(cx_workspace, "toy", Toy(pages), streams=["items", "more"])

    items = summary.stream("toy", "items")
    assert items.status == "failed" and items.error_type == "ConfigError"
    assert items.error == "CXCORE_HASH_KEY is not set"
    assert cx_workspace.store.rejected() == []
    assert summary.stream("toy", "more").status == "failed"  # same data, same problem


def test_network_failure_fails_one_stream_keeps_committed_pages_and_resumes(
    cx_workspace: Workspace,
) -> None:
    failure = TransportError("GET https://x/items failed after 5 attempts: HTTP 503")
    source = Toy(fail={("items", 1): failure})

    first = sync_source(cx_workspace, "toy", source)
    second = sync_source(cx_workspace, "toy", source)

    items, more = first.streams
    assert (items.status, items.error_type, items.pages) == ("failed", "TransportError", 1)
    assert items.error == str(failure)
    assert more.ok and more.inserted == 4
    assert second.ok and second.stream("toy", "items").pages == 2
    assert ids(cx_workspace).count("items:1") == 1
    assert len(ids(cx_workspace)) == 8


def test_refused_credentials_stop_the_source_s_other_streams(cx_workspace: Workspace) -> None:
    source = Toy(fail={("items", 0): AuthError("HTTP 401: check the token")})

    summary = sync_source(cx_workspace, "toy", source)

    items, more = summary.streams
    assert items.error_type == more.error_type == "AuthError"
    assert more.error == "not attempted: the credentials were refused (see stream items)"
    assert [name for name, _ in source.reads] == ["items"]


def test_a_plugin_bug_is_reported_as_such(cx_workspace: Workspace) -> None:
    summary = sync_source(
        cx_workspace, "toy", Toy(fail={("items", 0): ZeroDivisionError("oops")}), streams=["items"]
    )

    (items,) = summary.streams
    assert items.error_type == "PluginError"
    assert items.error == "plugin error: ZeroDivisionError: oops"


def test_a_state_holding_a_credential_is_never_stored(cx_workspace: Workspace) -> None:
    source = Toy(
        state=lambda i: {"next": f"https://x/items?page={i}&key=sekret-123"},
        settings={"token": "sekret-123"},
    )
    source.secret("token")

    summary = sync_source(cx_workspace, "toy", source, streams=["items"])

    (items,) = summary.streams
    assert items.status == "failed"
    assert items.error is not None and "contains a credential" in items.error
    assert "sekret-123" not in items.error
    assert cx_workspace.store.states() == [] and cx_workspace.store.count("interaction") == 0


def test_a_state_that_is_not_json_fails_the_stream(cx_workspace: Workspace) -> None:
    summary = sync_source(
        cx_workspace, "toy", Toy(state=lambda i: {"at": object()}), streams=["items"]
    )

    assert "not JSON-serialisable" in (summary.streams[0].error or "")


@pytest.mark.parametrize("prefetch", [True, False])
def test_progress_reports_every_page_then_done(cx_workspace: Workspace, prefetch: bool) -> None:
    events: list[SyncProgress] = []

    sync_source(
        cx_workspace, "toy", Toy(prefetch=prefetch), streams=["items"], progress=events.append
    )

    assert [(e.pages, e.records, e.stored, e.done) for e in events] == [
        (1, 2, 2, False),
        (2, 3, 3, False),
        (3, 4, 4, False),
        (3, 4, 4, True),
    ]
    assert all(e.source == "toy" and e.stream == "items" for e in events)
    assert events[-1].rate > 0


@pytest.mark.parametrize("prefetch", [True, False])
def test_errors_in_the_progress_callback_propagate_after_the_commit(
    cx_workspace: Workspace, prefetch: bool
) -> None:
    def explode(event: SyncProgress) -> None:
        if event.pages == 2:
            raise ValueError("display broke")

    with pytest.raises(ValueError, match="display broke"):
        sync_source(cx_workspace, "toy", Toy(prefetch=prefetch), progress=explode)

    assert cx_workspace.store.get_state("toy", "items") == {"page": 2}
    assert cx_workspace.store.get_state("toy", "more") is None


@pytest.mark.parametrize("prefetch", [True, False])
def test_a_kill_inside_read_propagates(cx_workspace: Workspace, prefetch: bool) -> None:
    source = Toy(fail={("items", 2): SyncKilled("power cut")}, prefetch=prefetch)

    with pytest.raises(SyncKilled):
        sync_source(cx_workspace, "toy", source)

    assert cx_workspace.store.get_state("toy", "items") == {"page": 2}
    resumed = sync_source(cx_workspace, "toy", source)
    assert resumed.ok and len(ids(cx_workspace)) == 8


class _Listener:
    def __init__(self) -> None:
        self.stored: list[RecordsStored] = []
        self.rejected: list[RecordsRejected] = []

    @cxcore.hookimpl
    def cxcore_records_stored(self, event: RecordsStored) -> None:
        self.stored.append(event)

    @cxcore.hookimpl
    def cxcore_records_rejected(self, event: RecordsRejected) -> None:
        self.rejected.append(event)


def test_hooks_see_each_page_and_raw_rejections(
    cx_workspace: Workspace, cx_register: Callable[..., str]
) -> None:
    listener = _Listener()
    cx_register(listener, name="listener")
    pages = [[{"id": 1, "n": 1000}, {"id": "bad", "n": 1}], [{"id": 2, "n": 1001}]]

    sync_source(cx_workspace, "toy", Toy(pages), streams=["items"])

    assert [len(e.records) for e in listener.stored] == [1, 1]
    assert all(e.source == "toy" and e.kind == "interaction" for e in listener.stored)
    assert [r.locator for e in listener.rejected for r in e.rejected] == ["items:page 1:id bad"]
