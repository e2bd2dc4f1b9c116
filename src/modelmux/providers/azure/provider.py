"""Azure OpenAI (``azure/<deployment>``): the OpenAI provider on Azure's routes, with Azure's auth and errors.

Every request is the OpenAI provider's own, moved to the Azure URL (``build_url``) and stripped of the OpenAI
bearer key; the auth header is set right before sending (``auth``). Azure has no moderation endpoint, so that
operation is not offered.

A deployment is named by the caller and need not be a model name: ``base_model=`` names the model behind it for
the catalog (context window, output limit), e.g. ``completion("azure/prod-chat", ..., base_model="gpt-4o")``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import APIError, BadRequestError
from .._base import CallContext, HttpRequest
from ..openai.provider import OpenAIProvider
from .auth import AzureAuth
from .build_url import azure_url
from .errors import map_azure_error
from .settings import resolve_api_version
from .stream import AzureStreamTranslator

__all__ = ["AzureProvider"]


class AzureProvider(OpenAIProvider):
    """OpenAI's wire format on an Azure OpenAI (or Azure AI Foundry) resource."""

    call_options: ClassVar[frozenset[str]] = frozenset(
        {"api_version", "azure_ad_token", "azure_ad_token_provider", "azure_credential", "base_model"}
    )
    #: Answers only, each checked (``modelmux._raw_answer``); streams go through ``AzureStreamTranslator``.
    openai_relay: ClassVar[frozenset[str]] = frozenset({"answer"})
    #: Azure has no moderation endpoint; None makes the core refuse the operation before anything is sent.
    build_moderation_request = None  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__(
            name="azure",
            default_api_base="",
            api_key_env=("AZURE_OPENAI_API_KEY", "AZURE_API_KEY"),
            api_base_env=("AZURE_OPENAI_ENDPOINT", "AZURE_API_BASE"),
            requires_api_key=False,  # an Entra ID token is the alternative
            # Kept as the caller wrote it: older dated API versions reject max_completion_tokens.
            max_tokens_as_max_completion_tokens=False,
        )
        self.auth = AzureAuth()

    def _on_azure(self, request: HttpRequest, ctx: CallContext, operation: str) -> HttpRequest:
        """The OpenAI provider's request, sent to the deployment's Azure URL without OpenAI's bearer key."""
        if not ctx.api_base:
            raise BadRequestError(
                "no Azure OpenAI endpoint: pass api_base='https://<resource>.openai.azure.com' "
                "or set AZURE_OPENAI_ENDPOINT (or AZURE_API_BASE)",
                provider=self.name,
                model=ctx.model,
                param="api_base",
            )
        _catalog_base_model(ctx)
        request.url = azure_url(ctx.api_base, ctx.model, operation, resolve_api_version(ctx.options, os.environ))
        if ctx.api_key and request.headers.get("authorization") == f"Bearer {ctx.api_key}":
            del request.headers["authorization"]
        return request

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return self._on_azure(super().build_chat_request(params, ctx), ctx, "/chat/completions")

    def chat_stream_translator(self, ctx: CallContext) -> AzureStreamTranslator:
        return AzureStreamTranslator(self, ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_azure_error(status, headers, body, ctx)

    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return self._on_azure(super().build_embedding_request(params, ctx), ctx, "/embeddings")

    def build_image_generation_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return self._on_azure(super().build_image_generation_request(params, ctx), ctx, "/images/generations")

    def build_transcription_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return self._on_azure(super().build_transcription_request(params, ctx), ctx, "/audio/transcriptions")

    # ------------------------------------------------------------------ auth, right before sending

    def authorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        return self.auth.authorize(request, ctx)

    async def aauthorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        return await self.auth.aauthorize(request, ctx)


def _catalog_base_model(ctx: CallContext) -> None:
    """``base_model=``: the catalog row of the model behind the deployment, when the deployment has none."""
    base = ctx.options.get("base_model")
    if not base:
        return
    from ..._registry import catalog, model_info

    info = model_info("azure", str(base)) or catalog().get(str(base))
    if info is not None:
        ctx.info = dataclasses.replace(info, provider="azure", model=ctx.model)
