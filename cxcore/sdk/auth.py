"""Credentials for :class:`~cxcore.sdk.http.HttpClient`.

Every auth object holds its secrets as :class:`~cxcore.sdk.secret.Secret`, can ``describe()``
itself for error messages without revealing them, and lists its ``secrets()`` so the client can
scrub them from anything it logs or raises.
"""

from __future__ import annotations

import abc
import base64
import threading
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from cxcore.errors import AuthError, TransportError
from cxcore.sdk.clock import Clock
from cxcore.sdk.errors import HttpStatusError
from cxcore.sdk.models import JsonResponse
from cxcore.sdk.secret import Secret, scrub_text

__all__ = [
    "Auth",
    "BasicAuth",
    "BearerToken",
    "OAuth2ClientCredentials",
    "RotatingRefreshToken",
    "TokenTransport",
]

# Past access/refresh tokens are still scrubbed from messages for a while (a log line may quote
# the token that was just replaced), but the list must not grow without bound on long runs.
_HISTORY = 8


class TokenTransport(Protocol):
    """What an auth object may use to fetch tokens; :class:`HttpClient` provides it."""

    @property
    def clock(self) -> Clock:
        """The client's clock (token expiry is measured on it)."""
        ...

    def post_form(
        self,
        url: str,
        form: Mapping[str, str | Secret],
        *,
        headers: Mapping[str, str | Secret] | None = None,
    ) -> JsonResponse:
        """POST an urlencoded form with retries but without auth or rate limiting.

        4xx answers are returned, not raised, so the caller can read OAuth error bodies.
        """
        ...


class Auth(abc.ABC):
    """Base class of credentials a client can attach to requests."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Human name of the credential to check, e.g. ``Zendesk API token for a@b.com``.

        Must never include the secret itself.
        """

    @abc.abstractmethod
    def headers(self, transport: TokenTransport) -> dict[str, str]:
        """Headers to add to the next request; may fetch or refresh a token first."""

    @abc.abstractmethod
    def secrets(self) -> tuple[Secret, ...]:
        """Every secret value this object holds or derived, for scrubbing."""

    def on_unauthorized(self, transport: TokenTransport, rejected: Mapping[str, str]) -> bool:
        """Called once when a request sent with ``rejected`` headers got HTTP 401.

        Return ``True`` if the credentials changed and the request should be retried once.
        Static credentials cannot improve, so the default is ``False``.
        """
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


def _basic_value(username: str, password: Secret) -> Secret:
    raw = f"{username}:{password.reveal()}".encode()
    return Secret("Basic " + base64.b64encode(raw).decode("ascii"))


class BasicAuth(Auth):
    """HTTP Basic auth; see :meth:`zendesk_api_token` for Zendesk's ``email/token`` form."""

    def __init__(
        self, username: str, password: str | Secret, *, description: str | None = None
    ) -> None:
        self.username = username
        self._password = Secret(password)
        self._header = _basic_value(username, self._password)
        self._description = description or f"HTTP basic credentials for {username}"

    @classmethod
    def zendesk_api_token(cls, email: str, token: str | Secret) -> BasicAuth:
        """Zendesk API-token auth: user ``{email}/token``, password = the API token."""
        return cls(f"{email}/token", token, description=f"Zendesk API token for {email}")

    def describe(self) -> str:
        """See :meth:`Auth.describe`."""
        return self._description

    def headers(self, transport: TokenTransport) -> dict[str, str]:
        """See :meth:`Auth.headers`."""
        return {"Authorization": self._header.reveal()}

    def secrets(self) -> tuple[Secret, ...]:
        """See :meth:`Auth.secrets`."""
        return (self._password, self._header)


class BearerToken(Auth):
    """A static bearer token (HubSpot private-app token, a pre-issued OAuth access token...)."""

    def __init__(self, token: str | Secret, *, description: str = "bearer token") -> None:
        self._token = Secret(token)
        self._description = description

    def describe(self) -> str:
        """See :meth:`Auth.describe`."""
        return self._description

    def headers(self, transport: TokenTransport) -> dict[str, str]:
        """See :meth:`Auth.headers`."""
        return {"Authorization": f"Bearer {self._token.reveal()}"}

    def secrets(self) -> tuple[Secret, ...]:
        """See :meth:`Auth.secrets`."""
        return (self._token,)


