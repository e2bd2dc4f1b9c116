"""Sending native requests: pooled default clients, injected transports, httpx errors → ours.

Every call is bounded (``_bounds``: a total deadline, size limits). The pooled transports clip every socket
operation to the time left before the deadline (``_deadline``), and so do the sockets of an injected sync
``httpx.HTTPTransport`` (the same backend is put under its pool); an injected async transport gets an asyncio
timer per step instead, any other injected sync one a check after the send and after every read (all a sync
caller can do: a read that blocks inside the transport's own code is not cut short).

One connection pool per endpoint origin is created on first use and reused by every later call (async
pools additionally per event loop, since a connection cannot move between loops). Async pools are
modelmux's own asyncio + httptools client (``_fastclient``, proxies from the environment included) when
httptools is importable, unless ``MODELMUX_HTTP_CLIENT=httpx``; otherwise, and for sync calls, the pool is
a bare httpx transport (async ones sharded per task), called directly, unless the environment configures
a proxy: then it is an ``httpx.Client`` that routes through it. An injected ``transport=`` is called
directly too, with nothing cached per call.
"""

from __future__ import annotations

import atexit
import functools
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
from pydantic_core import to_json

from ._bounds import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    Limits,
    aread_body,
    awithin,
    check_deadline,
    check_first_chunk,
    limits_of,
    read_body,
)
from ._deadline import deadline_scope, install
from .errors import APIConnectionError, APITimeoutError, BadRequestError
from .providers._base import HttpRequest

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "Limits",
    "aread_body",
    "asend",
    "awithin",
    "check_deadline",
    "clips",
    "close_clients",
    "limits_of",
    "read_body",
    "send",
    "to_httpx_request",
]

#: ``timeout=None``: 600 s for the whole call (LiteLLM's and OpenAI's default), 10 s to connect.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
# Keep-alive for every connection the pool may open: closing some after each burst would pay a new
# TCP (and TLS) handshake on the next one.
_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=200, keepalive_expiry=30.0)

_lock = threading.Lock()
_sync_clients: dict[str, httpx.Client | httpx.HTTPTransport] = {}
_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, httpx.AsyncBaseTransport | httpx.AsyncClient]
] = weakref.WeakKeyDictionary()


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return scheme + "://" + rest.split("/", 1)[0]


#: The longest a timeout may be (a year): a socket refuses a longer wait (``settimeout`` overflows past ~9e9 s) and
#: ``float()`` a huge integer, so a longer finite one is capped here (no limit in practice, and no crash). Infinity
#: is refused like NaN: ``httpx.Timeout(None)`` says "unbounded".
MAX_TIMEOUT = 365 * 86_400.0


def _seconds(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value != value
        or value < 0
        or value == float("inf")
    ):
        raise BadRequestError(
            f"timeout must be a finite non-negative number of seconds, got {value!r}", param="timeout"
        )
    return MAX_TIMEOUT if value > MAX_TIMEOUT else float(value)


def timeout_of(value: float | httpx.Timeout | None) -> httpx.Timeout:
    """``timeout=`` → per-phase limits; a number also caps connecting at 10 s (never above the number). Every
    limit is capped at :data:`MAX_TIMEOUT`."""
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        phases = (value.connect, value.read, value.write, value.pool)
        if all(p is None or (isinstance(p, (int, float)) and 0 <= p <= MAX_TIMEOUT) for p in phases):
            return value
        c, r, w, p = (None if p is None else _seconds(p) for p in phases)
        return httpx.Timeout(connect=c, read=r, write=w, pool=p)
    total = _seconds(value)
    return httpx.Timeout(total, connect=min(total, DEFAULT_TIMEOUT.connect or total))


def _check_headers(headers: Mapping[str, str]) -> None:
    """A header value httpx/h11 would refuse fails here without quoting it (it may hold a credential)."""
    for name, value in headers.items():
        if not (value.isascii() and value.isprintable()) or value != value.strip():
            raise BadRequestError(
                f"header {name!r} has a value with non-ASCII, control or surrounding whitespace characters",
                param="extra_headers",
            )


@functools.lru_cache(maxsize=512)
def _parsed_url(url: str) -> httpx.URL:
    """Endpoints repeat; parsing a URL is a large share of building a request, so do it once per URL."""
    return httpx.URL(url)


