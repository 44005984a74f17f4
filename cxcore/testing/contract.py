"""The source contract: generic checks every cxcore source plugin should pass, offline.

Subclass :class:`SourceContract` in your plugin's tests, say how to build a stand-in of the
vendor API (a :class:`~cxcore.testing.standin.StandinServer`) and the settings that point your
source at it, and pytest runs the whole contract against it::

    # tests/conftest.py
    pytest_plugins = ["cxcore.testing"]

    # tests/test_contract.py
    from cxcore.testing.contract import DeleteCase, DriftCase, SourceContract

    class TestAcmeContract(SourceContract):
        plugin = cxcore_acme          # the module with your hook implementations
        source_type = "acme"          # the SourceSpec name

        def standin(self, faults):
            return AcmeStandin(sample_data(50), page_size=10, faults=faults)

        def settings(self, server):
            return {"base_url": server.base_url, "token": "good-token"}

        def bad_settings(self, server):
            return {"base_url": server.base_url, "token": "wrong-token"}

What it checks: streams declared with valid draft 2020-12 schemas and primary keys; a valid
settings schema that refuses unknown settings; ``check`` passes, and fails on bad
credentials with one line that says what to fix; a full sync stores records that validate
against cxcore's schemas, every stream across at least three pages; a second sync with no
changes inserts nothing; a sync killed after a committed page, or inside a store write,
resumes to exactly the records of an uninterrupted run, for every stream; 429 with and
without ``Retry-After``, 401, 5xx, a truncated and a malformed body; schema drift (with
:meth:`SourceContract.drift`); deletes as tombstones (with :meth:`SourceContract.delete`);
no secret in the DEBUG logs, error messages or the store.

Skip a check with a reason: ``skip = {"test_deletes_become_tombstones": "no deletes"}``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs
import jsonschema
import pytest

from cxcore.config import ProjectConfig, SourceConfig, StoreConfig
from cxcore.errors import ConfigError
from cxcore.model import Journey
from cxcore.model.records import RECORD_KINDS, RecordKind
from cxcore.sdk.clock import FakeClock
from cxcore.sdk.privacy import HASH_KEY_ENV
from cxcore.sdk.source import Source
from cxcore.sdk.sync import (
    CheckResult,
    SyncProgress,
    SyncSummary,
    check_sources,
    open_source,
    sync_sources,
)
from cxcore.store import RejectedRecord, SyncState, WriteResult
from cxcore.store.duckdb import DuckDBStore
from cxcore.testing.standin import Fault, FaultKind, FaultPlan, StandinServer
from cxcore.workspace import Workspace

__all__ = [
    "SOURCE_NAME",
    "DeleteCase",
    "DriftCase",
    "KillingStore",
    "SourceContract",
    "SyncKilled",
    "snapshot",
]

#: The name the contract configures the source under (``[sources.contract]``).
SOURCE_NAME = "contract"

Snapshot = dict[str, list[dict[str, Any]]]


class SyncKilled(BaseException):
    """Simulates the process dying mid-sync (a ``BaseException``, like ``KeyboardInterrupt``,
    so no ``except Exception`` in the code under test can swallow it)."""


@attrs.frozen(kw_only=True)
class DriftCase:
    """A new vendor field the stand-in now sends, and where it must end up.

    ``record_id`` is the id of the cxcore record (of ``kind``) whose ``attributes[field]``
    must hold ``value`` after a sync.
    """

    kind: RecordKind
    record_id: str
    field: str
    value: Any


@attrs.frozen(kw_only=True)
class DeleteCase:
    """A record deleted or archived at the vendor: the cxcore record that must be a tombstone."""

    kind: RecordKind
    record_id: str


class KillingStore(DuckDBStore):
    """A DuckDB store whose ``kill_at``-th :meth:`write` raises :class:`SyncKilled` before
    anything of it commits (a crash inside the transaction), once."""

    def __init__(self, path: str | Path = ":memory:", *, kill_at: int) -> None:
        super().__init__(path)
        self.kill_at = kill_at
        self.writes = 0

    def write(
        self,
        kind: RecordKind,
        records: Sequence[Mapping[str, Any]],
        *,
        rejected: Sequence[RejectedRecord] = (),
        state: SyncState | None = None,
    ) -> WriteResult:
        """Count writes; die on the chosen one."""
        self.writes += 1
        if self.writes == self.kill_at:
            raise SyncKilled(f"killed inside store write {self.writes}")
        return super().write(kind, records, rejected=rejected, state=state)


def snapshot(workspace: Workspace) -> Snapshot:
    """Every stored record of every kind, tombstones included, ordered by id."""
    return {
        kind: sorted(workspace.store.records(kind, deleted=True), key=lambda r: str(r["id"]))
        for kind in RECORD_KINDS
    }


def _count(snap: Snapshot) -> int:
    return sum(len(v) for v in snap.values())


def _diff(expected: Snapshot, actual: Snapshot) -> str:
    lines = []
    for kind in RECORD_KINDS:
        want = {r["id"]: r for r in expected[kind]}
        got = {r["id"]: r for r in actual[kind]}
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        changed = sorted(k for k in set(want) & set(got) if want[k] != got[k])
        if missing or extra or changed:
            lines.append(
                f"{kind}: {len(missing)} missing {missing[:5]}, {len(extra)} extra {extra[:5]}, "
                f"{len(changed)} different {changed[:5]}"
            )
    return "; ".join(lines) or "identical"


_REFERENCE: dict[tuple[type, tuple[str, ...] | None], Snapshot] = {}


class SourceContract:
    """Base class of a plugin's contract tests; see the module docstring.

    Class attributes:
        plugin: the plugin to register (module or object with ``@cxcore.hookimpl``\\ s).
        source_type: the source type name it registers (``SourceSpec.name``).
        journey: a journey for the test workspace (``None``: channels/stages unchecked).
        min_pages: pages every stream must span in a full sync of the stand-in.
        fault_at: which request (0-based) a scripted fault breaks.
        skip: test name -> reason, for checks that do not apply to a source.
    """

    plugin: ClassVar[Any]
    source_type: ClassVar[str]
    journey: ClassVar[Journey | None] = None
    min_pages: ClassVar[int] = 3
    fault_at: ClassVar[int] = 2
    skip: ClassVar[Mapping[str, str]] = {}

    # -- what a plugin provides ------------------------------------------------------------------

    def standin(self, faults: FaultPlan) -> StandinServer:
        """A new, not yet started stand-in with deterministic data and these faults.

        Its data must give every stream at least :attr:`min_pages` pages with
        :meth:`settings`, and no server-side rate limit (the contract uses a fake clock).
        """
        raise NotImplementedError("implement standin(faults) in your contract subclass")

    def settings(self, server: StandinServer) -> dict[str, Any]:
        """Valid settings pointing the source at ``server`` (credentials inline; the contract
        moves ``writeOnly`` settings into environment variables)."""
        raise NotImplementedError("implement settings(server) in your contract subclass")

    def bad_settings(self, server: StandinServer) -> dict[str, Any]:
        """Settings whose credential the stand-in refuses."""
        raise NotImplementedError("implement bad_settings(server) in your contract subclass")

    def drift(self, server: StandinServer) -> DriftCase | None:
        """Optionally change the stand-in's data: add a new field to one raw record and remove
        an optional field from another; return where the new field must show up."""
        return None

    def delete(self, server: StandinServer) -> Sequence[DeleteCase]:
        """Optionally delete or archive records at the stand-in (after a first sync); return
        the cxcore records that must become tombstones in the next incremental sync."""
        return ()

    def secret_values(self, settings: Mapping[str, Any]) -> list[str]:
        """Values that must never appear in logs, errors or the store (default: every
        ``writeOnly`` setting)."""
        schema = self._spec().config_schema
        props = schema.get("properties", {})
        return [
            str(v)
            for k, v in settings.items()
            if isinstance(props.get(k), Mapping) and props[k].get("writeOnly") and v
        ]

    # -- machinery --------------------------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _contract_env(
        self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        name = getattr(request.node, "originalname", request.node.name)
        if name in self.skip:
            pytest.skip(self.skip[name])
        monkeypatch.setenv(HASH_KEY_ENV, "contract-test-hash-key-0123456789abcdef")
        self._monkeypatch = monkeypatch

    def _spec(self) -> Any:
        from cxcore.plugins import PluginManager

        specs = PluginManager([self.plugin], entry_points=False).sources()
        assert self.source_type in specs, (
            f"the plugin does not register a source type {self.source_type!r}; it registers "
            f"{sorted(specs)}"
        )
        return specs[self.source_type]

    def _env_settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Settings as a user writes them: credentials as ``{env = "VAR"}`` references."""
        props = self._spec().config_schema.get("properties", {})
        out: dict[str, Any] = {}
        for key, value in settings.items():
            if isinstance(props.get(key), Mapping) and props[key].get("writeOnly"):
                var = f"CXCORE_CONTRACT_{key.upper()}"
                self._monkeypatch.setenv(var, str(value))
                out[key] = {"env": var}
            else:
                out[key] = value
        return out

    def workspace(
        self, settings: Mapping[str, Any], *, store: DuckDBStore | None = None
    ) -> Workspace:
        """A workspace whose cxcore.toml configures the source as ``[sources.contract]``."""
        config = ProjectConfig(
            store=StoreConfig(path=None),
            journey=self.journey,
            sources={
                SOURCE_NAME: SourceConfig(
                    name=SOURCE_NAME, plugin=self.source_type, settings=self._env_settings(settings)
                )
            },
        )
        return Workspace(
            config=config,
            store=store if store is not None else DuckDBStore(":memory:"),
            plugins=[self.plugin],
            entry_points=False,
        )

    def sync(
        self,
        workspace: Workspace,
        *,
        streams: Sequence[str] | None = None,
        clock: FakeClock | None = None,
        progress: Any = None,
    ) -> SyncSummary:
        """Sync the contract source with a fake clock (waits are recorded, not slept)."""
        return sync_sources(
            workspace,
            [SOURCE_NAME],
            streams=streams,
            progress=progress,
            clock=clock or FakeClock(wall=time.time()),
        )

    def stream_names(self) -> list[str]:
        """The source's streams, from a source built against an idle stand-in."""
        with self.standin(FaultPlan()) as server:
            ws = self.workspace(self.settings(server))
            source = open_source(ws, SOURCE_NAME)
            try:
                return [s.name for s in source.discover()]
            finally:
                source.close()
                ws.close()

    def reference(self, streams: Sequence[str] | None = None) -> Snapshot:
        """The records of an uninterrupted, fault-free full sync (cached per class)."""
        key = (type(self), tuple(streams) if streams is not None else None)
        if key not in _REFERENCE:
            with self.standin(FaultPlan()) as server, self.workspace(self.settings(server)) as ws:
                summary = self.sync(ws, streams=streams)
                assert summary.ok, _failures(summary)
                _REFERENCE[key] = snapshot(ws)
        return _REFERENCE[key]

    def run_with_faults(self, *faults: Fault) -> tuple[SyncSummary, Snapshot, FakeClock]:
        """A full sync against a stand-in with ``faults``: (summary, records, clock)."""
        clock = FakeClock(wall=time.time())
        with self.standin(FaultPlan(faults)) as server, self.workspace(self.settings(server)) as ws:
            summary = self.sync(ws, clock=clock)
            return summary, snapshot(ws), clock

    # -- the contract -----------------------------------------------------------------------------

    def test_plugin_registers_source(self) -> None:
        """The plugin registers the source type with a description."""
        spec = self._spec()

        assert spec.name == self.source_type
        assert spec.description, "give the SourceSpec a one-line description"

    def test_streams_declared(self) -> None:
        """Streams have unique names, valid draft 2020-12 schemas, and declared keys."""
        with self.standin(FaultPlan()) as server, self.workspace(self.settings(server)) as ws:
            source = open_source(ws, SOURCE_NAME)
            try:
                assert isinstance(source, Source), "the factory must build a cxcore.sdk.Source"
                streams = list(source.discover())
            finally:
                source.close()

        names = [s.name for s in streams]
        assert streams, "the source declares no streams"
        assert len(names) == len(set(names)), f"duplicate stream names: {names}"
        for stream in streams:
            jsonschema.Draft202012Validator.check_schema(dict(stream.schema))
            assert stream.schema.get("type") == "object", f"{stream.name}: records are objects"
            declared = stream.declared_fields
            for key in stream.primary_key:
                assert key.split(".")[0] in declared, f"{stream.name}: key {key} not in schema"
            if stream.cursor_field is not None:
                assert stream.cursor_field.split(".")[0] in declared, (
                    f"{stream.name}: cursor field {stream.cursor_field} not in schema"
                )
            assert stream.schema.get("additionalProperties", True) is not False, (
                f"{stream.name}: the raw schema must allow new vendor fields (schema drift)"
            )

    def test_config_schema_valid(self) -> None:
        """The settings schema is valid, accepts the settings, and refuses a typo."""
        spec = self._spec()
        jsonschema.Draft202012Validator.check_schema(dict(spec.config_schema))
        with self.standin(FaultPlan()) as server:
            good = self.settings(server)
            with self.workspace(good) as ws:
                open_source(ws, SOURCE_NAME).close()
            with (
                self.workspace({**good, "no_such_setting": 1}) as ws,
                pytest.raises(ConfigError) as err,
            ):
                open_source(ws, SOURCE_NAME)

        assert "no_such_setting" in str(err.value)

    def test_check_passes(self) -> None:
        """``check`` succeeds against the stand-in with good settings."""
        with self.standin(FaultPlan()) as server, self.workspace(self.settings(server)) as ws:
            (result,) = check_sources(ws, clock=FakeClock(wall=time.time()))

        assert result.ok, result.line

    def test_check_fails_clearly_on_bad_credentials(self) -> None:
        """A refused credential gives one line naming the source and what to check."""
        with self.standin(FaultPlan()) as server:
            bad = self.bad_settings(server)
            with self.workspace(bad) as ws:
                (result,) = check_sources(ws, clock=FakeClock(wall=time.time()))

        assert not result.ok
        assert "\n" not in result.line
        assert result.line.startswith(f"{SOURCE_NAME} ({self.source_type}): ")
        assert "check" in result.message.lower(), f"say what to check: {result.message}"
        for secret in self.secret_values(bad):
            assert secret not in result.line

    def test_full_sync_validates(self) -> None:
        """A full sync stores records of every stream, all valid cxcore records."""
        with self.standin(FaultPlan()) as server, self.workspace(self.settings(server)) as ws:
            summary = self.sync(ws)
            snap = snapshot(ws)
            problems = [
                (kind, r["id"], ws.validate(kind, r))
                for kind, records in snap.items()
                for r in records
                if ws.validate(kind, r)
            ]

        assert summary.ok, _failures(summary)
        assert summary.rejected == 0, "the stand-in's own data must not be rejected"
        for stream in summary.streams:
            assert stream.stored > 0, f"stream {stream.stream} stored nothing"
        assert problems == []

    def test_every_stream_spans_pages(self) -> None:
        """Each stream is read across at least :attr:`min_pages` pages."""
        with self.standin(FaultPlan()) as server, self.workspace(self.settings(server)) as ws:
            summary = self.sync(ws)

        pages = {s.stream: s.pages for s in summary.streams}
        assert all(n >= self.min_pages for n in pages.values()), pages

    def test_second_sync_inserts_nothing(self) -> None:
        """Syncing again without changes at the vendor inserts and updates nothing."""
        with self.standin(FaultPlan()) as server, self.workspace(self.settings(server)) as ws:
            first = self.sync(ws)
            before = snapshot(ws)
            second = self.sync(ws)
            after = snapshot(ws)

        assert first.ok and second.ok, _failures(second)
        assert first.inserted > 0
        assert (second.inserted, second.updated, second.rejected) == (0, 0, 0)
        assert after == before

    def test_interrupted_after_commit_resumes_exactly(self, tmp_path: Path) -> None:
        """Killed after page 1 of each stream, then restarted: exactly the reference records."""
        for stream in self.stream_names():
            expected = self.reference([stream])
            path = tmp_path / f"{stream}.duckdb"

            def kill(event: SyncProgress) -> None:
                if not event.done and event.pages == 1:
                    raise SyncKilled(f"killed after page 1 of {event.stream}")

            with self.standin(FaultPlan()) as server:
                settings = self.settings(server)
                ws = self.workspace(settings, store=DuckDBStore(path))
                with pytest.raises(SyncKilled):
                    self.sync(ws, streams=[stream], progress=kill)
                partial = snapshot(ws)
                ws.close()  # the "process" dies; a new one opens the same store file
                with self.workspace(settings, store=DuckDBStore(path)) as ws:
                    summary = self.sync(ws, streams=[stream])
                    resumed = snapshot(ws)

            assert summary.ok, _failures(summary)
            assert 0 < _count(partial) < _count(expected), (
                f"{stream}: the kill after page 1 should leave a partial store"
            )
            assert resumed == expected, f"{stream}: {_diff(expected, resumed)}"

    def test_interrupted_mid_write_resumes_exactly(self) -> None:
        """Killed inside the second store write of each stream: exactly the reference records."""
        for stream in self.stream_names():
            expected = self.reference([stream])
            store = KillingStore(kill_at=2)
            with self.standin(FaultPlan()) as server:
                ws = self.workspace(self.settings(server), store=store)
                with pytest.raises(SyncKilled):
                    self.sync(ws, streams=[stream])
                summary = self.sync(ws, streams=[stream])
                resumed = snapshot(ws)
                ws.close()

            assert summary.ok, _failures(summary)
            assert resumed == expected, f"{stream}: {_diff(expected, resumed)}"

    def test_429_with_retry_after(self) -> None:
        """A 429 with ``Retry-After`` is waited out for exactly that long, nothing lost."""
        fault = Fault(FaultKind.RATE_LIMITED, at=self.fault_at, retry_after=7)
        summary, snap, clock = self.run_with_faults(fault)

        assert summary.ok, _failures(summary)
        assert fault.fired == 1
        assert 7.0 in clock.sleeps
        assert snap == self.reference(), _diff(self.reference(), snap)

    def test_429_without_retry_after(self) -> None:
        """A 429 without ``Retry-After`` falls back to backoff, nothing lost."""
        fault = Fault(FaultKind.RATE_LIMITED_NO_RETRY_AFTER, at=self.fault_at)
        summary, snap, clock = self.run_with_faults(fault)

        assert summary.ok, _failures(summary)
        assert fault.fired == 1
        assert sum(s.retries for s in summary.streams) >= 1
        assert any(s > 0 for s in clock.sleeps)
        assert snap == self.reference(), _diff(self.reference(), snap)

    def test_5xx_then_success(self) -> None:
        """500 then 503 on the next try are retried, nothing lost."""
        faults = (
            Fault(FaultKind.SERVER_ERROR, at=self.fault_at),
            Fault(FaultKind.UNAVAILABLE, at=self.fault_at + 1, retry_after=2),
        )
        summary, snap, _clock = self.run_with_faults(*faults)

        assert summary.ok, _failures(summary)
        assert [f.fired for f in faults] == [1, 1]
        assert sum(s.retries for s in summary.streams) >= 2
        assert snap == self.reference(), _diff(self.reference(), snap)

    def test_truncated_body(self) -> None:
        """A body shorter than its Content-Length is retried, never parsed as data."""
        fault = Fault(FaultKind.TRUNCATED_BODY, at=self.fault_at)
        summary, snap, _clock = self.run_with_faults(fault)

        assert summary.ok, _failures(summary)
        assert fault.fired == 1
        assert sum(s.retries for s in summary.streams) >= 1
        assert snap == self.reference(), _diff(self.reference(), snap)

    def test_malformed_body(self) -> None:
        """A 200 with invalid JSON is retried, nothing lost."""
        fault = Fault(FaultKind.MALFORMED_JSON, at=self.fault_at)
        summary, snap, _clock = self.run_with_faults(fault)

        assert summary.ok, _failures(summary)
        assert fault.fired == 1
        assert snap == self.reference(), _diff(self.reference(), snap)

    def test_401_fails_stream_then_recovers(self) -> None:
        """A 401 mid-sync fails that stream clearly; the next sync completes the data.

        Sources that legitimately recover from a single 401 (OAuth2 refreshes its token
        once) override this with a 401 that persists across the retry.
        """
        fault = Fault(FaultKind.UNAUTHORIZED, at=self.fault_at)
        with (
            self.standin(FaultPlan([fault])) as server,
            self.workspace(self.settings(server)) as ws,
        ):
            first = self.sync(ws)
            second = self.sync(ws)
            snap = snapshot(ws)

        assert not first.ok
        failed = first.failed[0]
        assert failed.error_type == "AuthError"
        assert failed.error is not None and "\n" not in failed.error
        assert "401" in failed.error
        assert second.ok, _failures(second)
        assert snap == self.reference(), _diff(self.reference(), snap)

    def test_schema_drift_kept_in_attributes(self) -> None:
        """A new vendor field lands in ``attributes``; a missing optional field is fine."""
        with self.standin(FaultPlan()) as server:
            case = self.drift(server)
            if case is None:
                pytest.skip("drift() is not implemented for this source")
            with self.workspace(self.settings(server)) as ws:
                summary = self.sync(ws)
                found = [r for r in ws.store.records(case.kind) if r["id"] == case.record_id]

        assert summary.ok, _failures(summary)
        assert summary.rejected == 0
        assert len(found) == 1, f"no {case.kind} {case.record_id!r} stored"
        assert (found[0].get("attributes") or {}).get(case.field) == case.value

    def test_deletes_become_tombstones(self) -> None:
        """Records deleted at the vendor become tombstones, never silently missing."""
        with self.standin(FaultPlan()) as server, self.workspace(self.settings(server)) as ws:
            first = self.sync(ws)
            cases = list(self.delete(server))
            if not cases:
                pytest.skip("delete() is not implemented for this source")
            second = self.sync(ws)
            everything = snapshot(ws)
            live = {kind: {r["id"] for r in ws.store.records(kind)} for kind in RECORD_KINDS}

        assert first.ok and second.ok, _failures(second)
        for case in cases:
            stored = [r for r in everything[case.kind] if r["id"] == case.record_id]
            assert stored, f"{case.kind} {case.record_id!r} is missing, not a tombstone"
            assert stored[0].get("deleted") is True
            assert case.record_id not in live[case.kind]

    def test_secrets_never_leak(self, caplog: pytest.LogCaptureFixture) -> None:
        """No credential in DEBUG logs, error messages, summaries or the store."""
        caplog.set_level(logging.DEBUG)
        faults = [
            Fault(FaultKind.SERVER_ERROR, at=1),
            Fault(FaultKind.TRUNCATED_BODY, at=2),
            # Three in a row: an OAuth2 source retries once with a fresh token, then fails.
            Fault(FaultKind.UNAUTHORIZED, at=4, times=3),
        ]
        texts: list[str] = []
        with self.standin(FaultPlan(faults)) as server:
            good, bad = self.settings(server), self.bad_settings(server)
            secrets = self.secret_values(good) + self.secret_values(bad)
            with self.workspace(bad) as ws:
                results: list[CheckResult] = check_sources(ws, clock=FakeClock(wall=time.time()))
                texts += [r.line for r in results]
            with self.workspace(good) as ws:
                source = open_source(ws, SOURCE_NAME)
                secrets += [s.reveal() for s in source.secrets()]
                source.close()
                summaries = [self.sync(ws), self.sync(ws)]
                texts += [json.dumps(s.as_dict()) for s in summaries]
                store = ws.store
                texts += [json.dumps(snapshot(ws), default=str)]
                texts += [repr(r) for r in store.rejected()]
                texts += [json.dumps(dict(s.cursor)) for s in store.states()]
            # Every bearer token the stand-in saw is a secret too, refreshed ones included.
            secrets += [
                r.headers["authorization"].split(" ", 1)[1]
                for r in server.requests
                if r.headers.get("authorization", "").startswith("Bearer ")
            ]
        texts.append(caplog.text)
        blob = "\n".join(texts)

        assert re.search(r"\b(GET|POST|PUT|PATCH)\b", caplog.text), (
            "expected DEBUG logs of the HTTP requests"
        )
        assert any(not s.ok for s in summaries), "the 401 fault should have failed a stream"
        leaked = [s for s in {s for s in secrets if len(s) >= 4} if s in blob]
        assert leaked == [], "secret values found in logs, errors or the store"


def _failures(summary: SyncSummary) -> str:
    return "; ".join(f"{s.stream}: {s.error}" for s in summary.failed) or "no failures"
