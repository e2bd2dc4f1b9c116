"""Cohere's current models (docs.cohere.com/docs/models, copy of 2026-10-06): catalog rows with the docs' figures,
bare ids that resolve, ``get_model_info``, and the provider sending them on the same ``/v2`` endpoints (Embed 5's
wider ``output_dimension`` set, Rerank 4, Command A+ with images and thinking) on an injected transport."""

from __future__ import annotations

import inspect
import json
from typing import Any

import cohere
import httpx
import pytest

import modelmux
from modelmux._registry import catalog, resolve
from modelmux.errors import BadRequestError

KEY = "test-key-cohere-current"
EMBED_FIELDS = set(inspect.signature(cohere.ClientV2.embed).parameters) - {"self", "request_options"}
RERANK_FIELDS = set(inspect.signature(cohere.ClientV2.rerank).parameters) - {"self", "request_options"}
CHAT_FIELDS = set(inspect.signature(cohere.ClientV2.chat).parameters) - {"self", "request_options"}

#: id -> (mode, context window, max output tokens, capabilities): the models overview's table ("k" = 1,000) and
#: each model's page (Command A+: 128,000 / 64,000 with reasoning, tools, structured outputs and image inputs;
#: North Mini Code: 256K / 64K, tools, structured outputs, reasoning; Rerank 4: the pricing card's 32,768).
ROWS: dict[str, tuple[str, int, int | None, set[str]]] = {
    "command-a-plus-05-2026": ("chat", 128_000, 64_000, {"tools", "vision", "reasoning", "json_schema"}),
    "command-a-translate-08-2025": ("chat", 8_000, 8_000, set()),
    "north-mini-code-1-0": ("chat", 256_000, 64_000, {"tools", "reasoning", "json_schema"}),
    "north-small-translate-1-0": ("chat", 16_000, 16_000, set()),
    "c4ai-aya-expanse-32b": ("chat", 128_000, 4_000, set()),
    "c4ai-aya-vision-32b": ("chat", 16_000, 4_000, {"vision"}),
    "tiny-aya-global": ("chat", 8_000, 8_000, set()),
    "tiny-aya-earth": ("chat", 8_000, 8_000, set()),
    "tiny-aya-fire": ("chat", 8_000, 8_000, set()),
    "tiny-aya-water": ("chat", 8_000, 8_000, set()),
    "embed-v5.0-pro": ("embedding", 128_000, None, set()),
    "embed-v5.0-fast": ("embedding", 128_000, None, set()),
    "rerank-v4.0-pro": ("rerank", 32_768, None, set()),
    "rerank-v4.0-fast": ("rerank", 32_768, None, set()),
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_bare_ids_resolve_to_cohere_with_the_docs_figures(name: str) -> None:
    mode, context, output, caps = ROWS[name]
    resolved = resolve(name)
    assert resolved.provider_name == "cohere" and resolved.model == name
    info = resolved.info
    assert info is not None
    assert (info.mode, info.context_window, info.max_output_tokens, set(info.capabilities)) == (
        mode,
        context,
        output,
        caps,
    )
    assert resolve(f"cohere/{name}").info == info


@pytest.mark.parametrize("name", sorted(ROWS))
def test_get_model_info_reads_the_row(name: str) -> None:
    mode, context, output, caps = ROWS[name]
    got = modelmux.get_model_info(name)
    assert got == modelmux.get_model_info(f"cohere/{name}") == modelmux.get_model_info(name, "cohere")
    assert (got["key"], got["mode"], got["max_input_tokens"], got["max_output_tokens"]) == (
        f"cohere/{name}",
        mode,
        context,
        output,
    )
    assert (got["supports_vision"], got["supports_reasoning"]) == ("vision" in caps, "reasoning" in caps)
    assert got["supports_function_calling"] == ("tools" in caps)


def test_the_new_rows_sit_with_the_other_cohere_rows_and_nothing_else_is_cohere() -> None:
    cohere_rows = [name for name, info in catalog().items() if info.provider == "cohere"]
    assert set(ROWS) <= set(cohere_rows)
    assert len(cohere_rows) == 14 + len(ROWS)  # the 14 rows catalogued before, still there


@pytest.mark.parametrize(
    ("model", "hint"),
    [("north-large-2-0", "cohere/north-large-2-0"), ("tiny-aya-base", "cohere/tiny-aya-base")],
)
def test_an_uncatalogued_cohere_family_id_gets_a_cohere_hint(model: str, hint: str) -> None:
    # tiny-aya-base is the pretrained Tiny Aya, which the docs say is not on the API (open weights only)
    with pytest.raises(BadRequestError, match=hint):
        resolve(model)


class Upstream:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []
        self.urls: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, json=self.answer)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


