"""Recorded OpenAI embeddings, images, moderations and transcriptions replayed through the public functions.

Each recorded request is re-issued from its own fields, so what modelmux sends is checked against what the
recording client sent; each answer is checked against OpenAI's own types (``openai.types``) and against
the recorded body, and recorded errors must raise the right class with OpenAI's message.

The image recordings are ``/images/edits`` calls (no ``/images/generations`` traffic was recorded); their
answers have the same ``ImagesResponse`` shape, so they are replayed through ``image_generation``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from typing import Any

import openai.types as oa
import openai.types.audio as oa_audio
import pytest

import modelmux
from conformance.cassette import CASSETTES_ROOT, Interaction, iter_cassettes, load_cassette
from conformance.replay import ReplayServer, ReplayTransport

from .helpers import KEY, form_fields


def _cases(provider_class: str) -> list[Any]:
    return [
        pytest.param(it, id=f"{path.parent.parent.name}/{path.stem}#{it.index}")
        for path in iter_cassettes(CASSETTES_ROOT, {provider_class})
        for it in load_cassette(path)
        if it.provider_class == provider_class
    ]


EMBEDDINGS = _cases("openai-embeddings")
IMAGES = _cases("openai-images")
MODERATIONS = _cases("openai-moderations")
TRANSCRIPTIONS = _cases("openai-audio-transcription")


def test_the_corpus_is_there() -> None:
    assert (len(EMBEDDINGS), len(IMAGES), len(MODERATIONS), len(TRANSCRIPTIONS)) == (7, 3, 6, 6)


def _assert_error(info: pytest.ExceptionInfo[modelmux.APIError], it: Interaction) -> None:
    err = info.value
    recorded = it.json()["error"]
    assert err.status_code == it.status
    assert isinstance(err, modelmux.errors.error_class_for_status(it.status))
    assert err.message == recorded["message"]
    assert err.code == recorded.get("code")
    assert err.provider == "openai"
    assert KEY not in str(err) + repr(err)


# ---------------------------------------------------------------- embeddings


def _embedding_args(it: Interaction) -> tuple[str, Any, dict[str, Any]]:
    body = dict(it.request_json)
    return "openai/" + body.pop("model"), body.pop("input"), body


def _decoded(dump: dict[str, Any]) -> dict[str, Any]:
    """The response with base64 vectors turned back into floats, as the openai client does."""
    out = json.loads(json.dumps(dump))
    for item in out["data"]:
        if isinstance(item["embedding"], str):
            raw = base64.b64decode(item["embedding"])
            item["embedding"] = list(struct.unpack(f"<{len(raw) // 4}f", raw))
    return out


@pytest.mark.parametrize("it", EMBEDDINGS)
def test_embedding_replay(it: Interaction) -> None:
    model, input, kwargs = _embedding_args(it)
    transport = ReplayTransport(it)
    if it.status >= 400:
        with pytest.raises(modelmux.APIError) as info:
            modelmux.embedding(model, input, api_key=KEY, transport=transport, **kwargs)
        _assert_error(info, it)
        assert isinstance(info.value, modelmux.NotFoundError)
        return
    result = modelmux.embedding(model, input, api_key=KEY, transport=transport, **kwargs)
    sent = transport.requests[0]
    assert str(sent.url) == "https://api.openai.com/v1/embeddings"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(sent.content) == it.request_json
    assert result.model_dump() == it.json()
    parsed = oa.CreateEmbeddingResponse.model_validate(_decoded(result.model_dump()))
    assert len(parsed.data) == (1 if isinstance(input, str) else len(input))
    if "dimensions" in kwargs:
        assert {len(d.embedding) for d in parsed.data} == {kwargs["dimensions"]}
    assert parsed.usage.total_tokens == it.json()["usage"]["total_tokens"]


@pytest.mark.parametrize("it", [c for c in EMBEDDINGS if c.values[0].status == 200][:3])
def test_aembedding_replay(it: Interaction) -> None:
    model, input, kwargs = _embedding_args(it)
    result = asyncio.run(modelmux.aembedding(model, input, api_key=KEY, transport=ReplayTransport(it), **kwargs))
    assert result.model_dump() == it.json()


# ---------------------------------------------------------------- images


def _image_args(it: Interaction) -> tuple[str, str, dict[str, Any]]:
    body = it.request_json
    return "openai/" + body["model"], body["prompt"], {"n": body["n"]}


@pytest.mark.parametrize("it", IMAGES)
def test_image_generation_replay(it: Interaction) -> None:
    model, prompt, kwargs = _image_args(it)
    transport = ReplayTransport(it)
    if it.status >= 400:
        with pytest.raises(modelmux.APIError) as info:
            modelmux.image_generation(model, prompt, api_key=KEY, transport=transport, **kwargs)
        _assert_error(info, it)
        assert info.value.param == it.json()["error"]["param"]
        return
    result = modelmux.image_generation(model, prompt, api_key=KEY, transport=transport, **kwargs)
    sent = transport.requests[0]
    assert str(sent.url) == "https://api.openai.com/v1/images/generations"
    assert json.loads(sent.content) == {"model": "gpt-image-1.5", "prompt": prompt, "n": 1}
    assert result.model_dump(exclude_none=True) == it.json()
    parsed = oa.ImagesResponse.model_validate(result.model_dump())
    assert parsed.usage is not None and parsed.data
    assert base64.b64decode(parsed.data[0].b64_json or "").startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("it", IMAGES)
def test_aimage_generation_replay(it: Interaction) -> None:
    model, prompt, kwargs = _image_args(it)
    call = modelmux.aimage_generation(model, prompt, api_key=KEY, transport=ReplayTransport(it), **kwargs)
    if it.status >= 400:
        with pytest.raises(modelmux.BadRequestError):
            asyncio.run(call)
        return
    assert asyncio.run(call).model_dump(exclude_none=True) == it.json()


# ---------------------------------------------------------------- moderations


@pytest.mark.parametrize("it", MODERATIONS)
def test_moderation_replay(it: Interaction) -> None:
    body = it.request_json
    transport = ReplayTransport(it)
    result = modelmux.moderation(body["input"], model="openai/" + body["model"], api_key=KEY, transport=transport)
    assert str(transport.requests[0].url) == "https://api.openai.com/v1/moderations"
    assert json.loads(transport.requests[0].content) == body
    assert result.model_dump() == it.json()
    parsed = oa.ModerationCreateResponse.model_validate(result.model_dump())
    assert parsed.results and parsed.results[0].flagged is False


@pytest.mark.parametrize("it", MODERATIONS[:2])
def test_moderation_default_model_and_async(it: Interaction) -> None:
    transport = ReplayTransport(it)
    result = asyncio.run(modelmux.amoderation(it.request_json["input"], api_key=KEY, transport=transport))
    assert json.loads(transport.requests[0].content)["model"] == "omni-moderation-latest"
    assert result.model_dump() == it.json()


# ---------------------------------------------------------------- transcriptions


def _recorded_form(it: Interaction) -> tuple[dict[str, Any], tuple[str, bytes, str]]:
    assert it.request_body is not None
    fields, files = form_fields(it.request_headers["content-type"], it.request_body)
    return fields, files["file"]


def _transcription_args(it: Interaction) -> tuple[str, tuple[str, bytes, str], dict[str, Any]]:
    fields, file = _recorded_form(it)
    kwargs = {k: v for k, v in fields.items() if k != "model"}
    return "openai/" + fields["model"], file, kwargs


STREAMED = [c for c in TRANSCRIPTIONS if c.values[0].is_stream]
NOT_STREAMED = [c for c in TRANSCRIPTIONS if not c.values[0].is_stream]


@pytest.mark.parametrize("it", NOT_STREAMED)
def test_transcription_replay(it: Interaction) -> None:
    model, file, kwargs = _transcription_args(it)
    transport = ReplayTransport(it)
    result = modelmux.transcription(model, file, api_key=KEY, transport=transport, **kwargs)
    sent = transport.requests[0]
    assert str(sent.url) == "https://api.openai.com/v1/audio/transcriptions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert form_fields(sent.headers["content-type"], sent.content) == form_fields(
        it.request_headers["content-type"], it.request_body or b""
    )
    assert isinstance(result, modelmux.TranscriptionResponse)
    assert result.model_dump() == it.json()
    if kwargs.get("response_format") == "diarized_json":
        diarized = oa_audio.TranscriptionDiarized.model_validate(result.model_dump())
        assert diarized.segments[0].speaker == "A"
    else:
        assert oa_audio.Transcription.model_validate(result.model_dump()).text == it.json()["text"]


@pytest.mark.parametrize("it", NOT_STREAMED[:2])
def test_atranscription_replay_over_real_http(it: Interaction) -> None:
    """Multipart through a real socket (the loopback replay server), async."""
    model, file, kwargs = _transcription_args(it)
    with ReplayServer([it]) as server:
        result = asyncio.run(modelmux.atranscription(model, file, api_key=KEY, api_base=server.url, **kwargs))
        received = server.requests[0]
    assert received.url_path == "/v1/audio/transcriptions"
    assert form_fields(received.headers["content-type"], received.body)[1]["file"] == file
    assert isinstance(result, modelmux.TranscriptionResponse) and result.text == it.json()["text"]


@pytest.mark.parametrize("it", STREAMED)
def test_streamed_transcription_is_refused_before_sending(it: Interaction) -> None:
    model, file, kwargs = _transcription_args(it)
    transport = ReplayTransport(it)
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.transcription(model, file, api_key=KEY, transport=transport, **kwargs)
    assert info.value.param == "stream"
    assert transport.requests == []
