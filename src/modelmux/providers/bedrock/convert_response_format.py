"""OpenAI ``response_format`` → Converse structured output.

* ``json_schema`` on a model with native structured output (see :mod:`.profile`) →
  ``outputConfig.textFormat = {type: json_schema, structure: {jsonSchema: {schema: <JSON text>, name,
  description}}}`` (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_OutputFormat.html;
  the schema travels as a JSON string). The answer arrives as JSON text, unchanged.
* Elsewhere, and for ``json_object`` everywhere (Converse has no schema-less JSON mode), a synthetic tool
  named :data:`.convert_tools.JSON_TOOL_NAME` whose input schema is the schema (a free-form object for
  ``json_object``) is forced. The parser and the stream translator turn that tool's input back into
  ``message.content`` JSON text with finish reason ``stop`` and hide the call.
* ``text`` needs nothing.

With the caller's own tools present, the forced choice becomes ``{any: {}}`` (one of them, or the answer).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .convert_tools import JSON_TOOL_NAME
from .errors import bad_request

__all__ = ["ResponseFormatPlan", "convert_response_format"]

_FREE_FORM: dict[str, Any] = {"type": "object", "additionalProperties": True}


@dataclass(frozen=True, slots=True)
class ResponseFormatPlan:
    """Either a native ``outputConfig.textFormat`` or a synthetic tool to force."""

    text_format: dict[str, Any] | None = None
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
    name = spec.get("name") if isinstance(spec.get("name"), str) and spec.get("name") else None
    description = spec.get("description") if isinstance(spec.get("description"), str) else None
    if native_json_schema:
        definition: dict[str, Any] = {"schema": json.dumps(schema, ensure_ascii=False), "name": name or "response"}
        if description:
            definition["description"] = description
        return ResponseFormatPlan(text_format={"type": "json_schema", "structure": {"jsonSchema": definition}})
    if schema.get("type", "object") != "object":
        raise bad_request(
            "response_format.json_schema.schema must describe an object on this model "
            "(it is enforced through a tool, whose input is always an object)",
            "response_format",
        )
    text = description or (
        f"Respond with the final answer ({name}) as JSON matching this schema."
        if name
        else "Respond with the final answer as JSON matching this schema."
    )
    return ResponseFormatPlan(tool=_tool(schema, text))


def _tool(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {"toolSpec": {"name": JSON_TOOL_NAME, "description": description, "inputSchema": {"json": dict(schema)}}}
