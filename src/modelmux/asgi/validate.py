"""Request bodies in, checked: JSON objects with fields of the right JSON type, or 400 naming the field.

Checked here, before any provider code runs, so that a client mistake is a 400 and never a crash further down.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic_core import from_json

from .bounds import MAX_JSON_DEPTH
from .errors import HTTPError
from .request import Request

__all__ = [
    "bad_request",
    "check_fields",
    "embedded_json",
    "expect",
    "json_body",
    "json_type",
    "media_type",
    "only_fields",
    "parse_json",
    "required_str",
    "sized",
]

T = TypeVar("T")

#: Bodies from this size up are parsed and checked in a worker thread. Below it the work takes at most a few
#: milliseconds (about 1 ms per 100 KiB of chat messages), less than what handing it to a thread would add.
OFFLOAD_BODY_BYTES = 256 * 1024

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


# Screening for a float literal that could overflow to infinity (an exponent of 3+ digits, or 309+ digits in a
# row): digits all become "0", "E" becomes "e" and "+" goes, then two substring searches. Two C passes over the
# body, several times faster than a regular expression; a false alarm (such text inside a string) only costs the
# exact check.
_UTF8_BOM = b"\xef\xbb\xbf"
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789E", b"0000000000e")
_LONG_EXPONENT = b"e000"
_LONG_DIGITS = b"0" * 309


def _may_overflow(body: bytes) -> bool:
    mapped = body.translate(_DIGITS_TO_ZERO, b"+")
    return _LONG_EXPONENT in mapped or _LONG_DIGITS in mapped


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_error(reason: str) -> HTTPError:
    return bad_request(
        f"We could not parse the JSON body of your request ({reason}). Send a JSON object in UTF-8.",
        code="invalid_json",
    )


def parse_json(body: bytes) -> Any:
    """Strict JSON, or a 400 that says what is wrong and where.

    pydantic-core's parser (jiter) is several times faster than the json module, refuses invalid UTF-8, lone
    surrogates (escaped ``"\\ud800"`` or raw CESU-8 bytes), ``NaN``/``Infinity`` and nesting deeper than
    :data:`~modelmux.asgi.bounds.MAX_JSON_DEPTH`. The json module would accept surrogates and deep nesting, which
    then fail far later (a 500 when the body is encoded for the upstream). Only numbers too large for a float are
    checked afterwards, and only when the body could hold one.
    """
    if body.startswith(_UTF8_BOM):  # RFC 8259 section 8.1: parsers MAY ignore it; some Windows tools write one
        body = body[len(_UTF8_BOM) :]
    try:
        data = from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        reason = str(exc)
        if "recursion limit" in reason:
            reason = f"nested deeper than {MAX_JSON_DEPTH} levels"
        elif any(word in reason for word in ("surrogate", "hex escape", "unicode")):
            reason = f"text must be valid Unicode: no lone surrogates (\\ud800-\\udfff), no invalid UTF-8; {reason}"
        raise _parse_error(reason) from None
    if _may_overflow(body):
        try:
            json.loads(body, parse_float=_finite, parse_constant=_no_constants)
        except ValueError:
            raise _parse_error("a number is out of range") from None
    return data


def embedded_json(text: str, param: str) -> None:
    """400 when ``text`` is JSON the body parser would refuse (too deep, lone surrogates); other text passes.

    Tool-call arguments and tool results are JSON inside a string, which providers parse and nest in the native
    body (Anthropic ``tool_use.input``, Gemini ``functionCall.args`` and ``functionResponse``). The json module
    they use takes nesting up to Python's recursion limit and lone surrogates, which then fail when the body is
    encoded for the upstream; text that is not JSON at all is theirs to judge.
    """
    try:
        from_json(text)
    except ValueError as exc:
        reason = str(exc)
        if "recursion limit" in reason:
            reason = f"it nests deeper than {MAX_JSON_DEPTH} levels"
        elif "surrogate" in reason or "hex escape" in reason:
            reason = f"it holds a lone surrogate (\\ud800-\\udfff); {reason}"
        else:
            return
        raise bad_request(f"'{param}' is not usable JSON: {reason}.", param=param, code="invalid_json") from None


def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or 400 (wrong content type, not UTF-8, not JSON, not an object, NaN...)."""
    if media_type(request) != "application/json":
        raise bad_request("Invalid Content-Type header: expected application/json.", code="invalid_content_type")
    data = parse_json(request.body)
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object.", code="invalid_json")
    return data


async def sized(request: Request, work: Callable[..., T], *args: Any) -> T:
    """``work(*args)``, in a worker thread when the request's body is large, else inline.

    Parsing and checking a maximal body (10 MiB, thousands of messages) takes tens of milliseconds of CPU; in a
    worker thread the event loop keeps serving other requests meanwhile (the thread hands the GIL back every few
    milliseconds while it runs Python code). Small bodies, nearly all of them, are handled inline: a thread hop
    would cost more than the work.
    """
    if len(request.body) < OFFLOAD_BODY_BYTES:
        return work(*args)
    return await asyncio.to_thread(work, *args)


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
