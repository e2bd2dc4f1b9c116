"""A misspelt OpenAI parameter sent to ``/v1/chat/completions`` is a 400 naming the parameter it resembles, never a
field passed to the provider (many ignore unknown fields: the request was answered as if it were not there).
Vendor fields the gateway does not know still pass to the provider's body. Each typo test failed before its fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, make_app, raw

pytestmark = pytest.mark.anyio
AUTH = {"authorization": f"Bearer {ALICE}"}
MESSAGES = [{"role": "user", "content": "hi"}]


class Recording(FakeUpstream):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(json.loads(await request.aread()))
        return await super().handle_async_request(request)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("temprature", "temperature"),
        ("max_token", "max_tokens"),
        ("tools_choice", "tool_choice"),
        ("respone_format", "response_format"),
        ("parallel_tool_call", "parallel_tool_calls"),
        ("frequency_penality", "frequency_penalty"),
        ("maxTokens", "max_tokens"),
        ("reasoning-effort", "reasoning_effort"),
    ],
)
@pytest.mark.parametrize("model", ["up/ok", "mock/demo"])
async def test_a_misspelt_parameter_is_a_400_never_sent(typo: str, meant: str, model: str) -> None:
    upstream = Recording()
    async with raw(make_app(transport=upstream)) as client:
        body = {"model": model, "messages": MESSAGES, typo: 1}
        answer = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 400, answer.text  # was a 200, the field sent to (and ignored by) the provider
    error = answer.json()["error"]
    assert error["param"] == typo and error["code"] == "unknown_parameter" and meant in error["message"]
    assert upstream.sent == []


@pytest.mark.parametrize(
    "field",
    [
        "top_k",
        "min_p",
        "repetition_penalty",
        "chat_template_kwargs",
        "guided_json",
        "safe_prompt",
        "provider",
        "reasoning_format",  # Groq's: 0.875 like reasoning_effort
        "search_options",
    ],
)
async def test_vendor_fields_still_reach_the_provider(field: str) -> None:
    upstream = Recording()
    async with raw(make_app(transport=upstream)) as client:
        body = {"model": "up/ok", "messages": MESSAGES, field: {"x": 1} if field.endswith("kwargs") else 1}
        answer = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert field in upstream.sent[0]
