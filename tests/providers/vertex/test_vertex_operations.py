"""Vertex AI: embeddings through ``:predict``, per-dialect parameter support, error bodies of both shapes."""

from __future__ import annotations

import base64
import json
import struct

import httpx
import pytest

import modelmux
from modelmux.errors import (
    ContextWindowExceededError,
    NotFoundError,
    RateLimitError,
    UnsupportedParamsError,
)

HI = [{"role": "user", "content": "hi"}]


def embedding_answer(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    predictions = [
        {"embeddings": {"values": [0.5, -0.25, float(i)], "statistics": {"token_count": 3 + i, "truncated": False}}}
        for i, _ in enumerate(body["instances"])
    ]
    return httpx.Response(200, json={"predictions": predictions, "metadata": {"billableCharacterCount": 10}})


def test_embeddings_use_predict_with_instances() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return embedding_answer(request)

    result = modelmux.embedding(
        "vertex/text-embedding-005",
        ["first", "second"],
        dimensions=256,
        task_type="RETRIEVAL_QUERY",
        auto_truncate=False,
        vertex_project="p",
        vertex_location="us-central1",
        vertex_access_token="ya29.e",
        transport=httpx.MockTransport(handler),
    )
    sent = seen[0]
    assert str(sent.url) == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1"
        "/publishers/google/models/text-embedding-005:predict"
    )
    assert sent.headers["authorization"] == "Bearer ya29.e"
    assert json.loads(sent.content) == {
        "instances": [
            {"content": "first", "task_type": "RETRIEVAL_QUERY"},
            {"content": "second", "task_type": "RETRIEVAL_QUERY"},
        ],
        "parameters": {"outputDimensionality": 256, "autoTruncate": False},
    }
    assert [d.embedding for d in result.data] == [[0.5, -0.25, 0.0], [0.5, -0.25, 1.0]]
    assert [d.index for d in result.data] == [0, 1]
    assert result.usage.prompt_tokens == 3 + 4
    assert result.model == "text-embedding-005"


def test_embeddings_base64_and_single_input() -> None:
    result = modelmux.embedding(
        "vertex/gemini-embedding-001",
        "one",
        encoding_format="base64",
        api_key="express",
        transport=httpx.MockTransport(embedding_answer),
    )
    raw = base64.b64decode(str(result.data[0].embedding))
    assert struct.unpack("<3f", raw) == (0.5, -0.25, 0.0)


def test_embeddings_count_mismatch_is_an_upstream_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"predictions": []})

    with pytest.raises(modelmux.errors.UpstreamError):
        modelmux.embedding("vertex/text-embedding-005", "x", api_key="k", transport=httpx.MockTransport(handler))


def test_token_ids_cannot_be_embedded() -> None:
    with pytest.raises(modelmux.errors.BadRequestError, match="text only"):
        modelmux.embedding(
            "vertex/text-embedding-005", [[1, 2, 3]], api_key="k", transport=httpx.MockTransport(embedding_answer)
        )


def never(request: httpx.Request) -> httpx.Response:
    raise AssertionError("nothing may be sent")


@pytest.mark.parametrize(
    ("model", "param", "value"),
    [
        ("claude-sonnet-4-5@20250929", "seed", 7),  # Anthropic has no seed
        ("gemini-2.5-flash", "user", "u-1"),  # Gemini has no end-user field
    ],
)
def test_a_parameter_the_models_dialect_lacks_is_refused(model: str, param: str, value: object) -> None:
    with pytest.raises(UnsupportedParamsError) as info:
        modelmux.completion(
            f"vertex/{model}",
            HI,
            api_key="k",
            vertex_project="p",
            transport=httpx.MockTransport(never),
            **{param: value},
        )
    assert info.value.param == param


def test_dropped_with_drop_params() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        )

    with pytest.warns(modelmux.errors.DroppedParamWarning):
        result = modelmux.completion(
            "vertex/claude-sonnet-4-5@20250929",
            HI,
            seed=7,
            drop_params=True,
            vertex_project="p",
            vertex_location="us-east5",
            vertex_access_token="t",
            transport=httpx.MockTransport(handler),
        )
    assert result.choices[0].message.content == "ok"
    assert "seed" not in seen[0]


def google_error(status: int, code: str, message: str, details: list[object] | None = None) -> httpx.MockTransport:
    body = {"error": {"code": status, "message": message, "status": code, "details": details or []}}
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def test_google_shaped_errors_on_claude_models() -> None:
    """Vertex answers quota and permission problems in Google's shape whatever the publisher."""
    retry = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]
    with pytest.raises(RateLimitError) as info:
        modelmux.completion(
            "vertex/claude-opus-4-1@20250805",
            HI,
            vertex_project="p",
            vertex_access_token="t",
            transport=google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", retry),
        )
    assert info.value.retry_after == 7.0 and info.value.provider == "vertex"
    with pytest.raises(NotFoundError):
        modelmux.completion(
            "vertex/claude-opus-4-1@20250805",
            HI,
            vertex_project="p",
            vertex_access_token="t",
            transport=google_error(404, "NOT_FOUND", "Publisher Model was not found"),
        )


def test_anthropic_shaped_errors_on_claude_models() -> None:
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 300000 tokens"}}
    with pytest.raises(ContextWindowExceededError) as info:
        modelmux.completion(
            "vertex/claude-sonnet-4-5@20250929",
            HI,
            vertex_project="p",
            vertex_access_token="t",
            transport=httpx.MockTransport(lambda request: httpx.Response(400, json=body)),
        )
    assert info.value.provider == "vertex"


def test_anthropic_error_event_mid_stream_names_vertex() -> None:
    sse = (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant",'
        b'"model":"claude","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}}\n\n'
        b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=sse, headers={"content-type": "text/event-stream"})
    )
    stream = modelmux.completion(
        "vertex/claude-sonnet-4-5@20250929",
        HI,
        stream=True,
        vertex_project="p",
        vertex_access_token="t",
        transport=transport,
    )
    with pytest.raises(modelmux.errors.APIError) as info:
        list(stream)
    assert info.value.provider == "vertex"
