"""Shared helpers: a call context, and request bodies checked against the ``ollama`` SDK's own types."""

from __future__ import annotations

from typing import Any

from ollama._types import ChatRequest, EmbedRequest, GenerateRequest, Image, Message, Options, Tool

from modelmux.providers._base import CallContext
from modelmux.providers.ollama import provider

USER = [{"role": "user", "content": "hi"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def ctx(**kwargs: Any) -> CallContext:
    options = kwargs.pop("options", {})
    base = kwargs.pop("api_base", "http://localhost:11434")
    return CallContext("ollama", kwargs.pop("model", "llama3.1"), base, options=options, **kwargs)


def _only_known(doc: dict[str, Any], model: Any, where: str) -> None:
    unknown = set(doc) - set(model.model_fields)
    assert not unknown, f"{where}: fields the ollama SDK does not know: {unknown}"


def _images(doc: dict[str, Any]) -> dict[str, Any]:
    """Wire images are base64 strings; the SDK holds them as ``Image`` (whose serializer checks the base64)."""
    if "images" not in doc:
        return doc
    images = [Image(value=i) for i in doc["images"]]
    assert [i.model_dump() for i in images] == doc["images"]
    return {**doc, "images": images}


def validate_chat(body: dict[str, Any]) -> None:
    """The body as the ollama SDK's ChatRequest (and each message, tool and options as its types)."""
    _only_known(body, ChatRequest, "request")
    ChatRequest.model_validate(body)
    for message in body["messages"]:
        _only_known(message, Message, "message")
        Message.model_validate(_images(message))
        for call in message.get("tool_calls") or ():
            Message.ToolCall.model_validate(call)
            assert isinstance(call["function"]["arguments"], dict)
    for tool in body.get("tools") or ():
        Tool.model_validate(tool)
    if "options" in body:
        _only_known(body["options"], Options, "options")
        Options.model_validate(body["options"])


def validate_generate(body: dict[str, Any]) -> None:
    _only_known(body, GenerateRequest, "request")
    GenerateRequest.model_validate(_images(body))


def validate_embed(body: dict[str, Any]) -> None:
    _only_known(body, EmbedRequest, "request")
    EmbedRequest.model_validate(body)


def chat_body(params: dict[str, Any], **ctx_kwargs: Any) -> dict[str, Any]:
    request = provider.build_chat_request({"messages": USER, **params}, ctx(**ctx_kwargs))
    assert isinstance(request.json, dict)
    if request.url.endswith("/api/chat"):
        validate_chat(request.json)
    elif request.url.endswith("/api/generate"):
        validate_generate(request.json)
    return request.json
