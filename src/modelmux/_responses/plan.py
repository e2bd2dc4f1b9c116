"""What one Responses call does, decided before any I/O (pure): the keyword arguments split into the request body
and modelmux's options, the input items as stored, and whether the target takes the request natively."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._registry import resolve
from ..errors import UnknownParameterError
from ..providers._base import OPENAI_PARAMS
from .convert_output import new_id
from .convert_request import FIELDS
from .native import NATIVE_PROVIDERS

__all__ = ["Plan", "input_items", "plan", "split_kwargs"]

#: Chat parameters with a Responses name of their own.
_RENAMED = {
    "max_tokens": "max_output_tokens",
    "max_completion_tokens": "max_output_tokens",
    "response_format": "text",
    "reasoning_effort": "reasoning",
    "messages": "input",
}
_CHAT_ONLY = (OPENAI_PARAMS | {"messages"}) - FIELDS.keys()
_ID_PREFIX = {"message": "msg", "function_call": "fc", "function_call_output": "fco", "reasoning": "rs"}
_LOCAL = ("mock_response", "mock_tool_calls")


def split_kwargs(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(body, options)``: the Responses fields, and everything else (modelmux's and the provider's options).

    Raises:
        UnknownParameterError: a chat parameter that the Responses API does not have (it may have another name).
    """
    body: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for name, value in kwargs.items():
        if name in FIELDS:
            if value is not None:
                body[name] = value
        elif name in _CHAT_ONLY:
            better = _RENAMED.get(name) or next(iter(difflib.get_close_matches(name, FIELDS, n=1)), None)
            raise UnknownParameterError(
                f"responses() got an unexpected keyword argument {name!r}"
                + (f"; the Responses API calls it {better!r}" if better else ""),
                param=name,
                code="unknown_parameter",
                status_code=400,
            )
        else:
            options[name] = value
    return body, options


def input_items(given: Any) -> list[dict[str, Any]]:
    """This request's input as stored items: a string becomes a user message; each item gets an id."""
    if isinstance(given, str):
        content = [{"type": "input_text", "text": given}]
        return [{"id": new_id("msg"), "type": "message", "role": "user", "content": content}]
    items: list[dict[str, Any]] = []
    for item in given or ():
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type", "message"))
        stored = {"type": kind, **item}
        if not stored.get("id"):
            stored["id"] = new_id(_ID_PREFIX.get(kind, "item"))
        if kind == "message" and isinstance(stored.get("content"), str) and stored.get("role") != "assistant":
            stored["content"] = [{"type": "input_text", "text": stored["content"]}]
        items.append(stored)
    return items


@dataclass(slots=True)
class Plan:
    model: str  # the model string to call
    public: str  # the name shown on the response (the gateway's route name)
    provider: str
    native: bool
    stream: bool
    store: bool
    previous: str | None
    owner: str | None
    drop: bool
    items: list[dict[str, Any]] = field(default_factory=list)


def plan(model: str, body: Mapping[str, Any], options: Mapping[str, Any], *, public: str, owner: str | None) -> Plan:
    provider = resolve(model).provider_name
    local = any(options.get(name) is not None for name in _LOCAL)
    return Plan(
        model=model,
        public=public,
        provider=provider,
        native=provider in NATIVE_PROVIDERS and not local,
        stream=body.get("stream") is True,
        store=body.get("store") is not False,
        previous=body.get("previous_response_id"),
        owner=owner,
        drop=bool(options.get("drop_params")),
        items=input_items(body.get("input")),
    )
