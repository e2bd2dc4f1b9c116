"""Embeddings, images, transcriptions (a real WAV upload) and moderations through the real async SDK, in-process."""

from __future__ import annotations

import base64
import io
import math
import struct
import wave
from typing import Any

import openai
import pytest
from gateway_helpers import ALICE, keyed_config, make_app, raw, sdk

from modelmux.asgi import Gateway

pytestmark = pytest.mark.anyio


def wav_bytes(seconds: float = 0.5, rate: int = 16_000) -> bytes:
    """A real mono 16-bit PCM WAV of a 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(12_000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


@pytest.fixture
def mock_app() -> Gateway:
    config = keyed_config()
    for name in ("embedding", "image", "transcription", "moderation"):
        config["models"][f"mock/{name}"] = {"model": f"mock/{name}"}
    return make_app(config)


async def test_embeddings(mock_app: Gateway) -> None:
    client = sdk(mock_app)
    one = await client.embeddings.create(model="mock/embedding", input="hello")
    again = await client.embeddings.create(model="mock/embedding", input=["hello", "world"], dimensions=16)
    assert one.object == "list" and len(one.data) == 1
    assert len(again.data) == 2 and len(again.data[0].embedding) == 16
    assert one.usage.total_tokens >= 1
    packed = await client.embeddings.create(model="mock/embedding", input="hello", encoding_format="base64")
    assert isinstance(packed.data[0].embedding, (str, list))


async def test_embeddings_default_encoding_round_trips_through_the_sdk(mock_app: Gateway) -> None:
    # The SDK asks for base64 by default and decodes it; the vector must match the float answer.
    client = sdk(mock_app)
    floats = await client.embeddings.create(model="mock/embedding", input="same", encoding_format="float")
    default = await client.embeddings.create(model="mock/embedding", input="same")
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding, rel=1e-6)


@pytest.mark.parametrize("fmt", ["b64_json", "url"])
async def test_images(mock_app: Gateway, fmt: Any) -> None:
    result = await sdk(mock_app).images.generate(model="mock/image", prompt="a pelican", n=2, response_format=fmt)
    assert result.data is not None and len(result.data) == 2
    if fmt == "b64_json":
        assert base64.b64decode(result.data[0].b64_json or "").startswith(b"\x89PNG")
    else:
        assert result.data[0].url


async def test_transcription_of_a_real_wav(mock_app: Gateway) -> None:
    client = sdk(mock_app)
    result = await client.audio.transcriptions.create(model="mock/transcription", file=("tone.wav", wav_bytes()))
    assert result.text
    text = await client.audio.transcriptions.create(
        model="mock/transcription", file=("tone.wav", wav_bytes()), response_format="text"
    )
    assert isinstance(text, str) and text.strip()
    srt = await client.audio.transcriptions.create(
        model="mock/transcription", file=("tone.wav", wav_bytes()), response_format="srt"
    )
    assert "-->" in srt
    verbose = await client.audio.transcriptions.create(
        model="mock/transcription",
        file=("tone.wav", wav_bytes()),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        language="en",
        temperature=0.2,
    )
    assert verbose.text


async def test_moderations(mock_app: Gateway) -> None:
    client = sdk(mock_app)
    calm = await client.moderations.create(model="mock/moderation", input="a quiet afternoon")
    angry = await client.moderations.create(model="mock/moderation", input=["I will kill it", "fine"])
    assert calm.results[0].flagged is False
    assert [r.flagged for r in angry.results] == [True, False]


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/embeddings", {"model": "mock/embedding"}, "input"),
        ("/v1/embeddings", {"model": "mock/embedding", "input": []}, "input"),
        ("/v1/embeddings", {"model": "mock/embedding", "input": [1, "a"]}, "input"),
        ("/v1/embeddings", {"model": "mock/embedding", "input": "x", "encoding_format": "hex"}, "encoding_format"),
        ("/v1/embeddings", {"model": "mock/embedding", "input": "x", "dimensions": 0}, "dimensions"),
        ("/v1/embeddings", {"model": "mock/embedding", "input": "x", "surprise": 1}, "surprise"),
        ("/v1/images/generations", {"model": "mock/image"}, "prompt"),
        ("/v1/images/generations", {"model": "mock/image", "prompt": "p", "n": 99}, "n"),
        ("/v1/images/generations", {"model": "mock/image", "prompt": "p", "response_format": "gif"}, "response_format"),
        ("/v1/moderations", {"input": "x"}, "model"),
        ("/v1/moderations", {"model": "mock/moderation", "input": [{"no": "type"}]}, "input[0].type"),
        ("/v1/moderations", {"model": "mock/moderation", "input": 5}, "input"),
    ],
)
async def test_endpoint_mistakes_are_400(mock_app: Gateway, path: str, body: dict[str, Any], param: str) -> None:
    async with raw(mock_app) as client:
        response = await client.post(path, json=body, headers={"authorization": f"Bearer {ALICE}"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


async def test_transcription_mistakes_are_400(mock_app: Gateway) -> None:
    client = sdk(mock_app)
    with pytest.raises(openai.BadRequestError):
        await client.audio.transcriptions.create(model="mock/transcription", file=("x.wav", b""))
    with pytest.raises(openai.BadRequestError):
        await client.audio.transcriptions.create(
            model="mock/transcription",
            file=("x.wav", wav_bytes()),
            response_format="mp3",  # type: ignore[arg-type]
        )
    with pytest.raises(openai.BadRequestError):
        await client.audio.transcriptions.create(model="mock/transcription", file=("x.wav", wav_bytes()), temperature=7)
    async with raw(mock_app) as http:
        auth = {"authorization": f"Bearer {ALICE}"}
        form_only = {"model": (None, "mock/transcription")}
        no_file = await http.post("/v1/audio/transcriptions", files=form_only, headers=auth)
        as_json = await http.post("/v1/audio/transcriptions", json={"model": "mock/transcription"}, headers=auth)
    assert no_file.status_code == 400 and no_file.json()["error"]["param"] == "file"
    assert as_json.status_code == 400 and as_json.json()["error"]["code"] == "invalid_content_type"
