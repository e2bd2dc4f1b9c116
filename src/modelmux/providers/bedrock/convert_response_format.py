"""OpenAI ``response_format`` → Converse structured output.

* ``json_schema`` on a model with native structured output (see :mod:`.profile`) →
  ``outputConfig.textFormat = {type: json_schema, structure: {jsonSchema: {schema: <JSON text>, name,
  description}}}`` (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_OutputFormat.html;
  the schema travels as a JSON string). The answer arrives as JSON text, unchanged.
* Elsewhere, and for ``json_object`` everywhere (Converse has no schema-less JSON mode), a synthetic tool
  named :data:`.._json_output.JSON_TOOL_NAME` whose input schema is the schema (a free-form object for
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

from .._json_output import (
    FREE_FORM,
    JSON_OBJECT_PROMPT,
    JSON_TOOL_NAME,
    read_response_format,
    tool_description,
    tool_schema,
)
from .errors import bad_request

__all__ = ["ResponseFormatPlan", "convert_response_format"]


@dataclass(frozen=True, slots=True)
class ResponseFormatPlan:
    """Either a native ``outputConfig.textFormat`` or a synthetic tool to force."""

    text_format: dict[str, Any] | None = None
    tool: dict[str, Any] | None = None


def convert_response_format(response_format: Any, native_json_schema: bool) -> ResponseFormatPlan | None:
    wanted = read_response_format(response_format, bad_request)
    if wanted is None:
        return None
    if wanted.spec is None:
        return ResponseFormatPlan(tool=_tool(FREE_FORM, JSON_OBJECT_PROMPT))
    spec = wanted.spec
    name = spec.get("name") if isinstance(spec.get("name"), str) and spec.get("name") else None
    description = spec.get("description") if isinstance(spec.get("description"), str) else None
    if native_json_schema:
        definition: dict[str, Any] = {
            "schema": json.dumps(wanted.schema, ensure_ascii=False),
            "name": name or "response",
        }
        if description:
            definition["description"] = description
        return ResponseFormatPlan(text_format={"type": "json_schema", "structure": {"jsonSchema": definition}})
    schema = tool_schema(wanted.schema, bad_request)
    return ResponseFormatPlan(tool=_tool(schema, description or tool_description(name)))


def _tool(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {"toolSpec": {"name": JSON_TOOL_NAME, "description": description, "inputSchema": {"json": dict(schema)}}}
