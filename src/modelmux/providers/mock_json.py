"""Values that satisfy a JSON schema, for the mock's JSON mode and its tool-call arguments.

Pure and deterministic: the same schema and :class:`random.Random` seed give the same value; another seed gives
another valid value (enum members, lengths, numbers and optional properties vary). Covers what structured-output
schemas use: ``type`` (and type lists), ``properties``/``required``/``additionalProperties``, ``items``/
``prefixItems``/``minItems``/``maxItems``/``uniqueItems``, ``enum``/``const``, ``anyOf``/``oneOf``/``allOf``,
local ``$ref`` (``#/$defs/...``, ``#/definitions/...``, recursive ones too), string ``minLength``/``maxLength``/
``format``, numeric bounds and ``multipleOf``. A ``pattern`` is honoured only when a small guess matches it.
The size is bounded: at most :data:`MAX_DEPTH` levels and about :data:`MAX_NODES` values, whatever the schema.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping
from typing import Any

from .mock_regex import example_for_pattern

__all__ = ["MAX_DEPTH", "MAX_NODES", "sample_for_schema", "schema_instance"]

MAX_DEPTH = 8
MAX_NODES = 500
_WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "sierra", "tango", "zulu")
#: A valid example per common ``format`` (JSON Schema 2020-12 §7.3), varied by a number.
_FORMATS: dict[str, Callable[[int], str]] = {
    "date-time": lambda n: f"2025-0{1 + n % 9}-1{n % 10}T12:3{n % 10}:00Z",
    "date": lambda n: f"2025-0{1 + n % 9}-1{n % 10}",
    "time": lambda n: f"12:3{n % 10}:00Z",
    "email": lambda n: f"{_WORDS[n % 10]}@example.com",
    "idn-email": lambda n: f"{_WORDS[n % 10]}@example.com",
    "uri": lambda n: f"https://example.com/{_WORDS[n % 10]}",
    "iri": lambda n: f"https://example.com/{_WORDS[n % 10]}",
    "uri-reference": lambda n: f"/{_WORDS[n % 10]}",
    "hostname": lambda n: f"{_WORDS[n % 10]}.example.com",
    "idn-hostname": lambda n: f"{_WORDS[n % 10]}.example.com",
    "ipv4": lambda n: f"192.0.2.{n % 250 + 1}",
    "ipv6": lambda n: f"2001:db8::{n % 65535:x}",
    "uuid": lambda n: f"00000000-0000-4000-8000-{n % 10**12:012d}",
    "duration": lambda n: f"PT{n % 59 + 1}M",
    "regex": lambda n: "^[a-z]+$",
    "json-pointer": lambda n: f"/{_WORDS[n % 10]}",
}


def schema_instance(schema: Any, *, seed: int | None = 0, optional: bool = True) -> Any:
    """A value valid against ``schema`` (a dict; anything else gives ``None``), varied by ``seed``.

    ``optional`` False leaves out the properties an object does not require (tool-call arguments).
    """
    return _Sampler(schema, random.Random(seed), optional).value(schema, 0)


def sample_for_schema(schema: Any, depth: int = 0) -> Any:
    """The seed-0 instance of ``schema`` (kept for callers of the earlier mock)."""
    return schema_instance(schema)


class _Sampler:
    def __init__(self, root: Any, rng: random.Random, optional: bool) -> None:
        self.root = root
        self.rng = rng
        self.optional = optional
        self.nodes = 0

    def value(self, schema: Any, depth: int) -> Any:
        self.nodes += 1
        if not isinstance(schema, Mapping):
            return None if schema is not True else "mock"
        schema = self._resolve(schema, depth)
        if depth > 2 * MAX_DEPTH or self.nodes > 2 * MAX_NODES:  # a schema with no small (or finite) instance
            return _smallest(schema)
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return enum[self.rng.randrange(len(enum))]
        for key in ("anyOf", "oneOf"):
            raw = schema.get(key)
            options = [o for o in raw if isinstance(o, Mapping)] if isinstance(raw, list) else []
            if options:
                return self.value(self._pick(options, depth), depth + 1)
        kind = self._type(schema, depth)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, depth)
        if kind == "string":
            return self._string(schema)
        if kind in ("integer", "number"):
            return self._number(schema, kind == "integer")
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return "mock"

    # ---------------------------------------------------------------- composition

    def _resolve(self, schema: Mapping[str, Any], depth: int, level: int = 0) -> Mapping[str, Any]:
        """Follow local ``$ref``s and fold ``allOf`` parts into one schema (``allOf`` nesting bounded: a part
        may refer back to the schema that holds it, e.g. ``{"allOf": [{"$ref": "#"}]}``)."""
        for _ in range(16):
            ref = schema.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#"):
                break
            target = self._lookup(ref)
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if isinstance(target, Mapping) else rest
        parts = schema.get("allOf")
        if isinstance(parts, list) and parts and level < 16:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in parts:
                if isinstance(part, Mapping):
                    part = self._resolve(part, depth, level + 1)
                    for key, value in part.items():
                        if key == "properties" and isinstance(value, Mapping):
                            merged["properties"] = {**(merged.get("properties") or {}), **value}
                        elif key == "required" and isinstance(value, list):
                            merged["required"] = [*(merged.get("required") or []), *value]
                        else:
                            merged.setdefault(key, value)
            schema = merged
        return schema

    def _lookup(self, ref: str) -> Any:
        node: Any = self.root
        for part in ref.lstrip("#").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, Mapping) else None
        return node

    def _deep(self, depth: int) -> bool:
        return depth >= MAX_DEPTH or self.nodes >= MAX_NODES

    def _pick(self, options: list[Mapping[str, Any]], depth: int) -> Mapping[str, Any]:
        if self._deep(depth):  # the simplest option ends a recursive schema
            for option in options:
                if option.get("type") == "null" or ("$ref" not in option and option.get("type") != "object"):
                    return option
        return options[self.rng.randrange(len(options))]

    def _type(self, schema: Mapping[str, Any], depth: int) -> str | None:
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if isinstance(k, str)]
            real = [k for k in kinds if k != "null"]
            if self._deep(depth) and "null" in kinds:
                return "null"
            return real[self.rng.randrange(len(real))] if real else ("null" if kinds else None)
        if isinstance(kind, str):
            return kind
        if "properties" in schema or "required" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        return None

    # ---------------------------------------------------------------- kinds

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        out: dict[str, Any] = {}
        for name, sub in props.items():
            wanted = name in required or (self.optional and not self._deep(depth) and self.rng.random() < 0.8)
            if wanted:
                out[name] = self.value(sub, depth + 1)
        if not out and props and self.optional and not self._deep(depth):  # an empty object says little
            name, sub = next(iter(props.items()))
            out[name] = self.value(sub, depth + 1)
        extra = schema.get("additionalProperties")
        for name in required:  # required but not described: any value the extra schema allows
            if name not in out:
                out[name] = self.value(extra if isinstance(extra, Mapping) else {"type": "string"}, depth + 1)
        minimum = schema.get("minProperties")
        if isinstance(minimum, int) and extra is not False:
            sub = extra if isinstance(extra, Mapping) else {"type": "string"}
            for i in range(min(minimum, 50)):
                if len(out) >= minimum:
                    break
                out.setdefault(f"key{i}", self.value(sub, depth + 1))
        return out

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        low = _int(schema, "minItems", 0)
        high = _int(schema, "maxItems", max(low, 3))
        prefix = [p for p in schema.get("prefixItems") or () if isinstance(p, Mapping)]
        items = schema.get("items")
        count = low if self._deep(depth) else self.rng.randint(min(max(low, 1), high), min(max(low, 3), high))
        if items is False:  # a tuple: no items past the prefix
            count = min(count, len(prefix))
        out: list[Any] = []
        for i in range(min(count, MAX_NODES)):
            sub = prefix[i] if i < len(prefix) else (items if isinstance(items, Mapping) else {})
            value = self.value(sub, depth + 1)
            if schema.get("uniqueItems") and value in out:
                value = self._unique(sub, out, depth)
            out.append(value)
        return out

    def _unique(self, sub: Any, seen: list[Any], depth: int) -> Any:
        for _ in range(20):
            value = self.value(sub, depth + 1)
            if value not in seen:
                return value
        return value

    def _string(self, schema: Mapping[str, Any]) -> str:
        n = self.rng.randrange(1000)
        fmt = schema.get("format")
        text = _FORMATS[fmt](n) if isinstance(fmt, str) and fmt in _FORMATS else f"{_WORDS[n % 10]}"
        low = _int(schema, "minLength", 0)
        high = _int(schema, "maxLength", -1)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            return self._patterned(pattern, text, low, high)
        if len(text) < low:
            text = (text * (low // max(len(text), 1) + 1))[: max(low, 1)] if text else "x" * low
        if high >= 0 and len(text) > high:
            text = text[:high]
        return text

    def _patterned(self, pattern: str, text: str, low: int, high: int) -> str:
        if re.search(pattern, text) and low <= len(text) <= (high if high >= 0 else len(text)):
            return text
        for _ in range(10):
            value = example_for_pattern(pattern, self.rng)
            if value is not None and low <= len(value) <= (high if high >= 0 else len(value)):
                return value
        return text  # beyond the generator: the schema's other constraints still hold

    def _number(self, schema: Mapping[str, Any], integer: bool) -> int | float:
        def num(key: str) -> float | None:
            value = schema.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        low, high = num("minimum"), num("maximum")
        ex_low, ex_high = num("exclusiveMinimum"), num("exclusiveMaximum")
        step = num("multipleOf") or (1.0 if integer else None)
        lo = low if low is not None else (ex_low if ex_low is not None else (high - 100 if high is not None else 0.0))
        hi = high if high is not None else (ex_high if ex_high is not None else lo + 100)
        if step:
            first = math.ceil(lo / step)
            last = math.floor(hi / step)
            candidates = [
                k for k in range(first, max(first, last) + 1)[:200] if _inside(k * step, low, high, ex_low, ex_high)
            ]
            k = candidates[self.rng.randrange(len(candidates))] if candidates else first
            value = k * step
            return int(value) if integer else (round(value, 10) if step != int(step) else float(int(value)))
        value = round(self.rng.uniform(lo, hi), 2)
        if not _inside(value, low, high, ex_low, ex_high):
            value = (lo + hi) / 2
        return value


def _smallest(schema: Mapping[str, Any]) -> Any:
    """The end of the line, without recursing: valid unless the schema demands more."""
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" in kinds:
        return None
    if "object" in kinds or "properties" in schema:
        return {}
    if "array" in kinds:
        return []
    if "string" in kinds:
        return ""
    if "integer" in kinds or "number" in kinds:
        return 0
    return None


def _int(schema: Mapping[str, Any], key: str, default: int) -> int:
    value = schema.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def _inside(v: float, low: float | None, high: float | None, ex_low: float | None, ex_high: float | None) -> bool:
    return (
        (low is None or v >= low)
        and (high is None or v <= high)
        and (ex_low is None or v > ex_low)
        and (ex_high is None or v < ex_high)
    )
