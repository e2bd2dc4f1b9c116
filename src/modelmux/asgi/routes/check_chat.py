"""The chat request's fields, checked for JSON type, shape and size (OpenAI API reference, "Create chat completion").

Ranges (temperature 0 to 2, top_p, n...) are checked by ``modelmux.acompletion`` itself; here only what could
otherwise reach provider code in a shape it does not expect: messages and their content parts (the fields of
OpenAI's part types typed; other part types go on to the provider, which takes or refuses them), tool calls, tools
(function and custom tools field by field; other kinds, such as Anthropic server tools, by their ``type``), and the
sizes in :mod:`modelmux.asgi.bounds`, so that the translation's work is bounded before it starts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..bounds import (
    MAX_CONTENT_PARTS,
    MAX_MESSAGES,
    MAX_PARTS_PER_MESSAGE,
    MAX_TOOL_CALLS_PER_MESSAGE,
    MAX_TOOLS,
    check_count,
)
from ..upstream_ids import refused
from ..validate import bad_request, check_fields, embedded_json, expect
from .check_schema import check_schemas

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


def _strings(
    value: Mapping[str, Any], where: str, *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> None:
    for name in required:
        expect(value.get(name), ("string",), f"{where}.{name}", nullable=False)
    for name in optional:
        expect(value.get(name), ("string",), f"{where}.{name}")


def _part(part: Any, at: str, allow_ids: bool) -> None:
    """One content part: an object with a string ``type``; the fields of OpenAI's part types have their JSON types.

    Other types pass on to the provider, which takes its own (Anthropic ``document``...) or refuses them with a 400.
    """
    part = _object(part, at)
    kind = part.get("type")
    expect(kind, ("string",), f"{at}.type", nullable=False)
    if kind == "text":
        _strings(part, at, required=("text",))
    elif kind == "refusal":
        _strings(part, at, required=("refusal",))
    elif kind == "image_url":
        image = part.get("image_url")
        if not isinstance(image, str):  # the object form, or the bare URL the library also takes
            _strings(_object(image, f"{at}.image_url"), f"{at}.image_url", required=("url",), optional=("detail",))
    elif kind == "input_audio":
        _strings(
            _object(part.get("input_audio"), f"{at}.input_audio"),
            f"{at}.input_audio",
            required=("data",),
            optional=("format",),
        )
    elif kind == "file":
        fields = ("file_data", "file_id", "filename")
        file = _object(part.get("file"), f"{at}.file")
        _strings(file, f"{at}.file", optional=fields)
        if not allow_ids and file.get("file_id"):  # a file of the upstream account, any key's (``upstream_ids``)
            raise refused(f"{at}.file.file_id")


def _tool_call(call: Any, at: str) -> None:
    call = _object(call, at)
    expect(call.get("id"), ("string",), f"{at}.id")
    expect(call.get("type"), ("string",), f"{at}.type")
    if call.get("type") == "custom":  # OpenAI custom tools: free-form text input
        _strings(_object(call.get("custom"), f"{at}.custom"), f"{at}.custom", required=("name",), optional=("input",))
        return
    fn = _object(call.get("function"), f"{at}.function")
    _strings(fn, f"{at}.function", required=("name",), optional=("arguments",))
    if fn.get("arguments"):
        embedded_json(fn["arguments"], f"{at}.function.arguments")


def _message(m: Any, i: int, allow_ids: bool) -> int:
    """Checks ``messages[i]``; returns how many content parts it has."""
    where = f"messages[{i}]"
    message = _object(m, where)
    expect(message.get("role"), ("string",), f"{where}.role", nullable=False)
    content = message.get("content")
    expect(content, ("string", "array"), f"{where}.content")
    parts = 0
    if isinstance(content, list):
        parts = len(content)
        check_count(parts, MAX_PARTS_PER_MESSAGE, f"content parts in {where}", f"{where}.content")
        for j, part in enumerate(content):
            _part(part, f"{where}.content[{j}]", allow_ids)
    for name in ("name", "tool_call_id", "refusal", "reasoning_content"):
        expect(message.get(name), ("string",), f"{where}.{name}")
    if message.get("role") in ("tool", "function"):  # a result some providers parse when it looks like JSON
        texts = [p["text"] for p in content or () if p.get("type") == "text"] if isinstance(content, list) else ()
        text = content if isinstance(content, str) else "".join(texts)
        if text.lstrip()[:1] in ("{", "["):
            embedded_json(text, f"{where}.content")
    calls = message.get("tool_calls")
    expect(calls, ("array",), f"{where}.tool_calls")
    if calls:
        check_count(len(calls), MAX_TOOL_CALLS_PER_MESSAGE, f"tool calls in {where}", f"{where}.tool_calls")
        for j, call in enumerate(calls):
            _tool_call(call, f"{where}.tool_calls[{j}]")
    return parts


def _tools(tools: list[Any]) -> Iterator[tuple[str, Any]]:
    """Checks each tool; yields ``(param, schema)`` for the function tools' parameters.

    Function tools are checked field by field; a custom tool needs a ``custom.name``; other types (Anthropic
    server tools such as ``web_search_20250305``) need only a string ``type``, and go to the provider as they are.
    """
    for i, tool in enumerate(tools):
        at = f"tools[{i}]"
        tool = _object(tool, at)
        kind = tool.get("type")
        expect(kind, ("string",), f"{at}.type")
        if kind == "custom":
            _strings(
                _object(tool.get("custom"), f"{at}.custom"),
                f"{at}.custom",
                required=("name",),
                optional=("description",),
            )
            continue
        if kind not in (None, "function"):
            continue
        fn = _object(tool.get("function"), f"{at}.function")
        _strings(fn, f"{at}.function", required=("name",), optional=("description",))
        expect(fn.get("parameters"), ("object",), f"{at}.function.parameters")
        expect(fn.get("strict"), ("boolean",), f"{at}.function.strict")
        if fn.get("parameters") is not None:
            yield f"{at}.function.parameters", fn["parameters"]


def _functions(functions: list[Any]) -> Iterator[tuple[str, Any]]:
    """The deprecated ``functions``: each ``{"name", "description", "parameters"}``."""
    for i, fn in enumerate(functions):
        at = f"functions[{i}]"
        fn = _object(fn, at)
        _strings(fn, at, required=("name",), optional=("description",))
        expect(fn.get("parameters"), ("object",), f"{at}.parameters")
        if fn.get("parameters") is not None:
            yield f"{at}.parameters", fn["parameters"]


def _tool_choice(choice: Any) -> None:
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise bad_request(
                "tool_choice must be 'none', 'auto', 'required' or a function object.", param="tool_choice"
            )
        return
    kind = choice.get("type")
    expect(kind, ("string",), "tool_choice.type")
    if kind in (None, "function"):
        fn = _object(choice.get("function"), "tool_choice.function")
        expect(fn.get("name"), ("string",), "tool_choice.function.name", nullable=False)
    elif kind == "custom":
        custom = _object(choice.get("custom"), "tool_choice.custom")
        expect(custom.get("name"), ("string",), "tool_choice.custom.name", nullable=False)


def _response_format(fmt: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Checks ``response_format``; yields its JSON schema, if any, as ``(param, schema)``."""
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
        if spec.get("schema") is not None:
            yield "response_format.json_schema.schema", spec["schema"]


