"""Request bodies in, checked: JSON objects with fields of the right JSON type, or 400 naming the field.

Checked here, before any provider code runs, so that a client mistake is a 400 and never a crash further down.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .errors import HTTPError
from .request import Request

__all__ = [
    "bad_request",
    "check_fields",
    "expect",
    "json_body",
    "json_type",
    "media_type",
    "only_fields",
    "required_str",
]

# JSON type name → the Python types json.loads makes for it. A bool is not a number here.
_KINDS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> HTTPError:
    return HTTPError(400, message, param=param, code=code)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or 400 (wrong content type, not UTF-8, not JSON, not an object, NaN...)."""
    if media_type(request) != "application/json":
        raise bad_request("Invalid Content-Type header: expected application/json.", code="invalid_content_type")
    try:
        data = json.loads(request.body, parse_float=_finite, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise bad_request(
            "We could not parse the JSON body of your request. Send a JSON object.", code="invalid_json"
        ) from None
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object.", code="invalid_json")
    return data


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _is(value: Any, kind: str) -> bool:
    return isinstance(value, _KINDS[kind]) and (kind == "boolean" or not isinstance(value, bool))


def expect(value: Any, kinds: tuple[str, ...], param: str, *, nullable: bool = True) -> None:
    """400 unless ``value`` is one of the JSON ``kinds`` (or null, when ``nullable``)."""
    if value is None and nullable:
        return
    if not any(_is(value, kind) for kind in kinds):
        raise bad_request(
            f"Invalid type for '{param}': expected {' or '.join(kinds)}, but got {json_type(value)} instead.",
            param=param,
            code="invalid_type",
        )


def check_fields(body: Mapping[str, Any], spec: Mapping[str, tuple[str, ...]]) -> None:
    for name, kinds in spec.items():
        value = body.get(name)
        if value is not None:
            expect(value, kinds, name)


def required_str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise bad_request(f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")
    expect(value, ("string",), name)
    if not value:
        raise bad_request(f"'{name}' must not be empty.", param=name)
    return str(value)


def only_fields(body: Mapping[str, Any], known: set[str]) -> None:
    """400 for a field the endpoint does not take (as the platform does), rather than ignoring it."""
    for name in body:
        if name not in known:
            raise bad_request(
                f"Unrecognized request argument supplied: {name[:100]}", param=name[:100], code="unknown_parameter"
            )
