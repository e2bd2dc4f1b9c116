"""Bad arguments are ``BadRequestError`` s naming the ``param``, raised before anything is sent."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import modelmux
from modelmux._embeddings import (
    MAX_EMBEDDING_DIMENSIONS,
    MAX_EMBEDDING_INPUTS,
    MAX_EMBEDDING_TOKEN_IDS,
    MAX_EMBEDDING_VALUES,
)
from modelmux._images import MAX_IMAGES
from modelmux._transcriptions import read_file
from modelmux.providers.mock_operations import MAX_MOCK_EMBEDDING_VALUES

from .helpers import KEY, Refuse

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "
NO_NET = {"api_key": KEY, "transport": Refuse()}


def _embedding(**kw: Any) -> Any:
    args = {"model": "openai/text-embedding-3-small", "input": "x", **NO_NET, **kw}
    return modelmux.embedding(**args)


def _image(**kw: Any) -> Any:
    return modelmux.image_generation(**{"model": "openai/dall-e-3", "prompt": "x", **NO_NET, **kw})


def _transcription(**kw: Any) -> Any:
    return modelmux.transcription(**{"model": "openai/whisper-1", "file": WAV, **NO_NET, **kw})


def _moderation(**kw: Any) -> Any:
    return modelmux.moderation(**{"input": "x", **NO_NET, **kw})


@pytest.mark.parametrize(
    ("call", "kwargs", "param"),
    [
        (_embedding, {"input": ""}, "input"),
        (_embedding, {"input": []}, "input"),
        (_embedding, {"input": ["ok", ""]}, "input"),
        (_embedding, {"input": None}, "input"),
        (_embedding, {"input": {"text": "x"}}, "input"),
        (_embedding, {"input": ["a", 1]}, "input"),
        (_embedding, {"input": [[1], []]}, "input"),
        (_embedding, {"input": [True, False]}, "input"),
        (_embedding, {"dimensions": 0}, "dimensions"),
        (_embedding, {"dimensions": 1.5}, "dimensions"),
        (_embedding, {"dimensions": True}, "dimensions"),
        (_embedding, {"dimensions": MAX_EMBEDDING_DIMENSIONS + 1}, "dimensions"),
        (_embedding, {"dimensions": 10**8}, "dimensions"),
        (_embedding, {"input": ["a"] * (MAX_EMBEDDING_INPUTS + 1)}, "input"),
        (_embedding, {"input": [[1]] * (MAX_EMBEDDING_INPUTS + 1)}, "input"),
        (_embedding, {"input": [1] * (MAX_EMBEDDING_TOKEN_IDS + 1)}, "input"),
        (_embedding, {"input": [[1] * (MAX_EMBEDDING_TOKEN_IDS // 2 + 1)] * 2}, "input"),
        (_embedding, {"input": ["a"] * MAX_EMBEDDING_INPUTS, "dimensions": 3073}, "dimensions"),
        (_embedding, {"model": "mock/x", "input": ["a"] * 10, "dimensions": 10**8}, "dimensions"),
        (_embedding, {"model": "mock/x", "input": ["a"] * 17, "dimensions": 16_384}, "dimensions"),
        (_embedding, {"encoding_format": "int8"}, "encoding_format"),
        (_embedding, {"user": 7}, "user"),
        (_embedding, {"model": ""}, "model"),
        (_embedding, {"model": "nobody/knows"}, "model"),
        (_image, {"prompt": ""}, "prompt"),
        (_image, {"prompt": None}, "prompt"),
        (_image, {"n": 0}, "n"),
        (_image, {"n": MAX_IMAGES + 1}, "n"),
        (_image, {"n": "2"}, "n"),
        (_image, {"size": "big"}, "size"),
        (_image, {"size": "0x10"}, "size"),
        (_image, {"size": 1024}, "size"),
        (_image, {"response_format": "png"}, "response_format"),
        (_image, {"quality": 3}, "quality"),
        (_image, {"style": ""}, "style"),
        (_transcription, {"file": b""}, "file"),
        (_transcription, {"file": "speech.wav"}, "file"),
        (_transcription, {"file": io.StringIO("text")}, "file"),
        (_transcription, {"file": (b"no name first", WAV)}, "file"),
        (_transcription, {"file": ("a.wav",)}, "file"),
        (_transcription, {"response_format": "xml"}, "response_format"),
        (_transcription, {"temperature": 1.5}, "temperature"),
        (_transcription, {"language": ""}, "language"),
        (_transcription, {"prompt": 5}, "prompt"),
        (_transcription, {"timestamp_granularities": ["word"]}, "timestamp_granularities"),
        (
            _transcription,
            {"timestamp_granularities": ["char"], "response_format": "verbose_json"},
            "timestamp_granularities",
        ),
        (
            _transcription,
            {"timestamp_granularities": "word", "response_format": "verbose_json"},
            "timestamp_granularities",
        ),
        (_transcription, {"stream": True}, "stream"),
        (_moderation, {"input": ""}, "input"),
        (_moderation, {"input": []}, "input"),
        (_moderation, {"input": ["a", ""]}, "input"),
        (_moderation, {"input": [{"type": "audio", "audio": "x"}]}, "input"),
        (_moderation, {"input": [{"type": "image_url", "image_url": "not-an-object"}]}, "input"),
        (_moderation, {"input": 3}, "input"),
        (_moderation, {"model": ""}, "model"),
    ],
)
def test_bad_arguments_name_the_param(call: Any, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        call(**kwargs)
    assert info.value.param == param
    assert info.value.status_code == 400


def test_embedding_limits_allow_the_largest_real_requests() -> None:
    """OpenAI's largest request (2,048 inputs x 3,072 dimensions) is allowed; the mock computes up to its own limit."""
    assert MAX_EMBEDDING_VALUES == MAX_EMBEDDING_INPUTS * 3072
    with pytest.raises(AssertionError, match="nothing should be sent"):  # the checks passed: it was being sent
        _embedding(input=["a"] * MAX_EMBEDDING_INPUTS, dimensions=3072)
    rows = MAX_MOCK_EMBEDDING_VALUES // MAX_EMBEDDING_DIMENSIONS
    result = modelmux.embedding("mock/x", ["a"] * rows, dimensions=MAX_EMBEDDING_DIMENSIONS)
    assert [len(d.embedding) for d in result.data] == [MAX_EMBEDDING_DIMENSIONS] * rows
    with pytest.raises(modelmux.BadRequestError, match="at most 262144 values"):
        modelmux.embedding("mock/x", ["a"] * (rows + 1), dimensions=MAX_EMBEDDING_DIMENSIONS)


