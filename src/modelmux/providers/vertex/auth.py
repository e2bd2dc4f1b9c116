"""Vertex AI credentials → the request's auth header. No I/O at import; google-auth is imported on first need.

Resolved per call, first match wins:

1. ``api_key=`` — a Vertex AI express-mode key, sent as ``x-goog-api-key`` (never in the URL, which ends up
   in logs), https://cloud.google.com/vertex-ai/generative-ai/docs/start/express-mode/overview;
2. ``vertex_access_token=`` — an OAuth access token, sent as ``Authorization: Bearer``;
3. ``vertex_token_provider=`` — a callable (or coroutine function) returning an access token, called for
   every request (it does its own caching, as ``azure-identity``'s and google-auth's helpers do);
4. ``vertex_credentials=`` — a google-auth ``Credentials`` object, a service-account (or any ADC) JSON file
   path, its JSON text, or its parsed dict (``modelmux[vertex]``);
5. otherwise Application Default Credentials through ``google.auth.default()`` (``modelmux[vertex]``):
   ``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's user credentials, the metadata server… Google's own discovery.

With google-auth credentials and no ``vertex_project``, the project they name (ADC's, a service-account file's
``project_id``) is the call's project.

google-auth credentials are kept (a few, by source) and refreshed only when google-auth says the token is no
longer valid (it treats a token as invalid some minutes before it expires). A refresh is blocking I/O: the async
path runs it in a worker thread, and answers from the cached token without one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ...errors import AuthenticationError
from .._base import CallContext
from .._token_auth import TokenAuth, keep_bounded

__all__ = ["CLOUD_PLATFORM_SCOPE", "VertexAuth"]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_CACHE_SIZE = 16
_ADC = "application-default-credentials"


def _no_extra() -> AuthenticationError:
    return AuthenticationError(
        "no credentials for Vertex AI: pass api_key= (express mode), vertex_access_token=, vertex_token_provider=, "
        "or install the vertex extra (google-auth; pip install '.[vertex]' in the modelmux checkout) for "
        "Application Default Credentials and service-account files",
        provider="vertex",
    )


class VertexAuth(TokenAuth):
    """Per-provider credential cache (thread-safe); one instance lives on the provider object."""

    provider_name = "vertex"
    label = "Vertex AI"
    caller_auth_headers = frozenset({"authorization", "x-goog-api-key"})
    token_provider_option = "vertex_token_provider"

    def __init__(self, request_factory: Callable[[], Any] | None = None) -> None:
        super().__init__()
        self._credentials: OrderedDict[Hashable, tuple[Any, str | None]] = OrderedDict()
        self._request_factory = request_factory

    # ------------------------------------------------------------------ sources

    def _static(self, ctx: CallContext) -> tuple[str, str] | None:
        if ctx.api_key:
            return ("x-goog-api-key", ctx.api_key)
        token = ctx.options.get("vertex_access_token")
        if token:
            return self._bearer(ctx, token)
        return None

    def _source(self, ctx: CallContext) -> tuple[Hashable, Any]:
        given = ctx.options.get("vertex_credentials")
        if isinstance(given, os.PathLike):
            given = os.fspath(given)
        if given is None:
            return _ADC, None
        if isinstance(given, dict):
            return hashlib.sha256(json.dumps(given, sort_keys=True).encode()).hexdigest(), given
        if isinstance(given, str):
            return given, given
        return id(given), given

    def _cached(self, ctx: CallContext) -> tuple[Any, str | None] | None:
        # No lock: a refresh holds it for a network round trip, and the event loop must not wait on that
        # (a single dict read is atomic).
        return self._credentials.get(self._source(ctx)[0])

    def _kept_token(self, ctx: CallContext) -> str | None:
        entry = self._cached(ctx)
        if entry is not None and getattr(entry[0], "valid", False) and entry[0].token:
            token: str = entry[0].token
            return token
        return None

    def _entry(self, ctx: CallContext, *, fresh: bool) -> tuple[Any, str | None]:
        """The cached ``(credentials, their project)`` for this call's source; refreshed first if ``fresh``."""
        try:
            from google.auth import exceptions
        except ImportError:
            raise _no_extra() from None
        key, given = self._source(ctx)
        with self._lock:  # one load or refresh at a time: no stampede on an expired token
            try:
                entry = self._credentials.get(key)
                if entry is None:
                    entry = _load(given)
                    keep_bounded(self._credentials, key, entry, _CACHE_SIZE)
                credentials = entry[0]
                if fresh and (not credentials.valid or not credentials.token):
                    credentials.refresh(self._request())
            except (exceptions.GoogleAuthError, ValueError, OSError) as exc:
                # google-auth's messages name files and scopes, not secrets; still scrubbed by the core.
                raise AuthenticationError(
                    f"Vertex AI credentials failed: {type(exc).__name__}: {exc}", provider="vertex"
                ) from None
        return entry

    def _fetch_token(self, ctx: CallContext) -> str:
        token: str = self._entry(ctx, fresh=True)[0].token
        return token

    # ------------------------------------------------------------------ the project, when the caller named none

    def _uses_google_credentials(self, ctx: CallContext) -> bool:
        options = ctx.options
        return not (ctx.api_key or options.get("vertex_access_token") or options.get("vertex_token_provider"))

    def project(self, ctx: CallContext) -> str | None:
        """The project the google-auth credentials belong to (ADC or a service-account file), if any."""
        if not self._uses_google_credentials(ctx):
            return None
        return self._entry(ctx, fresh=False)[1]

    async def aproject(self, ctx: CallContext) -> str | None:
        """:meth:`project` without blocking the event loop."""
        if not self._uses_google_credentials(ctx):
            return None
        entry = self._cached(ctx)
        if entry is not None:
            return entry[1]
        return await asyncio.to_thread(self.project, ctx)

    def _request(self) -> Any:
        if self._request_factory is not None:
            return self._request_factory()
        from .google_transport import HttpxGoogleRequest

        return HttpxGoogleRequest()


