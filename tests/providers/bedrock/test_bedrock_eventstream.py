"""The AWS event-stream decoder against botocore's parser (``EventStreamBuffer``) as the oracle."""

from __future__ import annotations

import itertools
import json
import struct
import zlib

import pytest
from bedrock_helpers import (
    EVENT_STREAM,
    bedrock_interactions,
    encode_event,
    encode_exception,
    encode_message,
    make_ctx,
)
from botocore.eventstream import EventStreamBuffer
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmux.providers.bedrock import provider
from modelmux.providers.bedrock.eventstream import EventStreamDecoder, EventStreamError

RECORDED = [it.response_body for _, it in bedrock_interactions() if it.content_type == EVENT_STREAM]


def botocore_messages(data: bytes) -> list[tuple[dict[str, object], bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(dict(m.headers), m.payload) for m in buffer]


def decode_in_pieces(data: bytes, cuts: list[int]) -> list[tuple[dict[str, object], bytes]]:
    decoder = EventStreamDecoder()
    out = []
    start = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out += decoder.feed_messages(data[start:cut])
        start = cut
    assert decoder.flush() == []
    return out


def test_recorded_streams_are_present() -> None:
    assert len(RECORDED) >= 8


@pytest.mark.parametrize("body", RECORDED)
def test_recorded_streams_match_botocore_byte_by_byte(body: bytes) -> None:
    expected = botocore_messages(body)
    assert decode_in_pieces(body, list(range(1, len(body)))) == expected
    assert decode_in_pieces(body, []) == expected


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_split_of_recorded_streams(data: st.DataObject) -> None:
    body = data.draw(st.sampled_from(RECORDED))
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(body)), max_size=40))
    assert decode_in_pieces(body, cuts) == botocore_messages(body)


_HEADER = st.one_of(
    st.tuples(st.just(0), st.just(True)),
    st.tuples(st.just(1), st.just(False)),
    st.tuples(st.just(2), st.integers(-128, 127)),
    st.tuples(st.just(3), st.integers(-(2**15), 2**15 - 1)),
    st.tuples(st.just(4), st.integers(-(2**31), 2**31 - 1)),
    st.tuples(st.just(5), st.integers(-(2**63), 2**63 - 1)),
    st.tuples(st.just(6), st.binary(max_size=40)),
    st.tuples(st.just(7), st.text(max_size=40)),
    st.tuples(st.just(9), st.binary(min_size=16, max_size=16)),
)


@settings(max_examples=80, deadline=None)
@given(
    messages=st.lists(
        st.tuples(st.dictionaries(st.text(min_size=1, max_size=12), _HEADER, max_size=5), st.binary(max_size=200)),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_typed_headers_and_payloads_match_botocore(
    messages: list[tuple[dict[str, tuple[int, object]], bytes]], data: st.DataObject
) -> None:
    body = b"".join(
        encode_message([(name, kind, value) for name, (kind, value) in headers.items()], payload)
        for headers, payload in messages
    )
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(body)), max_size=30))
    ours = decode_in_pieces(body, cuts)
    theirs = botocore_messages(body)
    # botocore decodes uuids to bytes too, timestamps to datetimes (not sent by Bedrock; ours are epoch ms).
    assert ours == theirs


def test_events_exceptions_and_errors_as_pairs() -> None:
    error = encode_message(
        [(":message-type", 7, "error"), (":error-code", 7, "InternalFailure"), (":error-message", 7, "boom")], b""
    )
    body = (
        encode_event("messageStart", {"role": "assistant"})
        + encode_exception("throttlingException", {"message": "slow down"})
        + error
    )
    decoder = EventStreamDecoder()
    assert decoder.feed(body) == [
        ("messageStart", '{"role": "assistant"}'),
        ("throttlingException", '{"message": "slow down"}'),
        ("error", json.dumps({"code": "InternalFailure", "message": "boom"})),
    ]


def test_bad_message_crc_is_refused() -> None:
    frame = bytearray(encode_event("messageStart", {"role": "assistant"}))
    frame[-6] ^= 0x01  # a payload byte
    with pytest.raises(EventStreamError, match="message CRC"):
        EventStreamDecoder().feed(bytes(frame))


def test_bad_prelude_crc_is_refused_before_waiting_for_the_body() -> None:
    frame = bytearray(encode_event("messageStart", {"role": "assistant"}))
    frame[3] ^= 0x01  # total length
    with pytest.raises(EventStreamError, match="prelude CRC"):
        EventStreamDecoder().feed(bytes(frame[:12]))


def test_impossible_lengths_are_refused() -> None:
    prelude = struct.pack(">II", 10, 0)
    with pytest.raises(EventStreamError, match="lengths"):
        EventStreamDecoder().feed(prelude + struct.pack(">I", zlib.crc32(prelude)))
    huge = struct.pack(">II", 64 * 1024 * 1024, 0)
    with pytest.raises(EventStreamError, match="too large"):
        EventStreamDecoder().feed(huge + struct.pack(">I", zlib.crc32(huge)))


def test_truncated_stream_is_refused_at_flush() -> None:
    frame = encode_event("messageStart", {"role": "assistant"})
    decoder = EventStreamDecoder()
    assert decoder.feed(frame[:-3]) == []
    with pytest.raises(EventStreamError, match="ended inside a message"):
        decoder.flush()


def test_unknown_header_type_is_refused() -> None:
    headers = b"\x01a\x0f"
    total = 12 + len(headers) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers
    with pytest.raises(EventStreamError, match="header type"):
        EventStreamDecoder().feed(body + struct.pack(">I", zlib.crc32(body)))


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_decoder_and_translator_give_the_same_chunks_however_the_bytes_are_split(data: st.DataObject) -> None:
    body = data.draw(st.sampled_from(RECORDED))
    cuts = sorted(set(data.draw(st.lists(st.integers(min_value=1, max_value=len(body) - 1), max_size=25))))

    def run(pieces: list[bytes]) -> list[dict[str, object]]:
        decoder = provider.chat_stream_decoder(make_ctx())
        translator = provider.chat_stream_translator(make_ctx(include_usage=True))
        chunks = []
        for piece in pieces:
            for event, payload in decoder.feed(piece):
                chunks += translator.feed(event, payload)
        chunks += translator.finish()
        return [c.model_dump(exclude={"id", "created"}) for c in chunks]

    bounds = [0, *cuts, len(body)]
    assert run([body[a:b] for a, b in itertools.pairwise(bounds)]) == run([body])


def frames(body: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(body):
        (total,) = struct.unpack_from(">I", body, pos)
        out.append(body[pos : pos + total])
        pos += total
    return out


@pytest.mark.parametrize("body", RECORDED)
def test_one_message_per_read_gives_the_pairs_of_the_whole_body(body: bytes) -> None:
    decoder = EventStreamDecoder()
    pairs = [pair for frame in frames(body) for pair in decoder.feed(frame)]  # the one-message-per-read path
    assert pairs == EventStreamDecoder().feed(body)
    assert len(pairs) == len(frames(body))


@pytest.mark.parametrize(
    ("damage", "error"),
    [(-6, "message CRC"), (3, "prelude CRC"), (-2, "message CRC")],  # a payload byte, the length, the CRC itself
)
def test_a_damaged_message_after_good_ones_is_refused_when_read_alone(damage: int, error: str) -> None:
    good = encode_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "a"}})
    decoder = EventStreamDecoder()
    assert decoder.feed(good) == decoder.feed(good)  # the header block is known now
    bad = bytearray(good)
    bad[damage] ^= 0x01
    with pytest.raises(EventStreamError, match=error):
        decoder.feed(bytes(bad))
