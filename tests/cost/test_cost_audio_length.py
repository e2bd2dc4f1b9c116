"""The length of an uploaded audio file from its header (WAV, FLAC), and ``None`` for anything else."""

from __future__ import annotations

import io
import struct
import wave

import httpx
import pytest

import modelmux
from modelmux.cost.audio_length import MAX_CHUNKS, audio_length


def wav(seconds: float, rate: int = 8000, channels: int = 1, width: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(seconds * rate) * channels * width)
    return out.getvalue()


def flac(samples: int, rate: int = 44100) -> bytes:
    # STREAMINFO: block sizes (16+16), frame sizes (24+24), rate (20), channels-1 (3), bps-1 (5), samples (36), MD5
    bits = (4096 << 128) | (4096 << 112) | (rate << 44) | (1 << 41) | (15 << 36) | samples
    return b"fLaC" + bytes([0x80, 0, 0, 34]) + bits.to_bytes(18, "big") + bytes(16)


def test_wav_and_flac_lengths() -> None:
    assert audio_length(wav(90)) == pytest.approx(90.0)
    assert audio_length(wav(1.5, rate=16000, channels=2, width=2)) == pytest.approx(1.5)
    assert audio_length(flac(44100 * 90)) == pytest.approx(90.0)


def test_a_chunk_before_the_data_is_skipped_with_its_padding() -> None:
    audio = wav(2)
    fmt_end = 12 + 8 + 16
    listed = audio[:fmt_end] + b"LIST" + struct.pack("<I", 3) + b"abc\x00" + audio[fmt_end:]
    assert audio_length(listed) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "content",
    [
        b"ID3\x03\x00" + bytes(100),  # mp3: a compressed stream's length is never estimated
        b"RIFF....WAVE",  # no chunks
        wav(2)[:-100],  # the data chunk claims more than the file holds
        wav(2)[:36] + b"data" + struct.pack("<I", 0xFFFFFFFF) + bytes(64),  # a streamed WAV: length unknown
        wav(2)[:20] + struct.pack("<H", 0x55) + wav(2)[22:],  # MPEG inside WAV
        b"RIFF\x00\x00\x00\x00WAVE" + (b"JUNK" + struct.pack("<I", 0)) * (MAX_CHUNKS + 1),
        flac(0),  # a FLAC that does not count its samples
        b"fLaC" + bytes([0x84, 0, 0, 34]) + bytes(34),  # the first block is not STREAMINFO
        b"",
    ],
)
def test_an_unstated_length_is_none(content: bytes) -> None:
    assert audio_length(content) is None


def test_a_json_transcription_of_a_wav_upload_is_priced_from_its_header() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"text": "hi"}))
    result = modelmux.transcription("openai/whisper-1", ("a.wav", wav(90)), api_key="k", transport=transport)
    assert result.response_cost == pytest.approx(0.009)
    opaque = modelmux.transcription("openai/whisper-1", ("a.mp3", b"ID3" + bytes(64)), api_key="k", transport=transport)
    assert opaque.response_cost is None
