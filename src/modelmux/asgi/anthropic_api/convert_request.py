"""A Messages request → ``acompletion`` arguments for a model of another dialect.

https://platform.claude.com/docs/en/api/messages, mapped onto the OpenAI chat format:

======================================  =====================================================================
Messages                                OpenAI chat
======================================  =====================================================================
system (string or text blocks)          a first ``system`` message
user turn                               its ``tool_result`` blocks as ``tool`` messages (in order, first),
                                        then one ``user`` message with the rest (:mod:`.convert_blocks`)
tool_result ``is_error: true``          the tool message's text starts with ``Error:`` (OpenAI has no flag)
assistant turn                          one ``assistant`` message: text, ``tool_calls``, ``thinking_blocks``
                                        (and ``content_blocks`` when it holds server tool blocks, for Claude on
                                        Vertex; a 400 for other targets)
tools ``{name, description,             function tools ``{name, description, parameters}``; other typed
input_schema}``                         tools (server tools) go on unchanged, for the target to take or refuse
tool_choice auto / any / tool / none    ``auto`` / ``required`` / a named function / ``none``
disable_parallel_tool_use               ``parallel_tool_calls: false``
thinking enabled ``budget_tokens``      ``reasoning_effort``: the largest effort of the outbound table
                                        (:data:`~modelmux.providers.anthropic.convert_reasoning.BUDGET_TOKENS`)
                                        whose budget fits, ``low`` at least; ``adaptive`` →
                                        ``output_config.effort`` or ``medium``; ``disabled`` → nothing
stop_sequences                          ``stop``
temperature, top_p, max_tokens          the same names
top_k                                   the provider option ``top_k`` where the target has one, else 400
                                        (dropped with the route's ``drop_params``)
metadata.user_id                        ``user``, where the target takes it (advisory: dropped elsewhere)
output_config.format (or the older      ``response_format`` ``json_schema`` (strict), the inverse of
output_format) ``{type: json_schema,    :mod:`modelmux.providers.anthropic.convert_response_format`
schema}``
service_tier, context_management,      ignored: scheduling, context-editing and effort hints the target
output_config.effort without thinking   lacks; the answer is still a correct one
======================================  =====================================================================

``cache_control`` is kept where the target reads it (Claude behind Bedrock or Vertex), and dropped elsewhere
(prompt caching is an optimisation, and OpenAI refuses the unknown field). Any other field is a 400, as an
Anthropic target would refuse it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...providers.anthropic.convert_reasoning import BUDGET_TOKENS
from ..validate import bad_request
from .convert_blocks import content_parts, thinking_block, tool_call

__all__ = ["CACHE_CONTROL_PROVIDERS", "CONTENT_BLOCK_PROVIDERS", "TOP_K_PROVIDERS", "Target", "convert_request"]

#: Providers whose converters turn ``cache_control`` into their prompt caching (Bedrock ``cachePoint``, Claude on
#: Vertex through the Anthropic dialect).
CACHE_CONTROL_PROVIDERS = frozenset({"anthropic", "bedrock", "vertex"})
#: Providers that take ``top_k`` as a provider option (Gemini ``generationConfig.topK``, Anthropic, Bedrock
#: model parameters, Vertex through those dialects; the mock accepts anything).
TOP_K_PROVIDERS = frozenset({"anthropic", "bedrock", "gemini", "mock", "vertex"})
#: Providers that send an assistant message's ``content_blocks`` back as Claude's native blocks (Claude on Vertex
#: through the Anthropic dialect), so server tool blocks (``server_tool_use``, ``web_search_tool_result``…) in the
#: history reach it; elsewhere they are a 400.
CONTENT_BLOCK_PROVIDERS = frozenset({"anthropic", "vertex"})
_IGNORED = frozenset({"service_tier", "context_management"})
_TAKEN = frozenset(
    {
        "model",
        "messages",
        "system",
        "max_tokens",
        "stream",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "metadata",
        "tools",
        "tool_choice",
        "thinking",
        "output_config",
        "output_format",
    }
)
#: The keys of the object fields the translation reads (Anthropic refuses any other as an extra input; ignoring a
#: misspelt one here would change the answer unnoticed). https://platform.claude.com/docs/en/api/messages
_NESTED = {
    "thinking": frozenset({"type", "budget_tokens"}),
    "tool_choice": frozenset({"type", "name", "disable_parallel_tool_use"}),
    "metadata": frozenset({"user_id"}),
    "output_config": frozenset({"format", "effort"}),
    "output_format": frozenset({"type", "schema"}),
}
_EFFORTS = ("low", "medium", "high")  # every reasoning dialect has these three
_CHOICES = {"auto": "auto", "any": "required", "none": "none"}


@dataclass(frozen=True, slots=True)
class Target:
    """What the translation needs to know of the route's model."""

    provider: str
    supported: frozenset[str]
    drop_params: bool = False

    @property
    def cache(self) -> bool:
        return self.provider in CACHE_CONTROL_PROVIDERS


