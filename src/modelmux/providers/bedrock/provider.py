"""The AWS Bedrock provider (Converse / ConverseStream): endpoint, auth, and the contract's functions.

Routes (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
``POST {endpoint}/model/{modelId}/converse`` and ``…/converse-stream``, the model id percent-encoded as one
path segment (``:`` → ``%3A``, ``/`` → ``%2F`` in ARNs). The endpoint is ``api_base`` when given (the path is
appended to it), else ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``, else ``https://bedrock-runtime.{region}.amazonaws.com``.

The body is serialised here (``HttpRequest.content``) so that :meth:`BedrockProvider.authorize_request` signs
the exact bytes sent (SigV4, :mod:`.sigv4`), with credentials resolved right before sending
(:mod:`.credentials`). A Bedrock API key is sent as ``Authorization: Bearer`` and nothing is signed.
Embeddings go through InvokeModel (``…/model/{modelId}/invoke``, :mod:`.embeddings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from pydantic_core import to_json

from ...errors import APIError
from ...types import ChatCompletion, EmbeddingResponse
from .._base import BaseProvider, CallContext, HttpRequest
from ..anthropic.profile import accepted_params
from .build_request import CONVERSE_FIELDS, build_converse_body
from .credentials import AwsCredentials, CredentialResolver
from .embeddings import build_embedding_body, parse_embedding_response
from .errors import map_error
from .eventstream import EventStreamDecoder
from .parse_response import parse_chat_response
from .profile import native_model_id, profile_for
from .sigv4 import SigningKey, sign_headers
from .stream import BedrockStreamTranslator

__all__ = ["BedrockProvider", "model_path"]

SIGNING_SERVICE = "bedrock"
EVENT_STREAM = "application/vnd.amazon.eventstream"


@lru_cache(maxsize=256)  # a pure function, on every call: the quoting is not free
def model_path(model: str, action: str) -> str:
    """``/model/{id}/{action}`` with the id as one percent-encoded segment (an already-encoded id is kept)."""
    return f"/model/{quote(unquote(native_model_id(model)), safe='')}/{action}"


class BedrockProvider(BaseProvider):
    """Models on Amazon Bedrock through the Converse API, one wire format for every model family."""

    name = "bedrock"
    default_api_base = ""
    api_key_env = ("AWS_BEARER_TOKEN_BEDROCK",)
    api_base_env = ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME",)
    requires_api_key = False
    call_options: ClassVar[frozenset[str]] = frozenset(
        {
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "aws_region_name",
            "aws_profile_name",
            "credential_provider",
        }
    )
    #: Keywords sent as native fields (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
    #: the Converse request members (merged into the body), common model parameters (into
    #: ``additionalModelRequestFields``), and the embedding models' options (Titan ``normalize``, Cohere
    #: ``input_type``, ``truncate``, ``embedding_types``). Others: ``extra_body=``.
    native_params: ClassVar[frozenset[str]] = (CONVERSE_FIELDS - {"messages", "system"}) | frozenset(
        {"top_k", "thinking", "reasoning_config", "reasoningConfig", "anthropic_beta"}
        | {"normalize", "input_type", "truncate", "embedding_types", "embeddingTypes"}
    )
    # Not here, so the core refuses them: seed, penalties, logprobs, logit_bias, user/metadata (no Converse
    # field; requestMetadata can be passed as a provider option).
    supported_params = frozenset(
        {
            "temperature",
            "top_p",
            "max_tokens",
            "max_completion_tokens",
            "stop",
            "n",
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
        claude = profile_for(model).claude
        return self.supported_params if claude is None else accepted_params(self.supported_params, claude)

    def __init__(self) -> None:
        self.credentials = CredentialResolver()

    # ------------------------------------------------------------------ requests

    def endpoint(self, ctx: CallContext) -> str:
        if ctx.api_base:
            return ctx.api_base.rstrip("/")
        region = self.credentials.require_region(ctx.options)
        return f"https://bedrock-runtime.{region}.amazonaws.com"

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        body = build_converse_body(params, ctx)
        url = self.endpoint(ctx) + model_path(ctx.model, "converse-stream" if ctx.stream else "converse")
        headers = {"content-type": "application/json", "accept": EVENT_STREAM if ctx.stream else "application/json"}
        return HttpRequest("POST", url, self.headers(ctx, headers), content=to_json(body))

    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        """InvokeModel with the embedding model's native body (Titan or Cohere, see :mod:`.embeddings`)."""
        body = build_embedding_body(params, ctx)
        headers = {"content-type": "application/json", "accept": "application/json"}
        url = self.endpoint(ctx) + model_path(ctx.model, "invoke")
        return HttpRequest("POST", url, self.headers(ctx, headers), content=to_json(body))

    def parse_embedding_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return parse_embedding_response(body, params, ctx)

    def headers(self, ctx: CallContext, headers: dict[str, str]) -> dict[str, str]:
        """Bearer auth for an API key; ``ctx.extra_headers`` last, replacing a header of the same name."""
        if ctx.api_key:
            headers["authorization"] = f"Bearer {ctx.api_key}"
        for name, value in ctx.extra_headers.items():
            for existing in [k for k in headers if k.lower() == name.lower()]:
                del headers[existing]
            headers[name] = value
        return headers

    # ------------------------------------------------------------------ auth

    def authorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        """SigV4-sign the request (nothing to do with an API key)."""
        if ctx.api_key:
            return request
        return self._sign(request, ctx, self.credentials.resolve(ctx.options))

    async def aauthorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        if ctx.api_key:
            return request
        return self._sign(request, ctx, await self.credentials.aresolve(ctx.options))

    def _sign(self, request: HttpRequest, ctx: CallContext, creds: AwsCredentials) -> HttpRequest:
        ctx.secrets.extend(s for s in (creds.secret_key, creds.token) if s and s not in ctx.secrets)
        key = SigningKey(
            creds.access_key,
            creds.secret_key,
            self.credentials.require_region(ctx.options, request.url),
            SIGNING_SERVICE,
            creds.token,
        )
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("authorization", "x-amz-date")}
        headers.update(sign_headers(request.method, request.url, headers, request.content or b"", key))
        request.headers = headers
        return request

    # ------------------------------------------------------------------ answers

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        return parse_chat_response(body, ctx)

    def chat_stream_decoder(self, ctx: CallContext) -> EventStreamDecoder:
        return EventStreamDecoder()

    def chat_stream_translator(self, ctx: CallContext) -> BedrockStreamTranslator:
        return BedrockStreamTranslator(ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_error(status, headers, body, ctx)
