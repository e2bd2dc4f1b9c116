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
  is deliberately unusual and reserved (caller tools may not use it): the parser is stateless, so any
  tool call of that name is read as the structured answer.
* ``{"type": "text"}`` needs nothing.

With the caller's own tools present, the forced choice becomes ``{"type": "any"}``: the model either calls
one of them or answers through the JSON tool. A caller's named ``tool_choice`` is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .convert_schema import strict_schema
from .errors import bad_request

__all__ = ["JSON_TOOL_NAME", "ResponseFormatPlan", "convert_response_format", "json_tool_choice"]

JSON_TOOL_NAME = "modelmux_json_output"

_FREE_FORM: dict[str, Any] = {"type": "object", "additionalProperties": True}


@dataclass(frozen=True, slots=True)
class ResponseFormatPlan:
    """Either a native ``output_config.format`` or a synthetic tool to force."""

    output_format: dict[str, Any] | None = None
    tool: dict[str, Any] | None = None


def convert_response_format(response_format: Any, native_json_schema: bool) -> ResponseFormatPlan | None:
    if response_format is None:
        return None
    if not isinstance(response_format, Mapping):
        raise bad_request("response_format must be an object", "response_format")
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return ResponseFormatPlan(tool=_tool(_FREE_FORM, "Respond with the final answer as a JSON object."))
    if kind != "json_schema":
        raise bad_request(f"unsupported response_format type {kind!r}", "response_format")
    spec = response_format.get("json_schema")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
        raise bad_request("response_format.json_schema.schema must be a JSON schema object", "response_format")
    schema: Mapping[str, Any] = spec["schema"]
    if native_json_schema:
        normalised = strict_schema(schema, "response_format.json_schema.schema", "response_format")
        return ResponseFormatPlan(output_format={"type": "json_schema", "schema": normalised})
    if schema.get("type", "object") != "object":
        raise bad_request(
            "response_format.json_schema.schema must describe an object on this model "
            "(it is enforced through a tool, whose input is always an object)",
            "response_format",
        )
    name = spec.get("name")
    description = spec.get("description") or (
        f"Respond with the final answer ({name}) as JSON matching this schema."
        if name
        else "Respond with the final answer as JSON matching this schema."
    )
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
