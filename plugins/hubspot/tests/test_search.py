"""Unit tests of the keyset walk through HubSpot search (no HTTP)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest
from cxcore_hubspot.search import Position, SearchPage, keyset_pages, to_millis

from cxcore.sdk import PaginationError

MOD = "hs_lastmodifieddate"


def rec(rid: int, ms: int) -> dict[str, Any]:
    return {"id": str(rid), "properties": {MOD: str(ms), "hs_object_id": str(rid)}}


class FakeSearch:
    """Evaluates the plugin's two query shapes over a list of records, like HubSpot would:
    one sort, ties in an order of its own (shuffled here), offset paging capped at 10,000."""

    def __init__(self, records: list[dict[str, Any]], *, seed: int = 0) -> None:
        self.records = records
        self.rng = random.Random(seed)
        self.bodies: list[Mapping[str, Any]] = []

    def __call__(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        assert "after" not in body, "the walk must never page a query with an offset"
        assert len(body["sorts"]) == 1, "HubSpot applies a single sort"
        (group,) = body["filterGroups"]
        ok = []
        for r in self.records:
            ms, rid = int(r["properties"][MOD]), int(r["id"])
            if all(self._test(f, ms, rid) for f in group["filters"]):
                ok.append(r)
        self.rng.shuffle(ok)  # ties come back in no particular order
        sort = body["sorts"][0]["propertyName"]
        ok.sort(
            key=(lambda r: int(r["id"]))
            if sort == "hs_object_id"
            else (lambda r: int(r["properties"][MOD]))
        )
        return {"total": len(ok), "results": ok[: body["limit"]]}

    @staticmethod
    def _test(f: Mapping[str, Any], ms: int, rid: int) -> bool:
        value = ms if f["propertyName"] == MOD else rid
        target = int(f["value"])
        return {
            "GT": value > target,
            "LTE": value <= target,
            "EQ": value == target,
        }[f["operator"]]


def walk(
    search: FakeSearch, *, end: int, start: Position | None = None, limit: int = 5
) -> list[SearchPage]:
    return list(
        keyset_pages(
            search,
            modified=MOD,
            properties=["a"],
            end_ms=end,
            start=start or Position("range", -1),
            limit=limit,
        )
    )


def ids(pages: list[SearchPage]) -> list[str]:
    return [r["id"] for p in pages for r in p.records]


@pytest.mark.parametrize("seed", range(5))
def test_ties_across_page_boundaries_are_read_exactly_once(seed: int) -> None:
    rng = random.Random(seed)
    # Many records share milliseconds, some more than a page's worth.
    records = [rec(i, rng.choice([10, 20, 20, 20, 30, 40, 40])) for i in range(1, 60)]
    records += [rec(100 + i, 50) for i in range(13)]  # 13 ties at one ms, limit 5
    pages = walk(FakeSearch(records, seed=seed), end=1_000)

    assert sorted(ids(pages), key=int) == sorted((r["id"] for r in records), key=int)
    assert pages[-1].position is None


def test_window_end_is_inclusive_and_later_records_are_left_for_the_next_run() -> None:
    records = [rec(1, 5), rec(2, 10), rec(3, 11)]
    pages = walk(FakeSearch(records), end=10)

    assert ids(pages) == ["1", "2"]


def test_resuming_from_every_position_gives_the_rest_exactly() -> None:
    records = [rec(i, 10 * (i // 3)) for i in range(1, 40)] + [rec(200 + i, 77) for i in range(12)]
    full = walk(FakeSearch(records), end=10_000)
    seen: list[str] = []
    for page in full[:-1]:
        seen += [r["id"] for r in page.records]
        assert page.position is not None
        rest = walk(FakeSearch(records, seed=3), end=10_000, start=page.position)
        assert sorted(seen + ids(rest), key=int) == sorted((r["id"] for r in records), key=int)
        assert len(seen + ids(rest)) == len(records)


def test_positions_round_trip_through_json_state() -> None:
    for position in (Position("range", 5), Position("tie", 7, 12), Position("tie", 7)):
        assert Position.load(position.dump()) == position
    with pytest.raises(PaginationError):
        Position.load({"mode": "offset", "after_ms": 1})
    with pytest.raises(PaginationError):
        Position.load({"mode": "range", "after_ms": "1"})


def test_server_ignoring_the_filter_is_an_error_not_a_loop() -> None:
    def stubborn(body: Mapping[str, Any]) -> dict[str, Any]:
        return {"results": [rec(i, 1) for i in range(5)]}

    with pytest.raises(PaginationError, match="outside the requested window"):
        walk(stubborn, end=100, start=Position("range", 3))  # type: ignore[arg-type]


def test_unsorted_results_are_an_error() -> None:
    def unsorted(body: Mapping[str, Any]) -> dict[str, Any]:
        return {"results": [rec(1, 9), rec(2, 4)]}

    with pytest.raises(PaginationError, match="not sorted"):
        walk(unsorted, end=100)  # type: ignore[arg-type]


def test_missing_results_list_is_an_error() -> None:
    with pytest.raises(PaginationError, match="results"):
        walk(lambda body: {"status": "error"}, end=100)  # type: ignore[arg-type,return-value]


def test_to_millis_reads_iso_and_epoch_digits_exactly() -> None:
    assert to_millis("2024-01-01T00:00:00.001Z") == 1_704_067_200_001
    assert to_millis("2024-01-01T01:00:00.999+01:00") == 1_704_067_200_999
    assert to_millis("1704067200001") == 1_704_067_200_001
    assert to_millis(None) is None
    with pytest.raises(ValueError):
        to_millis("yesterday")
