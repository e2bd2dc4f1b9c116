"""OpenAI's embeddings, images, moderations and transcriptions: dict in, request out; bytes in, object out."""

from __future__ import annotations

import json

import httpx
import pytest

import modelmux
from modelmux._http import DEFAULT_TIMEOUT, to_httpx_request
from modelmux.providers._base import CallContext, HttpRequest
from modelmux.providers.mistral import provider as mistral
from modelmux.providers.openai import provider
from modelmux.providers.openai.transcriptions import convert_transcription_form, parse_transcription_response

from .helpers import KEY, Recorder, form_fields

WAV = ("a.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")


def ctx(model: str = "m", **kwargs: object) -> CallContext:
    return CallContext("openai", model, "https://api.openai.com/v1", api_key=KEY, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("build_embedding_request", "/embeddings", {"input": ["a"], "dimensions": 8}),
        ("build_image_generation_request", "/images/generations", {"prompt": "cat", "n": 2, "size": "1024x1024"}),
        ("build_moderation_request", "/moderations", {"input": "hi"}),
    ],
)
def test_json_endpoints_send_params_as_given_with_extras_last(method: str, path: str, params: dict) -> None:
    c = ctx(extra_body={"custom": 1}, extra_headers={"x-trace": "t"})
    req = getattr(provider, method)(params, c)
    assert (req.method, req.url) == ("POST", "https://api.openai.com/v1" + path)
    assert req.json == {"model": "m", **params, "custom": 1}
    assert req.headers == {
        "content-type": "application/json",
        "accept": "application/json",
        "authorization": f"Bearer {KEY}",
        "x-trace": "t",
    }


def test_compatible_vendors_inherit_the_endpoints() -> None:
    c = CallContext("mistral", "mistral-embed", "https://api.mistral.ai/v1", api_key=KEY)
    assert mistral.build_embedding_request({"input": "x"}, c).url == "https://api.mistral.ai/v1/embeddings"


def test_transcription_form_encodes_like_the_openai_client() -> None:
    params = {
        "file": WAV,
        "language": "en",
        "temperature": 0.2,
        "response_format": "verbose_json",
        "timestamp_granularities": ["word", "segment"],
    }
    c = ctx("whisper-1", extra_body={"include": ["logprobs"], "chunking_strategy": {"type": "server_vad"}, "x": True})
    files, data = convert_transcription_form(params, c)
    assert files == {"file": WAV}
    assert data == {
        "model": "whisper-1",
        "language": "en",
        "temperature": "0.2",
        "response_format": "verbose_json",
        "timestamp_granularities[]": ["word", "segment"],
        "include[]": ["logprobs"],
        "chunking_strategy[type]": "server_vad",
        "x": "true",
    }


def test_transcription_request_is_multipart_without_a_json_content_type() -> None:
    req = provider.build_transcription_request({"file": WAV, "language": "en"}, ctx("whisper-1"))
    assert req.url == "https://api.openai.com/v1/audio/transcriptions"
    assert req.json is None and "content-type" not in req.headers
    wire = to_httpx_request(req, DEFAULT_TIMEOUT)
    assert wire.headers["content-type"].startswith("multipart/form-data; boundary=")
    wire.read()
    assert form_fields(wire.headers["content-type"], wire.content) == (
        {"model": "whisper-1", "language": "en"},
        {"file": WAV},
    )


def test_json_requests_are_unchanged_by_multipart_support() -> None:
    wire = to_httpx_request(
        HttpRequest("POST", "https://x/y", {"content-type": "application/json"}, {"a": "é"}), DEFAULT_TIMEOUT
    )
    assert wire.content == '{"a":"é"}'.encode()


@pytest.mark.parametrize("fmt", ["text", "srt", "vtt"])
def test_text_formats_parse_to_str(fmt: str) -> None:
    assert parse_transcription_response("1\n00:00 héllo\n".encode(), {"response_format": fmt}) == "1\n00:00 héllo\n"


@pytest.mark.parametrize("fmt", [None, "json", "verbose_json", "diarized_json"])
def test_json_formats_parse_to_model_with_extras_kept(fmt: str | None) -> None:
    body = {"text": "hi", "language": "english", "duration": 1.5, "words": [{"word": "hi", "start": 0, "end": 1}]}
    out = parse_transcription_response(json.dumps(body).encode(), {"response_format": fmt} if fmt else {})
    assert isinstance(out, modelmux.TranscriptionResponse)
    assert out.model_dump() == body


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda t: modelmux.embedding("openai/text-embedding-3-small", "x", api_key=KEY, transport=t), {"data": 1}),
        (lambda t: modelmux.moderation("x", api_key=KEY, transport=t), {"results": "no"}),
        (lambda t: modelmux.image_generation("openai/dall-e-3", "x", api_key=KEY, transport=t), {"data": []}),
        (lambda t: modelmux.transcription("openai/whisper-1", WAV, api_key=KEY, transport=t), {"txt": "x"}),
    ],
)
def test_garbage_answers_are_upstream_errors(call: object, body: dict) -> None:
    with pytest.raises(modelmux.UpstreamError) as info:
        call(Recorder(200, body, {"content-type": "application/json", "x-request-id": "req_1"}))  # type: ignore[operator]
    assert info.value.provider == "openai" and info.value.request_id == "req_1"


def test_text_transcript_that_is_not_utf8_is_an_upstream_error() -> None:
    transport = Recorder(200, b"\xff\xfe\xfa", {"content-type": "text/plain"})
    with pytest.raises(modelmux.UpstreamError):
        modelmux.transcription("openai/whisper-1", WAV, response_format="text", api_key=KEY, transport=transport)


def test_errors_are_mapped_and_the_key_scrubbed() -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error", "code": "x"}}
    with pytest.raises(modelmux.AuthenticationError) as info:
        modelmux.embedding("openai/text-embedding-3-small", "x", api_key=KEY, transport=Recorder(401, body))
    assert KEY not in str(info.value) + repr(info.value)
    assert info.value.model == "text-embedding-3-small"


def test_rate_limits_carry_retry_after() -> None:
    transport = Recorder(429, {"error": {"message": "slow"}}, {"content-type": "application/json", "retry-after": "3"})
    with pytest.raises(modelmux.RateLimitError) as info:
        modelmux.moderation("x", api_key=KEY, transport=transport)
    assert info.value.retry_after == 3.0


def test_connection_failures_are_api_connection_errors() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(modelmux.APIConnectionError):
        modelmux.embedding("openai/text-embedding-3-small", "x", api_key=KEY, transport=httpx.MockTransport(boom))


@pytest.mark.parametrize("usage", [None, {"prompt_tokens": None, "total_tokens": None}, "absent"])
def test_compatible_servers_without_usage_get_zeros(usage: object) -> None:
    body: dict = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.25]}], "model": "m"}
    if usage != "absent":
        body["usage"] = usage
    out = modelmux.embedding("hosted_vllm/m", "x", transport=Recorder(200, body))
    assert (out.usage.prompt_tokens, out.usage.total_tokens) == (0, 0)
    assert out.data[0].embedding == [0.25]