@pytest.mark.parametrize("model", ["embed-v5.0-pro", "embed-v5.0-fast"])
@pytest.mark.parametrize("dimensions", [768, 2048])  # Embed 5's sizes Embed 4 lacks (256, 512, 768, 1024, 1536, 2048)
def test_embed_5_by_bare_id_with_its_dimensions_and_int8(model: str, dimensions: int) -> None:
    answer = {
        "id": "e5",
        "embeddings": {"int8": [[1, -2], [3, 4]]},
        "meta": {"billed_units": {"input_tokens": 7}},
        "response_type": "embeddings_by_type",
    }
    upstream = Upstream(answer)
    result = modelmux.embedding(
        model,
        ["a", "b"],
        dimensions=dimensions,
        input_type="search_query",
        embedding_types=["int8"],
        api_key=KEY,
        transport=upstream.transport(),
    )
    assert upstream.urls == ["https://api.cohere.com/v2/embed"]
    body = upstream.bodies[0]
    assert set(body) <= EMBED_FIELDS
    assert body == {
        "model": model,
        "texts": ["a", "b"],
        "input_type": "search_query",
        "embedding_types": ["int8"],
        "output_dimension": dimensions,
    }
    assert [d.embedding for d in result.data] == [[1.0, -2.0], [3.0, 4.0]]
    assert result.model == model and result.usage.prompt_tokens == 7


@pytest.mark.parametrize("model", ["rerank-v4.0-pro", "rerank-v4.0-fast"])
def test_rerank_4_by_bare_id(model: str) -> None:
    answer = {
        "id": "r4",
        "results": [{"index": 1, "relevance_score": 0.8}, {"index": 0, "relevance_score": 0.2}],
        "meta": {"billed_units": {"search_units": 1}},
    }
    upstream = Upstream(answer)
    result = modelmux.rerank(
        model, "capital?", ["Rome", {"city": "Paris", "country": "France"}], top_n=2, api_key=KEY,
        transport=upstream.transport(),
    )  # fmt: skip
    assert upstream.urls == ["https://api.cohere.com/v2/rerank"]
    body = upstream.bodies[0]
    assert set(body) <= RERANK_FIELDS
    assert body == {
        "model": model,
        "query": "capital?",
        "documents": ["Rome", "city: Paris\ncountry: France"],
        "top_n": 2,
    }
    assert [(r.index, r.relevance_score) for r in result.results] == [(1, 0.8), (0, 0.2)]


def test_command_a_plus_by_bare_id_with_an_image_and_thinking_off() -> None:
    answer = {
        "id": "c",
        "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": "a cat"}]},
        "usage": {
            "billed_units": {"input_tokens": 12, "output_tokens": 2},
            "tokens": {"input_tokens": 30, "output_tokens": 2},
        },
    }
    upstream = Upstream(answer)
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    result = modelmux.completion(
        "command-a-plus-05-2026",
        [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, image]}],
        reasoning_effort="none",
        api_key=KEY,
        transport=upstream.transport(),
    )
    assert result.choices[0].message.content == "a cat"
    assert upstream.urls == ["https://api.cohere.com/v2/chat"]
    body = upstream.bodies[0]
    assert set(body) <= CHAT_FIELDS | {"stream"}
    assert body["model"] == "command-a-plus-05-2026" and body["thinking"] == {"type": "disabled"}
    assert body["messages"][0]["content"][1] == {"type": "image_url", "image_url": {"url": image["image_url"]["url"]}}
