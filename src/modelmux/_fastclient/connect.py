"""Opening a connection: TCP, then TLS (verified, SNI, ALPN http/1.1), or a proxy's CONNECT tunnel then TLS.

The TLS context is httpx's default (``httpx.create_ssl_context()``: certifi's roots, or ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` when set, hostname checking on), made once per transport. Every failure is an httpx error:
``ConnectTimeout`` past the connect timeout (the handshakes included), ``ConnectError`` for a refused
connection, a failed name lookup or a certificate that does not verify, ``ProxyError`` when the proxy refuses
the tunnel. Messages name the host and the cause, never a header.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import Any

import httpx

from .connection import Connection
from .proxy import Proxy

__all__ = ["default_ssl_context", "open_connection"]


def default_ssl_context() -> ssl.SSLContext:
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


async def _within(timeout: float | None, work: Any) -> Any:
    if timeout is None:
        return await work
    return await asyncio.wait_for(work, timeout)


async def open_connection(
    key: Any,
    host: str,
    port: int,
    tls: ssl.SSLContext | None,
    proxy: Proxy | None,
    timeout: float | None,
    on_idle_close: Callable[[Connection], None],
) -> Connection:
    """A connected :class:`Connection` to ``host:port`` (through ``proxy`` when given) within ``timeout``."""
    loop = asyncio.get_running_loop()
    try:
        if proxy is None:
            _, conn = await _within(
                timeout,
                loop.create_connection(
                    lambda: Connection(key, on_idle_close), host, port, ssl=tls, server_hostname=host if tls else None
                ),
            )
            return conn  # type: ignore[no-any-return]
        return await _within(timeout, _through(loop, key, host, port, tls, proxy, on_idle_close))  # type: ignore[no-any-return]
    except asyncio.TimeoutError:
        raise httpx.ConnectTimeout(f"connecting to {host} timed out") from None
    except ssl.SSLError as exc:  # a certificate that does not verify, a failed handshake
        raise httpx.ConnectError(f"TLS with {host} failed: {exc}") from None
    except OSError as exc:  # refused, unreachable, name resolution (socket.gaierror), reset during the handshake
        raise httpx.ConnectError(str(exc) or type(exc).__name__) from None


async def _through(
    loop: asyncio.AbstractEventLoop,
    key: Any,
    host: str,
    port: int,
    tls: ssl.SSLContext | None,
    proxy: Proxy,
    on_idle_close: Callable[[Connection], None],
) -> Connection:
    _, conn = await loop.create_connection(lambda: Connection(key, on_idle_close), proxy.host, proxy.port)
    if tls is None:
        return conn  # an http:// target: absolute-form requests through the proxy
    try:
        await _tunnel(conn, host, port, proxy)
        conn.transport = await loop.start_tls(conn.transport, conn, tls, server_hostname=host)
    except BaseException:
        conn.close()
        raise
    return conn


async def _tunnel(conn: Connection, host: str, port: int, proxy: Proxy) -> None:
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n".encode("ascii")]
    if proxy.authorization is not None:
        lines.append(b"Proxy-Authorization: " + proxy.authorization + b"\r\n")
    lines.append(b"\r\n")
    conn.start()
    conn.write(b"".join(lines))
    while not conn.headers_done and conn.failure is None and not conn.closed:
        await conn.wait(None)  # bounded by the connect timeout around the whole tunnel
    if not conn.headers_done:
        raise httpx.ProxyError(f"the proxy {proxy.origin} closed the tunnel to {host} before answering")
    if not 200 <= conn.status < 300:
        raise httpx.ProxyError(f"the proxy {proxy.origin} refused a tunnel to {host}: status {conn.status}")
    conn.reset_parser()
