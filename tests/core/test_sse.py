from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from modelmux._sse import SSEDecoder

STREAM = (
    b'event: message_start\r\ndata: {"a": 1}\r\n\r\n'
    b": keep-alive comment\n\n"
    b"data: line one\ndata:line two\r\r"
    b"id: 7\nretry: 100\nevent: ping\ndata: {}\n\n"
    b"data: caf\xc3\xa9\n\n"
    b"data: [DONE]\n\n"
)
EXPECTED = [
    ("message_start", '{"a": 1}'),
    ("", "line one\nline two"),
    ("ping", "{}"),
    ("", "café"),
    ("", "[DONE]"),
]


def decode(pieces: list[bytes]) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    out: list[tuple[str, str]] = []
    for piece in pieces:
        out += decoder.feed(piece)
    return out + decoder.flush()


def test_whole_stream() -> None:
    assert decode([STREAM]) == EXPECTED


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=20))
def test_any_split_gives_the_same_events(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    pieces = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert decode(pieces) == EXPECTED


def test_unterminated_last_event_is_flushed() -> None:
    assert decode([b"data: a\n\ndata: tail"]) == [("", "a"), ("", "tail")]


def test_event_without_data_is_not_dispatched_and_name_resets() -> None:
    assert decode([b"event: x\n\ndata: y\n\n"]) == [("", "y")]
