"""Ollama's own API (``ollama/<model>``): ``/api/chat``, ``/api/generate`` and ``/api/embed`` on a local or
remote server; an ``api_base`` ending in ``/v1`` reaches Ollama's OpenAI-compatible route instead, spoken by
the OpenAI dialect (:data:`~.openai_route.OPENAI_ROUTE`). Answers are read by their shape, whichever route."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import APIError
from ...types import ChatCompletion, EmbeddingResponse
from .._base import OPENAI_PARAMS, BaseProvider, CallContext, HttpRequest
from .build_request import GENERATE_ONLY, build_chat_request, build_generate_request, uses_generate
from .convert_params import OPTION_NAMES
from .decode_ndjson import NDJSONDecoder
from .embeddings import build_embed_request, parse_embed_response
from .errors import map_ollama_error
from .openai_route import OPENAI_ROUTE
from .parse_response import parse_ollama_response
from .settings import DEFAULT_API_BASE, display_base, is_openai_route, normalize_base
from .stream import OllamaStreamTranslator

__all__ = ["OllamaProvider"]


class OllamaProvider(BaseProvider):
    name: ClassVar[str] = "ollama"
    default_api_base: ClassVar[str] = DEFAULT_API_BASE
    #: Ollama's cloud (ollama.com) and authenticating proxies take a bearer key; a local server needs none.
    api_key_env: ClassVar[tuple[str, ...]] = ("OLLAMA_API_KEY",)
    #: LiteLLM's variable first (it names a client setting), then Ollama's own (also the server's bind address).
    api_base_env: ClassVar[tuple[str, ...]] = ("OLLAMA_API_BASE", "OLLAMA_HOST")
    requires_api_key: ClassVar[bool] = False
    #: Every OpenAI parameter passes the core; the native build reports those it cannot express, and the
    #: ``/v1`` route takes them all.
    supported_params: ClassVar[frozenset[str]] = OPENAI_PARAMS
    #: ``ollama_endpoint="generate"`` picks ``/api/generate`` (default ``"chat"``).
    call_options: ClassVar[frozenset[str]] = frozenset({"ollama_endpoint"})
    #: Native body fields taken as keyword arguments (docs.ollama.com/api/chat, /api/generate, /api/embed);
    #: ``options`` names (``num_ctx``…) go into ``options``.
    native_params: ClassVar[frozenset[str]] = frozenset(
        {"options", "keep_alive", "think", "format", "truncate", *GENERATE_ONLY, *OPTION_NAMES}
    )

    def _route(self, ctx: CallContext) -> CallContext | None:
        """A context for the OpenAI route when the base asks for it, else None (the native API)."""
        if is_openai_route(ctx.api_base):
            return dataclasses.replace(ctx, api_base=normalize_base(ctx.api_base))
        return None

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        routed = self._route(ctx)
        if routed is not None:
            return OPENAI_ROUTE.build_chat_request(params, routed)
        if uses_generate(ctx):
            return build_generate_request(params, ctx)
        return build_chat_request(params, ctx)

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        return parse_ollama_response(body, ctx)

    def chat_stream_decoder(self, ctx: CallContext) -> NDJSONDecoder:
        return NDJSONDecoder()

    def chat_stream_translator(self, ctx: CallContext) -> OllamaStreamTranslator:
        return OllamaStreamTranslator(ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_ollama_error(status, headers, body, ctx)

    def connection_error_hint(self, ctx: CallContext) -> str:
        """Said when nothing answered at the address (the core appends it to the connection error)."""
        return (
            f"Ollama does not seem to be running at {display_base(ctx.api_base)}: start it (`ollama serve`), "
            "or point api_base / OLLAMA_HOST at the server"
        )

    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        routed = self._route(ctx)
        if routed is not None:
            return OPENAI_ROUTE.build_embedding_request(params, routed)
        return build_embed_request(params, ctx)

    def parse_embedding_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return parse_embed_response(body, params, ctx)
