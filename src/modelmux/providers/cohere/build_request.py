"""The ``/v2/chat`` request body (https://docs.cohere.com/reference/chat).

OpenAI → Cohere:

* ``messages`` (:mod:`.convert_messages`), tools (:mod:`.convert_tools`);
* ``temperature``, ``seed``, ``presence_penalty``, ``frequency_penalty`` as they are; ``top_p`` → ``p``;
  ``max_tokens`` / ``max_completion_tokens`` → ``max_tokens``; ``stop`` → ``stop_sequences`` (a list);
* ``response_format``: ``json_object`` → ``{"type": "json_object"}`` (its ``json_schema`` kept when given
  Cohere's way); ``json_schema`` → ``{"type": "json_object", "json_schema": <schema>}``; ``text`` → nothing;
* ``reasoning_effort`` → ``thinking``: Cohere has no effort levels, so ``"none"`` → ``{"type": "disabled"}``
  and any other → ``{"type": "enabled"}`` (pass ``thinking=`` for a ``token_budget``);
* ``n`` above 1 cannot be expressed: ``ctx.unsupported``.

Cohere's own fields are passed as keyword arguments (see ``CohereProvider.native_params``), e.g.
``documents=[...]`` (strings or ``{"id", "data": {...}}`` objects, cited in the answer), ``citation_options``,
``safety_mode``, ``k``, ``thinking``, ``priority``; they are merged last, so they win over translated values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext
from .convert_messages import convert_messages
from .convert_tools import convert_tools

__all__ = ["build_body", "convert_response_format"]

_SAME_NAME = ("temperature", "seed", "presence_penalty", "frequency_penalty")


def convert_response_format(value: Any, ctx: CallContext) -> dict[str, Any] | None:
    """Cohere's ``response_format`` for OpenAI's (None for plain text)."""
    kind = value.get("type") if isinstance(value, Mapping) else None
    if kind == "text":
        return None
    if kind == "json_object":  # Cohere's own form may carry the schema: kept
        schema = value.get("json_schema")
        return (
            {"type": "json_object", "json_schema": dict(schema)}
            if isinstance(schema, Mapping)
            else {"type": "json_object"}
        )
    if kind == "json_schema":
        spec = value.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        if not isinstance(schema, Mapping):
            raise BadRequestError(
                "response_format json_schema needs json_schema.schema",
                provider=ctx.provider,
                model=ctx.model,
                param="response_format",
            )
        return {"type": "json_object", "json_schema": dict(schema)}
    raise BadRequestError(
        f"response_format type {kind!r} is not text, json_object or json_schema",
        provider=ctx.provider,
        model=ctx.model,
        param="response_format",
    )


def build_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    body: dict[str, Any] = {"model": ctx.model, "messages": convert_messages(params["messages"], ctx)}
    for name in _SAME_NAME:
        if name in params:
            body[name] = params[name]
    if "top_p" in params:
        body["p"] = params["top_p"]
    max_tokens = params.get("max_completion_tokens", params.get("max_tokens"))
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    stop = params.get("stop")
    if stop:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if params.get("n", 1) != 1:
        ctx.unsupported("n", "Cohere returns one answer per request")
    if "response_format" in params:
        native = convert_response_format(params["response_format"], ctx)
        if native is not None:
            body["response_format"] = native
    effort = params.get("reasoning_effort")
    if effort is not None:
        body["thinking"] = {"type": "disabled" if effort == "none" else "enabled"}
    body.update(convert_tools(params, ctx))
    body["stream"] = ctx.stream
    body.update(ctx.extra_body)
    return body
