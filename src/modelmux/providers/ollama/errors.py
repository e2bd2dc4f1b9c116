"""Ollama error bodies → modelmux errors.

The native API answers ``{"error": "<message>"}`` with an HTTP status (docs.ollama.com/api/errors: 400 bad
request, 404 model not found, 429, 500, 502 cloud model unreachable); mid-stream, an error is a line
``{"error": "<message>"}`` of the 200 stream. The OpenAI-compatible route answers OpenAI's shape. Both are
read by the OpenAI mapper (a string ``error`` is its message); a too-long prompt is told by its words, since
Ollama has no error codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import APIError, BadRequestError, ContextWindowExceededError
from .._base import CallContext
from ..openai.errors import error_from_event, map_openai_error

__all__ = ["error_from_line", "map_ollama_error"]

#: Words of Ollama's "prompt too long; exceeded max context length by N tokens" (and its older spellings).
_CONTEXT_WORDS = ("context length", "context window", "prompt too long")


def _refine(err: APIError) -> APIError:
    if type(err) is BadRequestError and any(w in err.message.lower() for w in _CONTEXT_WORDS):
        return err.recast(ContextWindowExceededError)
    return err


def map_ollama_error(status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
    return _refine(map_openai_error(status, headers, body, ctx))


def error_from_line(error: Any, data: str, ctx: CallContext) -> APIError:
    """The error an in-band ``{"error": ...}`` object reports (a 500 unless its kind says otherwise)."""
    return _refine(error_from_event(error, data, ctx))
