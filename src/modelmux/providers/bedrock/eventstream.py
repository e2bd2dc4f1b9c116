"""AWS event-stream framing (``application/vnd.amazon.eventstream``) → ``(event, payload text)`` pairs.

Wire format (https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream,
the same framing for every AWS streaming API), all integers big-endian::

    total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4)

The prelude CRC covers the first 8 bytes, the message CRC everything before it. A header is
``name length (1) | name | type (1) | value``; the value's size depends on its type (see ``_FIXED``).

Messages come out as the pair the stream translator expects:

* ``:message-type: event`` → ``(:event-type, payload)``;
* ``:message-type: exception`` → ``(:exception-type, payload)`` (e.g. ``throttlingException``);
* ``:message-type: error`` → ``("error", {"code": :error-code, "message": :error-message})`` as JSON.

Decoding is incremental: bytes may be split anywhere; nothing is rescanned. A bad CRC, an impossible
length or a truncated stream raises :class:`EventStreamError` (a ``ValueError``: the core turns it into
``UpstreamError``).
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

__all__ = ["EventStreamDecoder", "EventStreamError", "Message", "decode_headers"]

_PRELUDE = 12
_MIN_MESSAGE = _PRELUDE + 4
#: Limits botocore applies too (a client-side bound on what a server can make us buffer).
MAX_HEADERS_LENGTH = 128 * 1024
MAX_PAYLOAD_LENGTH = 24 * 1024 * 1024

# Header value type → fixed size in bytes (types 6 and 7 carry a 2-byte length instead).
_FIXED = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
_INT_FORMATS = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


#: Distinct header blocks a decoder remembers (a stream uses a few; the rest are decoded each time).
_HEADER_CACHE = 32


class EventStreamError(ValueError):
    """The bytes are not a valid AWS event stream."""


Message = tuple[dict[str, Any], bytes]


def decode_headers(data: bytes | memoryview) -> dict[str, Any]:
    """The typed headers of one message (bool, int, bytes, str; timestamps as epoch milliseconds)."""
    headers: dict[str, Any] = {}
    view = memoryview(data)
    pos, end = 0, len(view)
    while pos < end:
        name_len = view[pos]
        pos += 1
        name = bytes(view[pos : pos + name_len]).decode("utf-8")
        pos += name_len
        if pos >= end:
            raise EventStreamError("truncated event-stream header")
        kind = view[pos]
        pos += 1
        value: Any
        if kind in (6, 7):
            if pos + 2 > end:
                raise EventStreamError("truncated event-stream header")
            (size,) = struct.unpack_from(">H", view, pos)
            pos += 2
            raw = bytes(view[pos : pos + size])
            value = raw.decode("utf-8") if kind == 7 else raw
        elif kind in _FIXED:
            size = _FIXED[kind]
            raw = bytes(view[pos : pos + size])
            if kind in (0, 1):
                value = kind == 0
            elif kind == 9:
                value = raw
            else:
                (value,) = struct.unpack(_INT_FORMATS[kind], raw)
        else:
            raise EventStreamError(f"unknown event-stream header type {kind}")
        pos += size
        if pos > end:
            raise EventStreamError("truncated event-stream header")
        headers[name] = value
    return headers


class EventStreamDecoder:
    """Incremental decoder: ``feed(bytes)`` returns the ``(event, payload)`` pairs completed so far."""

    __slots__ = ("_buffer", "_headers")

    def __init__(self) -> None:
        self._buffer = bytearray()
        # A stream's messages repeat a handful of header blocks byte for byte (event type, content type,
        # message type): each distinct block is decoded once. Bounded, so hostile variety cannot grow it.
        self._headers: dict[bytes, dict[str, Any]] = {}

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        return [_as_event(headers, payload) for headers, payload in self.feed_messages(chunk)]

    def flush(self) -> list[tuple[str, str]]:
        if self._buffer:
            size = len(self._buffer)
            self._buffer.clear()
            raise EventStreamError(f"event stream ended inside a message ({size} bytes left over)")
        return []

    def feed_messages(self, chunk: bytes) -> list[Message]:
        """The raw ``(headers, payload bytes)`` of every message completed by ``chunk``."""
        buffer = self._buffer
        buffer += chunk
        out: list[Message] = []
        pos = 0
        while len(buffer) - pos >= _PRELUDE:
            total, headers_len, prelude_crc = struct.unpack_from(">III", buffer, pos)
            if zlib.crc32(buffer[pos : pos + 8]) != prelude_crc:
                raise EventStreamError("event-stream prelude CRC mismatch")
            if headers_len > MAX_HEADERS_LENGTH or total < _MIN_MESSAGE + headers_len:
                raise EventStreamError(f"bad event-stream lengths (total {total}, headers {headers_len})")
            if total - _MIN_MESSAGE - headers_len > MAX_PAYLOAD_LENGTH:
                raise EventStreamError(f"event-stream payload too large ({total} bytes)")
            if len(buffer) - pos < total:
                break
            message = bytes(buffer[pos : pos + total])  # one copy per message, never a rescan
            (message_crc,) = struct.unpack_from(">I", message, total - 4)
            if zlib.crc32(memoryview(message)[:-4]) != message_crc:
                raise EventStreamError("event-stream message CRC mismatch")
            raw_headers = message[_PRELUDE : _PRELUDE + headers_len]
            headers = self._headers.get(raw_headers)
            if headers is None:
                headers = decode_headers(raw_headers)
                if len(self._headers) < _HEADER_CACHE:
                    self._headers[raw_headers] = headers
            out.append((headers, message[_PRELUDE + headers_len : -4]))
            pos += total
        if pos:
            del buffer[:pos]
        return out


def _as_event(headers: dict[str, Any], payload: bytes) -> tuple[str, str]:
    kind = headers.get(":message-type", "event")
    if kind == "error":
        body = {"code": headers.get(":error-code"), "message": headers.get(":error-message")}
        return "error", json.dumps(body)
    name = headers.get(":exception-type") if kind == "exception" else headers.get(":event-type")
    return str(name or ""), payload.decode("utf-8")
