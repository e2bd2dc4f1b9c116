"""``embedding()`` and ``aembedding()``: text in, vectors out, shaped as OpenAI's ``CreateEmbeddingResponse``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import httpx

from . import _call
from ._attempts import Cacheable, arun_operation, run_operation
from ._checks import check_choice, check_range, check_text
from ._registry import resolve
from .errors import BadRequestError
from .providers._base import EMBEDDING
from .types import EmbeddingResponse

__all__ = [
    "MAX_EMBEDDING_DIMENSIONS",
    "MAX_EMBEDDING_INPUTS",
    "MAX_EMBEDDING_TOKEN_IDS",
    "MAX_EMBEDDING_VALUES",
    "aembedding",
    "check_input_counts",
    "embedding",
]

EmbeddingInput = str | list[str] | list[int] | list[list[int]]

#: ``dimensions`` at most: above every embedding model's output size (the largest today give 4,096; OpenAI's
#: retired similarity models gave 12,288).
MAX_EMBEDDING_DIMENSIONS = 16_384
#: Inputs in one request: OpenAI's own limit ("any array must be 2048 dimensions or less"); other providers take
#: fewer (Gemini's batch 100 to 250, Cohere 96).
MAX_EMBEDDING_INPUTS = 2_048
#: Token ids in one request (inputs given as token arrays), all inputs together: OpenAI accepts at most 300,000
#: tokens summed across a request's inputs (API reference, "Create embeddings", ``input``).
MAX_EMBEDDING_TOKEN_IDS = 1_048_576
#: Inputs x ``dimensions`` (when given): the size of the answer, which is parsed, re-encoded (base64) and, in the
#: gateway, serialised locally. 2,048 x 3,072 is OpenAI's largest request (text-embedding-3-large, full batch).
MAX_EMBEDDING_VALUES = 2_048 * 3_072

#: This operation's entries in a ``modelmux.Cache`` (``cache.entries``).
_cache_kind = "embedding"

_INPUT_SHAPES = "a non-empty string, a list of non-empty strings, or token ids (a list of ints, or of int lists)"


def _is_tokens(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(type(t) is int for t in value)


def check_input_counts(value: Any) -> None:
    """At most :data:`MAX_EMBEDDING_INPUTS` inputs and :data:`MAX_EMBEDDING_TOKEN_IDS` token ids, counted before
    any item is looked at (so a huge input costs nothing to refuse); the shapes are checked afterwards."""
    if not isinstance(value, (list, tuple)) or not value:
        return
    if type(value[0]) is int:  # one input, as token ids
        count, tokens = 1, len(value)
    else:
        count = len(value)
        if count > MAX_EMBEDDING_INPUTS:
            raise BadRequestError(
                f"input has {count} items; at most {MAX_EMBEDDING_INPUTS} can be embedded in one request",
                param="input",
            )
        tokens = sum(len(v) for v in value if isinstance(v, list))
    if tokens > MAX_EMBEDDING_TOKEN_IDS:
        raise BadRequestError(
            f"input has {tokens} token ids; at most {MAX_EMBEDDING_TOKEN_IDS} can be embedded in one request",
            param="input",
        )


def _check_input(value: Any) -> list[Any] | str:
    if isinstance(value, tuple):
        value = list(value)
    check_input_counts(value)
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


def _check_size(value: list[Any] | str, dimensions: int | None) -> None:
    """At most :data:`MAX_EMBEDDING_VALUES` values (inputs x dimensions) in the answer."""
    count = 1 if isinstance(value, str) or isinstance(value[0], int) else len(value)
    if dimensions is not None and count * dimensions > MAX_EMBEDDING_VALUES:
        raise BadRequestError(
            f"{count} inputs x {dimensions} dimensions is over {MAX_EMBEDDING_VALUES} values in one request;"
            " send fewer inputs per request",
            param="dimensions",
        )


def _prepare(model: str, input: Any, options: dict[str, Any]) -> _call.Call:
    resolved = resolve(model)
    params: dict[str, Any] = {"input": _check_input(input)}
    for name in ("encoding_format", "dimensions", "user"):
        value = options.pop(name)
        if value is not None:
            params[name] = value
    check_choice(params, "encoding_format", ("float", "base64"))
    check_range(params, "dimensions", 1, MAX_EMBEDDING_DIMENSIONS, integer=True)
    _check_size(params["input"], params.get("dimensions"))
    check_text(params, "user")
    return _call.open_call(
        resolved,
        params,
        options,
        operation=EMBEDDING,
        known=("encoding_format", "dimensions", "user"),
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
        **provider_options: sent as-is in the native request (e.g. Gemini's ``taskType``); also ``cache=``
            (a :class:`modelmux.Cache`), ``num_retries=``, ``fallbacks=`` (as for ``completion()``).

    Raises:
        modelmux.errors.APIError: a subclass per failure; ``BadRequestError`` for a provider without embeddings.
    """
    options = _call.gather(locals(), "model", "input")
    result: EmbeddingResponse = run_operation(
        "embedding",
        model,
        options,
        lambda m, o: _call.execute(_prepare(m, input, o), EMBEDDING),
        arguments={"input": input},
        cacheable=Cacheable(_cache_kind, lambda m, o: _prepare(m, input, o)),
    )
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

    async def once(m: str, o: dict[str, Any]) -> EmbeddingResponse:
        result: EmbeddingResponse = await _call.aexecute(_prepare(m, input, o), EMBEDDING)
        return result

    return await arun_operation(
        "embedding",
        model,
        options,
        once,
        arguments={"input": input},
        cacheable=Cacheable(_cache_kind, lambda m, o: _prepare(m, input, o)),
    )
