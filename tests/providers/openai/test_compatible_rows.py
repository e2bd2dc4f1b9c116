"""The OpenAI-compatible vendor table, row by row, through ``modelmux.completion`` and an injected transport:
each row's URL, key, body, and the quirks its flags promise (Perplexity citations, tool support, addresses).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import modelmux
from modelmux._registry import get_provider, resolve
from modelmux.errors import BadRequestError, UnsupportedParamsError
from modelmux.providers.compatible import VENDORS

USER = [{"role": "user", "content": "hi"}]
ANSWER = {
    "id": "a",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}

#: Written out from the vendors' docs (see the rows' comments), not read from the table.
URLS = {
    "groq": "https://api.groq.com/openai/v1/chat/completions",
    "deepseek": "https://api.deepseek.com/v1/chat/completions",
    "openrouter": "https://openrouter.ai/api/v1/chat/completions",
    "together_ai": "https://api.together.xyz/v1/chat/completions",
    "fireworks_ai": "https://api.fireworks.ai/inference/v1/chat/completions",
    "xai": "https://api.x.ai/v1/chat/completions",
    "hosted_vllm": "http://localhost:8000/v1/chat/completions",
    "cerebras": "https://api.cerebras.ai/v1/chat/completions",
    "perplexity": "https://api.perplexity.ai/chat/completions",
    "nvidia_nim": "https://integrate.api.nvidia.com/v1/chat/completions",
    "sambanova": "https://api.sambanova.ai/v1/chat/completions",
    "nebius": "https://api.studio.nebius.com/v1/chat/completions",
    "novita": "https://api.novita.ai/openai/chat/completions",
    "huggingface": "https://router.huggingface.co/v1/chat/completions",
    "databricks": "https://adb-1.azuredatabricks.net/serving-endpoints/chat/completions",
    "github": "https://models.github.ai/inference/chat/completions",
    "moonshot": "https://api.moonshot.ai/v1/chat/completions",
    "zai": "https://api.z.ai/api/paas/v4/chat/completions",
    "dashscope": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
    "minimax": "https://api.minimax.io/v1/chat/completions",
    "deepinfra": "https://api.deepinfra.com/v1/openai/chat/completions",
    "lm_studio": "http://localhost:1234/v1/chat/completions",
    "llamacpp_chat": "http://localhost:8080/v1/chat/completions",
    "sglang": "http://localhost:30000/v1/chat/completions",
    "openai_like": "http://my-server:9000/v1/chat/completions",
}
#: Rows whose server needs no key (local or self-hosted).
KEYLESS = {"hosted_vllm", "lm_studio", "llamacpp_chat", "sglang", "openai_like"}
MAX_COMPLETION_TOKENS = {"groq", "openrouter", "xai", "cerebras", "moonshot"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for row in VENDORS.values():
        for name in (*row.api_key_env, *(row.api_base_env or ())):
            monkeypatch.delenv(name, raising=False)
    for name in VENDORS:
        monkeypatch.delenv(f"{name.upper()}_API_BASE", raising=False)
    monkeypatch.setenv("DATABRICKS_HOST", "https://adb-1.azuredatabricks.net")
    monkeypatch.setenv("OPENAI_LIKE_API_BASE", "http://my-server:9000")


def call(model: str, answer: Any = ANSWER, **kwargs: Any) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(answer, str):
            return httpx.Response(200, content=answer.encode(), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=answer)

    kwargs.setdefault("messages", USER)
    result = modelmux.completion(model, transport=httpx.MockTransport(handler), **kwargs)
    if kwargs.get("stream"):
        result = list(result)
    return result, seen


def test_every_row_is_registered_and_tested() -> None:
    # The ollama row is Ollama's OpenAI route, reached through ollama/ with an api_base ending in /v1
    # (tests/providers/ollama); ollama/ itself speaks the native API.
    assert set(VENDORS) == set(URLS) | {"ollama"}
    from modelmux.providers.ollama.openai_route import OPENAI_ROUTE

    for name in VENDORS:
        assert resolve(f"{name}/x").provider_name == name
        # ollama/ speaks Ollama's own API; its OpenAI route (an api_base ending in /v1) is this row.
        speaker = OPENAI_ROUTE if name == "ollama" else get_provider(name)
        assert speaker.profile is VENDORS[name].profile  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(URLS))
def test_row_builds_url_headers_and_body(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    row = VENDORS[name]
    monkeypatch.setenv(row.api_key_env[0], "env-key-123")
    result, seen = call(f"{name}/org/model-1", max_completion_tokens=5, temperature=0.5)
    request = seen[0]
    assert str(request.url) == URLS[name]
    assert request.headers["authorization"] == "Bearer env-key-123"
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content)
    field = "max_completion_tokens" if name in MAX_COMPLETION_TOKENS else "max_tokens"
    assert body == {"model": "org/model-1", "messages": USER, field: 5, "temperature": 0.5}
    assert result.choices[0].message.content == "hello"


@pytest.mark.parametrize("name", sorted(URLS))
def test_keys_are_required_only_by_hosted_rows(name: str) -> None:
    if name in KEYLESS:
        _, seen = call(f"{name}/m")
        assert "authorization" not in seen[0].headers
    else:
        with pytest.raises(modelmux.AuthenticationError) as info:
            call(f"{name}/m")
        assert VENDORS[name].api_key_env[0] in info.value.message


@pytest.mark.parametrize("name", sorted(URLS))
def test_developer_messages_per_row(name: str) -> None:
    messages = [{"role": "developer", "content": "be brief"}, *USER]
    _, seen = call(f"{name}/m", api_key="k", messages=messages)
    role = json.loads(seen[0].content)["messages"][0]["role"]
    assert role == ("developer" if name in {"github", "openrouter"} else "system")


def test_addresses_from_the_environment_and_missing_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_API_BASE", "https://dbc-2.cloud.databricks.com/serving-endpoints")
    _, seen = call("databricks/databricks-claude-sonnet-4", api_key="dapi-1")
    assert str(seen[0].url) == "https://dbc-2.cloud.databricks.com/serving-endpoints/chat/completions"
    monkeypatch.delenv("DATABRICKS_API_BASE")
    monkeypatch.delenv("DATABRICKS_HOST")
    with pytest.raises(BadRequestError) as info:
        call("databricks/x", api_key="dapi-1")
    assert info.value.code == "missing_api_base" and "DATABRICKS_HOST" in info.value.message
    monkeypatch.delenv("OPENAI_LIKE_API_BASE")
    with pytest.raises(BadRequestError) as like:
        call("openai_like/x")
    assert like.value.param == "api_base"
    _, seen = call("custom_openai/x", api_base="http://127.0.0.1:5000/v1")
    assert str(seen[0].url) == "http://127.0.0.1:5000/v1/chat/completions"


@pytest.mark.parametrize(
    ("alias", "name"),
    [("vllm", "hosted_vllm"), ("kimi", "moonshot"), ("qwen", "dashscope"), ("lmstudio", "lm_studio"),
     ("nvidia", "nvidia_nim"), ("zhipuai", "zai"), ("mistralai", "mistral"), ("openai_compatible", "openai_like")],
)  # fmt: skip
def test_aliases(alias: str, name: str) -> None:
    assert resolve(f"{alias}/m").provider_name == name


# ---------------------------------------------------------------- tools and parameters per row


def test_tool_choice_forms_each_row_takes() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    named = {"type": "function", "function": {"name": "f"}}
    for model, refused, taken in [
        ("zai/glm-4.6", ["required", "none", named], ["auto"]),
        ("moonshot/kimi-k2", ["required", named], ["auto", "none"]),
        ("dashscope/qwen-plus", ["required"], ["auto", "none", named]),
        ("groq/llama", [], ["required", named]),
    ]:
        for choice in refused:
            with pytest.raises(UnsupportedParamsError) as info:
                call(model, api_key="k", tools=tools, tool_choice=choice)
            assert info.value.param == "tool_choice"
        for choice in taken:
            _, seen = call(model, api_key="k", tools=tools, tool_choice=choice)
            assert json.loads(seen[0].content)["tool_choice"] == choice
    with pytest.warns(modelmux.errors.DroppedParamWarning):
        _, seen = call("zai/glm-4.6", api_key="k", tools=tools, tool_choice="required", drop_params=True)
    assert "tool_choice" not in json.loads(seen[0].content)


def test_perplexity_has_no_tools_and_takes_its_search_fields() -> None:
    tools = [{"type": "function", "function": {"name": "f"}}]
    with pytest.raises(UnsupportedParamsError):
        call("perplexity/sonar", api_key="k", tools=tools)
    _, seen = call("perplexity/sonar", api_key="k", search_domain_filter=["arxiv.org"], search_mode="academic")
    body = json.loads(seen[0].content)
    assert body["search_domain_filter"] == ["arxiv.org"] and body["search_mode"] == "academic"
    assert {"search_domain_filter", "search_mode"} <= get_provider("perplexity").native_params  # type: ignore[attr-defined]


def test_cerebras_refuses_what_it_documents_as_400s() -> None:
    for param in ({"presence_penalty": 0.1}, {"parallel_tool_calls": False}, {"logit_bias": {"1": 1}}):
        with pytest.raises(UnsupportedParamsError):
            call("cerebras/llama3.1-8b", api_key="k", **param)


def test_reasoning_goes_back_where_the_vendor_wants_it() -> None:
    history = [*USER, {"role": "assistant", "content": "a", "reasoning_content": "because"}, *USER]
    for name, kept in [("moonshot", True), ("zai", True), ("llamacpp_chat", True), ("cerebras", False)]:
        _, seen = call(f"{name}/m", api_key="k", messages=history)
        assistant = json.loads(seen[0].content)["messages"][1]
        assert (assistant.get("reasoning_content") == "because") is kept, name


# ---------------------------------------------------------------- Perplexity citations → url_citation annotations

SOURCES = {
    "citations": ["https://a.example/1", "https://b.example/2", "https://c.example/3"],
    "search_results": [
        {"title": "Alpha", "url": "https://a.example/1", "date": "2025-01-01"},
        {"title": "Beta", "url": "https://b.example/2"},
        {"title": "Gamma", "url": "https://c.example/3"},
    ],
}
TEXT = "Paris is the capital [1]. It is large [2][1]."


def annotation(url: str, title: str, start: int, end: int) -> dict[str, Any]:
    return {
        "type": "url_citation",
        "url_citation": {"url": url, "title": title, "start_index": start, "end_index": end},
    }


FIRST, SECOND, THIRD = TEXT.index("[1]"), TEXT.index("[2]"), TEXT.rindex("[1]")
EXPECTED = [
    annotation("https://a.example/1", "Alpha", FIRST, FIRST + 3),
    annotation("https://b.example/2", "Beta", SECOND, SECOND + 3),
    annotation("https://a.example/1", "Alpha", THIRD, THIRD + 3),
    annotation("https://c.example/3", "Gamma", 0, len(TEXT)),  # never marked: it supports the whole answer
]


def test_perplexity_citations_become_annotations() -> None:
    answer = {**ANSWER, **SOURCES, "choices": [{"index": 0, "message": {"role": "assistant", "content": TEXT},
                                                "finish_reason": "stop"}]}  # fmt: skip
    result, _ = call("perplexity/sonar-pro", answer, api_key="k")
    message = result.choices[0].message
    assert message.content == TEXT and message.model_extra["annotations"] == EXPECTED
    assert (FIRST, SECOND, THIRD) == (21, 38, 41)
    assert result.model_extra["citations"] == SOURCES["citations"]  # the native fields stay


def test_perplexity_citations_only_from_urls() -> None:
    answer = {
        **ANSWER,
        "citations": ["https://x.example"],
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "See [1] and [7]."}, "finish_reason": "stop"}
        ],
    }
    result, _ = call("perplexity/sonar", answer, api_key="k")
    assert result.choices[0].message.model_extra["annotations"] == [
        annotation("https://x.example", "https://x.example", 4, 7)
    ]  # [7] names no source: not an annotation


def stream_body(pieces: list[str], sources_on: str) -> str:
    chunks: list[dict[str, Any]] = []
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        choice = {
            "index": 0,
            "delta": {"role": "assistant", "content": piece},
            "finish_reason": "stop" if last else None,
        }
        chunk: dict[str, Any] = {"id": "p", "object": "chat.completion.chunk", "created": 1, "model": "sonar",
                                 "choices": [choice]}  # fmt: skip
        if sources_on == "every" or (sources_on == "last" and last):
            chunk.update(SOURCES)
        chunks.append(chunk)
    if sources_on == "after":
        usage = {"prompt_tokens": 1, "completion_tokens": 5, "total_tokens": 6}
        chunks.append({"id": "p", "created": 1, "model": "sonar", "choices": [], **SOURCES, "usage": usage})
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"


@pytest.mark.parametrize("sources_on", ["every", "last", "after"])
def test_perplexity_streamed_citations_equal_the_non_streamed_ones(sources_on: str) -> None:
    pieces = ["Paris is the capital [", "1]. It is large [2]", "[1]."]  # a marker split across chunks
    assert "".join(pieces) == TEXT
    chunks, seen = call("perplexity/sonar", stream_body(pieces, sources_on), api_key="k", stream=True)
    assert "stream_options" not in json.loads(seen[0].content)
    built = modelmux.stream_chunk_builder(chunks).choices[0].message
    assert built.content == TEXT and built.model_extra["annotations"] == EXPECTED
    assert sum(1 for c in chunks for ch in c.choices if (ch.delta.model_extra or {}).get("annotations")) == 1


def test_other_vendors_leave_citation_fields_alone() -> None:
    answer = {**ANSWER, **SOURCES}
    result, _ = call("groq/llama", answer, api_key="k")
    assert "annotations" not in (result.choices[0].message.model_extra or {})


def test_databricks_reasoning_parts_become_reasoning_content() -> None:
    content = [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "think", "signature": "sig"}]},
        {"type": "text", "text": "answer"},
    ]
    answer = {**ANSWER, "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                     "finish_reason": "stop"}]}  # fmt: skip
    result, _ = call("databricks/databricks-claude-sonnet-4", answer, api_key="dapi")
    message = result.choices[0].message
    assert (message.content, message.reasoning_content) == ("answer", "think")


def test_usage_on_the_last_choice_of_a_stream_moves_to_the_chunk() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    events = [
        {"id": "k", "model": "kimi", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}]},
        {"id": "k", "model": "kimi", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "usage": usage}]},
    ]
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    chunks, _ = call("moonshot/kimi-k2", sse, api_key="k", stream=True, stream_options={"include_usage": True})
    built = modelmux.stream_chunk_builder(chunks)
    assert built.usage is not None and built.usage.total_tokens == 5
    assert all("usage" not in (ch.model_extra or {}) for c in chunks for ch in c.choices)


def test_groq_stream_usage_from_x_groq() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "queue_time": 0.01}
    events = [
        {"id": "g", "model": "llama", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}]},
        {"id": "g", "model": "llama", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
         "x_groq": {"id": "req_1", "usage": usage}},
    ]  # fmt: skip
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    chunks, _ = call("groq/llama", sse, api_key="k", stream=True)
    built = modelmux.stream_chunk_builder(chunks)
    assert built.usage is not None and (built.usage.prompt_tokens, built.usage.total_tokens) == (3, 5)


def test_the_async_path_shares_the_quirks() -> None:
    import asyncio

    body = stream_body(["Paris is the capital [", "1]. It is large [2]", "[1]."], "every")

    async def run() -> modelmux.ChatCompletion:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body.encode()))
        stream = await modelmux.acompletion("perplexity/sonar", USER, api_key="k", stream=True, transport=transport)
        return modelmux.stream_chunk_builder([c async for c in stream])

    message = asyncio.run(run()).choices[0].message
    assert message.content == TEXT and message.model_extra["annotations"] == EXPECTED
