"""The Gemini API provider (``generateContent`` / ``streamGenerateContent?alt=sse``; embeddings through
``batchEmbedContents``, see ``embeddings``).

https://ai.google.dev/api/generate-content. The key goes in the ``x-goog-api-key`` header, never in the
URL (URLs end up in logs and error messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ...errors import APIError
from ...types import ChatCompletion, EmbeddingResponse
from .._base import COMMON_CHAT_PARAMS, BaseProvider, CallContext, HttpRequest
from .build_request import GENERATION_CONFIG_FIELDS, build_body
from .embeddings import build_embedding_body, parse_embedding_response
from .errors import map_error
from .parse_response import parse_response
from .stream import GeminiStreamTranslator

__all__ = ["GeminiProvider", "chat_url", "model_url", "native_model_id"]


def native_model_id(model: str) -> str:
    """Gemini's model id: ``models/gemini-2.5-flash`` and ``gemini-2.5-flash`` name the same model."""
    return model.removeprefix("models/")


def model_url(api_base: str, model: str, method: str) -> str:
    """``{api_base}[/v1beta]/models/{model}:{method}``.

    An ``api_base`` whose path already ends in ``/v1beta`` or ``/v1`` is used as is (proxies, the stable
    ``v1`` API); otherwise ``/v1beta`` is added, the version that has every feature used here.
    """
    base = api_base.rstrip("/")
    path = urlsplit(base).path
    if not (path.endswith("/v1beta") or path.endswith("/v1")):
        base += "/v1beta"
    return f"{base}/models/{native_model_id(model)}:{method}"


def chat_url(api_base: str, model: str, stream: bool) -> str:
    """``…/models/{model}:generateContent`` (or ``:streamGenerateContent?alt=sse``); see :func:`model_url`."""
    return model_url(api_base, model, "streamGenerateContent?alt=sse" if stream else "generateContent")


def _headers(ctx: CallContext) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    if ctx.api_key:
        headers["x-goog-api-key"] = ctx.api_key
    headers.update(ctx.extra_headers)
    return headers


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


_NATIVE_NAMES = (
    *(GENERATION_CONFIG_FIELDS - {"temperature", "topP", "seed", "presencePenalty", "frequencyPenalty", "logprobs"}),
    *("safetySettings", "cachedContent", "generationConfig", "toolConfig", "labels"),
    *("taskType", "title", "outputDimensionality", "autoTruncate"),
)
_NATIVE_PARAMS = frozenset({*_NATIVE_NAMES, *(_snake(n) for n in _NATIVE_NAMES)})


class GeminiProvider(BaseProvider):
    """OpenAI chat completions over the Gemini API."""

    name: ClassVar[str] = "gemini"
    default_api_base: ClassVar[str] = "https://generativelanguage.googleapis.com"
    api_key_env: ClassVar[tuple[str, ...]] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    api_base_env: ClassVar[tuple[str, ...]] = ("GEMINI_API_BASE",)
    #: ``user`` and ``logprobs`` are not here: Gemini has no end-user field, and its logprobs are not
    #: translated. ``n`` is accepted but only n=1 can be expressed (see ``convert_config``).
    supported_params: ClassVar[frozenset[str]] = COMMON_CHAT_PARAMS

    #: generateContent / embedContent fields with no OpenAI parameter, accepted as keywords in snake_case or
    #: camelCase (https://ai.google.dev/api/generate-content, https://ai.google.dev/api/embeddings).
    native_params: ClassVar[frozenset[str]] = _NATIVE_PARAMS

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        url = chat_url(ctx.api_base, ctx.model, ctx.stream)
        return HttpRequest("POST", url, _headers(ctx), build_body(params, ctx))

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        return parse_response(body, ctx)

    def chat_stream_translator(self, ctx: CallContext) -> GeminiStreamTranslator:
        return GeminiStreamTranslator(ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_error(status, headers, body, ctx)

    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        url = model_url(ctx.api_base, ctx.model, "batchEmbedContents")
        return HttpRequest("POST", url, _headers(ctx), build_embedding_body(params, ctx))

    def parse_embedding_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return parse_embedding_response(body, params, ctx)
