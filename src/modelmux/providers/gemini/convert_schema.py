"""JSON Schema → the OpenAPI 3.0 subset Gemini's ``Schema`` object accepts.

Used for tool parameters and ``response_format`` of Gemini 1.x, which predate the JSON-Schema fields
(``parametersJsonSchema``/``responseJsonSchema``, see :mod:`.convert_json_schema`, used for every later
model); kept for callers that need the subset (``extra_body={"responseSchema": ...}``). Gemini's ``Schema``
(https://ai.google.dev/api/caching#Schema) knows: type, format, title, description, nullable, enum,
items, properties, required, propertyOrdering, anyOf, minItems/maxItems, minLength/maxLength, pattern,
minProperties/maxProperties, minimum/maximum, default, example. Anything else (``additionalProperties``,
``$schema``, ``examples``, ``const``, ``oneOf``/``allOf``, ``exclusiveMinimum``…) is rejected with
"Unknown name", so we rewrite what has a Gemini spelling and drop the rest:

* ``$ref`` into ``$defs``/``definitions`` is inlined; a recursive reference cannot be inlined and is a
  :class:`BadRequestError` (Gemini's ``Schema`` has no references). Inlining is bounded: a schema whose
  expansion passes :data:`MAX_NODES` schema nodes (shared definitions can double at every level) or
  :data:`MAX_DEPTH` levels is a :class:`BadRequestError`, raised as soon as the bound is crossed.
* ``type: [X, "null"]`` and ``anyOf``/``oneOf`` with a ``{"type": "null"}`` branch become ``nullable: true``.
* ``const`` becomes a one-value ``enum``. Enum values go as strings (the field is ``string[]``); an
  integer or number enum keeps its type, with ``format: enum`` (the shape Vertex AI's ``Schema`` docs
  give for an INTEGER enum); an all-boolean enum is a ``BOOLEAN``; mixed enums are ``STRING``.
* ``additionalProperties`` (a map) has no field: the value schema is described in ``description``.
* ``allOf`` is merged into one schema; ``oneOf`` is sent as ``anyOf``.
* ``format`` is kept only where Gemini documents it (``enum``/``date-time`` strings, ``int32``/``int64``,
  ``float``/``double``); other formats (``email``, ``uri``…) are dropped rather than rejected.
* Types are upper-case (``STRING``, ``OBJECT``…), Gemini's canonical enum names.
"""

from __future__ import annotations

from typing import Any

from ...errors import BadRequestError

__all__ = ["MAX_DEPTH", "MAX_NODES", "convert_schema", "merge_all_of"]

#: Most schema nodes an expansion may produce, and deepest nesting (bounds on work and output size).
MAX_NODES = 10_000
MAX_DEPTH = 100

_COPIED = (
    "title",
    "description",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minProperties",
    "maxProperties",
    "minimum",
    "maximum",
    "default",
    "example",
)
_FORMATS = {
    "STRING": frozenset({"enum", "date-time"}),
    "INTEGER": frozenset({"int32", "int64"}),
    "NUMBER": frozenset({"float", "double"}),
}
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})


def convert_schema(schema: Any, *, property_ordering: bool = False) -> dict[str, Any]:
    """Convert a JSON Schema to Gemini's ``Schema``.

    Args:
        schema: the JSON Schema (a dict); ``$defs``/``definitions`` at its root are resolved.
        property_ordering: add ``propertyOrdering`` (the declared order of ``properties``) to every
            object, so structured output keeps the caller's key order (Gemini 2.0 needs it).

    Raises:
        BadRequestError: unresolvable or recursive ``$ref``, or a schema that is not an object.
    """
    if not isinstance(schema, dict):
        raise BadRequestError(f"a JSON Schema must be an object, got {type(schema).__name__}", provider="gemini")
    defs: dict[str, Any] = {}
    for key in ("definitions", "$defs"):
        if isinstance(schema.get(key), dict):
            defs.update({f"#/{key}/{name}": sub for name, sub in schema[key].items()})
    return _Converter(defs, property_ordering).convert(schema, ())


