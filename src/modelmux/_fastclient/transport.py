"""``FastTransport``: an ``httpx.AsyncBaseTransport`` on asyncio and httptools, for the pooled async calls.

Per request: a keep-alive connection from the pool (or a new one: TCP, TLS, a proxy tunnel), the head and body
written, the response head awaited, an ``httpx.Response`` whose stream yields one buffer per network read. The
request's ``timeout`` extension (connect / read / write / pool) bounds each step, clipped to the call's deadline
(``modelmux._deadline.DEADLINE``). A request whose reused connection turns out closed by the server before any
byte of an answer (the server dropped it while idle) is sent once more on a new connection, when its body is
bytes that can be sent again. Errors are httpx's (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``...),
so callers map them as they map httpx's own transport.
"""

from __future__ import annotations

import ssl

import httpx

from .._deadline import _clip
from .body import Body
from .connect import default_ssl_context, open_connection
from .connection import Connection
from .pool import Pool
from .proxy import Proxy, environment_proxies, handled, proxy_for
from .request import build_head, replayable_body, write_request

__all__ = ["FastTransport"]

_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
_RETRYABLE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class FastTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive pooling, TLS and ``http://`` proxies from the environment (``trust_env``)."""

    #: Every wait (pool, connect, write, read) stops at the call's deadline: callers need no timer of their own.
    clips_every_wait = True

    def __init__(
        self,
        *,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        ssl_context: ssl.SSLContext | None = None,
        trust_env: bool = True,
    ) -> None:
        self._pool = Pool(limits.max_connections, limits.max_keepalive_connections, limits.keepalive_expiry)
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["http/1.1"])  # as httpcore does to the context it is given
        self._ssl = ssl_context
        self._proxies = environment_proxies() if trust_env else {}
        if not handled(self._proxies):
            raise ValueError("the environment names a proxy other than http://; use httpx's client for it")
        self._routes: dict[tuple[str, str, int], Proxy | None] = {}

    @property
    def pool(self) -> Pool:
        return self._pool

    def _route(self, key: tuple[str, str, int]) -> Proxy | None:
        try:
            return self._routes[key]
        except KeyError:
            proxy = self._routes[key] = proxy_for(self._proxies, *key) if self._proxies else None
            return proxy

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = default_ssl_context()  # here, not at import: SSL_CERT_FILE is read when first needed
        return self._ssl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        conn = await self._exchange_head(
            request.method, request.url, request.headers.raw, replayable_body(request), timeouts, request
        )
        return httpx.Response(
            conn.status,
            headers=conn.headers,
            stream=Body(conn, self._pool, timeouts.get("read")),
            extensions={"http_version": conn.http_version, "reason_phrase": conn.reason},
        )

    async def exchange(
        self,
        method: str,
        url: httpx.URL,
        raw_headers: list[tuple[bytes, bytes]],
        body: bytes,
        timeouts: dict[str, float | None],
        limit: int,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """One request with a bytes body, its whole answer read: ``(status, raw headers, body)``, without the
        ``httpx.Request``/``Response`` objects (what the gateway's pass-through of answers needs). Past ``limit``
        bytes the reading stops (the body returned is longer than ``limit``: the caller refuses it). Errors as
        :meth:`handle_async_request`'s."""
        conn = await self._exchange_head(method, url, raw_headers, body, timeouts, None)
        content = await Body(conn, self._pool, timeouts.get("read")).read_all(limit)
        return conn.status, conn.headers, content

    async def _exchange_head(
        self,
        method: str,
        url: httpx.URL,
        raw_headers: list[tuple[bytes, bytes]],
        body: bytes | None,
        timeouts: dict[str, float | None],
        request: httpx.Request | None,
    ) -> Connection:
        """Send the request (``body`` bytes, else ``request``'s stream) on a pooled or new connection and wait for
        the answer's head; the connection is the caller's (its body unread) from then on."""
        scheme = url.scheme
        if scheme == "https":
            tls: ssl.SSLContext | None = self._tls()
            port = url.port or 443
        elif scheme == "http":
            tls = None
            port = url.port or 80
        else:
            raise httpx.UnsupportedProtocol(f"the URL scheme {scheme!r} is not supported (http or https)")
        host = url.raw_host.decode("ascii")  # an international name in its IDNA form, for DNS and SNI
        key = (scheme, host, port)
        proxy = self._route(key)
        if proxy is not None and tls is None:  # absolute-form through the proxy
            raw_host = b"[%b]" % url.raw_host if b":" in url.raw_host else url.raw_host
            authority = raw_host if url.port is None else b"%b:%d" % (raw_host, port)
            target = b"http://%b%b" % (authority, url.raw_path)
            extra = None if proxy.authorization is None else [(b"Proxy-Authorization", proxy.authorization)]
            head = build_head(method, raw_headers, target, extra)
        else:
            head = build_head(method, raw_headers, url.raw_path)
        pool = self._pool

        async def connect() -> Connection:
            timeout = _clip(timeouts.get("connect"), httpx.ConnectTimeout)
            return await open_connection(key, host, port, tls, proxy, timeout, pool.forget_idle)

        def pool_timeout() -> float | None:
            return _clip(timeouts.get("pool"), httpx.PoolTimeout)

        def write_timeout() -> float | None:
            return _clip(timeouts.get("write"), httpx.WriteTimeout)

        retried = False
        while True:
            conn, reused = await pool.acquire(key, connect, pool_timeout, fresh=retried)
            try:
                conn.start(method == "HEAD")
                try:
                    await write_request(conn, request, head, body, write_timeout)
                except httpx.WriteError:
                    if not (conn.closed or conn.transport.is_closing()):
                        raise
                    conn.reusable = False
                    # The server closed before taking the whole body, perhaps after a well-formed answer (413...):
                    # read it, as httpcore does; without one, reading fails as the connection ended.
                await _response_head(conn, timeouts.get("read"))
            except _RETRYABLE:
                pool.discard(conn)
                if reused and not retried and not conn.received and body is not None:
                    retried = True  # the server closed the idle connection as we reused it: once more, anew
                    continue
                raise
            except BaseException:  # a timeout, a cancellation (the caller went away): the connection closes
                pool.discard(conn)
                raise
            return conn

    async def aclose(self) -> None:
        """Close the idle connections; ones in use close when their responses end."""
        self._pool.close()


async def _response_head(conn: Connection, read_timeout: float | None) -> None:
    while not conn.headers_done:
        if conn.failure is not None:
            raise conn.failure
        if conn.closed:
            raise httpx.ReadError("connection closed")
        await conn.wait(_clip(read_timeout, httpx.ReadTimeout))
