"""Bearer-token auth with a token-provider option and kept credential tokens, shared by Azure and Vertex AI.

The order of sources: a header known without I/O (a key, a token the caller passed); else the caller's token
provider, a callable or coroutine function called for every request (it does its own caching, as
azure-identity's and google-auth's helpers do); else a token from the provider's credentials, which the subclass
fetches (blocking I/O, one fetch at a time under :attr:`TokenAuth._lock`) and keeps. The async path answers
from a kept token in place and runs a fetch in a worker thread, so the event loop never waits on the lock.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, ClassVar, TypeVar

from ..errors import AuthenticationError
from ._base import CallContext, HttpRequest

__all__ = ["TokenAuth", "keep_bounded"]

_ASYNC_PROVIDER = object()
_V = TypeVar("_V")


class TokenAuth:
    """Per-provider auth state (thread-safe); one instance lives on the provider object."""

    #: The provider name errors carry, the name of its credentials in messages, the token-provider option.
    provider_name: ClassVar[str]
    label: ClassVar[str]
    token_provider_option: ClassVar[str]
    #: Header names with which a caller authenticates by themselves (``extra_headers``): then none is added.
    caller_auth_headers: ClassVar[frozenset[str]]

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def authorize(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        """``request`` with this call's auth header, unless the caller sent their own."""
        if not any(k.lower() in self.caller_auth_headers for k in request.headers):
            name, value = self.header(ctx)
            request.headers[name] = value
        return request

    async def aauthorize(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        """:meth:`authorize` without blocking the event loop."""
        if not any(k.lower() in self.caller_auth_headers for k in request.headers):
            name, value = await self.aheader(ctx)
            request.headers[name] = value
        return request

    def header(self, ctx: CallContext) -> tuple[str, str]:
        """The auth header for this call (may block to fetch a token)."""
        fast = self._static(ctx)
        if fast is not None:
            return fast
        provider = ctx.options.get(self.token_provider_option)
        if provider is not None:
            token = _ASYNC_PROVIDER if inspect.iscoroutinefunction(provider) else provider()
            if token is _ASYNC_PROVIDER or inspect.isawaitable(token):
                if inspect.iscoroutine(token):
                    token.close()
                raise AuthenticationError(
                    f"{self.token_provider_option} is a coroutine function: call acompletion(), or pass a plain "
                    "callable",
                    provider=self.provider_name,
                )
            return self._bearer(ctx, token)
        return self._bearer(ctx, self._fetch_token(ctx))

    async def aheader(self, ctx: CallContext) -> tuple[str, str]:
        """:meth:`header` without blocking the event loop (kept tokens are answered in place)."""
        fast = self._static(ctx)
        if fast is not None:
            return fast
        provider = ctx.options.get(self.token_provider_option)
        if provider is not None:
            if inspect.iscoroutinefunction(provider):
                return self._bearer(ctx, await provider())
            return self._bearer(ctx, await asyncio.to_thread(provider))
        kept = self._kept_token(ctx)
        if kept is not None:
            return self._bearer(ctx, kept)
        return self._bearer(ctx, await asyncio.to_thread(self._fetch_token, ctx))

    def _bearer(self, ctx: CallContext, token: Any) -> tuple[str, str]:
        if not isinstance(token, str) or not token:
            raise AuthenticationError(f"the {self.label} credentials gave no access token", provider=self.provider_name)
        ctx.secrets.append(token)
        return ("authorization", f"Bearer {token}")

    def _static(self, ctx: CallContext) -> tuple[str, str] | None:
        """A header known without I/O; ``None`` leaves it to the token provider or the credentials."""
        raise NotImplementedError

    def _kept_token(self, ctx: CallContext) -> str | None:
        """A still-valid kept token, read without the lock (a single dict read is atomic), or ``None``."""
        raise NotImplementedError

    def _fetch_token(self, ctx: CallContext) -> str:
        """A token from the credentials (blocking I/O); kept for the next calls."""
        raise NotImplementedError


def keep_bounded(cache: OrderedDict[Hashable, _V], key: Hashable, value: _V, size: int) -> None:
    """``cache[key] = value``, dropping the oldest entries beyond ``size``."""
    cache[key] = value
    while len(cache) > size:
        cache.popitem(last=False)
