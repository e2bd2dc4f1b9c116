"""Server-sent events: bytes in, ``(event, data)`` pairs out (WHATWG ``text/event-stream`` rules).

Knows nothing of providers. Lines may end in ``\\n``, ``\\r\\n`` or ``\\r``; an event split across
network chunks is kept until complete; ``data:`` lines of one event are joined with ``\\n``;
comments (``:``) and ``id``/``retry`` fields are ignored; an event with no data is not dispatched.

Linear in the bytes: line endings are normalised in each network chunk only (a ``\\r`` at the end of
one is remembered, in case its ``\\n`` starts the next), the pending tail grows in place, and the
search for the end of an event looks at the new bytes only. An event larger than ``max_event_bytes``
is an :class:`~modelmux.errors.UpstreamError` (raised once the events before it were handed over).

The decoder works a whole event (a block between blank lines) at a time: most events are one
``data:`` line or an ``event:`` line and a ``data:`` line, and those take a fast path. The events a read
completes are decoded from UTF-8 in one call (a newline is never inside a character, so this equals
decoding them one by one), unless that region is larger than ``max_event_bytes``: then each event is
measured in bytes first.
"""

from __future__ import annotations

from .errors import UpstreamError

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "SSEDecoder"]

#: The largest single event accepted by default (8 MiB); see ``modelmux._http`` for the other bounds.
DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024


class SSEDecoder:
    __slots__ = ("_buf", "_cr", "_error", "_max")

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        # Only grown and trimmed in place, never replaced (tests count the bytes searched in it).
        self._buf = bytearray()
        self._cr = False  # the last chunk ended in "\r": a "\n" starting the next one belongs to it
        self._max = max_event_bytes
        self._error: UpstreamError | None = None

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """Decode one network chunk; returns the events it completed."""
        if self._error is not None:
            raise self._error
        if self._cr and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._cr = False
        if b"\r" in chunk:
            self._cr = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        buf = self._buf
        if not buf:
            if chunk[-2:] == b"\n\n":  # whole events only (a server that flushes per event): nothing to keep
                lines = chunk.count(b"\n")
                if lines < 4 and len(chunk) <= self._max:  # one event of one or two lines: its fast path, inline
                    text = chunk.decode("utf-8", "replace")
                    if lines == 2 and text[:6] == "data: ":
                        return [("", text[6:-2])]
                    if lines == 3 and text[:7] == "event: ":
                        name, found, data = text[7:-2].partition("\ndata: ")
                        if found:
                            return [(name.strip(), data)]
                events = self._blocks(chunk)
                if self._error is not None and not events:  # an event over the limit, and nothing before it
                    raise self._error
                return events
            end = chunk.rfind(b"\n\n")
            if end < 0:
                buf += chunk
                return self._pending([])
            buf += chunk[end + 2 :]
            return self._pending(self._blocks(chunk[:end]))
        start = len(buf) - 1  # a "\n\n" may straddle the old tail and the new chunk
        buf += chunk
        end = buf.rfind(b"\n\n", start)
        if end < 0:
            return self._pending([])
        done = bytes(buf[:end])
        del buf[: end + 2]
        return self._pending(self._blocks(done))

    def flush(self) -> list[tuple[str, str]]:
        """End of stream: dispatch what is left, even without a closing blank line."""
        if self._error is not None:
            raise self._error
        rest = bytes(self._buf).strip(b"\n")
        self._buf.clear()
        return self._blocks(rest) if rest else []

    def _pending(self, events: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """``events``, after checking the incomplete event kept for later is not over the limit already."""
        if len(self._buf) > self._max:
            self._buf.clear()
            self._error = _too_big(self._max)
        if self._error is not None and not events:
            raise self._error
        return events

    def _blocks(self, raw: bytes) -> list[tuple[str, str]]:
        limit = self._max
        if len(raw) > limit:  # some block may be over the limit: measure each in bytes
            return self._bounded_blocks(raw)
        # Decoded once for all its events: UTF-8 never has "\n" inside a character, so this equals decoding
        # block by block, with one call and one copy fewer per event.
        text = raw.decode("utf-8", "replace")
        if text[:7] == "event: ":
            named = _named_events(text)
            if named is not None:
                return named
        events: list[tuple[str, str]] = []
        for block in text.split("\n\n"):
            if not block:  # the end of the region (it ends in a blank line), or blank lines between events
                continue
            if block[:6] == "data: " and "\n" not in block:  # fast path: one data line
                events.append(("", block[6:]))
                continue
            if block[:7] == "event: ":  # fast path: "event: name" then one data line (Anthropic's shape)
                cut = block.find("\n")
                if block[cut + 1 : cut + 7] == "data: " and block.find("\n", cut + 1) < 0:
                    events.append((block[7:cut].strip(), block[cut + 7 :]))
                    continue
            event = _block(block)
            if event is not None:
                events.append(event)
        return events

    def _bounded_blocks(self, raw: bytes) -> list[tuple[str, str]]:
        events: list[tuple[str, str]] = []
        limit = self._max
        for block in raw.split(b"\n\n"):
            if len(block) > limit:
                # The events before it are still delivered; the next feed()/flush() raises.
                self._error = _too_big(limit)
                break
            event = _block(block.decode("utf-8", "replace")) if block else None
            if event is not None:
                events.append(event)
        return events


def _too_big(limit: int) -> UpstreamError:
    return UpstreamError(f"the provider sent a stream event larger than max_event_bytes ({limit} bytes)")


def _named_events(text: str) -> list[tuple[str, str]] | None:
    """The events of a region made only of ``event: name`` + one ``data: ...`` line blocks (Anthropic's, Cohere's
    shape), split in one pass; ``None`` when any block is shaped otherwise (then each is read on its own).

    Exact by counting: with ``n`` blocks separated by blank lines (and maybe one ending the region), the region
    has ``n + 2(n - 1)`` newlines (+ 2) when every block has exactly one newline, the one before its ``data:``.
    """
    parts = text[7:].split("\n\nevent: ")
    newlines = 3 * len(parts) - 2
    last = parts[-1]
    if last[-2:] == "\n\n":
        parts[-1] = last[:-2]
        newlines += 2
    if text.count("\n") != newlines:
        return None
    events: list[tuple[str, str]] = []
    for part in parts:
        name, found, data = part.partition("\ndata: ")
        if not found:
            return None
        events.append((name.strip(), data))
    return events


def _block(block: str) -> tuple[str, str] | None:
    name = ""
    data: list[str] = []
    for line in block.strip("\n").split("\n"):
        if line[:5] == "data:":
            data.append(line[6:] if line[5:6] == " " else line[5:])
        elif line[:6] == "event:":
            name = line[6:].strip()
        elif line == "data":
            data.append("")
    return (name, "\n".join(data)) if data else None
