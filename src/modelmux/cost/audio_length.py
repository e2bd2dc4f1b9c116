"""The exact length of an uploaded audio file, read from its header where the format states it: WAV (PCM or float:
data bytes / byte rate) and FLAC (STREAMINFO: total samples / sample rate). Any other format, or a header that
does not state the length (a streamed WAV, a FLAC without a sample count), gives ``None``: the length of a
compressed stream is never estimated. Pure; reads at most :data:`MAX_CHUNKS` headers."""

from __future__ import annotations

import struct

__all__ = ["MAX_CHUNKS", "audio_length"]

#: WAV chunks looked at before giving up (``fmt `` and ``data`` come first in practice).
MAX_CHUNKS = 32
#: WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_EXTENSIBLE (RFC 2361, Microsoft's WAVEFORMATEX docs).
_UNCOMPRESSED = {1, 3, 0xFFFE}


def audio_length(content: bytes) -> float | None:
    """Seconds of audio in ``content``, or ``None`` when its header does not say."""
    if content[:4] == b"RIFF" and content[8:12] == b"WAVE":
        return _wav(content)
    if content[:4] == b"fLaC":
        return _flac(content)
    return None


def _wav(content: bytes) -> float | None:
    offset, byte_rate = 12, 0
    for _ in range(MAX_CHUNKS):
        if offset + 8 > len(content):
            return None
        kind = content[offset : offset + 4]
        size: int = struct.unpack_from("<I", content, offset + 4)[0]
        body = offset + 8
        if kind == b"fmt " and size >= 16 and body + 16 <= len(content):
            fmt, channels, rate, rate_bytes, align, bits = struct.unpack_from("<HHIIHH", content, body)
            byte_rate = int(rate_bytes)
            if fmt not in _UNCOMPRESSED or not rate or byte_rate != rate * align or align != channels * bits // 8:
                return None
        elif kind == b"data":
            if not byte_rate or body + size > len(content):  # no format yet, or a length the file does not hold
                return None
            return size / byte_rate
        offset = body + size + (size & 1)  # chunks are padded to an even size
    return None


def _flac(content: bytes) -> float | None:
    # The first metadata block is STREAMINFO (type 0, 34 bytes): the sample rate is 20 bits at bit 80, the
    # total sample count 36 bits at bit 108 (https://www.rfc-editor.org/rfc/rfc9639#name-streaminfo).
    if len(content) < 8 + 34 or content[4] & 0x7F != 0:
        return None
    info = int.from_bytes(content[8 : 8 + 18], "big")
    rate = (info >> (144 - 100)) & 0xFFFFF
    samples = info & ((1 << 36) - 1)
    if not rate or not samples:
        return None
    return samples / rate
