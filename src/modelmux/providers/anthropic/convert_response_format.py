"""OpenAI ``response_format`` → Anthropic structured output.

* ``{"type": "json_schema", "json_schema": {"schema": ...}}`` on a model with structured outputs (Claude
  4.5 and later, see :mod:`.profile`) → ``output_config.format = {"type": "json_schema", "schema": ...}``
  (https://platform.claude.com/docs/en/build-with-claude/structured-outputs; generally available, no beta
  header), the schema normalised for constrained decoding as the official SDK does (``additionalProperties:
  false`` on objects, unsupported constraints moved into descriptions; see :mod:`.convert_schema`). The
  answer arrives as JSON text, unchanged.
* On other models, and for ``{"type": "json_object"}`` everywhere (Anthropic has no schema-less JSON mode),
  a synthetic tool named :data:`JSON_TOOL_NAME` whose ``input_schema`` is the schema (a free-form object
  for ``json_object``) is forced. The parser and the stream translator turn that tool's input back into
  ``message.content`` JSON text with finish reason ``stop``, and hide the call from ``tool_calls``. The name
  is reserved (see :mod:`.._json_output`, which reads ``response_format`` for Anthropic and Bedrock).
* ``{"type": "text"}`` needs nothing.

With the caller's own tools present, the forced choice becomes ``{"type": "any"}``: the model either calls
one of them or answers through the JSON tool. A caller's named ``tool_choice`` is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._json_output import (
    FREE_FORM,
    JSON_OBJECT_PROMPT,
    JSON_TOOL_NAME,
    read_response_format,
    tool_description,
    tool_schema,
)
from .convert_schema import strict_schema
from .errors import bad_request

__all__ = ["JSON_TOOL_NAME", "ResponseFormatPlan", "convert_response_format", "json_tool_choice"]


@dataclass(frozen=True, slots=True)
class ResponseFormatPlan:
    """Either a native ``output_config.format`` or a synthetic tool to force."""

    output_format: dict[str, Any] | None = None
    tool: dict[str, Any] | None = None


def convert_response_format(response_format: Any, native_json_schema: bool) -> ResponseFormatPlan | None:
    wanted = read_response_format(response_format, bad_request)
    if wanted is None:
        return None
    if wanted.spec is None:
        return ResponseFormatPlan(tool=_tool(FREE_FORM, JSON_OBJECT_PROMPT))
    if native_json_schema:
        normalised = strict_schema(wanted.schema, "response_format.json_schema.schema", "response_format")
        return ResponseFormatPlan(output_format={"type": "json_schema", "schema": normalised})
    schema = tool_schema(wanted.schema, bad_request)
    description = wanted.spec.get("description") or tool_description(wanted.spec.get("name"))
    return ResponseFormatPlan(tool=_tool(schema, str(description)))


def _tool(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {"name": JSON_TOOL_NAME, "description": description, "input_schema": dict(schema)}


def json_tool_choice(choice: dict[str, Any] | None, has_user_tools: bool) -> dict[str, Any]:
    """The ``tool_choice`` that makes the model answer through the JSON tool (see module docstring)."""
    if choice is not None and choice.get("type") == "tool":
        return choice
    kind = choice.get("type") if choice else None
    forced: dict[str, Any] = (
        {"type": "any"} if has_user_tools and kind != "none" else {"type": "tool", "name": JSON_TOOL_NAME}
    )
    if choice and choice.get("disable_parallel_tool_use"):
        forced["disable_parallel_tool_use"] = True
    return forced
