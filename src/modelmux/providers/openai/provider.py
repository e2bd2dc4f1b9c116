"""OpenAI ``POST /chat/completions``, ``/embeddings``, ``/images/generations``, ``/moderations`` (and
``/audio/transcriptions``, see ``transcriptions``): requests go out nearly as given; answers already have our shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import APIError
from ...types import ChatCompletion, EmbeddingResponse, ImagesResponse, ModerationResponse, TranscriptionResponse
from .._base import OPENAI_PARAMS, BaseProvider, CallContext, HttpRequest
from .errors import map_openai_error
from .map_finish_reason import normalize_choices
from .stream import OpenAIStreamTranslator
from .transcriptions import convert_transcription_form, parse_transcription_response

#: Assistant-message fields modelmux adds on output that OpenAI-format servers reject on input.
_OUTPUT_ONLY_FIELDS = ("reasoning_content", "thinking_blocks")


def join_url(api_base: str, path: str) -> str:
    """``api_base`` + ``path``; a bare host gets ``/v1``, a base already ending in ``path`` is kept."""
    base = api_base.rstrip("/")
    if base.endswith(path):
        return base
    _, _, rest = base.partition("://")
    if "/" not in rest:
        base += "/v1"
    return base + path


def _clean_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not any(m.get("role") == "assistant" and any(k in m for k in _OUTPUT_ONLY_FIELDS) for m in messages):
        return messages
    return [
        {k: v for k, v in m.items() if k not in _OUTPUT_ONLY_FIELDS} if m.get("role") == "assistant" else m
        for m in messages
    ]


def _headers(ctx: CallContext, headers: dict[str, str]) -> dict[str, str]:
    if ctx.api_key:
        headers["authorization"] = f"Bearer {ctx.api_key}"
    headers.update(ctx.extra_headers)
    return headers


def json_request(ctx: CallContext, path: str, body: dict[str, Any]) -> HttpRequest:
    """``POST {api_base}{path}`` with a JSON body, the bearer key, and the caller's headers last."""
    headers = _headers(ctx, {"content-type": "application/json", "accept": "application/json"})
    return HttpRequest("POST", join_url(ctx.api_base, path), headers, body)


def _as_given(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    return {"model": ctx.model, **params, **ctx.extra_body}


class OpenAIProvider(BaseProvider):
    """OpenAI itself; an OpenAI-compatible vendor is an instance with another name, base and key variable."""

    supported_params: ClassVar[frozenset[str]] = OPENAI_PARAMS
    #: Body fields beyond ``OPENAI_PARAMS`` accepted as keywords: OpenAI's own newer or per-endpoint fields
    #: (https://platform.openai.com/docs/api-reference: chat ``prompt_cache_retention``; images ``background``,
    #: ``moderation``, ``output_format``…; transcriptions ``chunking_strategy``, ``include``), and the common
    #: extensions of OpenAI-compatible servers (vLLM/Together/Fireworks/OpenRouter sampling ``top_k``, ``min_p``,
    #: ``repetition_penalty``; OpenRouter ``reasoning``/``provider``/``models``/``transforms``; Mistral
    #: ``safe_prompt``/``random_seed``; Groq ``reasoning_format``; vLLM ``chat_template_kwargs``/``guided_*``).
    native_params: ClassVar[frozenset[str]] = frozenset(
        {
            "prompt_cache_retention",
            "background",
            "moderation",
            "output_format",
            "output_compression",
            "partial_images",
            "input_fidelity",
            "chunking_strategy",
            "include",
            "top_k",
            "min_p",
            "top_a",
            "repetition_penalty",
            "reasoning",
            "include_reasoning",
            "reasoning_format",
            "provider",
            "models",
            "route",
            "transforms",
            "safe_prompt",
            "random_seed",
            "chat_template_kwargs",
            "guided_json",
            "guided_regex",
            "guided_choice",
            "guided_grammar",
            "search_parameters",
            "thinking",
            "enable_thinking",
        }
    )

    def __init__(
        self,
        name: str = "openai",
        default_api_base: str = "https://api.openai.com/v1",
        api_key_env: tuple[str, ...] = ("OPENAI_API_KEY",),
        api_base_env: tuple[str, ...] = ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
        *,
        requires_api_key: bool = True,
        max_tokens_as_max_completion_tokens: bool = True,
    ) -> None:
        self.name = name  # type: ignore[misc]
        self.default_api_base = default_api_base  # type: ignore[misc]
        self.api_key_env = api_key_env  # type: ignore[misc]
        self.api_base_env = api_base_env  # type: ignore[misc]
        self.requires_api_key = requires_api_key  # type: ignore[misc]
        # OpenAI deprecated max_tokens (reasoning models reject it); many compatible servers only know it.
        self.max_tokens_as_max_completion_tokens = max_tokens_as_max_completion_tokens

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        body: dict[str, Any] = {"model": ctx.model}
        body.update(params)
        body["messages"] = _clean_messages(params["messages"])
        if self.max_tokens_as_max_completion_tokens and "max_tokens" in body and "max_completion_tokens" not in body:
            body["max_completion_tokens"] = body.pop("max_tokens")
        if ctx.stream:
            body["stream"] = True
        body.update(ctx.extra_body)
        return json_request(ctx, "/chat/completions", body)

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        result = ChatCompletion.model_validate_json(body)
        normalize_choices(result.choices)
        if not result.model:
            result.model = ctx.model
        return result

    def chat_stream_translator(self, ctx: CallContext) -> OpenAIStreamTranslator:
        return OpenAIStreamTranslator(self, ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_openai_error(status, headers, body, ctx)

    # The other endpoints: OpenAI's request and answer shapes are ours, so they pass through.
    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return json_request(ctx, "/embeddings", _as_given(params, ctx))

    def parse_embedding_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return EmbeddingResponse.model_validate_json(body)

    def build_image_generation_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return json_request(ctx, "/images/generations", _as_given(params, ctx))

    def parse_image_generation_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> ImagesResponse:
        return ImagesResponse.model_validate_json(body)

    def build_moderation_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return json_request(ctx, "/moderations", _as_given(params, ctx))

    def parse_moderation_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> ModerationResponse:
        return ModerationResponse.model_validate_json(body)

    def build_transcription_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        files, data = convert_transcription_form(params, ctx)
        url = join_url(ctx.api_base, "/audio/transcriptions")
        return HttpRequest("POST", url, _headers(ctx, {}), files=files, data=data)

    def parse_transcription_response(
        self, body: bytes, params: dict[str, Any], ctx: CallContext
    ) -> TranscriptionResponse | str:
        return parse_transcription_response(body, params)
