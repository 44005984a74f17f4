"""Secret values and the redaction helpers that keep credentials out of logs, errors and reprs."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from typing import final
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = ["MASK", "Secret", "is_sensitive_name", "redact_url", "scrub_text"]

MASK = "********"

# Query-string / JSON / form keys whose values are credentials. Over-redacting a harmless value
# (say a ``page_token``) only costs some log detail; under-redacting leaks a credential.
_SENSITIVE_EXACT = frozenset(
    {"sig", "code", "key", "auth", "authorization", "assertion", "jwt", "hapikey"}
)
_SENSITIVE_PARTS = (
    "token",
    "secret",
    "passw",
    "pwd",
    "apikey",
    "api_key",
    "api-key",
    "signature",
    "credential",
    "session",
)

# Secrets shorter than this are not substring-scrubbed: masking every "ab" in a message would
# destroy it while protecting nothing real.
_MIN_SCRUB_LENGTH = 4


@final
class Secret:
    """A credential string that masks itself everywhere except :meth:`reveal`.

    ``repr()``, ``str()`` and ``format()`` all give ``********``. It is deliberately *not* a
    ``str`` subclass: a subclass leaks through concatenation, ``%``-formatting, ``json.dumps``
    and every C-level API that reads the character buffer without calling ``__str__``.
    Equality is constant-time.
    """

    __slots__ = ("_value",)

    _value: str

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            self._value = value._value
        elif isinstance(value, str):
            self._value = value
        else:
            raise TypeError(f"Secret needs a str, got {type(value).__name__}")

    def reveal(self) -> str:
        """Return the real value; call this only where it is put on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


def is_sensitive_name(name: str) -> bool:
    """Whether a parameter/field called ``name`` usually holds a credential."""
    lowered = name.lower()
    return lowered in _SENSITIVE_EXACT or any(part in lowered for part in _SENSITIVE_PARTS)


def _redact_query(query: str) -> str:
    if not query:
        return query
    out = []
    # Re-join the original pieces instead of re-encoding so the redacted URL still reads exactly
    # like the one that was sent.
    for piece in query.split("&"):
        name, sep, _value = piece.partition("=")
        if sep and is_sensitive_name(unquote(name)):
            out.append(f"{name}={MASK}")
        else:
            out.append(piece)
    return "&".join(out)


def redact_url(url: str) -> str:
    """``url`` fit for a log or error message.

    Masks credential-looking query values and ``user:password@`` userinfo, and drops the
    fragment (OAuth implicit flows put ``access_token`` there).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_query(parts.query), ""))


_QUERY_PAIR = re.compile(r"(?P<key>[A-Za-z0-9_.\-\[\]]+)=(?P<value>[^&\s'\"#,;)]+)")
_QUOTED_PAIR = re.compile(
    r"(?P<q>[\"'])(?P<key>[^\"']{1,64})(?P=q)\s*:\s*(?P<vq>[\"'])(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)"
)
# "Token" only capitalised: lower-case "token" is common prose ("POST /oauth/token HTTP/1.1").
_AUTH_SCHEME = re.compile(
    r"\b(?P<scheme>[Bb]earer|BEARER|[Bb]asic|BASIC|Token)\s+[A-Za-z0-9._~+/=\-]{6,}"
)


def _mask_query_pair(match: re.Match[str]) -> str:
    if is_sensitive_name(unquote(match["key"])):
        return f"{match['key']}={MASK}"
    return match.group(0)


def _mask_quoted_pair(match: re.Match[str]) -> str:
    if is_sensitive_name(match["key"]):
        q, vq = match["q"], match["vq"]
        return f"{q}{match['key']}{q}: {vq}{MASK}{vq}"
    return match.group(0)


def scrub_text(text: str, secrets: Iterable[Secret] = ()) -> str:
    """Remove credentials from free text such as exception messages and error bodies.

    Masks every known secret (raw and URL-encoded), ``key=value`` pairs and JSON/dict
    ``"key": "value"`` pairs whose key looks sensitive, and ``Bearer``/``Basic`` header values.
    """
    for secret in secrets:
        value = secret.reveal()
        if len(value) < _MIN_SCRUB_LENGTH:
            continue
        text = text.replace(value, MASK)
        encoded = quote(value, safe="")
        if encoded != value:
            text = text.replace(encoded, MASK)
    text = _QUOTED_PAIR.sub(_mask_quoted_pair, text)
    text = _QUERY_PAIR.sub(_mask_query_pair, text)
    return _AUTH_SCHEME.sub(lambda m: f"{m['scheme']} {MASK}", text)
