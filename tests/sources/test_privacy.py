"""Keyed hashing of personal identifiers and the pii modes."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from cxcore.errors import ConfigError
from cxcore.sdk import HASH_KEY_ENV, IdentityHasher, PrivacyPolicy
from cxcore.sdk.privacy import normalize_identifier

KEY = "a-test-key-of-32-characters-long"


def test_hash_is_hmac_sha256_of_kind_and_normalized_value() -> None:
    expected = hmac.new(KEY.encode(), b"email:ada@example.com", hashlib.sha256).hexdigest()

    assert IdentityHasher(KEY).hash("email", "  Ada@Example.COM ") == expected


def test_kinds_never_collide_and_keys_matter() -> None:
    hasher = IdentityHasher(KEY)

    assert hasher.hash("email", "x@y.z") != hasher.hash("external_id", "x@y.z")
    assert hasher.hash("email", "x@y.z") != IdentityHasher(KEY + "!").hash("email", "x@y.z")


@pytest.mark.parametrize(
    ("kind", "raw", "normalized"),
    [
        ("email", " Ada@Example.com ", "ada@example.com"),
        ("phone", "+1 (555) 010-2030", "+15550102030"),
        ("phone", "0555 01 02", "05550102"),
        ("external_id", "  cust   42 ", "cust 42"),
    ],
)
def test_normalization(kind: str, raw: str, normalized: str) -> None:
    assert normalize_identifier(kind, raw) == normalized


def test_missing_key_says_how_to_set_it() -> None:
    with pytest.raises(ConfigError) as err:
        IdentityHasher.from_env({})

    message = str(err.value)
    assert f"{HASH_KEY_ENV} is not set" in message
    assert "export CXCORE_HASH_KEY=" in message
    assert 'pii = "clear" or "drop"' in message


def test_short_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as err:
        IdentityHasher("short-key")

    assert "too short" in str(err.value)
    assert "short-key" not in str(err.value)
    assert "short-key" not in repr(IdentityHasher(KEY))


def test_policy_modes() -> None:
    hashed = PrivacyPolicy("hash", environ={HASH_KEY_ENV: KEY})
    clear = PrivacyPolicy("clear")
    dropped = PrivacyPolicy("drop")

    assert hashed.identifier("email", "A@B.C") == IdentityHasher(KEY).hash("email", "a@b.c")
    assert clear.identifier("email", " A@B.C ") == "a@b.c"
    assert dropped.identifier("email", "a@b.c") is None
    assert hashed.identifier("email", None) is None and hashed.identifier("email", "  ") is None
    assert (hashed.personal("Ada"), clear.personal("Ada"), dropped.personal("Ada")) == (
        None,
        "Ada",
        None,
    )


def test_policy_needs_the_key_only_when_it_hashes() -> None:
    policy = PrivacyPolicy("hash", environ={})

    assert policy.identifier("email", None) is None  # nothing to hash: no key needed
    assert policy.secrets() == ()
    with pytest.raises(ConfigError):
        policy.identifier("email", "a@b.c")


def test_unknown_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="pii: expected one of hash, clear, drop"):
        PrivacyPolicy("encrypt")  # type: ignore[arg-type]
