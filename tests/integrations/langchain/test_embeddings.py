"""``ModelmuxEmbeddings``: order, batching, async, what is sent, and the key kept secret."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from modelmux.integrations.langchain import ModelmuxEmbeddings

pytestmark = pytest.mark.anyio


def test_documents_keep_their_order_across_batches() -> None:
    emb = ModelmuxEmbeddings(model="mock/embedding", chunk_size=2)
    texts = ["a", "b", "c", "d", "e"]
    vectors = emb.embed_documents(texts)
    assert len(vectors) == 5
    assert vectors == [emb.embed_query(t) for t in texts]  # the mock's vectors depend on the text only
    assert len({tuple(v) for v in vectors}) == 5


async def test_async_matches_sync() -> None:
    emb = ModelmuxEmbeddings(model="mock/embedding")
    assert await emb.aembed_documents(["x", "y"]) == emb.embed_documents(["x", "y"])
    assert await emb.aembed_query("x") == emb.embed_query("x")


def test_request_out_of_order_answer_and_secret() -> None:
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        data = [{"object": "embedding", "index": i, "embedding": [float(i), 0.5]} for i in range(len(body["input"]))]
        return httpx.Response(200, json={"object": "list", "data": data[::-1], "model": body["model"], "usage": {}})

    emb = ModelmuxEmbeddings(
        model="openai/text-embedding-3-small",
        api_key="sk-emb-secret",
        dimensions=2,
        transport=httpx.MockTransport(answer),
    )
    assert emb.embed_documents(["p", "q", "r"]) == [[0.0, 0.5], [1.0, 0.5], [2.0, 0.5]]
    assert sent[0] == {"model": "text-embedding-3-small", "input": ["p", "q", "r"], "dimensions": 2}
    assert "sk-emb-secret" not in repr(emb) and "sk-emb-secret" not in json.dumps(emb.model_dump(mode="json"))


def test_an_answer_missing_a_vector_is_an_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        data = [{"object": "embedding", "index": 0, "embedding": [1.0]}]
        return httpx.Response(200, json={"object": "list", "data": data, "model": "m", "usage": {}})

    emb = ModelmuxEmbeddings(model="openai/text-embedding-3-small", api_key="k", transport=httpx.MockTransport(answer))
    with pytest.raises(ValueError, match="no vector"):
        emb.embed_documents(["a", "b"])
