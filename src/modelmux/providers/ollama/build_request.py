"""Native Ollama requests: ``POST /api/chat`` (the default) and ``POST /api/generate`` (prompt-style).

``/api/generate`` is used when the caller asks for it (``ollama_endpoint="generate"``) or passes a field only
it has (``suffix``, ``raw``, ``template``, ``context``; docs.ollama.com/api/generate). The system messages
become its ``system``; a single user turn is the ``prompt`` as it is; a longer conversation is written out
as ``### User:`` / ``### Assistant:`` sections (the layout LiteLLM's ``ollama/`` prompt uses), which the
model's template then wraps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._base import COMMON_CHAT_PARAMS, CallContext, HttpRequest
from .convert_messages import convert_messages, message_text, split_content
from .convert_params import convert_format, convert_options, convert_think, convert_tools, merge_native
from .settings import native_url

__all__ = ["GENERATE_ONLY", "HANDLED_PARAMS", "build_chat_request", "build_generate_request", "uses_generate"]

#: Native fields that exist on ``/api/generate`` only.
GENERATE_ONLY = frozenset({"suffix", "raw", "template", "context"})

#: The OpenAI parameters the native API expresses (others are reported through ``ctx.unsupported``).
HANDLED_PARAMS = COMMON_CHAT_PARAMS | {"messages"}


def uses_generate(ctx: CallContext) -> bool:
    return ctx.options.get("ollama_endpoint") == "generate" or any(k in ctx.extra_body for k in GENERATE_ONLY)


def headers(ctx: CallContext) -> dict[str, str]:
    """JSON headers; a key (Ollama's cloud, or a proxy in front of a server) goes as a bearer token."""
    out = {"content-type": "application/json", "accept": "application/json"}
    if ctx.api_key:
        out["authorization"] = f"Bearer {ctx.api_key}"
    out.update(ctx.extra_headers)
    return out


def _common(params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
    for name in params:
        if name not in HANDLED_PARAMS:
            ctx.unsupported(name, "not in Ollama's native API")
    body: dict[str, Any] = {"model": ctx.model, "stream": ctx.stream}
    options = convert_options(params, ctx)
    if options:
        body["options"] = options
    if "response_format" in params:
        fmt = convert_format(params["response_format"], ctx)
        if fmt is not None:
            body["format"] = fmt
    if "reasoning_effort" in params:
        think = convert_think(params["reasoning_effort"], ctx)
        if think is not None:
            body["think"] = think
    return body


def build_chat_request(params: dict[str, Any], ctx: CallContext) -> HttpRequest:
    body = _common(params, ctx)
    body["messages"] = convert_messages(list(params["messages"]), ctx)
    tools = convert_tools(params, ctx)
    if tools:
        body["tools"] = tools
    merge_native(body, ctx.extra_body)
    return HttpRequest("POST", native_url(ctx.api_base, "chat"), headers(ctx), body)


def _render(messages: list[Mapping[str, Any]], ctx: CallContext) -> tuple[str, list[str]]:
    if len(messages) == 1 and messages[0].get("role") == "user":
        return split_content(messages[0].get("content"), ctx)
    sections: list[str] = []
    images: list[str] = []
    for message in messages:
        role = str(message.get("role", "user"))
        if role == "user":
            text, found = split_content(message.get("content"), ctx)
            images += found
        else:
            if message.get("tool_calls") or message.get("function_call"):
                ctx.unsupported("messages", "/api/generate takes no tool calls")
            text = message_text(message, ctx)
        sections.append(f"### {role.capitalize()}:\n{text}\n\n")
    return "".join(sections), images


def build_generate_request(params: dict[str, Any], ctx: CallContext) -> HttpRequest:
    body = _common(params, ctx)
    if params.get("tools") and params.get("tool_choice") != "none":
        ctx.unsupported("tools", "/api/generate takes no tools; use /api/chat")
    messages = [m for m in params["messages"] if isinstance(m, Mapping)]
    system = [message_text(m, ctx) for m in messages if m.get("role") in ("system", "developer")]
    prompt, images = _render([m for m in messages if m.get("role") not in ("system", "developer")], ctx)
    body["prompt"] = prompt
    if system:
        body["system"] = "\n\n".join(system)
    if images:
        body["images"] = images
    merge_native(body, ctx.extra_body)
    return HttpRequest("POST", native_url(ctx.api_base, "generate"), headers(ctx), body)
