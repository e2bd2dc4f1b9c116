"""LiteLLM-style dict access on modelmux's result models, beside pydantic's own behaviour."""

from __future__ import annotations

import modelmux
from modelmux.types import ChatCompletion, ChatCompletionChunk, EmbeddingResponse
from modelmux.types_rerank import RerankResponse

ANSWER = {
    "id": "x",
    "model": "m",
    "choices": [{"message": {"role": "assistant", "content": "hi", "annotations": []}, "finish_reason": "stop"}],
    "usage": None,
    "vendor_field": {"a": 1},
}


def test_keys_are_fields_and_extras() -> None:
    resp = ChatCompletion.model_validate(ANSWER)
    assert resp["vendor_field"] == {"a": 1} and "vendor_field" in resp
    assert "usage" in resp and resp["usage"] is None and resp.get("usage", "d") is None  # set to null: a key
    assert "missing" not in resp and resp.get("missing", "d") == "d"
    assert resp["choices"][0]["message"]["annotations"] == []
    assert 0 not in resp and resp.get("model") == "m"


def test_setitem_writes_the_field() -> None:
    resp = ChatCompletion.model_validate(ANSWER)
    resp["choices"][0]["message"]["content"] = "changed"
    assert resp.choices[0].message.content == "changed"


def test_json_and_pydantic_behaviour_unchanged() -> None:
    resp = ChatCompletion.model_validate(ANSWER)
    assert resp.model_dump()["vendor_field"] == {"a": 1}
    assert ChatCompletion.model_validate_json(resp.model_dump_json()) == resp
    assert dict(resp)["model"] == "m"  # pydantic's iteration: (field, value) pairs


def test_chunks_embeddings_and_rerank_results() -> None:
    chunk = ChatCompletionChunk.model_validate({"choices": [{"delta": {"content": "a"}}]})
    assert chunk["choices"][0]["delta"]["content"] == "a" and chunk["choices"][0]["delta"].get("tool_calls") is None
    emb = EmbeddingResponse.model_validate({"data": [{"index": 0, "embedding": [0.5]}], "model": "e"})
    assert emb["data"][0]["embedding"] == [0.5] and emb["usage"]["total_tokens"] == 0
    rr = RerankResponse.model_validate({"results": [{"index": 1, "relevance_score": 0.9}]})
    assert rr["results"][0]["relevance_score"] == 0.9


def test_model_list() -> None:
    models = modelmux.model_list()
    assert models["data"][0]["id"] == models.data[0].id
