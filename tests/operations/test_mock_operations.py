"""The offline mock for embeddings, images, transcriptions and moderations: deterministic, OpenAI-shaped."""

from __future__ import annotations

import asyncio
import base64
import math
import struct
import zlib

import openai.types as oa
import openai.types.audio as oa_audio
import pytest

import modelmux
from modelmux.providers.mock_operations import TRANSCRIPT, tiny_png

AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------- embeddings


def test_embeddings_are_deterministic_unit_vectors() -> None:
    out = modelmux.embedding("mock/embed", ["alpha", "beta", "alpha"])
    oa.CreateEmbeddingResponse.model_validate(out.model_dump())
    vectors = [d.embedding for d in out.data]
    assert isinstance(vectors[0], list) and len(vectors[0]) == 8
    assert vectors[0] == vectors[2] != vectors[1]
    assert all(math.isclose(math.fsum(v * v for v in vec), 1.0) for vec in vectors)  # type: ignore[union-attr]
    assert [d.index for d in out.data] == [0, 1, 2] and out.model == "embed"
    assert out.usage.prompt_tokens == out.usage.total_tokens > 0
    assert modelmux.embedding("mock/other", "alpha").data[0].embedding == vectors[0]


def test_dimensions_and_base64() -> None:
    floats = modelmux.embedding("mock/e", "text", dimensions=32).data[0].embedding
    encoded = modelmux.embedding("mock/e", "text", dimensions=32, encoding_format="base64").data[0].embedding
    assert isinstance(floats, list) and len(floats) == 32 and isinstance(encoded, str)
    decoded = struct.unpack("<32f", base64.b64decode(encoded))
    assert all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-7) for a, b in zip(decoded, floats, strict=True))


def test_token_id_inputs() -> None:
    assert len(modelmux.embedding("mock/e", [1, 2, 3]).data) == 1
    assert len(modelmux.embedding("mock/e", [[1, 2], [3]]).data) == 2


# ---------------------------------------------------------------- images


def _png_pixels(png: bytes) -> tuple[int, int, bytes]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, chunks = 8, {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        tag, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(tag + data)
        chunks[tag] = data
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert b"IEND" in chunks
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_images_are_small_valid_pngs_coloured_by_the_prompt() -> None:
    out = modelmux.image_generation("mock/img", "a red fox", n=3)
    oa.ImagesResponse.model_validate(out.model_dump())
    assert out.data is not None and len(out.data) == 3
    png = base64.b64decode(out.data[0].b64_json or "")
    width, height, raw = _png_pixels(png)
    assert (width, height) == (8, 8) and len(raw) == 8 * (1 + 8 * 3)
    other = modelmux.image_generation("mock/img", "a blue whale").data
    assert other is not None and other[0].b64_json != out.data[0].b64_json
    assert _png_pixels(tiny_png(b"\x01\x02\x03", 2))[2] == b"\x00" + b"\x01\x02\x03" * 2 + b"\x00" + b"\x01\x02\x03" * 2


def test_url_format_is_a_data_url() -> None:
    data = modelmux.image_generation("mock/img", "fox", response_format="url").data
    assert data is not None and data[0].b64_json is None
    url = data[0].url or ""
    assert url.startswith("data:image/png;base64,")
    _png_pixels(base64.b64decode(url.split(",", 1)[1]))


# ---------------------------------------------------------------- transcriptions


def test_json_and_verbose_transcripts_validate_as_openai_types() -> None:
    plain = modelmux.transcription("mock/whisper", AUDIO)
    assert oa_audio.Transcription.model_validate(plain.model_dump()).text == TRANSCRIPT
    verbose = modelmux.transcription(
        "mock/whisper",
        AUDIO,
        response_format="verbose_json",
        language="fr",
        timestamp_granularities=["word", "segment"],
    )
    parsed = oa_audio.TranscriptionVerbose.model_validate(verbose.model_dump())
    assert parsed.language == "fr" and parsed.segments and parsed.words
    assert " ".join(w.word for w in parsed.words) == TRANSCRIPT
    assert parsed.words[-1].end == parsed.duration
    words_only = modelmux.transcription(
        "mock/w", AUDIO, response_format="verbose_json", timestamp_granularities=["word"]
    )
    assert "segments" not in words_only.model_dump() and "words" in words_only.model_dump()


def test_diarized_transcript() -> None:
    out = modelmux.transcription("mock/diarize", AUDIO, response_format="diarized_json")
    assert oa_audio.TranscriptionDiarized.model_validate(out.model_dump()).segments[0].speaker == "A"


def test_text_formats_are_strings() -> None:
    assert modelmux.transcription("mock/w", AUDIO, response_format="text") == TRANSCRIPT
    assert modelmux.transcription("mock/w", AUDIO, response_format="srt") == (
        f"1\n00:00:00,000 --> 00:00:02,500\n{TRANSCRIPT}\n"
    )
    assert modelmux.transcription("mock/w", AUDIO, response_format="vtt") == (
        f"WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n{TRANSCRIPT}\n"
    )


# ---------------------------------------------------------------- moderations


def test_moderation_flags_trigger_words_deterministically() -> None:
    out = modelmux.moderation(["I will KILL the process", "what a lovely day", "I hate Mondays"], model="mock/mod")
    parsed = oa.ModerationCreateResponse.model_validate(out.model_dump())
    assert [r.flagged for r in parsed.results] == [True, False, True]
    assert parsed.results[0].categories.violence and not parsed.results[0].categories.hate
    assert parsed.results[0].category_scores.violence == 0.9
    assert parsed.results[2].categories.hate
    assert (
        out.id
        == modelmux.moderation(["I will KILL the process", "what a lovely day", "I hate Mondays"], model="mock/mod").id
    )
    assert not modelmux.moderation("skill and hatemail", model="mock/mod").results[0].flagged  # whole words only


def test_multimodal_input_is_one_result_with_applied_input_types() -> None:
    parts = [
        {"type": "text", "text": "you idiot"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    out = modelmux.moderation(parts, model="mock/mod")
    assert len(out.results) == 1 and out.results[0].flagged
    assert out.results[0].categories["harassment"]
    applied = out.results[0].category_applied_input_types or {}
    assert applied["violence"] == ["text", "image"] and applied["harassment"] == ["text"]
    image_only = modelmux.moderation(parts[1:], model="mock/mod").results[0].category_applied_input_types or {}
    assert image_only["harassment"] == [] and image_only["sexual"] == ["image"]


# ---------------------------------------------------------------- all of them


def test_async_twins() -> None:
    async def run() -> None:
        assert (await modelmux.aembedding("mock/e", "x")).data
        assert (await modelmux.aimage_generation("mock/i", "x")).data
        assert await modelmux.atranscription("mock/t", AUDIO, response_format="text") == TRANSCRIPT
        assert not (await modelmux.amoderation("fine", model="mock/m")).results[0].flagged

    asyncio.run(run())


@pytest.mark.parametrize(
    "call",
    [
        lambda m: modelmux.embedding(m, "x"),
        lambda m: modelmux.image_generation(m, "x"),
        lambda m: modelmux.transcription(m, AUDIO),
        lambda m: modelmux.moderation("x", model=m),
    ],
)
def test_error_models_raise_their_status(call: object) -> None:
    with pytest.raises(modelmux.RateLimitError):
        call("mock/error-429")  # type: ignore[operator]
    with pytest.raises(modelmux.ServiceUnavailableError):
        call("mock/error-503")  # type: ignore[operator]