def _messages(messages: list[Any], allow_ids: bool) -> None:
    check_count(len(messages), MAX_MESSAGES, "messages", "messages")
    parts = 0
    for i, m in enumerate(messages):
        parts += _message(m, i, allow_ids)
        check_count(parts, MAX_CONTENT_PARTS, "content parts in the messages together", "messages")


def check_chat(body: Mapping[str, Any], allow_upstream_ids: bool = True) -> None:
    """400 for the first field of ``body`` with a wrong JSON type or shape, or over a size limit (``bounds``); 403 for
    a file id of the upstream account unless ``allow_upstream_ids`` (``upstream_ids``)."""
    messages = body.get("messages")
    if messages is None:
        raise bad_request(
            "Missing required parameter: 'messages'.", param="messages", code="missing_required_parameter"
        )
    expect(messages, ("array",), "messages")
    if not messages:
        raise bad_request("'messages' must contain at least one message.", param="messages")
    _messages(messages, allow_upstream_ids)
    check_fields(body, FIELDS)
    tools = body.get("tools") or []
    functions = body.get("functions") or []
    check_count(len(tools) + len(functions), MAX_TOOLS, "tools", "tools" if tools else "functions")
    schemas = [*_tools(tools), *_functions(functions)]
    if body.get("tool_choice") is not None:
        _tool_choice(body["tool_choice"])
    if body.get("response_format") is not None:
        schemas += _response_format(body["response_format"])
    check_schemas(schemas)
    options = body.get("stream_options")
    if options is not None:
        expect(options.get("include_usage"), ("boolean",), "stream_options.include_usage")
    stop = body.get("stop")
    if isinstance(stop, list) and not all(isinstance(s, str) for s in stop):
        raise bad_request("stop must be a string or a list of strings.", param="stop")
