"""Bytes → ``(event, data)`` pairs for Ollama's streams, which are newline-delimited JSON (one object per
line; docs.ollama.com/api/streaming).

Tolerant of what a server may answer instead, so the translator can tell answers apart by their shape:
SSE lines (``data: …``, ``event: …``, ``: comment``; Ollama's OpenAI-compatible route, proxies) yield their
data, and a single JSON document spread over several lines (a non-streamed answer, pretty-printed) is yielded
whole at the end. Linear: each byte is scanned once; a line (or a document) is bounded.
"""

from __future__ import annotations

from pydantic_core import from_json

from ...errors import UpstreamError

__all__ = ["MAX_LINE_BYTES", "NDJSONDecoder"]

#: The longest line (or whole multi-line document) accepted: a stream line carries one token or one tool call.
MAX_LINE_BYTES = 8 * 1024 * 1024


class NDJSONDecoder:
    """Incremental NDJSON (and SSE-line) decoder; ``feed`` bytes as they come, ``flush`` at the end."""

    __slots__ = ("_buf", "_document", "_event", "_max", "_seen_line")

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_line_bytes
        self._event = ""
        self._seen_line = False
        self._document = False  # a multi-line JSON document: kept whole until flush()

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        buf = self._buf
        scan = len(buf)  # the buffer holds no newline: only the new bytes need scanning
        buf += chunk
        out: list[tuple[str, str]] = []
        if not self._seen_line and not self._document:  # only the first line can open a document
            start = 0
            while not self._seen_line and (end := buf.find(b"\n", scan)) >= 0:
                if self._line(bytes(buf[start:end]), out):
                    break  # a document starts at ``start``: keep it all from there
                start = scan = end + 1
            del buf[:start]
            scan = 0
        if self._seen_line and not self._document:  # past the first line: no document can start any more
            end = buf.rfind(b"\n", scan)
            if end >= 0:
                lines = bytes(buf[:end]).split(b"\n")  # every complete line of this read, one copy
                del buf[: end + 1]
                for raw in lines:
                    if raw[:1] == b"{":  # a native line (the usual): what _line makes of it, cheaper
                        out.append(("", raw.strip().decode("utf-8")))
                    else:
                        self._line(raw, out)
        self._check(len(buf))
        return out

    def flush(self) -> list[tuple[str, str]]:
        rest = bytes(self._buf)
        self._buf.clear()
        out: list[tuple[str, str]] = []
        if not rest.strip():
            return out
        if self._document or self._line(rest, out):
            out.append(("", rest.decode("utf-8").strip()))
        return out

    def _check(self, size: int) -> None:
        if size > self._max:
            raise UpstreamError(f"a stream line is longer than {self._max} bytes", status_code=502)

    def _line(self, raw: bytes, out: list[tuple[str, str]]) -> bool:
        """Decode one line into ``out``; True (nothing decoded) when it opens a multi-line document."""
        line = raw.strip()
        if not line:
            self._event = ""  # SSE: a blank line ends an event
            return False
        if not self._seen_line:
            self._seen_line = True
            if line[:1] in (b"{", b"[") and not _is_json(line):
                self._document = True
                return True
        if line.startswith(b"data:"):
            data = line[5:]
            out.append((self._event, (data[1:] if data[:1] == b" " else data).decode("utf-8")))
        elif line.startswith(b"event:"):
            self._event = line[6:].strip().decode("utf-8")
        elif not line.startswith((b":", b"id:", b"retry:")):
            out.append(("", line.decode("utf-8")))
        return False


def _is_json(line: bytes) -> bool:
    try:
        from_json(line)
    except ValueError:
        return False
    return True
