"""Mistral error bodies → modelmux errors.

Mistral validates every request against a closed schema and answers 422 with pydantic's error list
(docs.mistral.ai/api, "HTTPValidationError": ``detail: [{"loc", "msg", "type"}]``). Seen in two envelopes:
``{"object": "error", "message": {"detail": [...]}, "type": "invalid_request_error", ...}`` and, since late 2025,
``{"object": "Error", "detail": [...], "message": [...], "type": "invalid_request_error", "code": 3001}``.
Either becomes a :class:`~modelmux.errors.BadRequestError` naming the field (``param``, e.g.
``messages[0].user.name``) and the kind (``code``, e.g. ``extra_forbidden``); the rejected ``input`` values
are left out (they are the caller's content). Other errors have the OpenAI shape (``map_openai_error``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import APIError, BadRequestError, ContextWindowExceededError
from .._base import CallContext, request_id_from
from ..openai.errors import map_openai_error

__all__ = ["map_mistral_error"]

#: How Mistral says the prompt is longer than the model's window (a 400 ``invalid_request_error``):
#: "Prompt contains N tokens ... too large for model with M maximum context length".
_CONTEXT_WORDS = ("maximum context length", "too large for model")


def map_mistral_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    request_id = request_id_from(headers) or headers.get("mistral-correlation-id")
    details = _validation_details(body)
    if details:
        fields = [(_loc(d.get("loc")), str(d.get("msg") or "invalid")) for d in details]
        message = "Mistral rejected the request: " + "; ".join(f"{at}: {msg}" if at else msg for at, msg in fields)
        return BadRequestError(
            message,
            provider=ctx.provider,
            model=ctx.model,
            status_code=status,
            request_id=request_id,
            code=str(details[0].get("type") or "invalid_request_error"),
            param=fields[0][0] or None,
            body={"detail": [{k: v for k, v in d.items() if k != "input"} for d in details]},
            native_type="invalid_request_error",
        )
    err = map_openai_error(status, headers, body, ctx)
    if err.request_id is None:
        err.request_id = request_id
    if type(err) is BadRequestError and any(w in err.message for w in _CONTEXT_WORDS):
        return err.recast(ContextWindowExceededError, status_code=status)
    return err


def _validation_details(body: bytes) -> list[dict[str, Any]]:
    """The pydantic error list of a 422 body, in either envelope (empty when the body is something else)."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    for candidate in (data.get("detail"), data.get("message")):
        if isinstance(candidate, dict):
            candidate = candidate.get("detail")
        if isinstance(candidate, list) and candidate and all(isinstance(d, dict) for d in candidate):
            return candidate
    return []


def _loc(loc: Any) -> str:
    """``["body", "messages", 0, "user", "name"]`` → ``messages[0].user.name``."""
    if not isinstance(loc, list):
        return ""
    parts = loc[1:] if loc and loc[0] == "body" else loc
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
