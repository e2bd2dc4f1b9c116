"""JSON answers for ``response_format={"type": "json_object"}``, and for prompts that ask for JSON by schema.

Prompts for JSON mode show what they want (OpenAI requires the word "JSON" in them): a JSON schema (instructor's
JSON mode pastes one in the system message), or an example object. The mock answers with an instance of the last
schema found in the system/developer/user messages, else with a copy of the last example object, else with a
small object of its own.

Without any ``response_format``, a system (or developer) message that says "JSON" and carries a JSON schema is how
"prompted output" asks (instructor's ``ANTHROPIC_JSON`` / ``MD_JSON`` modes, pydantic-ai's ``PromptedOutput``,
LangChain's output parsers): a model answers with an instance, and so does the mock (:func:`prompted_json_answer`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .mock_agent import text_of
from .mock_json import schema_instance

__all__ = ["json_object_answer", "prompted_json_answer"]

#: How much of the prompt is searched, and how many ``{`` are tried: bounded work on any prompt.
_MAX_CHARS = 200_000
_MAX_TRIES = 2_000


def _objects(text: str) -> list[dict[str, Any]]:
    """The JSON objects embedded in ``text``, outermost only, in order."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    pos, tries = 0, 0
    text = text[:_MAX_CHARS]
    while tries < _MAX_TRIES:
        start = text.find("{", pos)
        if start < 0:
            break
        tries += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            pos = start + 1
            continue
        if isinstance(value, dict):
            found.append(value)
        pos = end
    return found


def _is_schema(value: Mapping[str, Any]) -> bool:
    return isinstance(value.get("properties"), Mapping) or value.get("type") == "object" or "$defs" in value


def json_object_answer(messages: Sequence[Mapping[str, Any]], seed: int, fallback: str) -> Any:
    """The value to answer a ``json_object`` request with (see the module docstring)."""
    objects: list[dict[str, Any]] = []
    for m in messages:
        if m.get("role") in ("system", "developer", "user"):
            objects += _objects(text_of(m.get("content")))
    for value in reversed(objects):
        if _is_schema(value):
            return schema_instance(value, seed=seed)
    if objects:
        return objects[-1]
    return {"mock": True, "reply": fallback}


def prompted_json_answer(messages: Sequence[Mapping[str, Any]], seed: int) -> Any | None:
    """An instance of the JSON schema a system/developer message asks for by saying "JSON", or ``None``."""
    schemas: list[dict[str, Any]] = []
    for m in messages:
        if m.get("role") in ("system", "developer"):
            text = text_of(m.get("content"))
            if "json" in text[:_MAX_CHARS].lower():
                schemas += [value for value in _objects(text) if _is_schema(value)]
    return schema_instance(schemas[-1], seed=seed) if schemas else None
