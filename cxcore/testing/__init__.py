"""Test helpers for cxcore and its plugins; also an opt-in pytest plugin.

Enable the fixtures in a plugin's ``tests/conftest.py``::

    pytest_plugins = ["cxcore.testing"]

Fixtures (see :mod:`cxcore.testing.fixtures`): ``cx_workspace`` (a workspace with an
in-memory store and no entry points), ``cx_register`` (register a plugin into it for one
test), ``cx_hash_key`` (sets ``CXCORE_HASH_KEY``), ``cx_clock`` (a
:class:`~cxcore.sdk.FakeClock` at the real wall time).

The generic source checks are in :mod:`cxcore.testing.contract`
(:class:`~cxcore.testing.contract.SourceContract`); record builders in
:mod:`cxcore.testing.records`; local vendor stand-ins in :mod:`cxcore.testing.standin`.
Importing this package does not need pytest: the fixtures are only defined when it is
installed (``pip install cxcore[testing]``).
"""

from __future__ import annotations

try:
    import pytest as _pytest  # noqa: F401 - only probing whether pytest is installed
except ModuleNotFoundError:  # pragma: no cover - the helpers work without pytest
    pass
else:
    from .fixtures import cx_clock, cx_hash_key, cx_register, cx_workspace

    __all__ = ["cx_clock", "cx_hash_key", "cx_register", "cx_workspace"]
