"""OpenAI ``POST /chat/completions``, ``/embeddings``, ``/images/generations``, ``/moderations`` (and
``/audio/transcriptions``, see ``transcriptions``): requests go out nearly as given, reshaped only where the
server's :class:`Profile` says (history, tools, length cap, ``stream_options``); answers already have our
shape but for the compatible servers' quirks (``parse_response``, ``stream``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from ...errors import APIError, BadRequestError
from ...types import ChatCompletion, EmbeddingResponse, ImagesResponse, ModerationResponse, TranscriptionResponse
from .._base import OPENAI_PARAMS, BaseProvider, CallContext, HttpRequest
from .convert_citations import add_url_citations
from .convert_messages import convert_messages
from .convert_tools import convert_tools
from .errors import map_openai_error
from .parse_response import parse_chat_completion
from .profile import ALL_TOOL_CHOICES, OPENAI, MaxTokensField, Profile
from .split_think_tags import split_think_tags
from .stream import OpenAIStreamTranslator
from .transcriptions import convert_transcription_form, parse_transcription_response


def join_url(api_base: str, path: str, host_path: str = "/v1") -> str:
    """``api_base`` + ``path``; a bare host gets ``host_path`` (``/v1``), a base already ending in ``path`` is kept."""
    base = api_base.rstrip("/")
    if base.endswith(path):
        return base
    _, _, rest = base.partition("://")
    if "/" not in rest:
        base += host_path
    return base + path


def _headers(ctx: CallContext, headers: dict[str, str]) -> dict[str, str]:
    if ctx.api_key:
        headers["authorization"] = f"Bearer {ctx.api_key}"
    headers.update(ctx.extra_headers)
    return headers


def json_request(ctx: CallContext, path: str, body: dict[str, Any]) -> HttpRequest:
    """``POST {api_base}{path}`` with a JSON body, the bearer key, and the caller's headers last."""
    headers = _headers(ctx, {"content-type": "application/json", "accept": "application/json"})
    return HttpRequest("POST", join_url(ctx.api_base, path), headers, body)


def _set_max_tokens(body: dict[str, Any], profile: Profile) -> None:
    """One length cap, in the field the server knows. Given both, ``max_completion_tokens`` wins: OpenAI
    documents it as the replacement of the deprecated ``max_tokens``."""
    if "max_tokens" not in body and "max_completion_tokens" not in body:
        return
    newer = body.pop("max_completion_tokens", None)
    older = body.pop("max_tokens", None)
    body[profile.max_tokens_field] = newer if newer is not None else older


def _check_tool_support(body: dict[str, Any], profile: Profile, ctx: CallContext) -> None:
    """``tools`` for a server without any, and ``tool_choice`` forms it does not take (its profile says)."""
    if not profile.tools and ("tools" in body or "tool_choice" in body):
        ctx.unsupported("tools" if "tools" in body else "tool_choice", f"{ctx.provider} has no tool calling")
        body.pop("tools", None)
        body.pop("tool_choice", None)
        return
    choice = body.get("tool_choice")
    if choice is None:
        return
    form = choice if isinstance(choice, str) else "named" if isinstance(choice, Mapping) else repr(choice)
    if isinstance(choice, Mapping) and choice.get("type") not in (None, "function"):
        form = str(choice.get("type"))
    if form not in profile.tool_choices:
        takes = ", ".join(sorted(profile.tool_choices))
        ctx.unsupported("tool_choice", f"{ctx.provider} takes tool_choice {takes}, not {form!r}")
        del body["tool_choice"]


def _split_reasoning(result: ChatCompletion) -> None:
    """Inline ``<think>`` reasoning (``Profile.reasoning_field == "think_tags"``) → ``reasoning_content``."""
    for choice in result.choices:
        message = choice.message
        if message.content and message.reasoning_content is None:
            reasoning, content = split_think_tags(message.content)
            if reasoning is not None:
                message.reasoning_content = reasoning
                message.content = content or None