def to_httpx_request(req: HttpRequest, timeout: httpx.Timeout) -> httpx.Request:
    _check_headers(req.headers)
    url = _parsed_url(req.url)
    if req.content is not None:  # bytes the provider serialised itself (e.g. to sign them)
        request = _bytes_request(req.method, url, req.headers, req.content)
    elif req.files is None:
        if req.json is None:
            request = httpx.Request(req.method, url, headers=req.headers)
        else:  # pydantic-core's encoder: compact UTF-8 JSON, several times faster than the json module's.
            request = _bytes_request(req.method, url, req.headers, to_json(req.json))
    else:  # multipart/form-data: httpx picks the boundary and sets the content-type header
        request = httpx.Request(req.method, url, headers=req.headers, data=req.data, files=req.files)
    request.extensions = {"timeout": timeout.as_dict()}
    return request


def raw_headers(url: httpx.URL, headers: Mapping[str, str], content: bytes) -> list[tuple[bytes, bytes]]:
    """The headers ``httpx.Request(method, url, headers=headers, content=content)`` sends, in its order: Host, the
    given ones, Content-Length (each unless given)."""
    named = {name.lower() for name in headers}
    raw: list[tuple[bytes, bytes]] = []
    if "host" not in named and url.host:
        raw.append((b"Host", url.netloc))
    raw.extend((name.encode("ascii"), value.encode("ascii")) for name, value in headers.items())
    if "content-length" not in named:
        raw.append((b"Content-Length", b"%d" % len(content)))
    return raw


def _bytes_request(method: str, url: httpx.URL, headers: Mapping[str, str], content: bytes) -> httpx.Request:
    """``httpx.Request(method, url, headers=headers, content=content)``, the same headers in the same order,
    built in one pass instead of httpx's several (about half the cost)."""
    raw = raw_headers(url, headers, content)
    request = httpx.Request(method, url, headers=httpx.Headers(raw), stream=httpx.ByteStream(content))
    request.read()  # its content is known (a retry may send it again)
    return request


def _proxies_configured() -> bool:
    """Whether the environment asks for an HTTP proxy (``HTTPS_PROXY``, ``ALL_PROXY``…)."""
    import urllib.request

    return any(scheme in urllib.request.getproxies() for scheme in ("http", "https", "all"))


def _new_sync() -> httpx.Client | httpx.HTTPTransport:
    # A bare transport skips the client's per-request layers (auth, redirects, cookies, event hooks), which
    # modelmux does not use; with a proxy in the environment the client routes through it as usual.
    pooled: httpx.Client | httpx.HTTPTransport
    if _proxies_configured():
        pooled = httpx.Client(limits=_LIMITS, timeout=DEFAULT_TIMEOUT)
    else:
        pooled = httpx.HTTPTransport(limits=_LIMITS)
    _note_clipping(install(pooled))  # every socket operation stops at the call's deadline
    return pooled


def _fast_client() -> bool:
    """Whether the pooled async calls use modelmux's own client (``_fastclient``): httptools is importable,
    ``MODELMUX_HTTP_CLIENT`` is not ``httpx``, and any proxy the environment names is an ``http://`` one."""
    import os

    if os.environ.get("MODELMUX_HTTP_CLIENT", "").strip().lower() == "httpx":
        return False
    try:
        import httptools  # noqa: F401  (the server extra; uvicorn's parser)
    except ImportError:
        return False
    from ._fastclient.proxy import environment_proxies, handled

    return handled(environment_proxies())


def _new_async() -> httpx.AsyncBaseTransport | httpx.AsyncClient:
    # modelmux's own asyncio + httptools client when it can (2-4x less CPU per call, one buffer per network
    # read of a stream; it clips every socket step to the deadline and handles http:// proxies itself).
    # Otherwise as _new_sync; under uvloop the bare transport takes about half the CPU of AsyncClient.send().
    if _fast_client():
        from ._fastclient import FastTransport

        return FastTransport(limits=_LIMITS)
    pooled: httpx.AsyncClient | httpx.AsyncHTTPTransport
    if _proxies_configured():
        pooled = httpx.AsyncClient(limits=_LIMITS, timeout=DEFAULT_TIMEOUT)
    else:
        pooled = httpx.AsyncHTTPTransport(limits=_LIMITS)
    _note_clipping(install(pooled))
    return pooled


#: Whether the pooled transports clip socket operations to the deadline (``_deadline.install`` worked).
_clipping = [True]


def _note_clipping(installed: bool) -> None:
    if not installed:
        _clipping[0] = False


def clips(transport: Any) -> bool:
    """Whether a call through ``transport`` (None: the pool) has its socket operations clipped to the deadline;
    otherwise async reads need their own timer (:func:`awithin`)."""
    return transport is None and _clipping[0]


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
#: from one task reuse one connection. modelmux's own client (O(1) per request) is one pool per endpoint.
_ASYNC_SHARDS = 8


