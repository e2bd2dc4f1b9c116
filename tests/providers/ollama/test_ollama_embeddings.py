"""Embeddings through /api/embed (or the /v1 route), with an injected transport."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import httpx
import pytest
from ollama._types import EmbedResponse
from ollama_helpers import validate_embed

import modelmux
from modelmux.errors import UnsupportedParamsError

ANSWER = {"model": "nomic-embed-text", "embeddings": [[0.5, -1.0], [0.25, 2.0]], "prompt_eval_count": 6}


def embed(answer: dict[str, Any], seen: list[httpx.Request], **kwargs: Any) -> modelmux.EmbeddingResponse:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    return modelmux.embedding("ollama/nomic-embed-text", transport=httpx.MockTransport(handle), **kwargs)


def test_embed_request_and_answer() -> None:
    EmbedResponse.model_validate(ANSWER)
    seen: list[httpx.Request] = []
    result = embed(ANSWER, seen, input=["a", "b"], dimensions=2, keep_alive="1m", truncate=True)
    body = json.loads(seen[0].content)
    validate_embed(body)
    assert seen[0].url == "http://localhost:11434/api/embed"
    assert body == {
        "model": "nomic-embed-text",
        "input": ["a", "b"],
        "dimensions": 2,
        "keep_alive": "1m",
        "truncate": True,
    }
    assert [d.embedding for d in result.data] == ANSWER["embeddings"]
    assert result.usage.prompt_tokens == 6 and result.model == "nomic-embed-text"


def test_base64_encoding() -> None:
    result = embed(ANSWER, [], input="a", encoding_format="base64")
    raw = base64.b64decode(result.data[0].embedding)  # type: ignore[arg-type]
    assert list(struct.unpack("<2f", raw)) == [0.5, -1.0]


def test_token_ids_are_unsupported() -> None:
    with pytest.raises(UnsupportedParamsError):
        embed(ANSWER, [], input=[[1, 2, 3]])


def test_v1_base_uses_the_openai_route() -> None:
    seen: list[httpx.Request] = []
    answer = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [1.0]}],
        "model": "m",
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    result = embed(answer, seen, input="a", api_base="http://localhost:11434/v1")
    assert seen[0].url == "http://localhost:11434/v1/embeddings" and result.data[0].embedding == [1.0]


def test_garbage_is_an_upstream_error() -> None:
    with pytest.raises(modelmux.errors.UpstreamError):
        embed({"embeddings": "nope"}, [], input="a")
