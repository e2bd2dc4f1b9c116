"""The NDJSON decoder: lines cut anywhere, CRLF, SSE lines, a multi-line document, bounded lines."""

from __future__ import annotations

import json

import pytest

from modelmux.errors import UpstreamError
from modelmux.providers.ollama.decode_ndjson import NDJSONDecoder

LINES = [
    {"message": {"role": "assistant", "content": "Grüße 👋"}, "done": False},
    {"message": {"role": "assistant", "content": " ok"}, "done": False},
    {"message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"},
]
BODY = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in LINES).encode()


def decode(pieces: list[bytes], **kwargs: int) -> list[tuple[str, str]]:
    decoder = NDJSONDecoder(**kwargs)
    out: list[tuple[str, str]] = []
    for piece in pieces:
        out += decoder.feed(piece)
    return out + decoder.flush()


def test_whole_body() -> None:
    assert [json.loads(d) for _, d in decode([BODY])] == LINES


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_cut_anywhere_even_inside_utf8(size: int) -> None:
    pieces = [BODY[i : i + size] for i in range(0, len(BODY), size)]
    assert [json.loads(d) for _, d in decode(pieces)] == LINES


def test_crlf_blank_lines_and_no_final_newline() -> None:
    body = BODY.replace(b"\n", b"\r\n\r\n").rstrip()
    assert [json.loads(d) for _, d in decode([body])] == LINES


def test_sse_lines_yield_their_data_and_event() -> None:
    body = b': keep-alive\n\nevent: error\ndata: {"error": "x"}\n\ndata: {"a": 1}\n\ndata: [DONE]\n\n'
    assert decode([body]) == [("error", '{"error": "x"}'), ("", '{"a": 1}'), ("", "[DONE]")]


def test_a_pretty_printed_document_is_yielded_whole() -> None:
    doc = {"model": "m", "message": {"role": "assistant", "content": "a\nb"}, "done": True}
    text = json.dumps(doc, indent=2).encode()
    for pieces in ([text], [text[i : i + 5] for i in range(0, len(text), 5)]):
        events = decode(pieces)
        assert len(events) == 1 and json.loads(events[0][1]) == doc


def test_a_line_too_long_is_an_upstream_error() -> None:
    decoder = NDJSONDecoder(max_line_bytes=100)
    decoder.feed(b'{"a": 1}\n')
    with pytest.raises(UpstreamError):
        for _ in range(20):
            decoder.feed(b"x" * 10)


def test_a_long_stream_of_short_lines_is_fine() -> None:
    line = b'{"message": {"content": "t"}, "done": false}\n'
    assert len(decode([line * 5000], max_line_bytes=100)) == 5000


def test_empty_body() -> None:
    assert decode([b""]) == [] and decode([b"\n\n"]) == []