def _as_given(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    return {"model": ctx.model, **params, **ctx.extra_body}


class OpenAIProvider(BaseProvider):
    """OpenAI itself; an OpenAI-compatible vendor is an instance with another name, base, key variable and
    :class:`Profile` (its quirks)."""

    supported_params: ClassVar[frozenset[str]] = OPENAI_PARAMS
    #: OpenAI's own answers and streams need no rewriting (the recorded traffic in ``cassettes/`` relays byte for
    #: byte); a profile that rewrites text (``think_tags``, ``citations``) clears it (see ``__init__``).
    openai_relay: ClassVar[frozenset[str]] = frozenset({"answer", "stream"})
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
        profile: Profile | None = None,
        host_path: str = "/v1",
    ) -> None:
        self.name = name  # type: ignore[misc]
        self.default_api_base = default_api_base  # type: ignore[misc]
        self.api_key_env = api_key_env  # type: ignore[misc]
        self.api_base_env = api_base_env  # type: ignore[misc]
        self.requires_api_key = requires_api_key  # type: ignore[misc]
        # OpenAI deprecated max_tokens (reasoning models reject it); many compatible servers only know it.
        # Kept for callers of the older signature; ``profile`` says it all (and wins when given).
        if profile is None:
            field: MaxTokensField = "max_completion_tokens" if max_tokens_as_max_completion_tokens else "max_tokens"
            profile = OPENAI if field == OPENAI.max_tokens_field else replace(OPENAI, max_tokens_field=field)
        self.profile = profile
        if profile.citations or profile.reasoning_field == "think_tags":  # the answer's text is rewritten
            self.openai_relay = frozenset()  # type: ignore[misc]
        elif profile != OPENAI:  # another server's stream quirks are normalised chunk by chunk: parse its streams
            self.openai_relay = self.openai_relay - {"stream"}  # type: ignore[misc]
        #: What a bare-host ``api_base`` is completed with (``/v1``; Databricks ``/serving-endpoints``).
        self.host_path = host_path

    @property
    def max_tokens_as_max_completion_tokens(self) -> bool:
        """The older flag, read from (and written to) ``profile.max_tokens_field``."""
        return self.profile.max_tokens_field == "max_completion_tokens"

    @max_tokens_as_max_completion_tokens.setter
    def max_tokens_as_max_completion_tokens(self, value: bool) -> None:
        self.profile = replace(self.profile, max_tokens_field="max_completion_tokens" if value else "max_tokens")

    def _url(self, ctx: CallContext, path: str) -> str:
        if not ctx.api_base:  # a server with no public address (self-hosted, per-workspace): the caller names it
            names = " or ".join(self.api_base_env)
            raise BadRequestError(
                f"{self.name} has no default address: pass api_base=..." + (f" or set {names}" if names else ""),
                provider=self.name,
                model=ctx.model,
                param="api_base",
                code="missing_api_base",
            )
        return join_url(ctx.api_base, path, self.host_path)

    def _json_request(self, ctx: CallContext, path: str, body: dict[str, Any]) -> HttpRequest:
        """:func:`json_request` at this server's address (its ``host_path``; an address is required)."""
        headers = _headers(ctx, {"content-type": "application/json", "accept": "application/json"})
        return HttpRequest("POST", self._url(ctx, path), headers, body)

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        profile = self.profile
        body: dict[str, Any] = {"model": ctx.model}
        body.update(params)
        body["messages"] = convert_messages(params["messages"], profile)
        if "tools" in body:
            tools = convert_tools(body["tools"], ctx, profile)
            if body["tools"] and not tools:  # every tool dropped (drop_params): a tool_choice would name nothing
                del body["tools"]
                body.pop("tool_choice", None)
            else:
                body["tools"] = tools
        choice = body.get("tool_choice")
        if not profile.custom_tools and isinstance(choice, Mapping) and choice.get("type") == "custom":
            ctx.unsupported("tool_choice", f"{ctx.provider} has no custom tools to choose")
            del body["tool_choice"]
        if profile.tools is False or profile.tool_choices is not ALL_TOOL_CHOICES:
            _check_tool_support(body, profile, ctx)
        _set_max_tokens(body, profile)
        if ctx.stream:
            body["stream"] = True
        if not profile.stream_options:
            # Such servers send usage unasked in their last chunk; the translator passes it on.
            body.pop("stream_options", None)
        body.update(ctx.extra_body)
        return self._json_request(ctx, "/chat/completions", body)

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        result = parse_chat_completion(body, ctx)
        if self.profile.reasoning_field == "think_tags":
            _split_reasoning(result)
        if self.profile.citations:
            add_url_citations(result)
        return result

    def chat_stream_translator(self, ctx: CallContext) -> OpenAIStreamTranslator:
        return OpenAIStreamTranslator(self, ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_openai_error(status, headers, body, ctx)

    # The other endpoints: OpenAI's request and answer shapes are ours, so they pass through.
    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return self._json_request(ctx, "/embeddings", _as_given(params, ctx))

    def parse_embedding_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return EmbeddingResponse.model_validate_json(body)

    def build_image_generation_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return self._json_request(ctx, "/images/generations", _as_given(params, ctx))

    def parse_image_generation_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> ImagesResponse:
        return ImagesResponse.model_validate_json(body)

    def build_moderation_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        return self._json_request(ctx, "/moderations", _as_given(params, ctx))

    def parse_moderation_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> ModerationResponse:
        return ModerationResponse.model_validate_json(body)

    def build_transcription_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        files, data = convert_transcription_form(params, ctx)
        url = self._url(ctx, "/audio/transcriptions")
        return HttpRequest("POST", url, _headers(ctx, {}), files=files, data=data)

    def parse_transcription_response(
        self, body: bytes, params: dict[str, Any], ctx: CallContext
    ) -> TranscriptionResponse | str:
        return parse_transcription_response(body, params)
