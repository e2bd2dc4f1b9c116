"""Sending native requests: pooled default clients, injected transports, httpx errors → ours.

One connection pool per endpoint origin is created on first use and reused by every later call (async
pools additionally per event loop, since a connection cannot move between loops, and sharded per task).
The pool is a bare httpx transport, called directly, unless the environment configures a proxy: then
it is an ``httpx.Client`` that routes through it. An injected ``transport=`` is called directly too,
with nothing cached per call.
"""

from __future__ import annotations

import atexit
import functools
import threading
import weakref
from typing import TYPE_CHECKING, Any

import httpx
from pydantic_core import to_json

from .errors import APIConnectionError, APITimeoutError
from .providers._base import HttpRequest

if TYPE_CHECKING:
    import asyncio

__all__ = ["DEFAULT_TIMEOUT", "asend", "close_clients", "send", "to_httpx_request"]

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
# Keep-alive for every connection the pool may open: closing some after each burst would pay a new
# TCP (and TLS) handshake on the next one.
_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=200, keepalive_expiry=30.0)

_lock = threading.Lock()
_sync_clients: dict[str, httpx.Client | httpx.HTTPTransport] = {}
_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, httpx.AsyncClient | httpx.AsyncHTTPTransport]
] = weakref.WeakKeyDictionary()


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return scheme + "://" + rest.split("/", 1)[0]


def timeout_of(value: float | httpx.Timeout | None) -> httpx.Timeout:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(float(value))


@functools.lru_cache(maxsize=512)
def _parsed_url(url: str) -> httpx.URL:
    """Endpoints repeat; parsing a URL is a large share of building a request, so do it once per URL."""
    return httpx.URL(url)


def to_httpx_request(req: HttpRequest, timeout: httpx.Timeout) -> httpx.Request:
    url = _parsed_url(req.url)
    if req.content is not None:  # bytes the provider serialised itself (e.g. to sign them)
        request = httpx.Request(req.method, url, headers=req.headers, content=req.content)
    elif req.files is None:
        # pydantic-core's encoder: compact UTF-8 JSON, several times faster than the json module's.
        content = None if req.json is None else to_json(req.json)
        request = httpx.Request(req.method, url, headers=req.headers, content=content)
    else:  # multipart/form-data: httpx picks the boundary and sets the content-type header
        request = httpx.Request(req.method, url, headers=req.headers, data=req.data, files=req.files)
    request.extensions = {"timeout": timeout.as_dict()}
    return request


def _proxies_configured() -> bool:
    """Whether the environment asks for an HTTP proxy (``HTTPS_PROXY``, ``ALL_PROXY``…)."""
    import urllib.request

    return any(scheme in urllib.request.getproxies() for scheme in ("http", "https", "all"))


def _new_sync() -> httpx.Client | httpx.HTTPTransport:
    # A bare transport skips the client's per-request layers (auth, redirects, cookies, event hooks), which
    # modelmux does not use; with a proxy in the environment the client routes through it as usual.
    if _proxies_configured():
        return httpx.Client(limits=_LIMITS, timeout=DEFAULT_TIMEOUT)
    return httpx.HTTPTransport(limits=_LIMITS)


def _new_async() -> httpx.AsyncClient | httpx.AsyncHTTPTransport:
    # As _new_sync; under uvloop the bare transport takes about half the CPU of AsyncClient.send().
    if _proxies_configured():
        return httpx.AsyncClient(limits=_LIMITS, timeout=DEFAULT_TIMEOUT)
    return httpx.AsyncHTTPTransport(limits=_LIMITS)


def _sync_pooled(url: str) -> httpx.Client | httpx.HTTPTransport:
    key = _origin(url)
    pooled = _sync_clients.get(key)
    if pooled is None:
        with _lock:
            pooled = _sync_clients.get(key)
            if pooled is None:
                if not _sync_clients:
                    atexit.register(close_clients)
                pooled = _sync_clients[key] = _new_sync()
    return pooled


#: Async pools per endpoint and event loop. httpcore's pool looks at every one of its connections each
#: time a request starts or ends, so one pool serving many concurrent requests costs O(connections) per
#: request; a few smaller pools keep that flat. A task always gets the same one, so sequential calls
#: from one task reuse one connection.
_ASYNC_SHARDS = 8


def _async_pooled(url: str) -> httpx.AsyncClient | httpx.AsyncHTTPTransport:
    import asyncio  # only async callers pay for it

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    shard = (id(task) >> 4) % _ASYNC_SHARDS if task is not None else 0
    key = f"{_origin(url)}#{shard}"
    per_loop = _async_clients.get(loop)
    pooled = per_loop.get(key) if per_loop is not None else None
    if pooled is None:
        with _lock:
            per_loop = _async_clients.setdefault(loop, {})
            pooled = per_loop.get(key)
            if pooled is None:
                pooled = per_loop[key] = _new_async()
    return pooled


def send(request: httpx.Request, *, transport: Any = None, stream: bool) -> httpx.Response:
    """Send synchronously; the response body is read unless ``stream``."""
    try:
        if transport is None:
            pooled = _sync_pooled(str(request.url))
            if isinstance(pooled, httpx.Client):
                return pooled.send(request, stream=stream)
            transport = pooled
        elif not isinstance(transport, httpx.BaseTransport):
            raise TypeError(
                "a sync call (completion(), embedding()…) needs a sync httpx transport; "
                "use the async function (acompletion(), aembedding()…) for an async one"
            )
        response: httpx.Response = transport.handle_request(request)
        response.request = request
        if not stream:
            try:
                response.read()
            finally:
                response.close()
        return response
    except httpx.TimeoutException as exc:
        raise APITimeoutError(f"request timed out: {type(exc).__name__}") from None
    except httpx.TransportError as exc:
        raise APIConnectionError(f"could not reach {request.url.host}: {type(exc).__name__}: {exc}") from None


async def asend(request: httpx.Request, *, transport: Any = None, stream: bool) -> httpx.Response:
    """Send asynchronously; the response body is read unless ``stream``."""
    try:
        if transport is None:
            pooled = _async_pooled(str(request.url))
            if isinstance(pooled, httpx.AsyncClient):
                return await pooled.send(request, stream=stream)
            transport = pooled
        elif not isinstance(transport, httpx.AsyncBaseTransport):
            raise TypeError(
                "an async call (acompletion(), aembedding()…) needs an async httpx transport (httpx.AsyncBaseTransport)"
            )
        response: httpx.Response = await transport.handle_async_request(request)
        response.request = request
        if not stream:
            try:
                await response.aread()
            finally:
                await response.aclose()
        return response
    except httpx.TimeoutException as exc:
        raise APITimeoutError(f"request timed out: {type(exc).__name__}") from None
    except httpx.TransportError as exc:
        raise APIConnectionError(f"could not reach {request.url.host}: {type(exc).__name__}: {exc}") from None


def close_clients() -> None:
    """Close the pooled sync clients (async ones close with their event loop)."""
    with _lock:
        clients = list(_sync_clients.values())
        _sync_clients.clear()
    for client in clients:
        client.close()
