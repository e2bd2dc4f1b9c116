"""Server-sent events: bytes in, ``(event, data)`` pairs out (WHATWG ``text/event-stream`` rules).

Knows nothing of providers. Lines may end in ``\\n``, ``\\r\\n`` or ``\\r``; a line split across
network chunks is kept until complete; ``data:`` lines of one event are joined with ``\\n``;
comments (``:``) and ``id``/``retry`` fields are ignored; an event with no data is not dispatched.
"""

from __future__ import annotations

__all__ = ["SSEDecoder"]


class SSEDecoder:
    __slots__ = ("_buf", "_data", "_event")

    def __init__(self) -> None:
        self._buf = b""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """Decode one network chunk; returns the events it completed."""
        buf = self._buf + chunk if self._buf else chunk
        # A trailing \r is held back: its \n may come in the next chunk.
        held = b"\r" if buf.endswith(b"\r") else b""
        if held:
            buf = buf[:-1]
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._buf = buf + held
            return []
        self._buf = buf[cut + 1 :] + held
        return self._lines(buf[: cut + 1])

    def flush(self) -> list[tuple[str, str]]:
        """End of stream: dispatch what is left, even without a closing blank line."""
        rest, self._buf = self._buf, b""
        events = self._lines(rest.replace(b"\r", b"") + b"\n") if rest.strip(b"\r") else []
        if self._data:
            events.append((self._event, "\n".join(self._data)))
            self._event, self._data = "", []
        return events

    def _lines(self, block: bytes) -> list[tuple[str, str]]:
        events: list[tuple[str, str]] = []
        data = self._data
        # The block ends with \n, so the last split item is empty and is skipped.
        for raw in block.split(b"\n")[:-1]:
            if not raw:
                if data:
                    events.append((self._event, "\n".join(data)))
                    data = self._data = []
                self._event = ""
                continue
            if raw[:5] == b"data:":
                value = raw[6:] if raw[5:6] == b" " else raw[5:]
                data.append(value.decode("utf-8", "replace"))
            elif raw[:6] == b"event:":
                self._event = raw[6:].strip().decode("utf-8", "replace")
            elif raw[:1] == b":":
                continue
            elif raw == b"data":
                data.append("")
        return events
