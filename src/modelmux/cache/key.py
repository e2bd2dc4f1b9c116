"""The cache key: a canonical hash of what determines an answer, never of credentials or call mechanics.

Hashed: the operation, the provider and model after resolution (``"gpt-4o"`` and ``"openai/gpt-4o"`` are one model),
the resolved ``api_base``, whether the answer is streamed, the validated request parameters (messages, tools,
``tool_choice``, ``response_format``, sampling parameters, ``stream_options``…), native body fields, and the
provider's call options (their data, not objects) and extra headers minus anything that names a credential.
Never hashed: the API key, ``timeout``, retries and fallbacks, the transport. The JSON is canonical (keys sorted
at every depth, tuples as lists, integral floats as integers: ``temperature=1`` and ``1.0`` are one request), so
dict order, the process and the Python version do not change the key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_jsonable_python

if TYPE_CHECKING:
    from .._call import Call

__all__ = ["call_key", "canonical", "digest", "group_key"]

#: Option and header names that carry credentials (``aws_secret_access_key``, ``api-key``, ``authorization``,
#: ``aws_session_token``…): left out of the key, so every key of one account shares its entries. ``token`` but not
#: ``tokens``: ``max_tokens``, ``max_completion_tokens``, rerank's ``max_tokens_per_doc`` are counts that change the
#: answer.
_CREDENTIAL = re.compile(r"key|secret|token(?!s)|credential|password|auth|cookie|profile", re.IGNORECASE)


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data with one spelling per meaning (see the module docstring)."""
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, BaseModel):
        return canonical(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, (set, frozenset)):
        return sorted(canonical(v) for v in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, type) and issubclass(value, BaseModel):
        return {"$schema": canonical(value.model_json_schema())}
    try:  # what the request's JSON makes of it (a datetime, a UUID, a Decimal, an Enum…): the same value is sent
        plain = to_jsonable_python(value)
    except PydanticSerializationError:
        raise TypeError(f"a {type(value).__name__} cannot be part of a cache key") from None
    return canonical(plain)


def digest(material: Mapping[str, Any]) -> str:
    """The SHA-256 hex digest of ``material``'s canonical JSON."""
    text = json.dumps(canonical(material), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(items: Mapping[str, Any]) -> dict[str, Any]:
    """Entries whose names do not name a credential and whose values are data (a call option such as
    ``chat_template_kwargs`` is a dict that shapes the prompt); objects (token providers, clients) are left out."""
    kept: dict[str, Any] = {}
    for k, v in items.items():
        if _CREDENTIAL.search(str(k)):
            continue
        try:
            kept[k] = canonical(v)
        except TypeError:
            continue
    return kept


def call_key(operation: str, call: Call, *, stream: bool = False) -> str:
    """The key of one prepared call (:class:`modelmux._call.Call`, after validation and provider resolution)."""
    ctx = call.ctx
    return digest(
        {
            "operation": operation,
            "provider": ctx.provider,
            "model": ctx.model,
            "api_base": ctx.api_base,
            "stream": stream,
            "params": call.params,
            "extra_body": ctx.extra_body,
            "options": _plain(ctx.options),
            "headers": _plain({k.lower(): v for k, v in ctx.extra_headers.items()}),
        }
    )


#: A routed call's options that do not change its answer (mechanics, credentials' carriers, observers).
_NOT_KEYED = frozenset(
    {
        "timeout", "num_retries", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks",
        "disable_fallbacks", "first_chunk_timeout", "callbacks", "transport", "cache", "max_response_bytes",
        "max_event_bytes", "extra_headers",
    }
)  # fmt: skip


def group_key(operation: str, group: str, arguments: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """The key of a call to a router's model group: the group stands for its deployments (interchangeable by
    definition), so an answer from one deployment serves a call routed to another. Hashed: the operation, the group,
    the call's arguments (messages, input…, a file's bytes as their SHA-256) and its options minus credentials and
    call mechanics (:data:`_NOT_KEYED`); extra headers minus credential ones. Raises TypeError for an option that
    has no canonical form (the call then goes uncached)."""
    kept = {k: v for k, v in options.items() if k not in _NOT_KEYED and not _CREDENTIAL.search(str(k))}
    headers = options.get("extra_headers") or {}
    return digest(
        {
            "operation": operation,
            "router_group": group,
            "arguments": dict(arguments),
            "options": kept,
            "headers": _plain({str(k).lower(): v for k, v in headers.items()}),
        }
    )
