"""Reading a request body without trusting it: counted as it arrives, refused (413) past the limit."""

from __future__ import annotations

from .errors import HTTPError
from .types import Receive

__all__ = ["ClientGone", "read_body", "too_large"]


class ClientGone(Exception):
    """The client disconnected before its request was read."""


def too_large(limit: int) -> HTTPError:
    return HTTPError(
        413,
        f"Request body too large: this key may send at most {limit} bytes.",
        code="request_too_large",
    )


async def read_body(receive: Receive, *, limit: int, content_length: int | None) -> bytes:
    """The whole body, or :class:`HTTPError` 413 as soon as it is known to exceed ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before a byte is read; otherwise the bytes are counted as
    they arrive, so an undeclared (chunked) or lying body is cut off at ``limit + 1``, never buffered whole.
    """
    if content_length is not None and content_length > limit:
        raise too_large(limit)
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.disconnect":
            raise ClientGone
        if kind != "http.request":
            continue
        chunk = message.get("body") or b""
        if chunk:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            parts.append(chunk)
        if not message.get("more_body", False):
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)