class _Converter:
    __slots__ = ("defs", "nodes", "ordering")

    def __init__(self, defs: dict[str, Any], ordering: bool) -> None:
        self.defs = defs
        self.ordering = ordering
        self.nodes = 0

    def convert(self, node: Any, refs: tuple[str, ...], depth: int = 0) -> dict[str, Any]:
        if not isinstance(node, dict):  # ``true``/``false`` schemas: no constraint we can express
            return {}
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise BadRequestError(
                f"the JSON Schema is too large for Gemini 1.x once its $ref references are inlined (more than "
                f"{MAX_NODES} nodes or {MAX_DEPTH} levels); Gemini 2+ takes it as written",
                provider="gemini",
            )
        node, refs = self._flatten(node, refs)
        out: dict[str, Any] = {}
        nullable = self._convert_type(node, out)
        for key in ("anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                nullable = self._convert_any_of(node[key], refs, out, depth) or nullable
        if "const" in node:
            _convert_enum([node["const"]], out)
        elif isinstance(node.get("enum"), list):
            values = [v for v in node["enum"] if v is not None]
            nullable = nullable or len(values) < len(node["enum"])
            _convert_enum(values, out)
        for key in _COPIED:
            if key in node:
                out[key] = node[key]
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS.get(out.get("type", ""), ()):
            out.setdefault("format", fmt)
        values = node.get("additionalProperties")
        if isinstance(values, dict) and not node.get("properties"):
            kind = self.convert(values, refs, depth + 1).get("type", "any").lower()
            note = f"A JSON object mapping names to {kind} values."
            out["description"] = f"{out['description']} {note}" if out.get("description") else note
        self._convert_children(node, refs, out, depth)
        if nullable:
            out["nullable"] = True
        return out

    def _flatten(self, node: dict[str, Any], refs: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Inline ``$ref`` and fold ``allOf`` parts (each resolved first) into one schema."""
        while "$ref" in node:
            node, refs = self._resolve(node, refs)
        if isinstance(node.get("allOf"), list):
            parts: list[dict[str, Any]] = []
            seen = refs
            for part in node["allOf"]:
                if isinstance(part, dict):
                    flat, part_refs = self._flatten(part, refs)
                    parts.append(flat)
                    seen = (*seen, *(r for r in part_refs if r not in seen))
            node, refs = merge_all_of({k: v for k, v in node.items() if k != "allOf"}, parts), seen
        return node, refs

    def _resolve(self, node: dict[str, Any], refs: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        ref = node["$ref"]
        if ref in refs:
            chain = " -> ".join((*refs[refs.index(ref) :], ref))
            raise BadRequestError(
                f"recursive JSON Schema reference {chain} cannot be sent to Gemini, whose schemas have no "
                "references; flatten the schema (e.g. limit the nesting depth)",
                provider="gemini",
            )
        target = self.defs.get(ref)
        if not isinstance(target, dict):
            raise BadRequestError(f"JSON Schema reference {ref!r} not found in $defs/definitions", provider="gemini")
        # Siblings of ``$ref`` (e.g. a description) refine the target.
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return merged, (*refs, ref)

    def _convert_type(self, node: dict[str, Any], out: dict[str, Any]) -> bool:
        """Set ``out["type"]``; returns whether ``null`` was among the types."""
        raw = node.get("type")
        names = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
        names = [n for n in names if n in _TYPES]
        nullable = "null" in names
        names = [n for n in names if n != "null"]
        if len(names) == 1:
            out["type"] = names[0].upper()
        elif len(names) > 1:
            out["anyOf"] = [{"type": n.upper()} for n in names]
        elif nullable:  # only ``null``: Gemini cannot say "always null"; a nullable string is closest
            out["type"] = "STRING"
        elif "properties" in node:
            out["type"] = "OBJECT"
        elif "items" in node:
            out["type"] = "ARRAY"
        return nullable

    def _convert_any_of(self, branches: list[Any], refs: tuple[str, ...], out: dict[str, Any], depth: int) -> bool:
        nullable = False
        kept: list[dict[str, Any]] = []
        for branch in branches:
            if isinstance(branch, dict) and branch.get("type") == "null" and len(branch) == 1:
                nullable = True
                continue
            kept.append(self.convert(branch, refs, depth + 1))
        if len(kept) == 1:
            # ``X | None``: the common Optional shape becomes X itself, marked nullable.
            for key, value in kept[0].items():
                out.setdefault(key, value)
        elif kept:
            out["anyOf"] = [*out.get("anyOf", ()), *kept]
        return nullable

    def _convert_children(self, node: dict[str, Any], refs: tuple[str, ...], out: dict[str, Any], depth: int) -> None:
        props = node.get("properties")
        if isinstance(props, dict):
            out["properties"] = {name: self.convert(sub, refs, depth + 1) for name, sub in props.items()}
            required = node.get("required")
            if isinstance(required, list):
                out["required"] = [r for r in required if r in props]
            if self.ordering and props:
                out["propertyOrdering"] = list(props)
        items = node.get("items")
        if isinstance(items, dict):
            out["items"] = self.convert(items, refs, depth + 1)
        elif isinstance(items, list) and items:  # tuple form: any of the positions
            out["items"] = {"anyOf": [self.convert(i, refs, depth + 1) for i in items]}


def merge_all_of(node: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold ``allOf`` parts into the node: properties and required are unioned, other keys first wins."""
    merged = dict(node)
    for part in parts:
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required" and isinstance(value, list):
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            else:
                merged.setdefault(key, value)
    return merged


def _convert_enum(values: list[Any], out: dict[str, Any]) -> None:
    """``enum`` values are strings on the wire; the type says how to read them."""
    if values and all(isinstance(v, bool) for v in values):
        out["type"] = "BOOLEAN"
        return
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        out["type"] = "INTEGER"
    elif values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        out["type"] = "NUMBER"
    else:
        out["type"] = "STRING"
    if out["type"] != "STRING":
        out["format"] = "enum"
    out["enum"] = [_enum_value(v) for v in values]


def _enum_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
