"""The Cohere v2 provider: ``/v2/chat`` (streamed with Cohere's named SSE events), ``/v2/embed`` and
``/v2/rerank``.

https://docs.cohere.com/reference/chat. The key goes in ``Authorization: Bearer``. ``api_base`` is the
server root (default ``https://api.cohere.com``); the provider appends ``/v2/chat`` (``/v2/embed``,
``/v2/rerank``). A base that already ends in ``/v2`` (a proxy's mount) gets only the endpoint name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import APIError
from ...types import ChatCompletion, EmbeddingResponse
from ...types_rerank import RerankResponse
from .._base import COMMON_CHAT_PARAMS, BaseProvider, CallContext, HttpRequest
from .build_request import build_body
from .embeddings import build_embedding_body, parse_embedding_response
from .errors import map_error
from .parse_response import parse_response
from .rerank import build_rerank_body, parse_rerank_response
from .stream import CohereStreamTranslator

__all__ = ["CohereProvider", "endpoint_url"]


def endpoint_url(api_base: str, endpoint: str) -> str:
    """``{api_base}/v2/{endpoint}``, or ``{api_base}/{endpoint}`` when the base already ends in ``/v2``."""
    base = api_base.rstrip("/")
    if not base.endswith("/v2"):
        base += "/v2"
    return f"{base}/{endpoint}"


def _headers(ctx: CallContext, *, stream: bool = False) -> dict[str, str]:
    headers = {"content-type": "application/json", "accept": "text/event-stream" if stream else "application/json"}
    if ctx.api_key:
        headers["authorization"] = f"Bearer {ctx.api_key}"
    headers.update(ctx.extra_headers)
    return headers


class CohereProvider(BaseProvider):
    """OpenAI chat completions, embeddings and LiteLLM-style rerank over Cohere's v2 API."""

    name: ClassVar[str] = "cohere"
    default_api_base: ClassVar[str] = "https://api.cohere.com"
    api_key_env: ClassVar[tuple[str, ...]] = ("COHERE_API_KEY", "CO_API_KEY")
    api_base_env: ClassVar[tuple[str, ...]] = ("COHERE_API_BASE",)
    #: ``user``, ``logprobs`` and ``logit_bias`` are not here: Cohere has no end-user field, its logprobs
    #: are per token id (not translated), and it has no logit bias. ``n`` only as 1 (see ``build_request``).
    supported_params: ClassVar[frozenset[str]] = COMMON_CHAT_PARAMS
    #: Cohere's own request fields, accepted as keyword arguments and sent as given: chat
    #: (https://docs.cohere.com/reference/chat) and embed (https://docs.cohere.com/reference/embed).
    native_params: ClassVar[frozenset[str]] = frozenset(
        {
            "documents",
            "citation_options",
            "stop_sequences",
            "safety_mode",
            "k",
            "p",
            "thinking",
            "strict_tools",
            "priority",
            "input_type",
            "embedding_types",
            "truncate",
            "output_dimension",
        }
    )

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        url = endpoint_url(ctx.api_base, "chat")
        return HttpRequest("POST", url, _headers(ctx, stream=ctx.stream), build_body(params, ctx))

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        return parse_response(body, ctx)

    def chat_stream_translator(self, ctx: CallContext) -> CohereStreamTranslator:
        return CohereStreamTranslator(ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_error(status, headers, body, ctx)

    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return HttpRequest(
            "POST", endpoint_url(ctx.api_base, "embed"), _headers(ctx), build_embedding_body(params, ctx)
        )

    def parse_embedding_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return parse_embedding_response(body, params, ctx)

    def build_rerank_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return HttpRequest("POST", endpoint_url(ctx.api_base, "rerank"), _headers(ctx), build_rerank_body(params, ctx))

    def parse_rerank_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> RerankResponse:
        return parse_rerank_response(body, params, ctx)
