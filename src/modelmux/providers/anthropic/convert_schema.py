"""JSON Schemas → what Anthropic accepts: tool ``input_schema`` s and strict (constrained-decoding) schemas.

Every tool's ``input_schema`` must be an object schema
(https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use): :func:`object_schema`
adds ``"type": "object"`` to ``{}`` or a schema without ``type``, and refuses any other root type.

Structured output (``output_config.format``) and ``strict: true`` tools are enforced by constrained
decoding, which accepts a subset of JSON Schema (https://platform.claude.com/docs/en/build-with-claude/
structured-outputs, "JSON Schema limitations"). :func:`strict_schema` applies the normalisation the
official SDKs apply before sending (``transform_schema``), written for modelmux:

* every object gets ``additionalProperties: false`` (required); a different ``additionalProperties``
  value cannot be enforced, so it is described instead;
* kept as they are: ``type`` (a name or a list of names), ``properties``, ``required``, ``items``, primitive
  ``enum`` / ``const``, ``anyOf``, ``allOf``, ``description``, ``title``, local ``$ref`` with ``$defs`` /
  ``definitions``, string ``format`` s the docs list, ``minItems`` of 0 or 1; ``oneOf`` becomes ``anyOf``;
* everything else (``minimum``, ``maximum``, ``multipleOf``, ``minLength``, ``maxLength``, ``pattern``,
  ``maxItems``, other formats, ``default``, ``examples``, …) is removed from the schema and appended to
  the ``description`` as JSON text (``{"minimum": 1}``), so the model still sees it: never sent where the
  API would refuse it, never silently lost.

References are not expanded (the output is linear in the input). A ``$ref`` is sent alone, as the SDK
sends it (keywords beside it are dropped: the definition describes itself), and must point into the
schema's own ``$defs``/``definitions``; recursive definitions are refused (the docs list recursive schemas as not
supported), as are schemas deeper than :data:`MAX_DEPTH` or larger than :data:`MAX_NODES` subschemas.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import bad_request

__all__ = ["MAX_DEPTH", "MAX_NODES", "object_schema", "strict_schema"]

MAX_DEPTH = 64
MAX_NODES = 20_000

_FORMATS = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"})
_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
_DEF_KEYS = ("$defs", "definitions")
# Handled explicitly below; anything else left in a subschema is described.
_STRUCTURAL = frozenset(
    {"type", "properties", "required", "items", "enum", "const", "anyOf", "oneOf", "allOf", "$ref"}
    | {"description", "title", "additionalProperties", "format", "minItems", *_DEF_KEYS}
)


def object_schema(schema: Any, where: str, param: str) -> dict[str, Any]:
    """A tool ``input_schema``: ``None`` / ``{}`` → ``{"type": "object", "properties": {}}``; no ``type`` →
    ``type: object`` added; other root types refused."""
    if schema is None:
        return {"type": "object", "properties": {}}
    if not isinstance(schema, Mapping):
        raise bad_request(f"{where} must be a JSON schema object", param)
    kind = schema.get("type")
    if kind is None:  # {} or a schema that left out its type; an empty one gets the properties it implies
        out = {"type": "object", **{k: v for k, v in schema.items() if k != "type"}}
        if len(out) == 1:
            out["properties"] = {}
        return out
    if kind != "object":
        raise bad_request(
            f"{where} must describe an object (Anthropic tool inputs are objects), got type {kind!r}", param
        )
    return dict(schema)


def strict_schema(schema: Mapping[str, Any], where: str, param: str) -> dict[str, Any]:
    """The schema normalised for constrained decoding (see the module docstring)."""
    return _Normaliser(schema, where, param).run()


class _Normaliser:
    __slots__ = ("defs", "nodes", "param", "root", "where")

    def __init__(self, root: Mapping[str, Any], where: str, param: str) -> None:
        self.root = root
        self.where = where
        self.param = param
        self.nodes = 0
        self.defs: dict[str, Any] = {}  # "#/$defs/Name" → the definition, for the reference checks

    def run(self) -> dict[str, Any]:
        for key in _DEF_KEYS:
            defs = self.root.get(key)
            if isinstance(defs, Mapping):
                self.defs.update({f"#/{key}/{name}": value for name, value in defs.items()})
        self._check_cycles()
        return self._schema(self.root, 0)

    def _fail(self, message: str) -> Exception:
        return bad_request(f"{self.where}: {message}", self.param)

    def _schema(self, schema: Any, depth: int) -> dict[str, Any]:
        if schema is True:  # the "anything" subschema
            return {}
        if not isinstance(schema, Mapping):
            raise self._fail("every subschema must be a JSON object")
        self.nodes += 1
        if depth > MAX_DEPTH:
            raise self._fail(f"schema nesting is deeper than {MAX_DEPTH} levels")
        if self.nodes > MAX_NODES:
            raise self._fail(f"schema has more than {MAX_NODES} subschemas")
        out: dict[str, Any] = {}
        rest = {k: v for k, v in schema.items() if k not in _STRUCTURAL}
        for key in _DEF_KEYS:
            defs = schema.get(key)
            if isinstance(defs, Mapping):
                out[key] = {name: self._schema(value, depth + 1) for name, value in defs.items()}
            elif defs is not None:
                raise self._fail(f"{key} must be an object")
        ref = schema.get("$ref")
        if ref is not None:
            if not isinstance(ref, str) or ref not in self.defs:
                raise self._fail(f"$ref {ref!r} must point into the schema's own $defs or definitions")
            out["$ref"] = ref
            # A reference stands alone, as the official SDK sends it (the definition carries its own
            # description); siblings next to $ref are not what Anthropic's schema subset documents.
            return out
        self._literals(schema, out, rest)
        for key in ("anyOf", "oneOf", "allOf"):
            variants = schema.get(key)
            if variants is None:
                continue
            if not isinstance(variants, list):
                raise self._fail(f"{key} must be a list of schemas")
            target = "allOf" if key == "allOf" else "anyOf"
            out[target] = [*out.get(target, ()), *(self._schema(v, depth + 1) for v in variants)]
        types = self._types(schema.get("type"))
        if types and not ("enum" in out or "const" in out):
            out["type"] = schema["type"] if isinstance(schema["type"], str) else list(schema["type"])
        for key in ("title", "description"):
            if isinstance(schema.get(key), str):
                out[key] = schema[key]
            elif key in schema:
                rest[key] = schema[key]
        if "object" in types or "properties" in schema:
            if not types and not ("enum" in out or "const" in out):
                out["type"] = "object"
            self._object(schema, out, rest, depth)
        elif "additionalProperties" in schema:
            rest["additionalProperties"] = schema["additionalProperties"]
        if "array" in types or "items" in schema:
            self._array(schema, out, rest, depth)
        elif "minItems" in schema:
            rest["minItems"] = schema["minItems"]
        if "format" in schema:
            if "string" in types and schema["format"] in _FORMATS:
                out["format"] = schema["format"]
            else:
                rest["format"] = schema["format"]
        if rest:
            note = json.dumps(rest, ensure_ascii=False, default=str, sort_keys=True)
            out["description"] = f"{out['description']}\n\n{note}" if out.get("description") else note
        return out

    def _types(self, value: Any) -> frozenset[str]:
        if value is None:
            return frozenset()
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n in _TYPES for n in names):
            raise self._fail(f"unsupported type {value!r}")
        return frozenset(names)

    @staticmethod
    def _literals(schema: Mapping[str, Any], out: dict[str, Any], rest: dict[str, Any]) -> None:
        enum = schema.get("enum")
        if isinstance(enum, list) and enum and all(_primitive(v) for v in enum):
            out["enum"] = list(enum)
        elif enum is not None:
            rest["enum"] = enum
        if "const" in schema:
            if _primitive(schema["const"]):
                out["const"] = schema["const"]
            else:
                rest["const"] = schema["const"]

    def _object(self, schema: Mapping[str, Any], out: dict[str, Any], rest: dict[str, Any], depth: int) -> None:
        properties = schema.get("properties", {})
        if not isinstance(properties, Mapping):
            raise self._fail("properties must be an object")
        out["properties"] = {name: self._schema(value, depth + 1) for name, value in properties.items()}
        required = schema.get("required")
        if required is not None:
            if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
                raise self._fail("required must be a list of property names")
            out["required"] = list(required)
        extra = schema.get("additionalProperties", False)
        if extra is not False:
            rest["additionalProperties"] = extra
        out["additionalProperties"] = False

    def _array(self, schema: Mapping[str, Any], out: dict[str, Any], rest: dict[str, Any], depth: int) -> None:
        items = schema.get("items")
        if isinstance(items, list):  # tuple form (draft 4-7): not expressible
            rest["items"] = items
        elif items is not None:
            out["items"] = self._schema(items, depth + 1)
        min_items = schema.get("minItems")
        if min_items in (0, 1) and not isinstance(min_items, bool):
            out["minItems"] = min_items
        elif min_items is not None:
            rest["minItems"] = min_items

    def _check_cycles(self) -> None:
        """Refuse a definition that reaches itself through ``$ref`` s (iterative: no recursion limit)."""
        edges = {name: _refs(value) for name, value in self.defs.items()}
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for start in edges:
            if state.get(start):
                continue
            stack: list[tuple[str, list[str]]] = [(start, sorted(edges[start]))]
            state[start] = 1
            while stack:
                name, todo = stack[-1]
                if not todo:
                    state[name] = 2
                    stack.pop()
                    continue
                nxt = todo.pop()
                if nxt not in edges:
                    continue
                if state.get(nxt) == 1:
                    raise self._fail(f"recursive schemas are not supported by Anthropic ({nxt} refers to itself)")
                if not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, sorted(edges[nxt])))


def _refs(schema: Any) -> set[str]:
    """Every ``$ref`` string inside ``schema`` (iterative walk)."""
    found: set[str] = set()
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            todo.extend(v for k, v in node.items() if k not in _DEF_KEYS)
        elif isinstance(node, list):
            todo.extend(node)
    return found


def _primitive(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))
