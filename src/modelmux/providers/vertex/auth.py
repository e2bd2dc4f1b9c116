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

google-auth credentials are kept (a few, by source) and refreshed only when google-auth says the token is no
longer valid (it treats a token as invalid some minutes before it expires). A refresh is blocking I/O: the async
path runs it in a worker thread, and answers from the cached token without one.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ...errors import AuthenticationError
from .._base import CallContext

__all__ = ["CLOUD_PLATFORM_SCOPE", "VertexAuth"]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_CACHE_SIZE = 16
_ADC = "application-default-credentials"


def _no_extra() -> AuthenticationError:
    return AuthenticationError(
        "no credentials for Vertex AI: pass api_key= (express mode), vertex_access_token=, vertex_token_provider=, "
        "or install modelmux[vertex] (google-auth) for Application Default Credentials and service-account files",
        provider="vertex",
    )


class VertexAuth:
    """Per-provider credential cache (thread-safe); one instance lives on the provider object."""

    def __init__(self, request_factory: Callable[[], Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._credentials: OrderedDict[Hashable, Any] = OrderedDict()
        self._request_factory = request_factory

    # ------------------------------------------------------------------ the two entry points

    def header(self, ctx: CallContext) -> tuple[str, str]:
        """The auth header for this call (may block to refresh a token)."""
        fast = self._static(ctx)
        if fast is not None:
            return fast
        provider = ctx.options.get("vertex_token_provider")
        if provider is not None:
            token = provider()
            if inspect.isawaitable(token):
                raise AuthenticationError(
                    "vertex_token_provider is a coroutine function: call acompletion(), or pass a plain callable",
                    provider="vertex",
                )
            return self._bearer(ctx, token)
        return self._bearer(ctx, self._google_token(ctx))

    async def aheader(self, ctx: CallContext) -> tuple[str, str]:
        """:meth:`header` without blocking the event loop (cached tokens are answered in place)."""
        fast = self._static(ctx)
        if fast is not None:
            return fast
        provider = ctx.options.get("vertex_token_provider")
        if provider is not None:
            if inspect.iscoroutinefunction(provider):
                return self._bearer(ctx, await provider())
            return self._bearer(ctx, await asyncio.to_thread(provider))
        credentials = self._cached_valid(ctx)
        if credentials is not None:
            return self._bearer(ctx, credentials.token)
        return self._bearer(ctx, await asyncio.to_thread(self._google_token, ctx))

    # ------------------------------------------------------------------ sources

    def _static(self, ctx: CallContext) -> tuple[str, str] | None:
        if ctx.api_key:
            return ("x-goog-api-key", ctx.api_key)
        token = ctx.options.get("vertex_access_token")
        if token:
            return self._bearer(ctx, token)
        return None

    @staticmethod
    def _bearer(ctx: CallContext, token: Any) -> tuple[str, str]:
        if not isinstance(token, str) or not token:
            raise AuthenticationError("the Vertex AI credentials gave no access token", provider="vertex")
        ctx.secrets.append(token)
        return ("authorization", f"Bearer {token}")

    def _source(self, ctx: CallContext) -> tuple[Hashable, Any]:
        given = ctx.options.get("vertex_credentials")
        if given is None:
            return _ADC, None
        if isinstance(given, dict):
            return json.dumps(given, sort_keys=True), given
        if isinstance(given, str):
            return given, given
        return id(given), given

    def _cached_valid(self, ctx: CallContext) -> Any:
        key, _ = self._source(ctx)
        with self._lock:
            credentials = self._credentials.get(key)
        if credentials is not None and getattr(credentials, "valid", False) and credentials.token:
            return credentials
        return None

    def _google_token(self, ctx: CallContext) -> str:
        try:
            from google.auth import exceptions
        except ImportError:
            raise _no_extra() from None
        key, given = self._source(ctx)
        with self._lock:
            try:
                credentials = self._credentials.get(key)
                if credentials is None:
                    credentials = _load(given)
                    self._credentials[key] = credentials
                    while len(self._credentials) > _CACHE_SIZE:
                        self._credentials.popitem(last=False)
                if not credentials.valid or not credentials.token:
                    credentials.refresh(self._request())
            except exceptions.GoogleAuthError as exc:
                # google-auth's messages name files and scopes, not secrets; still scrubbed by the core.
                raise AuthenticationError(
                    f"Vertex AI credentials failed: {type(exc).__name__}: {exc}", provider="vertex"
                ) from None
            token: str = credentials.token
        return token

    def _request(self) -> Any:
        if self._request_factory is not None:
            return self._request_factory()
        from .google_transport import HttpxGoogleRequest

        return HttpxGoogleRequest()


def _load(given: Any) -> Any:
    """google-auth credentials for a source (see the module docstring)."""
    import google.auth

    google_auth: Any = google.auth  # partly untyped
    scopes = [CLOUD_PLATFORM_SCOPE]
    if given is None:
        credentials, _ = google.auth.default(scopes=scopes)
        return credentials
    if isinstance(given, dict):
        credentials, _ = google_auth.load_credentials_from_dict(given, scopes=scopes)
        return credentials
    if isinstance(given, str):
        text = given.strip()
        if text.startswith("{"):
            credentials, _ = google_auth.load_credentials_from_dict(json.loads(text), scopes=scopes)
        else:
            credentials, _ = google_auth.load_credentials_from_file(text, scopes=scopes)
        return credentials
    if callable(getattr(given, "refresh", None)):
        return given
    raise AuthenticationError(
        "vertex_credentials must be google-auth credentials, a credentials file path, its JSON text or dict",
        provider="vertex",
    )
