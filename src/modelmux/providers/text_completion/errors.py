"""Error bodies of the three server kinds → modelmux errors.

All three are read by the OpenAI error mapper, which takes ``{"error": {"message", "type", "code"}}`` (OpenAI,
llama.cpp), ``{"object": "error", "message", ...}`` (vLLM) and ``{"error": "text", "error_type": ...}`` (TGI). Context
overflows get their own class: llama.cpp's ``exceed_context_size_error`` type (tools/server/README.md) and TGI's
validation error "`inputs` tokens + `max_new_tokens` must be <= ..." (router/src/validation.rs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import APIError, BadRequestError, ContextWindowExceededError
from .._base import CallContext
from ..openai.errors import error_from_event, map_openai_error

__all__ = ["map_error", "stream_error"]


def _overflow(err: APIError) -> bool:
    text = err.message
    return err.native_type == "exceed_context_size_error" or ("must be <=" in text and "tokens" in text)


def _refine(err: APIError) -> APIError:
    if isinstance(err, BadRequestError) and not isinstance(err, ContextWindowExceededError) and _overflow(err):
        return err.recast(ContextWindowExceededError)
    return err


def map_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    err = map_openai_error(status, headers, body, ctx)
    if err.native_type is None:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error_type"), str):  # TGI
            err.native_type = data["error_type"]
    return _refine(err)


def stream_error(error: Any, data: str, ctx: CallContext) -> APIError:
    """The error a stream event carries (``{"error": ...}``, from any of the three kinds)."""
    return _refine(error_from_event(error, data, ctx))
