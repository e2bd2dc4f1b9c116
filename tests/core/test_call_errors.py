"""Failures around one call that must be clear errors, never crashes: untranslatable shapes, 2xx error documents."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import modelmux
from modelmux._registry import get_provider

MSG = [{"role": "user", "content": "x"}]


def test_a_converter_crash_on_a_strange_shape_is_a_bad_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def build(params: dict[str, Any], ctx: Any) -> Any:
        return params["tools"][0]["function"]["name"]  # a converter that trusts a shape it was not given

    monkeypatch.setattr(get_provider("openai"), "build_chat_request", build)
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.completion("openai/gpt-4o", MSG, api_key="sk-secret-key-0123456789abcdef", tools=[{"type": "x"}])
    assert info.value.code == "untranslatable_request" and "KeyError" in str(info.value)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}, modelmux.RateLimitError),
        ({"message": "no", "type": "server_error"}, modelmux.APIStatusError),
    ],
)
def test_a_2xx_error_document_is_the_mapped_error(error: dict[str, Any], expected: type[Exception]) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error": error})

    with pytest.raises(expected):
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=httpx.MockTransport(handle))


def test_a_2xx_that_is_not_json_is_an_upstream_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>oops</html>", headers={"content-type": "text/html"})

    with pytest.raises(modelmux.UpstreamError):
        modelmux.completion("gemini/gemini-2.5-flash", MSG, api_key="k", transport=httpx.MockTransport(handle))
