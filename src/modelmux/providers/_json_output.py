"""OpenAI ``response_format`` read once for the providers that may answer through a forced JSON tool.

Anthropic and Bedrock (Claude through Converse) have no schema-less JSON mode, and on models without native
structured output they force a synthetic tool whose input is the answer. They read ``response_format`` the
same way and share the tool's reserved name; each builds its own native shapes. Errors are made by the
provider's ``bad_request`` so they carry its name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequestError

__all__ = [
    "FREE_FORM",
    "JSON_OBJECT_PROMPT",
    "JSON_TOOL_NAME",
    "JsonOutput",
    "read_response_format",
    "tool_description",
    "tool_schema",
]

#: The synthetic tool that carries a structured answer. Deliberately unusual and reserved (caller tools may
#: not use it): the parsers are stateless, so any call of that name is read as the structured answer.
JSON_TOOL_NAME = "modelmux_json_output"
#: The tool input schema for ``json_object`` (any JSON object).
FREE_FORM: dict[str, Any] = {"type": "object", "additionalProperties": True}
#: The tool description for ``json_object``.
JSON_OBJECT_PROMPT = "Respond with the final answer as a JSON object."


@dataclass(frozen=True, slots=True)
class JsonOutput:
    """A JSON answer asked for: ``spec`` is the ``json_schema`` object, ``None`` for ``json_object``."""

    spec: Mapping[str, Any] | None
    schema: Mapping[str, Any]


def read_response_format(response_format: Any, bad_request: Callable[[str, str], BadRequestError]) -> JsonOutput | None:
    """The JSON answer ``response_format`` asks for; ``None`` when absent or ``text``."""
    if response_format is None:
        return None
    if not isinstance(response_format, Mapping):
        raise bad_request("response_format must be an object", "response_format")
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return JsonOutput(None, FREE_FORM)
    if kind != "json_schema":
        raise bad_request(f"unsupported response_format type {kind!r}", "response_format")
    spec = response_format.get("json_schema")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
        raise bad_request("response_format.json_schema.schema must be a JSON schema object", "response_format")
    return JsonOutput(spec, spec["schema"])


def tool_schema(schema: Mapping[str, Any], bad_request: Callable[[str, str], BadRequestError]) -> Mapping[str, Any]:
    """``schema`` as the forced tool's input schema: it must describe an object."""
    if schema.get("type", "object") != "object":
        raise bad_request(
            "response_format.json_schema.schema must describe an object on this model "
            "(it is enforced through a tool, whose input is always an object)",
            "response_format",
        )
    return schema


def tool_description(name: Any) -> str:
    """The forced tool's description when the caller's ``json_schema`` gives none."""
    if name:
        return f"Respond with the final answer ({name}) as JSON matching this schema."
    return "Respond with the final answer as JSON matching this schema."
