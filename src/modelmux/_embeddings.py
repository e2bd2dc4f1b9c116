"""``embedding()`` and ``aembedding()``: text in, vectors out, shaped as OpenAI's ``CreateEmbeddingResponse``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import httpx

from . import _call
from ._checks import check_choice, check_range, check_text
from ._registry import resolve
from .errors import BadRequestError
from .providers._base import EMBEDDING
from .types import EmbeddingResponse

__all__ = ["aembedding", "embedding"]

EmbeddingInput = str | list[str] | list[int] | list[list[int]]

_INPUT_SHAPES = "a non-empty string, a list of non-empty strings, or token ids (a list of ints, or of int lists)"


def _is_tokens(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(type(t) is int for t in value)


def _check_input(value: Any) -> list[Any] | str:
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value:
        if all(isinstance(v, str) for v in value):
            empty = next((i for i, v in enumerate(value) if not v), None)
            if empty is None:
                return value
            raise BadRequestError(f"input[{empty}] is an empty string; {_INPUT_SHAPES} is expected", param="input")
        if _is_tokens(value) or all(_is_tokens(v) for v in value):
            return value
    empty = isinstance(value, (str, list)) and not value
    got = f"an empty {type(value).__name__}" if empty else type(value).__name__
    raise BadRequestError(f"input must be {_INPUT_SHAPES}; got {got}", param="input")


def _prepare(model: str, input: Any, options: dict[str, Any]) -> _call.Call:
    resolved = resolve(model)
    params: dict[str, Any] = {"input": _check_input(input)}
    for name in ("encoding_format", "dimensions", "user"):
        value = options.pop(name)
        if value is not None:
            params[name] = value
    check_choice(params, "encoding_format", ("float", "base64"))
    check_range(params, "dimensions", 1, None, integer=True)
    check_text(params, "user")
    return _call.open_call(
        resolved, params, options, operation=EMBEDDING, known=("encoding_format", "dimensions", "user")
    )


def embedding(
    model: str,
    input: EmbeddingInput,
    *,
    encoding_format: Literal["float", "base64"] | None = None,
    dimensions: int | None = None,
    user: str | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.BaseTransport | None = None,
    **provider_options: Any,
) -> EmbeddingResponse:
    """Embed text with any provider that offers it, in the OpenAI format.

    Args:
        model: ``"openai/text-embedding-3-small"``, ``"gemini/gemini-embedding-001"``, ``"mock/any"``, or a
            catalogued bare id (``"text-embedding-3-small"``).
        input: a string or a list of strings (one vector each, in order); OpenAI also takes token ids.
        encoding_format: ``"base64"`` returns each vector as little-endian float32 bytes in base64, as
            OpenAI does (computed locally for providers without the option).
        dimensions: shorten the vectors, for models that support it.
        **provider_options: sent as-is in the native request (e.g. Gemini's ``taskType``).

    Raises:
        modelmux.errors.APIError: a subclass per failure; ``BadRequestError`` for a provider without embeddings.
    """
    options = _call.gather(locals(), "model", "input")
    result: EmbeddingResponse = _call.execute(_prepare(model, input, options), EMBEDDING)
    return result


async def aembedding(
    model: str,
    input: EmbeddingInput,
    *,
    encoding_format: Literal["float", "base64"] | None = None,
    dimensions: int | None = None,
    user: str | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **provider_options: Any,
) -> EmbeddingResponse:
    """The async twin of :func:`embedding`. Same arguments."""
    options = _call.gather(locals(), "model", "input")
    result: EmbeddingResponse = await _call.aexecute(_prepare(model, input, options), EMBEDDING)
    return result
