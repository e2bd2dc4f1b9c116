"""``/v2/embed`` through ``modelmux.embedding`` and ``/v2/rerank`` through ``modelmux.rerank`` / ``arerank``,
on an injected transport; bodies checked against the ``cohere`` SDK's method signatures."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import struct
from typing import Any

import cohere
import httpx
import pytest

import modelmux
from modelmux.errors import BadRequestError, UnsupportedParamsError

KEY = "test-key-cohere-abcdef"
EMBED_FIELDS = set(inspect.signature(cohere.ClientV2.embed).parameters) - {"self", "request_options"}
RERANK_FIELDS = set(inspect.signature(cohere.ClientV2.rerank).parameters) - {"self", "request_options"}


class Upstream:
    def __init__(self, answer: dict[str, Any], status: int = 200) -> None:
        self.answer, self.status = answer, status
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.answer)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def body(self, i: int = 0) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.requests[i].content)
        return body


EMBED_ANSWER = {
    "id": "e1",
    "embeddings": {"float": [[0.5, -1.0], [0.25, 2.0]]},
    "texts": ["a", "b"],
    "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": 4}},
    "response_type": "embeddings_by_type",
}


def test_embedding_defaults_and_answer() -> None:
    upstream = Upstream(EMBED_ANSWER)
    result = modelmux.embedding(
        "cohere/embed-v4.0", ["a", "b"], api_key=KEY, dimensions=256, transport=upstream.transport()
    )
    assert [d.embedding for d in result.data] == [[0.5, -1.0], [0.25, 2.0]]
    assert result.usage.prompt_tokens == 4 and result.model == "embed-v4.0"
    assert str(upstream.requests[0].url) == "https://api.cohere.com/v2/embed"
    body = upstream.body()
    assert set(body) <= EMBED_FIELDS
    assert body == {
        "model": "embed-v4.0",
        "texts": ["a", "b"],
        "input_type": "search_document",
        "embedding_types": ["float"],
        "output_dimension": 256,
    }


def test_embedding_native_options_and_base64() -> None:
    upstream = Upstream({**EMBED_ANSWER, "embeddings": {"int8": [[1, -2], [3, 4]]}})
    result = modelmux.embedding(
        "cohere/embed-english-v3.0",
        ["a", "b"],
        api_key=KEY,
        input_type="search_query",
        embedding_types=["int8"],
        truncate="END",
        encoding_format="base64",
        transport=upstream.transport(),
    )
    body = upstream.body()
    assert (body["input_type"], body["embedding_types"], body["truncate"]) == ("search_query", ["int8"], "END")
    first = result.data[0].embedding
    assert isinstance(first, str) and struct.unpack("<2f", base64.b64decode(first)) == (1.0, -2.0)


def test_embedding_refusals() -> None:
    with pytest.raises(BadRequestError, match="token ids"):
        modelmux.embedding("cohere/embed-v4.0", [1, 2, 3], api_key=KEY, transport=Upstream({}).transport())
    with pytest.raises(UnsupportedParamsError, match="user"):
        modelmux.embedding("cohere/embed-v4.0", "a", user="u", api_key=KEY, transport=Upstream({}).transport())
    short = Upstream({**EMBED_ANSWER, "embeddings": {"float": [[0.1]]}})
    with pytest.raises(modelmux.UpstreamError):
        modelmux.embedding("cohere/embed-v4.0", ["a", "b"], api_key=KEY, transport=short.transport())


RERANK_ANSWER = {
    "id": "r1",
    "results": [{"index": 2, "relevance_score": 0.9}, {"index": 0, "relevance_score": 0.1}],
    "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}},
}
DOCS: list[Any] = ["Paris is in France.", "Bananas are yellow.", {"title": "Capital", "text": "Paris is the capital."}]


def test_rerank_litellm_shape() -> None:
    upstream = Upstream(RERANK_ANSWER)
    result = modelmux.rerank(
        model="cohere/rerank-v3.5",
        query="capital of France?",
        documents=DOCS,
        top_n=2,
        max_tokens_per_doc=512,
        api_key=KEY,
        transport=upstream.transport(),
    )
    assert isinstance(result, modelmux.RerankResponse)
    assert result.id == "r1" and result.meta == RERANK_ANSWER["meta"]
    assert [(r.index, r.relevance_score) for r in result.results] == [(2, 0.9), (0, 0.1)]
    assert result.results[0].document == {"text": "title: Capital\ntext: Paris is the capital."}
    assert result.results[1].document == {"text": "Paris is in France."}
    assert str(upstream.requests[0].url) == "https://api.cohere.com/v2/rerank"
    assert upstream.requests[0].headers["authorization"] == f"Bearer {KEY}"
    body = upstream.body()
    assert set(body) <= RERANK_FIELDS
    assert body == {
        "model": "rerank-v3.5",
        "query": "capital of France?",
        "documents": ["Paris is in France.", "Bananas are yellow.", "title: Capital\ntext: Paris is the capital."],
        "top_n": 2,
        "max_tokens_per_doc": 512,
    }


def test_arerank_without_documents_and_with_api_base() -> None:
    upstream = Upstream(RERANK_ANSWER)

    async def run() -> modelmux.RerankResponse:
        return await modelmux.arerank(
            "cohere/rerank-v3.5",
            "q",
            [{"text": "a"}, "b", "c"],
            return_documents=False,
            api_key=KEY,
            api_base="http://127.0.0.1:9/",
            transport=upstream.transport(),
        )

    result = asyncio.run(run())
    assert all(r.document is None for r in result.results)
    assert str(upstream.requests[0].url) == "http://127.0.0.1:9/v2/rerank"
    assert upstream.body()["documents"] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"query": "", "documents": ["a"]}, "query"),
        ({"query": "q", "documents": []}, "documents"),
        ({"query": "q", "documents": "abc"}, "documents"),
        ({"query": "q", "documents": [3]}, "documents"),
        ({"query": "q", "documents": ["a"], "top_n": 0}, "top_n"),
    ],
)
def test_rerank_validation(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(BadRequestError, match=match):
        modelmux.rerank("cohere/rerank-v3.5", api_key=KEY, transport=Upstream({}).transport(), **kwargs)


def test_rerank_errors_and_providers_without_rerank() -> None:
    bad = Upstream({"id": "x", "message": "invalid api token"}, status=401)
    with pytest.raises(modelmux.AuthenticationError):
        modelmux.rerank("cohere/rerank-v3.5", "q", ["a"], api_key=KEY, transport=bad.transport())
    out_of_range = Upstream({**RERANK_ANSWER, "results": [{"index": 7, "relevance_score": 0.5}]})
    with pytest.raises(modelmux.UpstreamError):
        modelmux.rerank("cohere/rerank-v3.5", "q", ["a"], api_key=KEY, transport=out_of_range.transport())
    with pytest.raises(BadRequestError, match="does not support rerank"):
        modelmux.rerank("openai/gpt-4o", "q", ["a"], api_key=KEY, transport=Upstream({}).transport())


def test_catalog_rows_resolve_bare_ids() -> None:
    from modelmux._registry import resolve

    assert resolve("command-a-03-2025").provider_name == "cohere"
    assert resolve("cohere_chat/command-r-08-2024").provider_name == "cohere"  # LiteLLM's spelling
    assert resolve("rerank-v3.5").info is not None and resolve("rerank-v3.5").info.mode == "rerank"
    assert resolve("embed-v4.0").info is not None and resolve("embed-v4.0").info.mode == "embedding"
