"""The cxcore exception tree: catch ``CxcoreError`` to catch anything cxcore raises on purpose."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "AuthError",
    "ConfigError",
    "CxcoreError",
    "FieldError",
    "PluginCallError",
    "PluginError",
    "PluginLoadError",
    "PluginValidationError",
    "RecordValidationError",
    "SchemaError",
    "SourceError",
    "StoreBusyError",
    "StoreError",
    "TransportError",
]


class CxcoreError(Exception):
    """Base class of every error cxcore raises deliberately."""


@attrs.frozen(kw_only=True)
class FieldError:
    """One problem with one field of one record.

    ``pointer`` is a JSON pointer (RFC 6901) into the record, ``""`` for the record itself.
    """

    pointer: str
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = self.pointer or "(record)"
        return f"{where}: {self.message}"


class RecordValidationError(CxcoreError, ValueError):
    """A record does not match its schema; carries every problem found, not just the first."""

    def __init__(self, record: str, errors: Sequence[FieldError], *, schema: str = "") -> None:
        self.record = record
        self.errors = tuple(errors)
        self.schema = schema
        lines = "; ".join(str(e) for e in self.errors) or "invalid"
        against = f" against {schema}" if schema else ""
        super().__init__(f"{record} is not valid{against}: {lines}")


class SchemaError(CxcoreError):
    """A JSON Schema is itself broken, unknown, or conflicts with another."""


class ConfigError(CxcoreError):
    """The project configuration is wrong; the message names the file, key path and expectation."""


class PluginError(CxcoreError):
    """Base class for plugin problems; ``plugin`` is the plugin's registered name."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")


class PluginLoadError(PluginError):
    """A plugin could not be imported or registered."""


class PluginCallError(PluginError):
    """A plugin raised while one of its hooks was called."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        self.hook = hook
        self.error = error
        super().__init__(plugin, f"{hook} raised {type(error).__name__}: {error}")


class PluginValidationError(PluginError):
    """A plugin returned something the host cannot accept (wrong type, duplicate name...)."""


class StoreError(CxcoreError):
    """The store failed to read or write."""


class StoreBusyError(StoreError):
    """Another process holds the store; retry later or point at another store file."""


class SourceError(CxcoreError):
    """A source failed to fetch or map records."""


class TransportError(SourceError):
    """The network or the vendor API failed after retries (timeouts, 5xx, truncated bodies)."""


class AuthError(SourceError):
    """The vendor refused the credentials (401/403); the message names what to check."""
