"""Sample record builders for tests: valid cxcore records with any field overridden."""

from __future__ import annotations

from typing import Any

__all__ = ["make_customer", "make_interaction", "make_response"]


def make_response(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid NPS response (value ``i % 11``); keyword arguments replace fields."""
    record: dict[str, Any] = {
        "kind": "response",
        "source": "survey",
        "id": f"r{i}",
        "item": "nps",
        "value": i % 11,
        "scale": {"min": 0, "max": 10},
        "occurred_at": "2024-03-01T09:30:00Z",
        "customer_id": f"c{i % 7}",
        "stage": "support",
        "channel": "phone",
    }
    record.update(overrides)
    return record


def make_interaction(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid ``ticket.created`` interaction; keyword arguments replace fields."""
    record: dict[str, Any] = {
        "kind": "interaction",
        "source": "helpdesk",
        "id": f"t{i}",
        "type": "ticket.created",
        "occurred_at": "2024-03-01T09:30:00+01:00",
        "customer_id": f"c{i % 7}",
        "stage": "support",
        "channel": "email",
        "durations": {"first_reply": 60.0 * i},
    }
    record.update(overrides)
    return record


def make_customer(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid customer ``c<i>`` in the ``consumer`` segment."""
    record: dict[str, Any] = {
        "kind": "customer",
        "source": "survey",
        "id": f"c{i}",
        "segment": "consumer",
    }
    record.update(overrides)
    return record
