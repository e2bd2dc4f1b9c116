"""Google Vertex AI (``vertex/<model>``): Gemini and Claude models on a Google Cloud project.

The dialect comes from the model's publisher (``map_publisher``), the URL from project, location and version
(``settings``, ``build_url``), the auth header from ``auth`` right before sending. Everything else is the
dialect's own provider.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from ...errors import APIError, BadRequestError
from ...types import ChatCompletion, ChatCompletionChunk, EmbeddingResponse
from .._base import BaseProvider, CallContext, HttpRequest, StreamTranslator
from . import settings as vertex_settings
from .auth import VertexAuth
from .build_url import model_url
from .dialects import DIALECTS, Dialect, map_vertex_error
from .embeddings import build_embedding_body, parse_embedding_response
from .map_publisher import split_model

__all__ = ["VertexProvider"]

#: Stands for the credentials' own project in a URL until ``authorize_request`` knows it ("_" is no project id).
_CREDENTIALS_PROJECT = "_"
_PROJECT_SLOT = f"/projects/{_CREDENTIALS_PROJECT}/"


def _dialect(ctx: CallContext) -> tuple[Dialect, str]:
    publisher, model = split_model(ctx.model)
    return DIALECTS[publisher], model


class _NamedTranslator:
    """The dialect's stream translator; errors it raises mid-stream name Vertex, not the dialect's provider."""

    __slots__ = ("inner", "name")

    def __init__(self, inner: StreamTranslator, name: str) -> None:
        self.inner = inner
        self.name = name

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        try:
            return self.inner.feed(event, data)
        except APIError as err:
            err.provider = self.name
            raise

    def finish(self) -> list[ChatCompletionChunk]:
        try:
            return self.inner.finish()
        except APIError as err:
            err.provider = self.name
            raise


class VertexProvider(BaseProvider):
    """Vertex AI's publisher models in the OpenAI format."""

    name: ClassVar[str] = "vertex"
    default_api_base: ClassVar[str] = ""  # derived from the location, see build_url.host_for
    api_key_env: ClassVar[tuple[str, ...]] = ()  # an express-mode key only when passed: ADC is the default
    api_base_env: ClassVar[tuple[str, ...]] = ()  # the host follows the location (build_url)
    requires_api_key: ClassVar[bool] = False
    call_options: ClassVar[frozenset[str]] = frozenset(
        {
            "vertex_project",
            "vertex_location",
            "vertex_credentials",
            "vertex_access_token",
            "vertex_token_provider",
            "api_version",
        }
    )

    def __init__(self) -> None:
        self.auth = VertexAuth()

    @property
    def native_params(self) -> frozenset[str]:  # type: ignore[override]
        """Each dialect's native keywords, and the embedding options (``task_type``, ``title``, ``auto_truncate``,
        ``output_dimensionality``: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api)."""
        own = {"task_type", "taskType", "title", "auto_truncate", "autoTruncate", "output_dimensionality"}
        return frozenset(own).union(*(getattr(d.provider, "native_params", ()) for d in DIALECTS.values()))

    @property
    def supported_params(self) -> frozenset[str]:  # type: ignore[override]
        """Any dialect's; a parameter the model's own dialect lacks goes through ``ctx.unsupported`` in build."""
        return frozenset().union(*(d.provider.supported_params for d in DIALECTS.values()))

    def supported_params_for(self, model: str) -> frozenset[str]:
        """The parameters of ``model``'s own dialect (and what that model refuses there)."""
        publisher, bare = split_model(model)
        dialect = DIALECTS.get(publisher)
        if dialect is None:
            return self.supported_params
        for_model = getattr(dialect.provider, "supported_params_for", None)
        params: frozenset[str] = for_model(bare) if for_model is not None else dialect.provider.supported_params
        return params

    def _url(self, ctx: CallContext, publisher: str, model: str, method: str) -> str:
        settings = vertex_settings.resolve(ctx.options, os.environ)
        if settings.project is None and not ctx.api_key:
            # Not express mode: the project the credentials belong to, filled in by authorize_request.
            settings = dataclasses.replace(settings, project=_CREDENTIALS_PROJECT)
        return model_url(ctx.api_base or None, settings, publisher, model, method)

    def _headers(self, ctx: CallContext, dialect_headers: Mapping[str, str] = {}) -> dict[str, str]:
        headers = {"content-type": "application/json", **dialect_headers}
        headers.update(ctx.extra_headers)
        return headers

    # ------------------------------------------------------------------ chat

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        dialect, model = _dialect(ctx)
        supported = dialect.provider.supported_params
        for key in [k for k in params if k != "messages" and k not in supported]:
            ctx.unsupported(key, f"not expressible for {dialect.publisher} models on Vertex AI")
            del params[key]
        body, headers = dialect.build_body(params, ctx)
        url = self._url(ctx, dialect.publisher, model, dialect.stream_method if ctx.stream else dialect.method)
        return HttpRequest("POST", url, self._headers(ctx, headers), body)

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        result: ChatCompletion = _dialect(ctx)[0].provider.parse_chat_response(body, ctx)
        return result

    def chat_stream_translator(self, ctx: CallContext) -> StreamTranslator:
        return _NamedTranslator(_dialect(ctx)[0].provider.chat_stream_translator(ctx), ctx.provider)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_vertex_error(status, headers, body, ctx)

    # ------------------------------------------------------------------ embeddings (Google's models, :predict)

    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        publisher, model = split_model(ctx.model)
        url = self._url(ctx, publisher, model, "predict")
        return HttpRequest("POST", url, self._headers(ctx), build_embedding_body(params, ctx))

    def parse_embedding_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return parse_embedding_response(body, params, ctx)

    # ------------------------------------------------------------------ auth, right before sending

    def authorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        if _PROJECT_SLOT in request.url:
            request.url = self._with_project(request.url, self.auth.project(ctx), ctx)
        return self.auth.authorize(request, ctx)

    async def aauthorize_request(self, request: HttpRequest, ctx: CallContext) -> HttpRequest:
        if _PROJECT_SLOT in request.url:
            request.url = self._with_project(request.url, await self.auth.aproject(ctx), ctx)
        return await self.auth.aauthorize(request, ctx)

    def _with_project(self, url: str, project: str | None, ctx: CallContext) -> str:
        if not project:
            raise BadRequestError(
                "no Google Cloud project for Vertex AI: pass vertex_project=... or set GOOGLE_CLOUD_PROJECT "
                "(or VERTEXAI_PROJECT), or use credentials that name one; an express-mode api_key needs none",
                provider=self.name,
                model=ctx.model,
                param="vertex_project",
            )
        return url.replace(_PROJECT_SLOT, f"/projects/{quote(project, safe='')}/", 1)
