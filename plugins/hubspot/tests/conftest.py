"""Test setup for the HubSpot plugin's tests: the vendor reference data, when present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cxcore.testing.reference import draft7_validator, find_vendor_api


@pytest.fixture(scope="session")
def vendor_api() -> Path:
    """shared/vendor-api beside the checkout (or $CXCORE_VENDOR_API); else skip."""
    found = find_vendor_api(Path(__file__).parent)
    if found is None:
        pytest.skip("vendor reference data (shared/vendor-api) is not available")
    return found


@pytest.fixture(scope="session")
def schema_validator() -> Any:
    """``schema_validator(path)`` -> a Draft 7 validator for that vendor schema file."""
    return draft7_validator
