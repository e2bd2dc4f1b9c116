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


def reference(text: str) -> list[tuple[str, str]]:
    """Line by line, as the WHATWG rules read (the decoder's block-at-a-time fast paths must agree)."""
    events: list[tuple[str, str]] = []
    name, data = "", []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data:
                events.append((name, "\n".join(data)))
            name, data = "", []
        elif line.startswith("data:"):
            data.append(line[6:] if line[5:6] == " " else line[5:])
        elif line == "data":
            data.append("")
        elif line.startswith("event:"):
            name = line[6:].strip()
    if data:
        events.append((name, "\n".join(data)))
    return events


_LINE = st.sampled_from(
    ["event: a", "event: b ", "event:c", 'data: {"x": 1}', "data:y", "data", "data: ", ": note", "id: 1", "", "data: é"]
)
# Mostly the shapes the fast paths take (one data line; event + one data line), sometimes anything.
_BLOCK = st.one_of(
    st.builds(lambda d: f"data: {d}", st.text(alphabet='ab{}: é"', max_size=6)),
    st.builds(
        lambda n, d: f"event: {n}\ndata: {d}", st.sampled_from(["a", "b", " c "]), st.text(alphabet="ab: é", max_size=6)
    ),
    st.lists(_LINE, min_size=1, max_size=4).map("\n".join),
)


@given(
    st.lists(_BLOCK, min_size=1, max_size=12),
    st.sampled_from(["\n\n", "\n\n\n", "\n"]),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=400), max_size=4),
)
def test_events_equal_a_line_by_line_reading(blocks: list[str], gap: str, closed: bool, cuts: list[int]) -> None:
    text = gap.join(blocks) + ("\n\n" if closed else "")
    raw = text.encode()
    points = sorted({c for c in cuts if c < len(raw)})
    pieces = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert decode([raw]) == reference(text)
    assert decode(pieces) == reference(text)
    one_per_read = [(block + "\n\n").encode() for block in blocks]  # a server that flushes each event
    assert decode(one_per_read) == reference("\n\n".join(blocks) + "\n\n")