def _load(given: Any) -> tuple[Any, str | None]:
    """google-auth credentials for a source (see the module docstring), with the project they name."""
    if given is None:
        import google.auth

        google_auth: Any = google.auth  # partly untyped
        credentials, project = google_auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    elif callable(getattr(given, "refresh", None)):
        credentials, project = given, getattr(given, "project_id", None)
    elif isinstance(given, (dict, str)):
        credentials, project = _from_info(_info(given))
    else:
        raise AuthenticationError(
            "vertex_credentials must be google-auth credentials, a credentials file path, its JSON text or dict",
            provider="vertex",
        )
    return credentials, project if isinstance(project, str) and project else None


def _info(given: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(given, dict):
        return given
    text = given.strip()
    if not text.startswith("{"):
        with open(text, encoding="utf-8") as f:
            text = f.read()
    info = json.loads(text)
    if not isinstance(info, dict):
        raise AuthenticationError("vertex_credentials: the JSON is not a credentials object", provider="vertex")
    return info


def _from_info(info: dict[str, Any]) -> tuple[Any, str | None]:
    """Only the two plain kinds are read from JSON: a service-account key and gcloud's user credentials.

    google-auth deprecated loading any kind from JSON (an ``external_account`` document can make it run a
    command or call arbitrary URLs); other kinds must come as a google-auth object built by the caller.
    """
    kind = info.get("type")
    scopes = [CLOUD_PLATFORM_SCOPE]
    if kind == "service_account":
        from google.oauth2 import service_account

        accounts: Any = service_account.Credentials
        return accounts.from_service_account_info(info, scopes=scopes), info.get("project_id")
    if kind == "authorized_user":
        from google.oauth2 import credentials

        users: Any = credentials.Credentials
        return users.from_authorized_user_info(info, scopes=scopes), None  # the project is not in it
    raise AuthenticationError(
        f"vertex_credentials of type {kind!r} are not read from JSON (only service_account and authorized_user); "
        "build the google-auth credentials yourself and pass the object",
        provider="vertex",
    )