def convert_request(body: Mapping[str, Any], target: Target) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(messages, keyword arguments)`` for ``acompletion``; the body was checked by
    :func:`.check_request.check_messages_request`."""
    for name in body:
        if name not in _TAKEN and name not in _IGNORED:
            raise bad_request(
                f"{name[:100]}: Extra inputs are not permitted for this model.",
                param=name[:100],
                code="unknown_parameter",
            )
    _check_nested(body)
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": content_parts(system, "system", target.cache)})
    for i, message in enumerate(body["messages"]):
        at = f"messages[{i}].content"
        if message["role"] == "user":
            messages.extend(_user(message["content"], at, target.cache))
        else:
            messages.append(_assistant(message["content"], at, target))
    return messages, _params(body, target)


def _check_nested(body: Mapping[str, Any]) -> None:
    objects = [(name, name, body.get(name)) for name in _NESTED]
    config = body.get("output_config")
    if isinstance(config, Mapping):  # its format has the shape of the older output_format
        objects.append(("output_config.format", "output_format", config.get("format")))
    for where, shape, value in objects:
        for key in value if isinstance(value, Mapping) else ():
            if key not in _NESTED[shape]:
                at = f"{where}.{str(key)[:100]}"
                raise bad_request(f"{at}: Extra inputs are not permitted.", param=at, code="unknown_parameter")


def _user(content: Any, at: str, cache: bool) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    out: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    for j, block in enumerate(content):
        if block["type"] == "tool_result":
            out.append(_tool_message(block, f"{at}[{j}]", cache))
        elif block["type"] in ("tool_use", "thinking", "redacted_thinking"):
            raise bad_request(f"'{at}[{j}]': a {block['type']} block belongs in an assistant turn.", param=at)
        else:
            rest.extend(content_parts([block], at, cache))
    if rest or not out:
        out.append({"role": "user", "content": rest})
    return out


def _tool_message(block: Mapping[str, Any], at: str, cache: bool) -> dict[str, Any]:
    content = block.get("content")
    parts = [] if content is None else content_parts(content, f"{at}.content", cache)
    if block.get("is_error"):
        parts.insert(0, {"type": "text", "text": "Error:"})
    if all(p["type"] == "text" and "cache_control" not in p for p in parts):
        text: Any = "\n".join(p["text"] for p in parts)
    else:
        text = parts
    message = {"role": "tool", "tool_call_id": block["tool_use_id"], "content": text}
    if cache and block.get("cache_control"):  # a message-level mark: the outbound dialects put it on its block
        message["cache_control"] = block["cache_control"]
    return message


def _assistant(content: Any, at: str, target: Target) -> dict[str, Any]:
    cache = target.cache
    native = False  # a block only Claude's own dialect can take back (server tool use and results)
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    texts: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    thinking: list[dict[str, Any]] = []
    for j, block in enumerate(content):
        kind = block["type"]
        if kind == "text":
            if block["text"]:
                texts.extend(content_parts([block], at, cache))
        elif kind == "tool_use":
            calls.append(tool_call(block))
        elif kind in ("thinking", "redacted_thinking"):
            thinking.append(thinking_block(block))
        elif target.provider in CONTENT_BLOCK_PROVIDERS:
            native = True
        else:
            raise bad_request(f"'{at}[{j}]': a {str(kind)[:60]} block cannot be sent to this model.", param=at)
    message: dict[str, Any] = {"role": "assistant"}
    if native:  # the whole turn as Claude sent it (see modelmux.providers.anthropic.native_blocks)
        message["content_blocks"] = [dict(block) for block in content]
    if any("cache_control" in t for t in texts):
        message["content"] = texts
    else:
        message["content"] = "".join(t["text"] for t in texts) or None
    if calls:
        message["tool_calls"] = calls
    if thinking:
        message["thinking_blocks"] = thinking
        message["reasoning_content"] = "".join(b.get("thinking", "") for b in thinking)
    return message


def _tools(tools: list[Any], cache: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools:
        if tool.get("type") not in (None, "custom"):
            out.append(dict(tool))  # a server tool (web search, bash…): the target takes it or refuses it
            continue
        function: dict[str, Any] = {"name": tool["name"], "parameters": tool["input_schema"]}
        if tool.get("description"):
            function["description"] = tool["description"]
        converted: dict[str, Any] = {"type": "function", "function": function}
        if cache and tool.get("cache_control"):
            converted["cache_control"] = tool["cache_control"]
        out.append(converted)
    return out


def _effort(body: Mapping[str, Any]) -> str | None:
    thinking = body.get("thinking") or {}
    kind = thinking.get("type")
    if kind == "enabled":
        budget = thinking["budget_tokens"]
        fitting = [e for e in _EFFORTS if BUDGET_TOKENS[e] <= budget]
        return fitting[-1] if fitting else _EFFORTS[0]
    if kind == "adaptive":
        wanted = (body.get("output_config") or {}).get("effort")
        return wanted if wanted in _EFFORTS else "medium"
    return None


def _params(body: Mapping[str, Any], target: Target) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if body.get("max_tokens") is not None:
        params["max_tokens"] = body["max_tokens"]
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            params[name] = body[name]
    if body.get("stop_sequences"):
        params["stop"] = list(body["stop_sequences"])
    effort = _effort(body)
    if effort is not None:
        params["reasoning_effort"] = effort
    user = (body.get("metadata") or {}).get("user_id")
    if user and "user" in target.supported:
        params["user"] = user
    if body.get("tools"):
        params["tools"] = _tools(body["tools"], target.cache)
    choice = body.get("tool_choice")
    if choice is not None:
        kind = choice["type"]
        if kind == "tool":
            params["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
        else:
            params["tool_choice"] = _CHOICES[kind]
        if choice.get("disable_parallel_tool_use") and body.get("tools") and kind != "none":
            params["parallel_tool_calls"] = False
    output = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if output is not None:
        spec = {"name": "output", "schema": output["schema"], "strict": True}
        params["response_format"] = {"type": "json_schema", "json_schema": spec}
    if body.get("top_k") is not None:
        if target.provider in TOP_K_PROVIDERS:
            params["extra_body"] = {"top_k": body["top_k"]}
        elif not target.drop_params:
            raise bad_request(f"top_k is not supported by this model ({target.provider}).", param="top_k")
    return params