class _OAuth2(Auth):
    """Access-token caching and the token-endpoint exchange shared by the OAuth2 grants."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | Secret | None,
        *,
        scope: str | None,
        description: str,
        refresh_margin: float,
        client_auth: Literal["body", "basic"],
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.scope = scope
        self.refresh_margin = refresh_margin
        self.client_auth = client_auth
        self._client_secret = None if client_secret is None else Secret(client_secret)
        self._client_basic = (
            _basic_value(client_id, self._client_secret)
            if self._client_secret is not None and client_auth == "basic"
            else None
        )
        self._description = description
        # An RLock: a refresh runs under the lock and may re-enter through on_unauthorized.
        self._lock = threading.RLock()
        self._access: Secret | None = None
        self._expires_at: float | None = None
        self._old: list[Secret] = []
        self.refreshes = 0

    def describe(self) -> str:
        """See :meth:`Auth.describe`."""
        return self._description

    @abc.abstractmethod
    def _grant(self) -> dict[str, str | Secret]:
        """The form fields of the token request (grant type and its credentials)."""

    def _accepted(self, body: Mapping[str, Any]) -> None:
        """Hook: a token response was accepted (used for refresh-token rotation)."""

    def _remember(self, secret: Secret) -> None:
        self._old.append(secret)
        del self._old[:-_HISTORY]

    def _bearer(self) -> str | None:
        return None if self._access is None else f"Bearer {self._access.reveal()}"

    def headers(self, transport: TokenTransport) -> dict[str, str]:
        """See :meth:`Auth.headers`; fetches a token if none is cached or it is about to expire."""
        with self._lock:
            now = transport.clock.monotonic()
            access = self._access
            if access is None or (self._expires_at is not None and now >= self._expires_at):
                access = self._fetch(transport)
            return {"Authorization": f"Bearer {access.reveal()}"}

    def on_unauthorized(self, transport: TokenTransport, rejected: Mapping[str, str]) -> bool:
        """See :meth:`Auth.on_unauthorized`: refresh once, unless another thread already did."""
        with self._lock:
            current = self._bearer()
            if current is not None and rejected.get("Authorization") != current:
                return True
            self._fetch(transport)
            return True

    def secrets(self) -> tuple[Secret, ...]:
        """See :meth:`Auth.secrets`."""
        with self._lock:
            found = [*self._old]
            for secret in (self._client_secret, self._client_basic, self._access):
                if secret is not None:
                    found.append(secret)
            return tuple(found)

    def _fetch(self, transport: TokenTransport) -> Secret:
        form = self._grant()
        if self.scope:
            form["scope"] = self.scope
        headers: dict[str, str | Secret] = {}
        if self._client_basic is not None:
            headers["Authorization"] = self._client_basic
        else:
            form["client_id"] = self.client_id
            if self._client_secret is not None:
                form["client_secret"] = self._client_secret
        started = transport.clock.monotonic()
        response = transport.post_form(self.token_url, form, headers=headers)
        body = response.body if isinstance(response.body, dict) else {}
        if response.status in (400, 401, 403):
            raise AuthError(self._rejected_message(response, body))
        if not 200 <= response.status < 300:
            raise HttpStatusError("POST", response.url, response.status, "token request failed")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise TransportError(
                f"token endpoint {response.url} answered HTTP {response.status} without an "
                f"access_token for the {self._description}"
            )
        token_type = body.get("token_type", "bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise TransportError(
                f"token endpoint {response.url} issued a {token_type!r} token; only bearer "
                "tokens are supported"
            )
        if self._access is not None:
            self._remember(self._access)
        self._access = Secret(token)
        self._expires_at = self._expiry(body.get("expires_in"), started)
        self.refreshes += 1
        self._accepted(body)
        return self._access

    def _expiry(self, expires_in: object, started: float) -> float | None:
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float | str):
            return None  # no stated lifetime: use it until the API answers 401
        try:
            lifetime = float(expires_in)
        except ValueError:
            return None
        # Renew a little early so a token never expires between "checked" and "used"; a fixed
        # margin alone would make very short-lived tokens look permanently expired.
        margin = min(self.refresh_margin, lifetime / 10)
        # Measured from before the request: the server's clock started during it.
        return started + lifetime - margin

    def _rejected_message(self, response: JsonResponse, body: Mapping[str, Any]) -> str:
        error = body.get("error") or f"HTTP {response.status}"
        detail = body.get("error_description")
        reason = f"{error}: {detail}" if detail else str(error)
        reason = scrub_text(reason, self.secrets())
        return (
            f"token endpoint {response.url} rejected the {self._description} ({reason}); "
            f"check {self._hint()}"
        )

    def _hint(self) -> str:
        return "the client id, client secret and scope"


class OAuth2ClientCredentials(_OAuth2):
    """OAuth2 ``client_credentials`` grant with a cached access token.

    The token is reused until ``min(refresh_margin, expires_in / 10)`` seconds before it expires,
    then fetched again; a 401 from the API also forces one fresh token before giving up.
    ``client_auth="basic"`` sends the client id/secret as an HTTP Basic header instead of in
    the form body.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | Secret,
        *,
        scope: str | None = None,
        description: str | None = None,
        refresh_margin: float = 60.0,
        client_auth: Literal["body", "basic"] = "body",
    ) -> None:
        super().__init__(
            token_url,
            client_id,
            client_secret,
            scope=scope,
            description=description or f"OAuth2 client credentials for client id {client_id!r}",
            refresh_margin=refresh_margin,
            client_auth=client_auth,
        )

    def _grant(self) -> dict[str, str | Secret]:
        return {"grant_type": "client_credentials"}


