"""Gemini embeddings over ``batchEmbedContents``: the request built, the answer parsed, the call end to end."""

from __future__ import annotations

import asyncio
import base64
import json
import struct

import openai.types as oa
import pytest

import modelmux
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.providers.gemini.embeddings import build_embedding_body, parse_embedding_response

from .helpers import Recorder

KEY = "AIzaSyA-test-key-0123456789abcdefghijk"
BASE = "https://generativelanguage.googleapis.com"


def ctx(model: str = "gemini-embedding-001", **kwargs: object) -> CallContext:
    return CallContext("gemini", model, BASE, api_key=KEY, **kwargs)  # type: ignore[arg-type]


def answer(*vectors: list[float], **extra: object) -> bytes:
    return json.dumps({"embeddings": [{"values": v} for v in vectors], **extra}).encode()


def test_one_request_item_per_input_with_dimensions_and_extras() -> None:
    body = build_embedding_body(
        {"input": ["a", "b"], "dimensions": 3}, ctx(extra_body={"task_type": "RETRIEVAL_QUERY"})
    )
    item = {"model": "models/gemini-embedding-001", "outputDimensionality": 3, "taskType": "RETRIEVAL_QUERY"}
    assert body == {
        "requests": [
            {**item, "content": {"parts": [{"text": "a"}]}},
            {**item, "content": {"parts": [{"text": "b"}]}},
        ]
    }


def test_request_url_and_key_header() -> None:
    req = provider.build_embedding_request({"input": "a"}, ctx("models/text-embedding-004"))
    assert req.url == f"{BASE}/v1beta/models/text-embedding-004:batchEmbedContents"
    assert req.headers["x-goog-api-key"] == KEY and KEY not in req.url
    assert req.json["requests"][0]["model"] == "models/text-embedding-004"
    assert provider.build_embedding_request({"input": "a"}, CallContext("gemini", "m", BASE + "/v1", KEY)).url == (
        f"{BASE}/v1/models/m:batchEmbedContents"
    )


def test_token_ids_cannot_be_sent() -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        build_embedding_body({"input": [1, 2, 3]}, ctx())
    assert info.value.param == "input" and "gemini" in info.value.message


def test_user_is_unsupported_unless_dropped() -> None:
    with pytest.raises(modelmux.UnsupportedParamsError) as info:
        build_embedding_body({"input": "a", "user": "u1"}, ctx())
    assert info.value.param == "user"
    with pytest.warns(modelmux.DroppedParamWarning):
        body = build_embedding_body({"input": "a", "user": "u1"}, ctx(drop_params=True))
    assert "user" not in json.dumps(body)


def test_parse_keeps_order_and_estimates_usage_when_absent() -> None:
    out = parse_embedding_response(answer([0.1, 0.2], [0.3, 0.4]), {"input": ["hello world", "x"]}, ctx())
    assert [d.embedding for d in out.data] == [[0.1, 0.2], [0.3, 0.4]]
    assert [d.index for d in out.data] == [0, 1]
    assert out.model == "gemini-embedding-001"
    assert out.usage.prompt_tokens == out.usage.total_tokens == modelmux.token_counter(text=["hello world", "x"])
    oa.CreateEmbeddingResponse.model_validate(out.model_dump())


def test_parse_uses_geminis_token_count_when_given() -> None:
    out = parse_embedding_response(answer([1.0], usageMetadata={"promptTokenCount": 42}), {"input": "a"}, ctx())
    assert out.usage.prompt_tokens == 42


def test_base64_is_encoded_locally_as_little_endian_float32() -> None:
    out = parse_embedding_response(answer([0.5, -2.0, 1.25]), {"input": "a", "encoding_format": "base64"}, ctx())
    assert out.data[0].embedding == base64.b64encode(struct.pack("<3f", 0.5, -2.0, 1.25)).decode()


@pytest.mark.parametrize(
    "body",
    [b"{}", b"not json", answer(["x"]), answer([0.1]), json.dumps({"embeddings": [{}]}).encode()],
)
def test_malformed_answers_raise_for_the_core_to_turn_into_upstream_errors(body: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        parse_embedding_response(body, {"input": ["a", "b"]}, ctx())


def test_embedding_end_to_end_sync_and_async() -> None:
    transport = Recorder(200, json.loads(answer([0.1, 0.2, 0.3])))
    out = modelmux.embedding("gemini/gemini-embedding-001", "hi", dimensions=3, api_key=KEY, transport=transport)
    assert out.data[0].embedding == [0.1, 0.2, 0.3]
    sent = transport.requests[0]
    assert sent.url.path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert sent.headers["x-goog-api-key"] == KEY
    assert transport.json["requests"][0]["outputDimensionality"] == 3
    out = asyncio.run(modelmux.aembedding("gemini-embedding-001", ["a"], api_key=KEY, transport=transport))
    assert out.data[0].embedding == [0.1, 0.2, 0.3]


def test_bare_catalog_ids_resolve_to_gemini(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    transport = Recorder(200, json.loads(answer([1.0])))
    modelmux.embedding("text-embedding-004", "hi", transport=transport)
    assert transport.requests[0].url.path.endswith("/models/text-embedding-004:batchEmbedContents")


def test_gemini_errors_are_mapped_with_the_key_redacted() -> None:
    error = {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}
    body = {"error": {**error, "details": [{"reason": "API_KEY_INVALID"}]}}
    with pytest.raises(modelmux.InvalidAPIKeyError) as info:
        modelmux.embedding("gemini/gemini-embedding-001", "x", api_key=KEY, transport=Recorder(400, body))
    assert info.value.message.startswith("API key not valid") and KEY not in repr(info.value)


def test_gemini_has_no_images_transcriptions_or_moderations() -> None:
    for call, label in [
        (lambda: modelmux.image_generation("gemini/gemini-2.5-flash", "cat", api_key=KEY), "image generation"),
        (lambda: modelmux.transcription("gemini/gemini-2.5-flash", b"RIFF", api_key=KEY), "audio transcription"),
        (lambda: modelmux.moderation("x", model="gemini/gemini-2.5-flash", api_key=KEY), "moderation"),
    ]:
        with pytest.raises(modelmux.BadRequestError) as info:
            call()
        assert info.value.message == f"provider 'gemini' does not support {label}"
        assert info.value.param == "model"
