"""Property: for any schema built from the keywords structured output uses, the mock's instance is valid."""

from __future__ import annotations

from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmux.providers.mock_json import schema_instance

names = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)


@st.composite
def numbers(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["integer", "number"]))
    schema: dict[str, Any] = {"type": kind}
    low = draw(st.none() | st.integers(-50, 50))
    if low is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = low
        width = draw(st.integers(12, 40))  # room for a multiple of any multipleOf drawn below
        schema[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = low + width
    if draw(st.booleans()):
        schema["multipleOf"] = draw(st.sampled_from([1, 2, 5] if kind == "integer" else [0.5, 0.25, 2]))
    return schema


@st.composite
def strings(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    choice = draw(st.sampled_from(["plain", "format", "pattern", "enum", "length"]))
    if choice == "format":
        schema["format"] = draw(st.sampled_from(["date-time", "date", "email", "uri", "uuid", "ipv4", "ipv6"]))
    elif choice == "pattern":
        schema["pattern"] = draw(st.sampled_from([r"^[a-z]{3}$", r"^\d{2,4}-[A-Z]$", r"^(x|yy)+$", r"^\w+$"]))
    elif choice == "enum":
        schema["enum"] = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    elif choice == "length":
        low = draw(st.integers(0, 20))
        schema.update(minLength=low, maxLength=low + draw(st.integers(0, 10)))
    return schema


leaves = numbers() | strings() | st.just({"type": "boolean"}) | st.just({"type": "null"}) | st.just({"const": 7})


def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    objects = st.dictionaries(names, children, min_size=1, max_size=4).flatmap(
        lambda props: st.builds(
            lambda required, closed: {
                "type": "object",
                "properties": props,
                "required": required,
                **({"additionalProperties": False} if closed else {}),
            },
            st.lists(st.sampled_from(sorted(props)), unique=True),
            st.booleans(),
        )
    )
    arrays = st.builds(
        lambda items, low, extra: {"type": "array", "items": items, "minItems": low, "maxItems": low + extra},
        children,
        st.integers(0, 3),
        st.integers(0, 3),
    )
    unions = st.lists(children, min_size=1, max_size=3).map(lambda options: {"anyOf": options})
    nullable = children.map(lambda c: {**c, "type": [c["type"], "null"]} if isinstance(c.get("type"), str) else c)
    return objects | arrays | unions | nullable


schemas = st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(schemas, st.integers(0, 2**32))
def test_instance_is_valid(schema: dict[str, Any], seed: int) -> None:
    value = schema_instance(schema, seed=seed)
    checker = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(value)]
    assert not errors, (value, errors)
