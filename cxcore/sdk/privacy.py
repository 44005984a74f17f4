"""Personal identifiers as keyed hashes, so journeys can be stitched without storing them.

cxcore stores e-mail addresses, phone numbers and other identifiers of people as
HMAC-SHA256 hashes under a key only the operator holds (``CXCORE_HASH_KEY``). The same
identifier hashed with the same key gives the same value in every source, so a Zendesk
requester and a HubSpot contact with one e-mail address meet in ``identities.email``; without
the key nobody can test a guessed address against the store (a plain SHA-256 of an e-mail
address is reversed by a dictionary in seconds).

A source's ``pii`` setting chooses the policy:

* ``"hash"`` (default): identifiers become keyed hashes; other personal fields (names,
  free-text notes) are left out of the records;
* ``"clear"``: identifiers and personal fields are stored as they are (only when the store
  is itself protected and the law allows it);
* ``"drop"``: identifiers and personal fields are left out altogether.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from typing import Literal

from cxcore.errors import ConfigError
from cxcore.sdk.secret import Secret

__all__ = [
    "HASH_KEY_ENV",
    "PII_MODES",
    "IdentityHasher",
    "PiiMode",
    "PrivacyPolicy",
    "normalize_identifier",
]

#: The environment variable holding the hashing key.
HASH_KEY_ENV = "CXCORE_HASH_KEY"

PiiMode = Literal["hash", "clear", "drop"]
PII_MODES: tuple[PiiMode, ...] = ("hash", "clear", "drop")

# A key much shorter than the hash is guessable, which would defeat the keying.
_MIN_KEY_LENGTH = 16
_SPACES = re.compile(r"\s+")
_PHONE_JUNK = re.compile(r"[^\d+]")


def normalize_identifier(kind: str, value: str) -> str:
    """The canonical form hashed for ``kind``, so trivially different spellings match.

    E-mail addresses are trimmed and lower-cased; phone numbers keep only digits and a
    leading ``+``; anything else is trimmed with inner whitespace collapsed.
    """
    text = value.strip()
    if kind == "email":
        return text.lower()
    if kind == "phone":
        digits = _PHONE_JUNK.sub("", text)
        return ("+" if digits.startswith("+") else "") + digits.replace("+", "")
    return _SPACES.sub(" ", text)


class IdentityHasher:
    """HMAC-SHA256 of ``"<kind>:<normalized value>"`` under a secret key, as 64 hex digits.

    The kind is part of the message so an e-mail and a phone number that happen to be the
    same string never collide.
    """

    def __init__(self, key: str | Secret) -> None:
        secret = Secret(key)
        if len(secret.reveal()) < _MIN_KEY_LENGTH:
            raise ConfigError(
                f"{HASH_KEY_ENV} is too short: use at least {_MIN_KEY_LENGTH} characters, e.g. "
                'the output of `python -c "import secrets; print(secrets.token_hex(32))"`'
            )
        self._key = secret

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IdentityHasher:
        """A hasher keyed from ``CXCORE_HASH_KEY``; :class:`ConfigError` says how to set it."""
        env = os.environ if environ is None else environ
        key = env.get(HASH_KEY_ENV)
        if not key:
            raise ConfigError(
                f"{HASH_KEY_ENV} is not set: personal identifiers (e-mail, phone) are stored as "
                f"keyed hashes and need a secret key; export {HASH_KEY_ENV}=<random string of "
                "32+ characters> (keep it: changing it changes every hash), or set "
                'pii = "clear" or "drop" in the source\'s settings'
            )
        return cls(key)

    def secrets(self) -> tuple[Secret, ...]:
        """The key, for log scrubbing."""
        return (self._key,)

    def hash(self, kind: str, value: str) -> str:
        """The keyed hash of ``value`` as an identifier of ``kind`` (``email``, ``phone``...)."""
        message = f"{kind}:{normalize_identifier(kind, value)}".encode()
        return hmac.new(self._key.reveal().encode(), message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "IdentityHasher(key=********)"


class PrivacyPolicy:
    """Applies a source's ``pii`` mode to identifiers and personal fields.

    The hasher is created on first use, so a source that never meets an identifier (or a
    ``check``) does not need ``CXCORE_HASH_KEY``.
    """

    def __init__(
        self,
        mode: PiiMode = "hash",
        *,
        hasher: IdentityHasher | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if mode not in PII_MODES:
            raise ConfigError(f"pii: expected one of {', '.join(PII_MODES)}, got {mode!r}")
        self.mode: PiiMode = mode
        self._hasher = hasher
        self._environ = environ

    @property
    def hasher(self) -> IdentityHasher:
        """The keyed hasher (raises :class:`ConfigError` when the key is missing)."""
        if self._hasher is None:
            self._hasher = IdentityHasher.from_env(self._environ)
        return self._hasher

    def identifier(self, kind: str, value: object) -> str | None:
        """What to store for an identifier: its hash, itself, or ``None`` (absent or dropped)."""
        if value is None or self.mode == "drop":
            return None
        text = str(value)
        if not text.strip():
            return None
        if self.mode == "clear":
            return normalize_identifier(kind, text)
        return self.hasher.hash(kind, text)

    def personal(self, value: object) -> object | None:
        """A personal non-identifier field (a name, a note): kept only in ``clear`` mode."""
        return value if self.mode == "clear" else None

    def secrets(self) -> tuple[Secret, ...]:
        """The hashing key if one was loaded, for log scrubbing."""
        return self._hasher.secrets() if self._hasher is not None else ()

    def __repr__(self) -> str:
        return f"PrivacyPolicy({self.mode!r})"
