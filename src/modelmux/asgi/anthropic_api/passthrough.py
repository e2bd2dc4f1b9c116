"""Anthropic in, Anthropic out: the client's body goes to the route's Anthropic model as it is — only ``model``
becomes the route's model id, and the route's key, base URL, timeout and transport are used — and the answer comes
back byte for byte (the stream too). Nothing is lost in a round trip through the OpenAI format.

The request goes out through the core's single send (:func:`modelmux._call.asend`), so upstream errors are
mapped by the Anthropic provider and scrubbed of secrets like every other call's. The client's
``anthropic-version`` and ``anthropic-beta`` headers go along (betas such as interleaved thinking change what the
model does); its key never does.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..._call import asend, open_call
from ..._registry import resolve
from ...providers._base import HttpRequest
from ...providers.anthropic.provider import build_headers, chat_url

__all__ = ["forward", "request_id_header", "whole_events"]

#: Client headers forwarded, each with the shape a value must have (a date; comma-separated beta names).
_FORWARDED = {
    "anthropic-version": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "anthropic-beta": re.compile(r"[A-Za-z0-9_.\-]{1,100}(\s*,\s*[A-Za-z0-9_.\-]{1,100}){0,31}"),
}

#: The upstream's request id is passed on (it is what Anthropic support asks for) when it looks like one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")


def request_id_header(response: httpx.Response) -> tuple[tuple[bytes, bytes], ...]:
    rid = response.headers.get("request-id", "")
    return ((b"request-id", rid.encode()),) if _REQUEST_ID.fullmatch(rid) else ()


def _url(api_base: str, suffix: str) -> str:
    parts = urlsplit(chat_url(api_base))
    return urlunsplit(parts._replace(path=parts.path + suffix))


async def forward(
    model: str, options: Mapping[str, Any], body: Mapping[str, Any], headers: Mapping[str, str], *, count: bool = False
) -> httpx.Response:
    """POST ``body`` (with ``model``'s native id) to the Messages endpoint, or its ``/count_tokens`` when
    ``count``; a streamed response when the body asks for one (the caller closes it).

    Raises:
        APIError: the upstream answered with an error status, or could not be reached.
    """
    resolved = resolve(model)
    extra = {name: headers[name] for name, shape in _FORWARDED.items() if shape.fullmatch(headers.get(name, ""))}
    stream = body.get("stream") is True and not count
    call = open_call(resolved, {}, {**options, "extra_headers": extra}, stream=stream)
    native = HttpRequest(
        "POST",
        _url(call.ctx.api_base, "/count_tokens" if count else ""),
        build_headers(call.ctx),
        {**body, "model": resolved.model},
    )
    return await asend(call, native, stream=stream)


async def whole_events(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The upstream's bytes cut at event boundaries, so that an ``error`` event added after a broken connection never
    lands inside a half-sent event. Each chunk is searched once (a boundary split across two chunks only delays the
    bytes to the next boundary)."""
    pending: list[bytes] = []
    async for chunk in chunks:
        cut = chunk.rfind(b"\n\n")
        if cut < 0:
            pending.append(chunk)
            continue
        pending.append(chunk[: cut + 2])
        yield b"".join(pending)
        pending = [chunk[cut + 2 :]]
    rest = b"".join(pending)
    if rest:
        yield rest
