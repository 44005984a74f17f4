"""Resolved settings hold secrets: printing a source or its settings must not show them."""

from __future__ import annotations

from cxcore.sdk.source import RedactedSettings


def test_settings_and_source_reprs_mask_credentials() -> None:
    settings = RedactedSettings(
        {"email": "agent@acme.example", "token": "tok-123", "client_secret": "cs-9", "pages": 2}
    )

    shown = f"{settings} {settings!r}"

    assert "tok-123" not in shown and "cs-9" not in shown
    assert "agent@acme.example" in shown and "'pages': 2" in shown
    assert settings["token"] == "tok-123"  # the plugin still gets the value
