"""The chat request's fields, checked for JSON type and shape (OpenAI API reference, "Create chat completion").

Ranges (temperature 0 to 2, top_p, n...) are checked by ``modelmux.acompletion`` itself; here only what could
otherwise reach provider code in a shape it does not expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..validate import bad_request, check_fields, expect

__all__ = ["check_chat"]

FIELDS: dict[str, tuple[str, ...]] = {
    "stream": ("boolean",),
    "temperature": ("number",),
    "top_p": ("number",),
    "presence_penalty": ("number",),
    "frequency_penalty": ("number",),
    "max_tokens": ("integer",),
    "max_completion_tokens": ("integer",),
    "n": ("integer",),
    "seed": ("integer",),
    "top_logprobs": ("integer",),
    "logprobs": ("boolean",),
    "stop": ("string", "array"),
    "user": ("string",),
    "tools": ("array",),
    "tool_choice": ("string", "object"),
    "parallel_tool_calls": ("boolean",),
    "response_format": ("object",),
    "reasoning_effort": ("string",),
    "stream_options": ("object",),
    "logit_bias": ("object",),
    "metadata": ("object",),
    "service_tier": ("string",),
    "store": ("boolean",),
    "modalities": ("array",),
    "prediction": ("object",),
    "audio": ("object",),
    "web_search_options": ("object",),
    "verbosity": ("string",),
    "prompt_cache_key": ("string",),
    "safety_identifier": ("string",),
    "functions": ("array",),
    "function_call": ("string", "object"),
}


def _object(value: Any, param: str) -> Mapping[str, Any]:
    expect(value, ("object",), param, nullable=False)
    assert isinstance(value, Mapping)
    return value


def _message(m: Any, i: int) -> None:
    where = f"messages[{i}]"
    message = _object(m, where)
    expect(message.get("role"), ("string",), f"{where}.role", nullable=False)
    content = message.get("content")
    expect(content, ("string", "array"), f"{where}.content")
    if isinstance(content, list):
        for j, part in enumerate(content):
            expect(
                _object(part, f"{where}.content[{j}]").get("type"),
                ("string",),
                f"{where}.content[{j}].type",
                nullable=False,
            )
    for name in ("name", "tool_call_id", "refusal", "reasoning_content"):
        expect(message.get(name), ("string",), f"{where}.{name}")
    calls = message.get("tool_calls")
    expect(calls, ("array",), f"{where}.tool_calls")
    for j, call in enumerate(calls or ()):
        at = f"{where}.tool_calls[{j}]"
        call = _object(call, at)
        expect(call.get("id"), ("string",), f"{at}.id")
        fn = _object(call.get("function"), f"{at}.function")
        expect(fn.get("name"), ("string",), f"{at}.function.name", nullable=False)
        expect(fn.get("arguments"), ("string",), f"{at}.function.arguments")


def _tools(tools: list[Any]) -> None:
    for i, tool in enumerate(tools):
        fn = _object(_object(tool, f"tools[{i}]").get("function"), f"tools[{i}].function")
        expect(fn.get("name"), ("string",), f"tools[{i}].function.name", nullable=False)
        expect(fn.get("description"), ("string",), f"tools[{i}].function.description")
        expect(fn.get("parameters"), ("object",), f"tools[{i}].function.parameters")
        expect(fn.get("strict"), ("boolean",), f"tools[{i}].function.strict")


def _tool_choice(choice: Any) -> None:
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise bad_request(
                "tool_choice must be 'none', 'auto', 'required' or a function object.", param="tool_choice"
            )
        return
    fn = _object(choice.get("function"), "tool_choice.function")
    expect(fn.get("name"), ("string",), "tool_choice.function.name", nullable=False)


def _response_format(fmt: Mapping[str, Any]) -> None:
    kind = fmt.get("type")
    if kind not in ("text", "json_object", "json_schema"):
        raise bad_request(
            "response_format.type must be 'text', 'json_object' or 'json_schema'.", param="response_format.type"
        )
    if kind == "json_schema":
        spec = _object(fmt.get("json_schema"), "response_format.json_schema")
        expect(spec.get("name"), ("string",), "response_format.json_schema.name")
        expect(spec.get("schema"), ("object",), "response_format.json_schema.schema")
        expect(spec.get("strict"), ("boolean",), "response_format.json_schema.strict")


def check_chat(body: Mapping[str, Any]) -> None:
    """400 for the first field of ``body`` with a wrong JSON type or shape."""
    messages = body.get("messages")
    if messages is None:
        raise bad_request(
            "Missing required parameter: 'messages'.", param="messages", code="missing_required_parameter"
        )
    expect(messages, ("array",), "messages")
    if not messages:
        raise bad_request("'messages' must contain at least one message.", param="messages")
    for i, m in enumerate(messages):
        _message(m, i)
    check_fields(body, FIELDS)
    if body.get("tools"):
        _tools(body["tools"])
    if body.get("tool_choice") is not None:
        _tool_choice(body["tool_choice"])
    if body.get("response_format") is not None:
        _response_format(body["response_format"])
    options = body.get("stream_options")
    if options is not None:
        expect(options.get("include_usage"), ("boolean",), "stream_options.include_usage")
    stop = body.get("stop")
    if isinstance(stop, list) and not all(isinstance(s, str) for s in stop):
        raise bad_request("stop must be a string or a list of strings.", param="stop")
