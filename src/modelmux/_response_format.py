"""``response_format=<pydantic model class>`` (as LiteLLM and the OpenAI SDK's ``parse()`` take it) → the OpenAI
``json_schema`` format every provider already translates.

The class's JSON Schema is made to follow OpenAI's structured-output rules
(https://platform.openai.com/docs/guides/structured-outputs#supported-schemas): every object schema gets
``additionalProperties: false`` and lists all its properties in ``required`` (a field with a default is then always
produced, which the class accepts); a ``default`` is removed (not a supported keyword); a ``$ref`` with keywords beside
it (a field's description) is replaced by its definition (for a recursive one, the keywords are dropped). ``strict``
is ``true`` unless an object in the schema is open (a ``dict[str, X]`` field, or a model with ``extra="allow"``): such
a schema cannot be strict, so it is sent with ``strict: false`` rather than refused by the provider.

Read the answer back with ``YourModel.model_validate_json(resp.choices[0].message.content)``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pydantic

from .errors import BadRequestError

__all__ = ["convert_response_format"]

#: OpenAI's rule for ``json_schema.name``: ``^[a-zA-Z0-9_-]{1,64}$``.
_NAME_INVALID = re.compile(r"[^a-zA-Z0-9_-]+")
_MAX_DEPTH = 64


def convert_response_format(value: Any) -> Any:
    """``value`` as it is, unless it is a pydantic model class: then its ``json_schema`` response format."""
    if not (isinstance(value, type) and issubclass(value, pydantic.BaseModel)):
        return value
    try:
        schema = value.model_json_schema()
    except pydantic.PydanticUserError as exc:  # e.g. a field type with no JSON Schema
        raise BadRequestError(
            f"response_format: {value.__name__} has no JSON Schema: {exc}", param="response_format"
        ) from exc
    closed = _make_strict(schema, 0, schema)
    name = _NAME_INVALID.sub("_", value.__name__)[:64] or "response"
    spec: dict[str, Any] = {"name": name, "schema": schema, "strict": closed}
    if isinstance(schema.get("description"), str):  # the class's docstring
        spec["description"] = schema["description"]
    return {"type": "json_schema", "json_schema": spec}


def _make_strict(node: Any, depth: int, root: dict[str, Any]) -> bool:
    """Apply OpenAI's rules to ``node`` in place; False when some object in it cannot be closed."""
    if depth > _MAX_DEPTH:
        raise BadRequestError("response_format: the model's JSON Schema is nested too deeply", param="response_format")
    if isinstance(node, list):
        return all([_make_strict(item, depth + 1, root) for item in node])
    if not isinstance(node, dict):
        return True
    if "$ref" in node and len(node) > 1:
        _inline_ref(node, root)
    closed = True
    if node.get("type") == "object" or "properties" in node:
        properties = node.get("properties") or {}
        extra = node.setdefault("additionalProperties", False)
        if extra is not False:
            closed = False
        if isinstance(properties, dict):
            node["required"] = list(properties)
    node.pop("default", None)
    for key in ("properties", "$defs", "definitions", "patternProperties"):
        children = node.get(key)
        if isinstance(children, dict):
            closed = all([_make_strict(child, depth + 1, root) for child in children.values()]) and closed
    for key in ("items", "anyOf", "allOf", "oneOf", "prefixItems", "additionalProperties"):
        if key in node:
            closed = _make_strict(node[key], depth + 1, root) and closed
    return closed


def _inline_ref(node: dict[str, Any], root: dict[str, Any]) -> None:
    """``{"$ref": ..., "description": ...}`` → the definition with the siblings over it: OpenAI's strict mode refuses
    keywords beside ``$ref`` (pydantic writes a field's description there). A non-local reference is left alone."""
    ref = node["$ref"]
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part) if isinstance(target, dict) else None
    if not isinstance(target, dict):
        return
    siblings = {k: v for k, v in node.items() if k != "$ref"}
    node.clear()
    if _mentions(target, ref):  # a recursive definition cannot be inlined: keep the bare reference
        node["$ref"] = ref
        return
    node.update(copy.deepcopy(target))
    node.update(siblings)


def _mentions(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_mentions(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_mentions(v, ref) for v in node)
    return False
