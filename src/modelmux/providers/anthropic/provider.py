"""The Anthropic Messages API provider: endpoint, headers, and the contract's four functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ...errors import APIError
from ...types import ChatCompletion
from .._base import BaseProvider, CallContext, HttpRequest
from .build_request import build_chat_body
from .errors import map_error
from .parse_response import parse_chat_response
from .profile import accepted_params, profile_for
from .stream import AnthropicStreamTranslator

__all__ = ["ANTHROPIC_VERSION", "DEFAULT_API_BASE", "AnthropicProvider", "build_headers", "chat_url"]

DEFAULT_API_BASE = "https://api.anthropic.com"
#: The API version header every request carries (https://platform.claude.com/docs/en/api/versioning).
ANTHROPIC_VERSION = "2023-06-01"


def chat_url(api_base: str | None) -> str:
    """The Messages endpoint under ``api_base``: a path ending in ``/v1/messages`` is used as is, one
    ending in ``/v1`` gets ``/messages``, anything else ``/v1/messages`` (a query string is kept)."""
    parts = urlsplit((api_base or DEFAULT_API_BASE).strip())
    path = parts.path.rstrip("/")
    if not path.endswith("/v1/messages"):
        path += "/messages" if path.endswith("/v1") else "/v1/messages"
    return urlunsplit(parts._replace(path=path))


def build_headers(ctx: CallContext, betas: Iterable[str] = ()) -> dict[str, str]:
    """Auth and version headers; ``anthropic-beta`` only when a feature needs one; ``ctx.extra_headers``
    last, replacing any header of the same name whatever its case."""
    headers = {"anthropic-version": ANTHROPIC_VERSION, "content-type": "application/json"}
    if ctx.api_key:
        headers["x-api-key"] = ctx.api_key
    beta = ",".join(betas)
    if beta:
        headers["anthropic-beta"] = beta
    for name, value in ctx.extra_headers.items():
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    return headers


class AnthropicProvider(BaseProvider):
    """Claude through the Messages API (https://platform.claude.com/docs/en/api/messages)."""

    name = "anthropic"
    default_api_base = DEFAULT_API_BASE
    api_key_env = ("ANTHROPIC_API_KEY",)
    api_base_env = ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_BASE")
    # Not here, so the core refuses them: seed, presence/frequency_penalty, logprobs, logit_bias (no
    # Anthropic equivalent) and metadata (OpenAI's stored-completion tags; Anthropic's metadata only
    # carries a user id, which ``user``/``safety_identifier`` fill).
    supported_params = frozenset(
        {
            "temperature",
            "top_p",
            "max_tokens",
            "max_completion_tokens",
            "stop",
            "n",
            "user",
            "safety_identifier",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
            "reasoning_effort",
            "stream_options",
        }
    )

    def supported_params_for(self, model: str) -> frozenset[str]:
        """:attr:`supported_params` less what ``model`` refuses (Claude 4.7 and later: the sampling parameters)."""
        return accepted_params(self.supported_params, profile_for(model))

    #: Messages API body fields with no OpenAI parameter, accepted as keywords
    #: (https://platform.claude.com/docs/en/api/messages): merged into the body as given. ``inference_geo``
    #: ("global" or "us", Claude Opus 4.6 and later; a 400 on older models) picks where inference runs
    #: (https://platform.claude.com/docs/en/manage-claude/data-residency).
    native_params = frozenset(
        {"top_k", "thinking", "container", "mcp_servers", "context_management", "output_config", "inference_geo"}
    )

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        body = build_chat_body(params, ctx)
        return HttpRequest("POST", chat_url(ctx.api_base), build_headers(ctx), body)

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        return parse_chat_response(body, ctx)

    def chat_stream_translator(self, ctx: CallContext) -> AnthropicStreamTranslator:
        return AnthropicStreamTranslator(ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_error(status, headers, body, ctx)
