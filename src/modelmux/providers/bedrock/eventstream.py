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


_unpack = struct.unpack_from
_crc32 = zlib.crc32


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
        # message type): each distinct block is decoded once, with the event name it gives. Bounded, so
        # hostile variety cannot grow it.
        self._headers: dict[bytes, tuple[dict[str, Any], str | None]] = {}

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        if not self._buffer and type(chunk) is bytes and len(chunk) >= _MIN_MESSAGE:  # one whole message per read
            total, headers_len, prelude_crc = _unpack(">III", chunk, 0)
            if (
                total == len(chunk)
                and headers_len <= MAX_HEADERS_LENGTH
                and _MIN_MESSAGE + headers_len <= total <= _MIN_MESSAGE + headers_len + MAX_PAYLOAD_LENGTH
                and _crc32(chunk[:8]) == prelude_crc
                and _crc32(chunk[8:-4], prelude_crc) == _unpack(">I", chunk, total - 4)[0]
            ):
                entry = self._headers.get(chunk[_PRELUDE : _PRELUDE + headers_len])
                if entry is not None and entry[1] is not None:
                    return [(entry[1], chunk[_PRELUDE + headers_len : -4].decode("utf-8"))]
        # Anything else (several messages, a part of one, a header block not seen yet, a failure with its own
        # message) takes the full scan.
        return self._scan(chunk, text=True)

    def flush(self) -> list[tuple[str, str]]:
        if self._buffer:
            size = len(self._buffer)
            self._buffer.clear()
            raise EventStreamError(f"event stream ended inside a message ({size} bytes left over)")
        return []

    def feed_messages(self, chunk: bytes) -> list[Message]:
        """The raw ``(headers, payload bytes)`` of every message completed by ``chunk``."""
        return self._scan(chunk, text=False)

    def _scan(self, chunk: bytes, *, text: bool) -> list[Any]:
        """The messages ``chunk`` completes: with ``text``, the ``(event, payload text)`` pairs :meth:`feed`
        returns, else the ``(headers, payload bytes)`` of :meth:`feed_messages`.

        Works on one ``bytes`` object: the read itself when nothing was pending (the usual case: servers write
        whole messages), else the pending bytes and the read joined once. Only the incomplete tail is kept.
        Each message's prelude is checked (CRC, bounds) before anything waits for the rest of it; the message CRC
        continues the prelude's (``zlib.crc32`` takes a running value), so no byte is hashed twice.
        """
        buffer = self._buffer
        if buffer:
            buffer += chunk
            # Copied out only once the pending message is complete: a large message arriving in many small
            # reads is appended in place, never copied per read.
            if len(buffer) < _PRELUDE or len(buffer) < _prelude(buffer, 0)[0]:
                return []
            data = bytes(buffer)
            buffer.clear()
        else:
            data = chunk if type(chunk) is bytes else bytes(chunk)
        out: list[Any] = []
        pos = 0
        size = len(data)
        cache = self._headers
        unpack = struct.unpack_from
        crc32 = zlib.crc32
        while size - pos >= _PRELUDE:
            total, headers_len, prelude_crc = unpack(">III", data, pos)
            if crc32(data[pos : pos + 8]) != prelude_crc:
                raise EventStreamError("event-stream prelude CRC mismatch")
            if headers_len > MAX_HEADERS_LENGTH or total < _MIN_MESSAGE + headers_len:
                raise EventStreamError(f"bad event-stream lengths (total {total}, headers {headers_len})")
            if total - _MIN_MESSAGE - headers_len > MAX_PAYLOAD_LENGTH:
                raise EventStreamError(f"event-stream payload too large ({total} bytes)")
            end = pos + total
            if size < end:
                break
            if crc32(data[pos + 8 : end - 4], prelude_crc) != unpack(">I", data, end - 4)[0]:
                raise EventStreamError("event-stream message CRC mismatch")
            start = pos + _PRELUDE + headers_len
            raw_headers = data[pos + _PRELUDE : start]
            entry = cache.get(raw_headers)
            if entry is None:
                headers = decode_headers(raw_headers)
                entry = (headers, _event_name(headers))
                if len(cache) < _HEADER_CACHE:
                    cache[raw_headers] = entry
            headers, name = entry
            if not text:
                out.append((headers, data[start : end - 4]))
            elif name is not None:
                out.append((name, data[start : end - 4].decode("utf-8")))
            else:
                out.append(_error_event(headers))
            pos = end
        if pos < size:
            buffer += data[pos:]  # an incomplete message: kept until the rest comes
        return out


def _prelude(data: bytes | bytearray, pos: int) -> tuple[int, int]:
    """``(total length, headers length)`` of the message at ``pos``, its prelude checked (CRC, bounds) before
    any wait for the rest of it."""
    total, headers_len, prelude_crc = struct.unpack_from(">III", data, pos)
    if zlib.crc32(data[pos : pos + 8]) != prelude_crc:
        raise EventStreamError("event-stream prelude CRC mismatch")
    if headers_len > MAX_HEADERS_LENGTH or total < _MIN_MESSAGE + headers_len:
        raise EventStreamError(f"bad event-stream lengths (total {total}, headers {headers_len})")
    if total - _MIN_MESSAGE - headers_len > MAX_PAYLOAD_LENGTH:
        raise EventStreamError(f"event-stream payload too large ({total} bytes)")
    return total, headers_len


def _event_name(headers: dict[str, Any]) -> str | None:
    """The event name of an ``event`` or ``exception`` message; ``None`` for an ``error`` (its body is built)."""
    kind = headers.get(":message-type", "event")
    if kind == "error":
        return None
    name = headers.get(":exception-type") if kind == "exception" else headers.get(":event-type")
    return str(name or "")


def _error_event(headers: dict[str, Any]) -> tuple[str, str]:
    body = {"code": headers.get(":error-code"), "message": headers.get(":error-message")}
    return "error", json.dumps(body)
