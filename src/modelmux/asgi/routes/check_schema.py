"""The request's JSON Schemas (tool ``parameters``, ``response_format`` schema): shape and size, before conversion.

Each provider converts schemas recursively (Gemini's subset, Anthropic's strict normalisation), so a schema is
checked once here: every keyword that holds schemas holds schemas (objects or booleans), ``type`` is a string or a
list of strings, ``required`` a list of strings, ``enum`` a list. Any valid JSON Schema passes; a malformed one is
a 400 naming the keyword rather than a crash in a converter. The walk is iterative and counts every JSON value
(schemas, enum members, defaults...) against :data:`~modelmux.asgi.bounds.MAX_SCHEMA_NODES`, and nesting against
:data:`~modelmux.asgi.bounds.MAX_SCHEMA_DEPTH`, stopping at the first value over a limit, so its own cost is
bounded whatever the input.

Keywords from JSON Schema 2020-12, "Applicator" and "Validation" vocabularies (and draft-07's ``definitions`` and
array-form ``items``): https://json-schema.org/draft/2020-12/json-schema-core
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..bounds import MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES, too_complex
from ..errors import HTTPError
from ..validate import bad_request

__all__ = ["check_schemas"]

# keyword → how its value holds subschemas
_ONE = frozenset(
    {
        "items",  # a schema, or (draft-07) a list of schemas
        "additionalItems",
        "additionalProperties",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
    }
)
_LIST = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


_PLAIN, _SCHEMA, _SCHEMA_LIST, _SCHEMA_MAP = range(4)  # what a value in a schema is


def _invalid(param: str, message: str) -> HTTPError:
    return bad_request(f"Invalid schema in '{param}': {message}.", param=param, code="invalid_schema")


def _is_schema(value: Any) -> bool:
    return isinstance(value, (dict, bool))


def _role(key: str, value: Any, param: str) -> int:
    """What the value of keyword ``key`` is, after checking that it has that shape."""
    if key in _ONE:
        if key == "items" and isinstance(value, list):  # draft-07 tuple form
            key = "prefixItems"
        elif not _is_schema(value):
            raise _invalid(param, f"'{key}' must be a schema (an object or a boolean)")
        else:
            return _SCHEMA
    if key in _LIST:
        if not (isinstance(value, list) and all(_is_schema(v) for v in value)):
            raise _invalid(param, f"'{key}' must be an array of schemas")
        return _SCHEMA_LIST
    if key in _MAP:
        if not (isinstance(value, dict) and all(_is_schema(v) for v in value.values())):
            raise _invalid(param, f"'{key}' must be an object whose values are schemas")
        return _SCHEMA_MAP
    if key == "type" and not (
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(k, str) for k in value))
    ):
        raise _invalid(param, "'type' must be a string or an array of strings")
    if key == "required" and not (isinstance(value, list) and all(isinstance(r, str) for r in value)):
        raise _invalid(param, "'required' must be an array of strings")
    if key == "enum" and not isinstance(value, list):
        raise _invalid(param, "'enum' must be an array")
    return _PLAIN


def check_schemas(schemas: Iterable[tuple[str, Any]]) -> None:
    """400 for a malformed schema, for schemas over :data:`MAX_SCHEMA_NODES` values together, or nested deeper than
    :data:`MAX_SCHEMA_DEPTH` JSON levels. ``schemas`` yields ``(param, schema)`` pairs."""
    nodes = 0  # JSON values seen so far, counted before they are pushed: no huge container is walked first
    for param, root in schemas:
        nodes += 1
        stack: list[tuple[Any, int, int]] = [(root, 1, _SCHEMA)]  # value, JSON depth, role
        while stack:
            value, depth, role = stack.pop()
            if depth > MAX_SCHEMA_DEPTH:
                raise too_complex(f"'{param}' nests deeper than {MAX_SCHEMA_DEPTH} levels.", param)
            if not isinstance(value, (dict, list)):
                continue
            nodes += len(value)
            if nodes > MAX_SCHEMA_NODES:
                raise too_complex(
                    f"The request's schemas are too large: over {MAX_SCHEMA_NODES} JSON values in total.", param
                )
            if role == _SCHEMA and isinstance(value, dict):
                stack.extend((v, depth + 1, _role(k, v, param)) for k, v in value.items())
            else:
                child_role = _SCHEMA if role in (_SCHEMA_LIST, _SCHEMA_MAP) else _PLAIN
                children = value.values() if isinstance(value, dict) else value
                stack.extend((v, depth + 1, child_role) for v in children)