def test_messages_say_what_is_expected() -> None:
    with pytest.raises(modelmux.BadRequestError, match=r"input\[1\] is an empty string"):
        _embedding(input=["ok", ""])
    with pytest.raises(modelmux.BadRequestError, match="one of float, base64; got 'int8'"):
        _embedding(encoding_format="int8")
    with pytest.raises(modelmux.BadRequestError, match="needs response_format='verbose_json'"):
        _transcription(timestamp_granularities=["word"])


def test_a_missing_key_is_an_authentication_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(modelmux.AuthenticationError, match="OPENAI_API_KEY"):
        modelmux.embedding("openai/text-embedding-3-small", "x", transport=Refuse())


def test_an_unsupported_operation_is_reported_before_the_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.embedding("anthropic/claude-haiku-4-5", "x")
    assert info.value.message == "provider 'anthropic' does not support embeddings"
    assert (info.value.provider, info.value.code) == ("anthropic", "unsupported_operation")


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (WAV, ("audio.wav", WAV, "audio/wav")),
        (b"ID3\x04rest", ("audio.mp3", b"ID3\x04rest", "audio/mpeg")),
        (b"fLaC....", ("audio.flac", b"fLaC....", "audio/flac")),
        (b"\x00\x00\x00\x20ftypM4A ", ("audio.m4a", b"\x00\x00\x00\x20ftypM4A ", "audio/mp4")),
        (b"\x1a\x45\xdf\xa3....", ("audio.webm", b"\x1a\x45\xdf\xa3....", "audio/webm")),
        (bytearray(WAV), ("audio.wav", WAV, "audio/wav")),
        (("talk.mp3", b"xyz"), ("talk.mp3", b"xyz", "audio/mpeg")),
        (("talk.ogg", b"xyz", "audio/ogg"), ("talk.ogg", b"xyz", "audio/ogg")),
        ((None, WAV, "audio/wav"), ("audio.wav", WAV, "audio/wav")),
        (("n.wav", io.BytesIO(WAV)), ("n.wav", WAV, "audio/wav")),
    ],
)
def test_read_file_accepts_the_openai_client_shapes(file: Any, expected: tuple[str, bytes, str]) -> None:
    assert read_file(file) == expected


def test_read_file_from_a_path_and_a_named_file_object(tmp_path: Path) -> None:
    path = tmp_path / "speech.flac"
    path.write_bytes(b"fLaC data")
    assert read_file(path)[:2] == ("speech.flac", b"fLaC data")
    with path.open("rb") as handle:
        assert read_file(handle)[:2] == ("speech.flac", b"fLaC data")
