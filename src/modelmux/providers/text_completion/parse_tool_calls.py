"""Tool calls written as text by the model, back into OpenAI ``tool_calls``.

Two syntaxes, as the shipped templates teach them:

* ``hermes`` (NousResearch Hermes 2 Pro, Qwen 2.5 "Function Calling"): any number of
  ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks after optional text; the last closing tag may be
  missing when the server stopped on it.
* ``llama3_json`` (Meta, Llama 3.1 "JSON based tool calling"): the whole answer is ``{"name": ..., "parameters":
  {...}}``, optionally after ``<|python_tag|>``; several calls are separated by ``;``.

A text that does not parse is not a tool call: the caller keeps it as content.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .._shapes import make_tool_call

__all__ = ["HERMES_OPEN", "parse_tool_calls"]

HERMES_OPEN = "<tool_call>"
_HERMES_CLOSE = "</tool_call>"
_PYTHON_TAG = "<|python_tag|>"


def _call(obj: Any) -> dict[str, Any] | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not obj["name"]:
        return None
    args = obj.get("arguments", obj.get("parameters", {}))
    if not isinstance(args, (dict, str)):
        return None
    return make_tool_call(f"call_{uuid.uuid4().hex[:24]}", obj["name"], args)


def _hermes(text: str) -> tuple[str, list[dict[str, Any]]] | None:
    start = text.find(HERMES_OPEN)
    if start < 0:
        return None
    calls: list[dict[str, Any]] = []
    pos, trailing = start, ""
    while pos < len(text):
        opener = text.find(HERMES_OPEN, pos)
        if opener < 0:
            trailing = text[pos:]
            break
        if text[pos:opener].strip():
            return None  # text between calls: not the syntax the template asked for
        close = text.find(_HERMES_CLOSE, opener)
        body = text[opener + len(HERMES_OPEN) : close if close >= 0 else len(text)]
        try:
            call = _call(json.loads(body))
        except ValueError:
            return None
        if call is None:
            return None
        calls.append(call)
        pos = len(text) if close < 0 else close + len(_HERMES_CLOSE)
    if trailing.strip():
        return None
    return text[:start], calls


def _llama3(text: str) -> tuple[str, list[dict[str, Any]]] | None:
    body = text.strip().removeprefix(_PYTHON_TAG).strip()
    if not body.startswith("{"):
        return None
    decoder = json.JSONDecoder()
    calls: list[dict[str, Any]] = []
    pos = 0
    try:
        while pos < len(body):
            obj, pos = decoder.raw_decode(body, pos)
            call = _call(obj)
            if call is None:
                return None
            calls.append(call)
            while pos < len(body) and body[pos] in " \t\r\n;":
                pos += 1
    except ValueError:
        return None
    return "", calls


def parse_tool_calls(text: str, syntax: str) -> tuple[str, list[dict[str, Any]]] | None:
    """``(text before the calls, tool calls)``, or None when ``text`` holds no well-formed call."""
    if syntax == "hermes":
        return _hermes(text)
    if syntax == "llama3_json":
        return _llama3(text)
    return None
