"""A whole answer as bytes through modelmux's own client, without ``httpx.Request``/``Response`` objects.

The gateway's pass-through of non-streamed answers forwards the upstream's bytes as they are; building an
``httpx.Request`` to send them and an ``httpx.Response`` to read the answer, only to take its status and bytes,
was about a tenth of its work per request. :func:`aexchange` sends the native request's bytes through the pooled
:class:`~modelmux._fastclient.FastTransport` (same pool, same bounds, same errors as :func:`modelmux._http.asend`)
and gives back a :class:`RawReply`; a caller that needs a response after all (to map an error status, or to parse
an answer that is not plain) asks :meth:`RawReply.as_response`.
"""

from __future__ import annotations

import httpx
from pydantic_core import to_json

from ._bounds import _too_big as too_big
from ._bounds import aread_body
from ._deadline import deadline_scope
from ._http import _async_pooled, _check_headers, _parsed_url, raw_headers, transport_error
from .errors import UpstreamError
from .providers._base import HttpRequest

__all__ = ["RawReply", "aexchange"]


class RawReply:
    """An answer read whole: its status, raw headers and body."""

    __slots__ = ("content", "raw_headers", "status_code")

    def __init__(self, status_code: int, raw: list[tuple[bytes, bytes]], content: bytes) -> None:
        self.status_code = status_code
        self.raw_headers = raw
        self.content = content

    def as_response(self) -> httpx.Response:
        """The same answer as an ``httpx.Response`` (read, closed). ``content`` is decoded already, so the headers
        that describe the bytes on the wire (``content-encoding``, ``content-length``) are left out."""
        headers = [(k, v) for k, v in self.raw_headers if k.lower() not in _WIRE_HEADERS]
        return httpx.Response(self.status_code, headers=headers, content=self.content)


_WIRE_HEADERS = frozenset({b"content-encoding", b"content-length"})


async def aexchange(
    req: HttpRequest, timeout: httpx.Timeout, deadline: float | None, max_bytes: int
) -> RawReply | None:
    """Send ``req`` through the pooled own client and read its whole answer (within ``deadline`` and
    ``max_bytes``); ``None`` when the call does not go through that client (httpx's pool, a multipart body):
    then use :func:`modelmux._http.asend`.

    Raises:
        APITimeoutError: a phase's timeout or the deadline passed.
        APIConnectionError: the upstream could not be reached, or broke the connection.
        UpstreamError: the answer is larger than ``max_bytes``.
    """
    if req.files is not None:
        return None
    exchange = getattr(_async_pooled(req.url), "exchange", None)
    if exchange is None:
        return None
    _check_headers(req.headers)
    url = _parsed_url(req.url)
    content = req.content if req.content is not None else (b"" if req.json is None else to_json(req.json))
    try:
        with deadline_scope(deadline):  # every wait of the own client stops at it
            status, raw, body = await exchange(
                req.method, url, raw_headers(url, req.headers, content), content, timeout.as_dict(), max_bytes
            )
    except httpx.TransportError as exc:
        raise transport_error(url, exc) from None
    if len(body) > max_bytes:
        raise too_big(max_bytes)
    encoding = next((value for name, value in raw if name.lower() == b"content-encoding"), b"identity")
    if encoding.strip().lower() != b"identity":
        body = await _decoded(status, raw, body, max_bytes)
    return RawReply(status, raw, body)


async def _decoded(status: int, raw: list[tuple[bytes, bytes]], body: bytes, max_bytes: int) -> bytes:
    """A content-encoded body (gzip, br, zstd…) decoded by httpx's decoders, bounded as it grows (a small
    compressed answer may expand enormously), as :func:`~modelmux._bounds.aread_body` bounds every answer."""
    try:
        return await aread_body(httpx.Response(status, headers=raw, stream=httpx.ByteStream(body)), None, max_bytes)
    except httpx.DecodingError:
        raise UpstreamError("the provider's answer could not be decoded (its content-encoding)") from None
