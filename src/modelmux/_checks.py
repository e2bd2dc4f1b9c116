"""Argument checks shared by the public functions: each failure is a ``BadRequestError`` naming the ``param``,
raised before anything is sent (as OpenAI would answer with a 400)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pydantic

from ._response_format import convert_response_format
from .errors import BadRequestError

__all__ = [
    "check_chat_params",
    "check_choice",
    "check_range",
    "check_strings",
    "check_text",
    "check_tools",
    "normalize_messages",
]


def check_range(params: dict[str, Any], name: str, lo: float, hi: float | None, *, integer: bool = False) -> None:
    """``params[name]``, when set, is a number (an integer if asked) in ``[lo, hi]``."""
    value = params.get(name)
    if value is None:
        return
    kinds = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if integer else "a number"
        raise BadRequestError(f"{name} must be {kind}, got {type(value).__name__}", param=name)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise BadRequestError(f"{name} must be {bound}, got {value}", param=name)


def check_choice(params: dict[str, Any], name: str, choices: Collection[str]) -> None:
    """``params[name]``, when set, is one of ``choices``."""
    value = params.get(name)
    if value is not None and value not in choices:
        raise BadRequestError(f"{name} must be one of {', '.join(choices)}; got {value!r}", param=name)


def check_text(params: dict[str, Any], name: str, *, required: bool = False) -> None:
    """``params[name]`` is a non-empty string (or unset, unless ``required``)."""
    value = params.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value:
        got = "an empty string" if value == "" else type(value).__name__
        raise BadRequestError(f"{name} must be a non-empty string, got {got}", param=name)


def check_strings(params: dict[str, Any], name: str) -> None:
    """``params[name]``, when set, is a string or a list of strings (``stop``, ``timestamp_granularities``)."""
    value = params.get(name)
    if value is not None and not (
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(s, str) for s in value))
    ):
        raise BadRequestError(f"{name} must be a string or a list of strings", param=name)


def check_tools(tools: Any) -> list[Any]:
    """``tools`` is a list of tool objects, each with a string ``type``.

    A ``function`` tool needs ``function.name`` (``parameters`` may be missing or ``{}``, but is an object
    when given); a ``custom`` tool needs ``custom.name``; any other type (a provider's server tool, such as
    Anthropic's ``web_search_20250305``) goes to the provider, which knows its shape. A tool without ``type``
    but with ``function`` is a function tool, as OpenAI's older examples write them.
    """
    if isinstance(tools, tuple):
        tools = list(tools)
    if not isinstance(tools, list):
        raise BadRequestError(f"tools must be a list of tool objects, got {type(tools).__name__}", param="tools")
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise BadRequestError(f"tools[{i}] must be an object, got {type(tool).__name__}", param="tools")
        kind = tool.get("type", "function" if "function" in tool else None)
        if not isinstance(kind, str) or not kind:
            raise BadRequestError(f"tools[{i}].type must be a non-empty string", param="tools")
        if kind in ("function", "custom"):
            spec = tool.get(kind)
            if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str) or not spec["name"]:
                raise BadRequestError(
                    f"tools[{i}] must be {{'type': '{kind}', '{kind}': {{'name': ...}}}}", param="tools"
                )
            parameters = spec.get("parameters")
            if kind == "function" and parameters is not None and not isinstance(parameters, Mapping):
                raise BadRequestError(f"tools[{i}].function.parameters must be a JSON schema object", param="tools")
    return tools


_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def normalize_messages(messages: Any) -> list[dict[str, Any]]:
    """Chat ``messages`` as a list of dicts (pydantic messages dumped), each with a known role: or a 400."""
    if not isinstance(messages, (list, tuple)) or not messages:
        raise BadRequestError("messages must be a non-empty list of message objects", param="messages")
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        if isinstance(m, pydantic.BaseModel):
            m = m.model_dump(exclude_none=True)
        if not isinstance(m, Mapping):
            raise BadRequestError(
                f"messages[{i}] must be an object with a 'role', not {type(m).__name__}", param="messages"
            )
        role = m.get("role")
        if role not in _ROLES:
            raise BadRequestError(
                f"messages[{i}].role must be one of {', '.join(sorted(_ROLES))}; got {role!r}", param="messages"
            )
        out.append(m if isinstance(m, dict) else dict(m))
    return out


def check_chat_params(params: dict[str, Any], stream: bool) -> None:
    """Chat's own parameter checks and normalisations (ranges, tools, response_format, stop), in place."""
    check_range(params, "temperature", 0, 2)
    check_range(params, "top_p", 0, 1)
    check_range(params, "n", 1, 128)
    check_range(params, "max_tokens", 1, None)
    check_range(params, "max_completion_tokens", 1, None)
    check_range(params, "presence_penalty", -2, 2)
    check_range(params, "frequency_penalty", -2, 2)
    if "stream_options" in params and not stream:
        raise BadRequestError("stream_options is only allowed when stream is true", param="stream_options")
    if "tools" in params:
        params["tools"] = check_tools(params["tools"])
    if "response_format" in params:
        params["response_format"] = convert_response_format(params["response_format"])
    if isinstance(params.get("stop"), tuple):
        params["stop"] = list(params["stop"])
    check_strings(params, "stop")
