"""Azure OpenAI through the public API against the fake resource (``conftest.FakeAzure``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai.types.chat as oa
import pytest
from fake_azure import DEPLOYMENTS, KEY, SAFE, VIOLENT, FakeAzure

import modelmux
from modelmux.errors import (
    AuthenticationError,
    BadRequestError,
    ContentPolicyViolationError,
    NotFoundError,
    RateLimitError,
)

ENDPOINT = "https://my-resource.openai.azure.com"
HI = [{"role": "user", "content": "hi"}]


def chat(azure: FakeAzure, messages: list[dict[str, Any]] = HI, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("api_base", ENDPOINT)
    return modelmux.completion("azure/prod-chat", messages, transport=azure.transport, **kwargs)


def test_deployment_route_with_api_version(azure: FakeAzure) -> None:
    result = chat(azure, api_version="2024-10-21", max_tokens=50)
    sent = azure.requests[0]
    assert str(sent.url) == f"{ENDPOINT}/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21"
    assert sent.headers["api-key"] == KEY
    assert "authorization" not in sent.headers
    body = json.loads(sent.content)
    assert body["max_tokens"] == 50 and "max_completion_tokens" not in body  # as written: old versions need it
    assert "api_version" not in body
    oa.ChatCompletion.model_validate(result.model_dump())
    assert result.choices[0].message.content == "Hello from Azure."
    assert result.model == DEPLOYMENTS["prod-chat"]
    assert result.model_extra["prompt_filter_results"][0]["content_filter_results"] == SAFE
    assert result.choices[0].model_extra["content_filter_results"] == SAFE
    assert result.usage is not None and result.usage.total_tokens == 13


def test_v1_route_without_api_version(azure: FakeAzure) -> None:
    result = chat(azure)
    sent = azure.requests[0]
    assert str(sent.url) == f"{ENDPOINT}/openai/v1/chat/completions"
    assert json.loads(sent.content)["model"] == "prod-chat"
    assert result.choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    ("api_base", "api_version", "url"),
    [
        (ENDPOINT + "/", None, f"{ENDPOINT}/openai/v1/chat/completions"),
        (ENDPOINT + "/openai/v1/", None, f"{ENDPOINT}/openai/v1/chat/completions"),
        (ENDPOINT + "/openai", "2025-04-01-preview", f"{ENDPOINT}/openai/deployments/prod-chat/chat/completions"),
        (ENDPOINT, "preview", f"{ENDPOINT}/openai/v1/chat/completions"),
        (ENDPOINT, "v1", f"{ENDPOINT}/openai/v1/chat/completions"),
    ],
)
def test_endpoint_spellings(azure: FakeAzure, api_base: str, api_version: str | None, url: str) -> None:
    chat(azure, api_base=api_base, api_version=api_version)
    sent = azure.requests[0]
    assert str(sent.url).split("?")[0] == url
    assert sent.url.params.get("api-version") == (api_version if api_version != "v1" else None)


def test_environment_supplies_endpoint_key_and_version(azure: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2024-10-21")
    modelmux.completion("azure/prod-chat", HI, transport=azure.transport)
    assert str(azure.requests[0].url).endswith("/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21")
    assert azure.requests[0].headers["api-key"] == KEY


def test_legacy_variable_names(azure: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_API_BASE", ENDPOINT)
    monkeypatch.setenv("AZURE_API_KEY", KEY)
    modelmux.completion("azure/prod-chat", HI, transport=azure.transport)
    assert azure.requests[0].url.host == "my-resource.openai.azure.com"


def test_no_endpoint_is_a_clear_error(azure: FakeAzure) -> None:
    with pytest.raises(BadRequestError, match="AZURE_OPENAI_ENDPOINT"):
        modelmux.completion("azure/prod-chat", HI, api_key=KEY, transport=azure.transport)
    assert azure.requests == []


def test_wrong_key_is_an_authentication_error_without_the_key(azure: FakeAzure) -> None:
    with pytest.raises(AuthenticationError) as info:
        chat(azure, api_key="wrong-key-value-123")
    assert "wrong-key-value-123" not in str(info.value) + repr(info.value)
    assert info.value.status_code == 401


def test_unknown_deployment_is_not_found(azure: FakeAzure) -> None:
    with pytest.raises(NotFoundError) as info:
        modelmux.completion("azure/nope", HI, api_key=KEY, api_base=ENDPOINT, transport=azure.transport)
    assert info.value.code == "DeploymentNotFound"


def test_content_filter_error_keeps_the_filter_results(azure: FakeAzure) -> None:
    with pytest.raises(ContentPolicyViolationError) as info:
        chat(azure, [{"role": "user", "content": "FORBIDDEN"}], api_version="2024-10-21")
    err = info.value
    assert err.status_code == 400 and err.code == "content_filter" and err.param == "prompt"
    assert err.body["innererror"]["code"] == "ResponsibleAIPolicyViolation"
    assert err.body["innererror"]["content_filter_result"] == VIOLENT
    assert err.request_id == "apim-123"
    assert err.provider == "azure"


def test_output_filter_finish_reason(azure: FakeAzure) -> None:
    result = chat(azure, [{"role": "user", "content": "FILTER_OUTPUT"}])
    assert result.choices[0].finish_reason == "content_filter"
    assert result.choices[0].model_extra["content_filter_results"] == VIOLENT


def test_throttling_honours_the_millisecond_header(azure: FakeAzure) -> None:
    with pytest.raises(RateLimitError) as info:
        chat(azure, [{"role": "user", "content": "THROTTLE"}])
    assert info.value.retry_after == 3.5


@pytest.mark.parametrize("api_version", [None, "2024-10-21"])
def test_stream_with_prompt_annotations_first(azure: FakeAzure, api_version: str | None) -> None:
    stream = chat(azure, stream=True, stream_options={"include_usage": True}, api_version=api_version)
    chunks = list(stream)
    for c in chunks:
        oa.ChatCompletionChunk.model_validate(c.model_dump())
    first = chunks[0]
    assert first.choices == [] and first.model_extra["prompt_filter_results"][0]["content_filter_results"] == SAFE
    whole = modelmux.stream_chunk_builder(chunks)
    assert whole.choices[0].message.content == "Hello from Azure. "
    assert whole.choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 13
    assert json.loads(azure.requests[0].content)["stream"] is True


def test_stream_cut_by_the_output_filter(azure: FakeAzure) -> None:
    chunks = list(chat(azure, [{"role": "user", "content": "FILTER_OUTPUT"}], stream=True))
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finals[-1].choices[0].finish_reason == "content_filter"
    assert finals[-1].choices[0].model_extra["content_filter_results"] == VIOLENT


def test_async_stream(azure: FakeAzure) -> None:
    async def go() -> modelmux.ChatCompletion:
        stream = await modelmux.acompletion(
            "azure/prod-chat", HI, stream=True, api_key=KEY, api_base=ENDPOINT, transport=azure.transport
        )
        return modelmux.stream_chunk_builder([c async for c in stream])

    assert asyncio.run(go()).choices[0].message.content == "Hello from Azure. "


def test_base_model_feeds_the_catalog(azure: FakeAzure) -> None:
    from modelmux._call import open_call
    from modelmux._registry import resolve

    call = open_call(resolve("azure/prod-chat"), {"messages": HI}, {"api_base": ENDPOINT, "base_model": "gpt-4o"})
    assert call.ctx.info is None
    call.provider.build_chat_request(call.params, call.ctx)
    assert call.ctx.info is not None
    assert (call.ctx.info.provider, call.ctx.info.model) == ("azure", "prod-chat")
    assert call.ctx.info.context_window == 128000
    assert "base_model" not in json.dumps(call.provider.build_chat_request(call.params, call.ctx).json)


def test_caller_auth_header_wins(azure: FakeAzure) -> None:
    chat(azure, api_key=None, extra_headers={"Api-Key": KEY})
    assert azure.requests[0].headers["api-key"] == KEY