def _async_pooled(url: str) -> httpx.AsyncBaseTransport | httpx.AsyncClient:
    import asyncio  # only async callers pay for it

    loop = asyncio.get_running_loop()
    origin = _origin(url)
    per_loop = _async_clients.get(loop)
    if per_loop is not None:
        pooled = per_loop.get(origin)  # modelmux's own client: one for every task
        if pooled is not None:
            return pooled
        pooled = per_loop.get(_shard_key(origin))
        if pooled is not None:
            return pooled
    with _lock:
        per_loop = _async_clients.setdefault(loop, {})
        pooled = per_loop.get(origin) or per_loop.get(_shard_key(origin))
        if pooled is None:
            pooled = _new_async()
            is_httpx = isinstance(pooled, (httpx.AsyncClient, httpx.AsyncHTTPTransport))
            per_loop[_shard_key(origin) if is_httpx else origin] = pooled
    return pooled


def _shard_key(origin: str) -> str:
    import asyncio

    task = asyncio.current_task()
    shard = (id(task) >> 4) % _ASYNC_SHARDS if task is not None else 0
    return f"{origin}#{shard}"


def send(
    request: httpx.Request,
    *,
    transport: Any = None,
    stream: bool,
    deadline: float | None = None,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> httpx.Response:
    """Send synchronously; the body is read (within ``deadline`` and ``max_bytes``) unless a streamed 2xx."""
    try:
        with deadline_scope(deadline):
            if transport is None:
                pooled = _sync_pooled(str(request.url))
                if isinstance(pooled, httpx.Client):
                    response = pooled.send(request, stream=True)
                else:
                    response = pooled.handle_request(request)
            elif not isinstance(transport, httpx.BaseTransport):
                raise TypeError(
                    "a sync call (completion(), embedding()…) needs a sync httpx transport; "
                    "use the async function (acompletion(), aembedding()…) for an async one"
                )
            else:
                install(transport)  # an injected httpx.HTTPTransport: its sockets stop at the deadlines too
                response = transport.handle_request(request)
            response.request = request
            if not stream or response.status_code >= 400:  # an error's body is read to map it
                read_body(response, deadline, max_bytes)
            else:
                try:
                    check_deadline(deadline)
                    if transport is not None:
                        check_first_chunk()  # a transport without sockets of ours: a stalled send is not handed on
                except APITimeoutError:
                    response.close()
                    raise
        return response
    except httpx.TransportError as exc:
        raise transport_error(request.url, exc) from None


async def asend(
    request: httpx.Request,
    *,
    transport: Any = None,
    stream: bool,
    deadline: float | None = None,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> httpx.Response:
    """Send asynchronously; the body is read (within ``deadline`` and ``max_bytes``) unless a streamed 2xx."""
    try:
        with deadline_scope(deadline):
            if transport is None:
                pooled = _async_pooled(str(request.url))
                if isinstance(pooled, httpx.AsyncClient):
                    response = await awithin(pooled.send(request, stream=True), deadline)
                elif getattr(pooled, "clips_every_wait", False):  # modelmux's own client: no timer needed
                    response = await pooled.handle_async_request(request)
                else:  # httpx's bare transport
                    response = await awithin(pooled.handle_async_request(request), deadline)
            elif not isinstance(transport, httpx.AsyncBaseTransport):
                raise TypeError(
                    "an async call (acompletion(), aembedding()…) needs an async httpx transport "
                    "(httpx.AsyncBaseTransport)"
                )
            else:
                response = await awithin(transport.handle_async_request(request), deadline)
            response.request = request
            if not stream or response.status_code >= 400:  # an error's body is read to map it
                await aread_body(response, deadline, max_bytes, clipped=clips(transport))
        return response
    except httpx.TransportError as exc:
        raise transport_error(request.url, exc) from None


def transport_error(url: httpx.URL, exc: httpx.TransportError) -> APITimeoutError | APIConnectionError:
    """An httpx transport error as ours: a timeout (any phase), else the upstream could not be reached."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {type(exc).__name__}")
    # A network error's text (refused, reset…) helps; a protocol error's text may quote request headers.
    detail = f": {exc}" if isinstance(exc, httpx.NetworkError) else ""
    return APIConnectionError(f"could not reach {url.host}: {type(exc).__name__}{detail}")


def close_clients() -> None:
    """Close the pooled sync clients (async ones close with their event loop)."""
    with _lock:
        clients = list(_sync_clients.values())
        _sync_clients.clear()
    for client in clients:
        client.close()