class RotatingRefreshToken(_OAuth2):
    """OAuth2 ``refresh_token`` grant for servers that may issue a new refresh token each time.

    Zendesk and others make refresh tokens single-use: the new one must be stored before the
    process ends or the integration has to be re-authorised. ``on_rotate`` is called with the new
    refresh token as a plain ``str`` (not a :class:`Secret`, whose masked ``str()`` would
    silently persist ``********``) every time it changes, after it is already in use in memory.
    If ``on_rotate`` raises, the error propagates so the run stops instead of finishing with a
    refresh token nobody saved.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        refresh_token: str | Secret,
        *,
        on_rotate: Callable[[str], None],
        client_secret: str | Secret | None = None,
        scope: str | None = None,
        description: str | None = None,
        refresh_margin: float = 60.0,
        client_auth: Literal["body", "basic"] = "body",
    ) -> None:
        super().__init__(
            token_url,
            client_id,
            client_secret,
            scope=scope,
            description=description or f"OAuth2 refresh token for client id {client_id!r}",
            refresh_margin=refresh_margin,
            client_auth=client_auth,
        )
        self._refresh_token = Secret(refresh_token)
        self._on_rotate = on_rotate

    @property
    def refresh_token(self) -> Secret:
        """The refresh token the next refresh will use."""
        with self._lock:
            return self._refresh_token

    def _grant(self) -> dict[str, str | Secret]:
        return {"grant_type": "refresh_token", "refresh_token": self._refresh_token}

    def _accepted(self, body: Mapping[str, Any]) -> None:
        new = body.get("refresh_token")
        if not isinstance(new, str) or not new or new == self._refresh_token.reveal():
            return
        self._remember(self._refresh_token)
        self._refresh_token = Secret(new)
        self._on_rotate(new)

    def secrets(self) -> tuple[Secret, ...]:
        """See :meth:`Auth.secrets`."""
        with self._lock:
            return (*super().secrets(), self._refresh_token)

    def _hint(self) -> str:
        return (
            "that the refresh token was not already used or revoked (rotated tokens are "
            "single-use: re-authorise and store the new one), and the client id and secret"
        )
