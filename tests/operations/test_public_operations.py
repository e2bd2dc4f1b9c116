"""The new public functions end to end: exports, catalog ids, model_list, keys, bases, headers, extras."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import openai.types as oa
import pytest

import modelmux
from modelmux._registry import resolve

from .helpers import KEY, Recorder, form_fields

NAMES = (
    "aembedding",
    "aimage_generation",
    "amoderation",
    "atranscription",
    "embedding",
    "image_generation",
    "model_list",
    "moderation",
    "transcription",
    "EmbeddingResponse",
    "ImagesResponse",
    "ModelList",
    "ModerationResponse",
    "TranscriptionResponse",
)
EMBEDDED = {
    "object": "list",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}],
    "model": "m",
    "usage": {"prompt_tokens": 1, "total_tokens": 1},
}
IMAGES = {"created": 1, "data": [{"url": "https://x/y.png", "revised_prompt": "a cat"}]}
TRANSCRIBED = {"text": "hello"}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OLLAMA_API_KEY", "OLLAMA_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_exported_lazily() -> None:
    assert set(NAMES) <= set(modelmux.__all__)
    code = (
        "import sys, modelmux; print(sorted(m for m in ('modelmux._embeddings', 'modelmux._images', "
        "'modelmux._transcriptions', 'modelmux._moderations', 'modelmux._call', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_model_list_is_the_catalog_in_openai_shape() -> None:
    listed = modelmux.model_list()
    assert listed.object == "list"
    models = [oa.Model.model_validate(m.model_dump()) for m in listed.data]
    ids = {m.id for m in models}
    for wanted in (
        "openai/gpt-4o",
        "openai/text-embedding-3-small",
        "openai/dall-e-3",
        "openai/gpt-image-1",
        "openai/whisper-1",
        "openai/omni-moderation-latest",
        "gemini/gemini-embedding-001",
        "gemini/text-embedding-004",
        "anthropic/claude-haiku-4-5",
    ):
        assert wanted in ids
    assert all(m.owned_by == m.id.split("/", 1)[0] for m in models)
    only = modelmux.model_list(provider="google").data
    assert only and {m.owned_by for m in only} == {"gemini"}
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.model_list(provider="nobody")
    assert info.value.param == "provider"


@pytest.mark.parametrize(
    ("model", "mode"),
    [
        ("text-embedding-3-small", "embedding"),
        ("gemini-embedding-001", "embedding"),
        ("dall-e-3", "image_generation"),
        ("gpt-image-1", "image_generation"),
        ("whisper-1", "audio_transcription"),
        ("omni-moderation-latest", "moderation"),
        ("gpt-4o", "chat"),
    ],
)
def test_catalog_modes(model: str, mode: str) -> None:
    info = resolve(model).info
    assert info is not None and info.mode == mode


def test_bare_ids_reach_openai_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    t = Recorder(200, EMBEDDED)
    modelmux.embedding("text-embedding-3-small", "x", transport=t)
    t.body = json.dumps(IMAGES).encode()
    modelmux.image_generation("dall-e-3", "a cat", size="1024x1024", quality="hd", style="vivid", transport=t)
    t.body = json.dumps(TRANSCRIBED).encode()
    modelmux.transcription("whisper-1", b"RIFF....", transport=t)
    paths = [r.url.path for r in t.requests]
    assert paths == ["/v1/embeddings", "/v1/images/generations", "/v1/audio/transcriptions"]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in t.requests)
    sent = json.loads(t.requests[1].content)
    assert sent == {"model": "dall-e-3", "prompt": "a cat", "size": "1024x1024", "quality": "hd", "style": "vivid"}


def test_api_base_argument_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    t = Recorder(200, EMBEDDED)
    modelmux.embedding("openai/text-embedding-3-small", "x", api_key=KEY, api_base="https://proxy.test/v1", transport=t)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://env.test")
    modelmux.embedding("openai/text-embedding-3-small", "x", api_key=KEY, transport=t)
    assert [str(r.url) for r in t.requests] == ["https://proxy.test/v1/embeddings", "https://env.test/v1/embeddings"]


def test_compatible_vendor_without_a_key() -> None:
    t = Recorder(200, EMBEDDED)
    modelmux.embedding("hosted_vllm/nomic-embed-text", "x", transport=t)  # ollama/ is native now (/api/embed)
    assert str(t.requests[0].url) == "http://localhost:8000/v1/embeddings"
    assert "authorization" not in t.requests[0].headers


def test_extra_headers_and_provider_options_are_sent() -> None:
    t = Recorder(200, IMAGES)
    out = modelmux.image_generation(
        "openai/gpt-image-1", "cat", api_key=KEY, transport=t, extra_headers={"x-tag": "1"}, background="transparent"
    )
    assert t.requests[0].headers["x-tag"] == "1"
    assert t.json["background"] == "transparent"
    assert out.data and out.data[0].revised_prompt == "a cat"
    t = Recorder(200, TRANSCRIBED)
    modelmux.transcription(
        "openai/gpt-4o-transcribe", ("a.wav", b"RIFF"), api_key=KEY, transport=t, include=["logprobs"]
    )
    fields, _ = form_fields(t.requests[0].headers["content-type"], t.requests[0].content)
    assert fields == {"model": "gpt-4o-transcribe", "include[]": "logprobs"}


def test_sync_functions_refuse_async_transports() -> None:
    class AsyncOnly(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise AssertionError

    with pytest.raises(TypeError, match="sync httpx transport"):
        modelmux.moderation("x", api_key=KEY, transport=AsyncOnly())  # type: ignore[arg-type]


def test_async_functions_refuse_sync_transports() -> None:
    class SyncOnly(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise AssertionError

    transport = SyncOnly()
    with pytest.raises(TypeError, match="async httpx transport"):
        asyncio.run(modelmux.aembedding("openai/text-embedding-3-small", "x", api_key=KEY, transport=transport))  # type: ignore[arg-type]


def test_model_list_and_moderation_default_without_catalog_prefix() -> None:
    t = Recorder(200, {"id": "modr-1", "model": "omni-moderation-latest", "results": []})
    out = modelmux.moderation(["a", "b"], api_key=KEY, transport=t)
    assert t.json == {"model": "omni-moderation-latest", "input": ["a", "b"]}
    assert out.results == [] and out.id == "modr-1"
