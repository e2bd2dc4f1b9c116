"""``Authorization: Bearer <key>`` (or Anthropic's ``x-api-key: <key>``) → the client key, compared in constant
time, never logged or echoed."""

from __future__ import annotations

import hashlib
import hmac

from .config import ClientKey, Limits
from .errors import HTTPError

__all__ = ["ANONYMOUS_ID", "Authenticator"]

ANONYMOUS_ID = "anonymous"


class Authenticator:
    """Finds the key a request presents. With no keys configured every request is the anonymous key."""

    def __init__(self, keys: tuple[ClientKey, ...], default_limits: Limits) -> None:
        self._keys = keys
        self._anonymous = ClientKey(ANONYMOUS_ID, b"", default_limits)

    @property
    def anonymous(self) -> ClientKey:
        """The key of a request that needs none (and of every request when authentication is off)."""
        return self._anonymous

    def authenticate(self, authorization: str | None, api_key: str | None = None) -> ClientKey:
        """The key of ``Authorization: Bearer`` or, without that header, of ``x-api-key`` (Anthropic's clients)."""
        if not self._keys:
            return self._anonymous
        if authorization is None and api_key is not None:
            scheme, token = "bearer", api_key
        else:
            scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HTTPError(
                401,
                "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
                code="missing_api_key",
            )
        # Headers arrive as latin-1 text of the raw bytes; back to those bytes (UTF-8 keys hash the same).
        digest = hashlib.sha256(token.encode("latin-1")).digest()
        found: ClientKey | None = None
        for key in self._keys:  # every key is compared, so the time says nothing about which one matched
            if hmac.compare_digest(digest, key.digest):
                found = key
        if found is None:
            raise HTTPError(401, "Incorrect API key provided.", code="invalid_api_key")
        return found
