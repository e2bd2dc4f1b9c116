"""Server-sent events: bytes in, ``(event, data)`` pairs out (WHATWG ``text/event-stream`` rules).

Knows nothing of providers. Lines may end in ``\\n``, ``\\r\\n`` or ``\\r``; an event split across
network chunks is kept until complete; ``data:`` lines of one event are joined with ``\\n``;
comments (``:``) and ``id``/``retry`` fields are ignored; an event with no data is not dispatched.

The decoder works a whole event (a block between blank lines) at a time: most events are one
``data:`` line or an ``event:`` line and a ``data:`` line, and those take a fast path.
"""

from __future__ import annotations

__all__ = ["SSEDecoder"]


class SSEDecoder:
    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """Decode one network chunk; returns the events it completed."""
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            # A trailing \r is held back: its \n may come in the next chunk.
            held = b"\r" if buf.endswith(b"\r") else b""
            if held:
                buf = buf[:-1]
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        else:
            held = b""
        end = buf.rfind(b"\n\n")
        if end < 0:
            self._buf = buf + held
            return []
        self._buf = buf[end + 2 :] + held
        return _blocks(buf[:end])

    def flush(self) -> list[tuple[str, str]]:
        """End of stream: dispatch what is left, even without a closing blank line."""
        rest, self._buf = self._buf, b""
        rest = rest.replace(b"\r\n", b"\n").replace(b"\r", b"\n").strip(b"\n")
        return _blocks(rest) if rest else []


def _blocks(text: bytes) -> list[tuple[str, str]]:
    events: list[tuple[str, str]] = []
    for block in text.split(b"\n\n"):
        if not block:
            continue
        if block[:6] == b"data: " and b"\n" not in block:  # fast path: one data line
            events.append(("", block[6:].decode("utf-8", "replace")))
            continue
        if block[:7] == b"event: ":  # fast path: "event: name" then one data line (Anthropic's shape)
            cut = block.find(b"\n")
            if block[cut + 1 : cut + 7] == b"data: " and block.find(b"\n", cut + 1) < 0:
                events.append(
                    (block[7:cut].decode("utf-8", "replace").strip(), block[cut + 7 :].decode("utf-8", "replace"))
                )
                continue
        event = _block(block.strip(b"\n"))
        if event is not None:
            events.append(event)
    return events


def _block(block: bytes) -> tuple[str, str] | None:
    name = ""
    data: list[str] = []
    for line in block.split(b"\n"):
        if line[:5] == b"data:":
            value = line[6:] if line[5:6] == b" " else line[5:]
            data.append(value.decode("utf-8", "replace"))
        elif line[:6] == b"event:":
            name = line[6:].strip().decode("utf-8", "replace")
        elif line == b"data":
            data.append("")
    return (name, "\n".join(data)) if data else None
