"""Stream, settings schema helpers, Source helpers and time windows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
import pytest

from cxcore.errors import ConfigError
from cxcore.sdk import (
    COMMON_SETTINGS,
    BasicAuth,
    MappingContext,
    PageLike,
    Source,
    Stream,
    StreamPage,
    Window,
    plan_window,
    secret_setting,
    settings_schema,
    windowed_pages,
)
from cxcore.sdk.errors import PaginationError

SCHEMA = {"type": "object", "properties": {"id": {}, "meta": {}, "at": {}}}


def test_stream_validates_its_declaration() -> None:
    with pytest.raises(ValueError, match="lower_snake_case"):
        Stream(name="Tickets", schema=SCHEMA, primary_key="id")
    with pytest.raises(ValueError, match="one or more field names"):
        Stream(name="t", schema=SCHEMA, primary_key=())
    with pytest.raises(ValueError, match="unknown record kind 'ticket'"):
        Stream(name="t", schema=SCHEMA, primary_key="id", produces=["ticket"])


def test_stream_keys() -> None:
    simple = Stream(name="t", schema=SCHEMA, primary_key="id", cursor_field="at")
    composite = Stream(name="t", schema=SCHEMA, primary_key=["meta.org", "id"])

    assert simple.key_of({"id": 7}) == "7"
    assert simple.key_of({"no": 1}) is None and simple.key_of("text") is None
    assert composite.key_of({"id": 7, "meta": {"org": "a"}}) == "a|7"
    assert simple.incremental and not composite.incremental
    assert simple.declared_fields == {"id", "meta", "at"}
    assert simple.describe()["primary_key"] == ["id"]


def test_settings_schema_merges_the_common_settings_and_refuses_typos() -> None:
    schema = settings_schema({"token": secret_setting("API token")}, required=["token"])
    validator = jsonschema.Draft202012Validator(schema)
    jsonschema.Draft202012Validator.check_schema(schema)

    assert set(COMMON_SETTINGS) <= set(schema["properties"])
    assert schema["properties"]["token"]["writeOnly"] is True
    assert validator.is_valid({"token": "x", "pii": "clear", "streams": ["a"]})
    assert not validator.is_valid({"token": "x", "tokne": "y"})
    assert not validator.is_valid({"token": "x", "mapping": {"channels": {"a": "not ok"}}})
    with pytest.raises(ValueError, match="reserved by the SDK"):
        settings_schema({"pii": {}})


class _Tiny(Source):
    streams = (
        Stream(name="a", schema=SCHEMA, primary_key="id"),
        Stream(name="b", schema=SCHEMA, primary_key="id"),
    )

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        token = self.secret("token")
        assert token is not None
        self.client = self.http_client("https://api.example.com", auth=BasicAuth("u", token))

    def check(self) -> str:
        return "ok"

    def read(self, stream: Stream, state: Mapping[str, Any] | None) -> Iterator[PageLike]:
        yield StreamPage(records=[], state={})


def test_source_helpers() -> None:
    source = _Tiny({"token": "s3cret-value", "streams": ["b"], "lookback_seconds": 30})

    assert [s.name for s in source.selected_streams()] == ["b"]
    assert [s.name for s in source.selected_streams(["a", "b"])] == ["a", "b"]
    assert source.lookback == 30.0 and source.pii == "hash"
    assert "s3cret-value" in {s.reveal() for s in source.secrets()}
    assert source.http_stats().requests == 0
    with pytest.raises(ConfigError, match="unknown stream 'c'; this source has: a, b"):
        source.selected_streams(["c"])
    with pytest.raises(NotImplementedError, match="map_record"):
        list(source.map(source.streams[0], [{"id": 1}], MappingContext(source="x")))
    source.close()


def test_source_refuses_an_unknown_pii_mode() -> None:
    with pytest.raises(ConfigError, match="pii"):
        _Tiny({"token": "t", "pii": "maybe"})


# -- windows -------------------------------------------------------------------------------


def test_plan_window() -> None:
    assert plan_window(None, now=1000, initial=100, lag=60) == Window(100, 940)
    assert plan_window({"since": 900}, now=1000, lookback=50) == Window(850, 1000)
    assert plan_window({"since": 120}, now=1000, lookback=50, initial=100) == Window(100, 1000)
    assert plan_window({"since": 2000}, now=1000) == Window(1000, 1000)
    with pytest.raises(PaginationError):
        plan_window({"since": "soon"}, now=1000)


def _pages(log: list[tuple[Window, Any]]) -> Any:
    def pages(window: Window, inner: Mapping[str, Any] | None) -> Iterator[StreamPage]:
        log.append((window, inner))
        start = int((inner or {}).get("n", 0))
        for n in range(start, 3):
            yield StreamPage(records=[n], state={"n": n + 1}, is_last=n == 2)

    return pages


def test_windowed_pages_states_and_resume() -> None:
    log: list[tuple[Window, Any]] = []
    pages = list(windowed_pages({"since": 500}, _pages(log), now=1000, lookback=100, lag=10))

    assert [p.records for p in pages] == [[0], [1], [2]]
    assert pages[0].state == {"window": [400.0, 990.0], "page": {"n": 1}}
    assert pages[-1].state == {"since": 990.0} and pages[-1].is_last
    # Resuming mid-window keeps the window (the signpost), not a new "now".
    resumed = list(windowed_pages(pages[0].state, _pages(log), now=5000))
    assert [p.records for p in resumed] == [[1], [2]]
    assert log[-1] == (Window(400.0, 990.0), {"n": 1})
    assert resumed[-1].state == {"since": 990.0}


def test_windowed_pages_closes_the_window_when_pages_do_not_say_last() -> None:
    def pages(window: Window, inner: Mapping[str, Any] | None) -> Iterator[StreamPage]:
        yield StreamPage(records=[1], state={"n": 1})

    out = list(windowed_pages(None, pages, now=100))

    assert [p.state for p in out] == [{"window": [0.0, 100.0], "page": {"n": 1}}, {"since": 100.0}]
    with pytest.raises(PaginationError, match="malformed window"):
        list(windowed_pages({"window": [1]}, pages, now=100))
