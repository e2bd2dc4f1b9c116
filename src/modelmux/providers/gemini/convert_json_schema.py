"""JSON Schema → what Gemini's native JSON-Schema fields take (``parametersJsonSchema``, ``responseJsonSchema``).

Gemini has two schema dialects. ``parameters``/``responseSchema`` take its OpenAPI-3.0 ``Schema`` subset
(:mod:`.convert_schema`): string-only enums, no ``additionalProperties``, no references. Since 2025 the
API also takes JSON Schema itself in ``FunctionDeclaration.parametersJsonSchema`` and
``GenerationConfig.responseJsonSchema`` (https://ai.google.dev/api/generate-content#generationconfig;
https://ai.google.dev/gemini-api/docs/structured-output#json-schema). It keeps what the subset loses:
integer/number enums stay typed, ``additionalProperties`` maps, ``$defs``/``$ref`` (sent as references,
so a schema that shares definitions is never expanded: its size stays the caller's), ``anyOf``/``oneOf``,
``prefixItems``, ``minimum``/``maximum``, even recursion ("cyclic references are unrolled to a limited
degree … only within non-required properties"). Keywords outside the documented list are ignored by
Gemini, not rejected. Decision: modelmux sends these fields to every model except Gemini 1.x
(:func:`uses_json_schema_fields`), which predates them; recorded traffic shows Gemini 2.0 Flash, 2.5 and
3 (API and Vertex AI) accepting them.

What is still rewritten, because Gemini rejects or silently drops it:

* ``$schema`` is removed (a meta keyword, not a constraint).
* ``$ref`` may only have ``$``-keywords, ``description`` and ``default`` beside it (Gemini answers 400
  otherwise): other siblings stay, with the reference moved into a one-branch ``anyOf`` — the same
  meaning, no expansion.
* Root ``definitions`` (draft-07) become ``$defs``, the only spelling documented, and references to them
  follow. A reference that is not local (``http://…``, another file) or does not resolve is a
  :class:`BadRequestError`: Gemini cannot fetch it.
* ``const`` (ignored by Gemini) becomes a one-value ``enum`` when the value is a string or a number, and
  an integer's ``exclusiveMinimum``/``exclusiveMaximum`` the equivalent ``minimum``/``maximum``.
* ``allOf`` (not documented): inline parts are merged into the schema (properties and required unioned);
  a single ``$ref`` part becomes a one-branch ``anyOf``. Several referenced parts stay an ``allOf``.
* ``propertyOrdering`` (Gemini's own keyword: keys come out in the declared order; Gemini 2.0 needs it)
  is added to objects of a response schema.

Every walk is linear in the schema's size; nesting deeper than :data:`MAX_DEPTH` is a
:class:`BadRequestError`.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import BadRequestError
from .convert_schema import merge_all_of

__all__ = ["MAX_DEPTH", "prepare_json_schema", "prepare_parameters_schema", "uses_json_schema_fields"]

#: Deepest schema nesting accepted (far beyond real schemas; keeps recursion bounded).
MAX_DEPTH = 100

_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMAS = frozenset(
    {
        "items",
        "additionalProperties",
        "additionalItems",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
_REF_SIBLINGS = frozenset({"description", "default"})
_VERSION = re.compile(r"^gemini-(\d+)")


def uses_json_schema_fields(model: str) -> bool:
    """Whether ``model`` gets ``parametersJsonSchema``/``responseJsonSchema`` (all but Gemini 1.x)."""
    match = _VERSION.match(model.rsplit("/", 1)[-1])  # "models/…", "publishers/google/models/…"
    return not (match and int(match.group(1)) < 2)


def prepare_json_schema(schema: Any, *, property_ordering: bool = False, what: str = "schema") -> dict[str, Any]:
    """A copy of ``schema`` that Gemini's JSON-Schema fields accept (see the module docstring).

    Args:
        schema: a JSON Schema object.
        property_ordering: add ``propertyOrdering`` (the declared order) to every object with properties.
        what: how error messages name the schema (``"tools[0].function.parameters"``…).

    Raises:
        BadRequestError: not an object, a reference Gemini cannot resolve, or nesting over :data:`MAX_DEPTH`.
    """
    if not isinstance(schema, dict):
        raise _error(f"{what} must be a JSON Schema object, got {type(schema).__name__}", what)
    return _Preparer(schema, property_ordering, what).root()


def prepare_parameters_schema(schema: Any, what: str = "parameters") -> dict[str, Any] | None:
    """``parametersJsonSchema`` for OpenAI function ``parameters``; ``None`` when there are none.

    ``None``, ``{}`` and an object schema without properties or other constraints declare no parameters
    (sent without a schema, as Gemini's docs show argument-less functions). A schema without ``type`` is
    an object (OpenAI's reading); any other root type is a :class:`BadRequestError`, since a function's
    arguments are always a JSON object.
    """
    if schema is None or schema == {}:
        return None
    out = prepare_json_schema(schema, what=what)
    kind = out.get("type")
    if kind is None and not any(k in out for k in ("$ref", "anyOf", "oneOf", "allOf")):
        out["type"] = "object"
    elif kind is not None and kind != "object" and not (isinstance(kind, list) and "object" in kind):
        raise _error(f"{what} must describe a JSON object (type 'object'), got type {str(kind)[:64]!r}", what)
    if set(out) <= {"type", "properties", "title", "description", "required", "additionalProperties"} and not (
        out.get("properties") or out.get("additionalProperties") not in (None, False)
    ):
        return None
    return out


class _Preparer:
    __slots__ = ("defs_renamed", "ordering", "root_schema", "what")

    def __init__(self, schema: dict[str, Any], ordering: bool, what: str) -> None:
        self.root_schema = schema
        self.ordering = ordering
        self.what = what
        self.defs_renamed = False

    def root(self) -> dict[str, Any]:
        schema = self.root_schema
        old = schema.get("definitions")
        if isinstance(old, dict):  # draft-07 spelling: move to ``$defs`` and follow in references
            found = schema.get("$defs")
            new: dict[str, Any] = found if isinstance(found, dict) else {}
            clash = sorted(set(old) & set(new))
            if clash:
                raise self.error(f"{self.what} defines {clash[0]!r} in both definitions and $defs")
            schema = {k: v for k, v in schema.items() if k != "definitions"}
            schema["$defs"] = {**new, **old}
            self.defs_renamed = True
            self.root_schema = schema  # references resolve against what is sent
        out = self.walk(schema, 0)
        assert isinstance(out, dict)
        return out

    def walk(self, node: Any, depth: int) -> Any:
        if not isinstance(node, dict):  # ``true``/``false`` schemas, or a value we leave to Gemini
            return node
        if depth > MAX_DEPTH:
            raise self.error(f"{self.what} is nested deeper than {MAX_DEPTH} levels")
        node = _fold_all_of(node)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$schema":
                continue
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {name: self.walk(sub, depth + 1) for name, sub in value.items()}
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self.walk(sub, depth + 1) for sub in value]
            elif key in _SCHEMAS:
                out[key] = (
                    [self.walk(s, depth + 1) for s in value] if isinstance(value, list) else self.walk(value, depth + 1)
                )
            elif key == "$ref":
                out[key] = self.ref(value)
            else:
                out[key] = value
        if "const" in out and "enum" not in out and _enumerable(out["const"]):
            out["enum"] = [out.pop("const")]
        if out.get("type") == "integer":
            _inclusive_bounds(out)
        if "$ref" in out:
            out = _isolate_ref(out)
        if self.ordering and isinstance(out.get("properties"), dict) and out["properties"]:
            out.setdefault("propertyOrdering", list(out["properties"]))
        return out

    def ref(self, ref: Any) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise self.error(
                f"{self.what}: reference {str(ref)[:200]!r} is not local to the schema; Gemini cannot fetch it"
            )
        if self.defs_renamed and ref.startswith("#/definitions/"):
            ref = "#/$defs/" + ref[len("#/definitions/") :]
        if ref.startswith("#/") and _resolve(self.root_schema, ref) is None:
            raise self.error(f"{self.what}: reference {ref[:200]!r} does not resolve")
        return ref

    def error(self, message: str) -> BadRequestError:
        return _error(message, self.what)


def _fold_all_of(node: dict[str, Any]) -> dict[str, Any]:
    """Merge inline ``allOf`` parts into ``node``; one referenced part becomes a one-branch ``anyOf``."""
    parts = node.get("allOf")
    if not isinstance(parts, list):
        return node
    inline = [p for p in parts if isinstance(p, dict) and "$ref" not in p]
    refs = [p for p in parts if isinstance(p, dict) and "$ref" in p]
    merged = merge_all_of({k: v for k, v in node.items() if k != "allOf"}, inline)
    if len(refs) == 1 and "anyOf" not in merged and "$ref" not in merged:
        merged["anyOf"] = refs
    elif refs:
        merged["allOf"] = refs
    return merged


def _inclusive_bounds(node: dict[str, Any]) -> None:
    """``exclusiveMinimum: n`` on an integer is ``minimum: n + 1`` (Gemini documents only the inclusive bounds)."""
    for exclusive, inclusive, step in (("exclusiveMinimum", "minimum", 1), ("exclusiveMaximum", "maximum", -1)):
        value = node.get(exclusive)
        if isinstance(value, int) and not isinstance(value, bool) and inclusive not in node:
            del node[exclusive]
            node[inclusive] = value + step


def _isolate_ref(node: dict[str, Any]) -> dict[str, Any]:
    """Keep beside ``$ref`` only what Gemini allows there; the rest wraps it in a one-branch ``anyOf``."""
    other = [k for k in node if not k.startswith("$") and k not in _REF_SIBLINGS]
    if not other:
        return node
    inner = {"$ref": node["$ref"]}
    outer = {k: v for k, v in node.items() if k != "$ref"}
    if isinstance(outer.get("anyOf"), list):  # both a reference and branches: all must hold
        outer["allOf"] = [inner, {"anyOf": outer.pop("anyOf")}]
    else:
        outer["anyOf"] = [inner]
    return outer


def _resolve(root: dict[str, Any], ref: str) -> Any:
    """The target of a local JSON pointer (``#/a/b``), or ``None``."""
    node: Any = root
    for raw in ref[2:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _enumerable(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _error(message: str, what: str) -> BadRequestError:
    param = what.split("[", 1)[0].split(".", 1)[0]  # "tools[0].function.parameters" -> "tools"
    return BadRequestError(message, provider="gemini", param=param if param != "schema" else None)
