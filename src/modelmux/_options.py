"""The keyword arguments of the public functions: what type checkers see, and what is done with the rest.

Static surface: the overloads of ``completion()``/``acompletion()`` take ``**Unpack[CompletionOptions]``
(OpenAI parameters, common options, the providers' call options), so ``mypy --strict`` and editors check every
keyword (``temprature=0.2`` is a type error); native body fields go in ``extra_body=`` in typed code.

At run time a keyword that is neither a parameter of the function nor a common option is, in order:

1. one of the provider's ``call_options`` (read by the provider itself, never sent: credentials, region…);
2. one of the provider's ``native_params`` (its documented native body fields, e.g. Anthropic's ``top_k``):
   merged into the native body, as if passed in ``extra_body``;
3. a LiteLLM option that modelmux does not implement (:data:`LITELLM_ONLY`): never sent; it raises
   :class:`~modelmux.errors.UnsupportedParamsError` unless ``drop_params=True`` (then a
   ``DroppedParamWarning``), since ignoring ``num_retries`` or ``fallbacks`` silently would promise
   resilience the call does not have. The same holds for these names inside ``extra_body``. The public
   functions take :data:`RELIABILITY_OPTIONS` (``num_retries``, ``fallbacks``…) themselves, and ``cache``
   (:data:`CACHE_OPTIONS`) where they can cache (chat, embeddings, moderation, rerank, transcription);
4. anything else: :class:`~modelmux.errors.UnknownParameterError` (a ``TypeError`` and a
   ``BadRequestError``) naming it, with a did-you-mean suggestion.
"""

from __future__ import annotations

import difflib
import logging
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel
from typing_extensions import TypedDict

from .errors import DroppedParamWarning, UnknownParameterError, UnsupportedParamsError

if TYPE_CHECKING:
    from .cache import Cache, CacheUse

__all__ = [
    "CACHE_OPTIONS",
    "COMMON_OPTIONS",
    "LITELLM_ONLY",
    "NOT_SENT",
    "RELIABILITY_OPTIONS",
    "ACompletionOptions",
    "CompletionOptions",
    "drop_litellm_only",
    "sort_options",
]

logger = logging.getLogger("modelmux")

#: Keyword arguments every public function takes (consumed by ``_call.open_call``).
COMMON_OPTIONS = frozenset(
    {
        "api_key",
        "api_base",
        "base_url",
        "timeout",
        "extra_headers",
        "extra_body",
        "drop_params",
        "transport",
        "max_response_bytes",
        "max_event_bytes",
        "callbacks",
    }
)

#: LiteLLM keyword arguments that are about LiteLLM's own machinery (retries, fallbacks, caching, logging,
#: cost tracking, routing), not about the request: https://docs.litellm.ai/docs/completion/input
#: ("LiteLLM-specific params"). modelmux does not implement them; they are never sent upstream (``cache`` is
#: modelmux's own option when given to a call, and refused inside ``extra_body``).
#: ``metadata`` is not here: it is OpenAI's stored-completion field (an OpenAI parameter).
LITELLM_ONLY = frozenset(
    {
        "max_retries",
        "retry_policy",
        "context_window_fallback_dict",
        "mock_testing_fallbacks",
        "caching",
        "cache",
        "cooldown_time",
        "logger_fn",
        "litellm_logging_obj",
        "litellm_call_id",
        "litellm_metadata",
        "litellm_trace_id",
        "api_version",
        "custom_llm_provider",
        "base_model",
        "model_list",
        "deployment_id",
        "input_cost_per_token",
        "output_cost_per_token",
        "input_cost_per_second",
        "output_cost_per_second",
        "proxy_server_request",
        "preset_cache_key",
        "no-log",
        "client",
        "acompletion",
    }
)


#: completion()/acompletion()'s retry and fallback options (``_retry``, ``_fallbacks``): taken by those functions
#: themselves; never sent upstream, and refused like :data:`LITELLM_ONLY` by the other functions and in ``extra_body``.
RELIABILITY_OPTIONS = frozenset(
    {"num_retries", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "disable_fallbacks"}
)

#: ``cache=`` (a ``modelmux.Cache``): taken by chat, embeddings, moderation, rerank and transcription themselves
#: (``modelmux.cache``); also one of :data:`LITELLM_ONLY`, so the other functions refuse it and it is never sent.
CACHE_OPTIONS = frozenset({"cache"})

#: Names that are never sent upstream as body fields.
NOT_SENT = LITELLM_ONLY | RELIABILITY_OPTIONS | CACHE_OPTIONS

#: A fallback entry: a model string, or ``{"model": ..., **per-model keyword arguments}``.
FallbackEntry = str | Mapping[str, Any]


class _ChatOptions(TypedDict, total=False):
    """The OpenAI chat parameters modelmux understands (``providers._base.OPENAI_PARAMS``) and the common options."""

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    max_completion_tokens: int | None
    stop: str | Sequence[str] | None
    n: int | None
    seed: int | None
    user: str | None
    tools: Sequence[Mapping[str, Any]] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    response_format: Mapping[str, Any] | type[BaseModel] | None
    reasoning_effort: str | None
    stream_options: Mapping[str, Any] | None
    presence_penalty: float | None
    frequency_penalty: float | None
    logprobs: bool | None
    top_logprobs: int | None
    logit_bias: Mapping[Any, float] | None
    metadata: Mapping[str, str] | None
    service_tier: str | None
    store: bool | None
    modalities: Sequence[str] | None
    prediction: Mapping[str, Any] | None
    audio: Mapping[str, Any] | None
    web_search_options: Mapping[str, Any] | None
    verbosity: str | None
    prompt_cache_key: str | None
    safety_identifier: str | None
    functions: Sequence[Mapping[str, Any]] | None
    function_call: str | Mapping[str, Any] | None
    api_key: str | None
    api_base: str | None
    base_url: str | None
    timeout: float | httpx.Timeout | None
    extra_headers: Mapping[str, str] | None
    extra_body: Mapping[str, Any] | None
    drop_params: bool
    max_response_bytes: int | None
    max_event_bytes: int | None
    num_retries: int | None
    fallbacks: Sequence[FallbackEntry] | None
    context_window_fallbacks: Sequence[FallbackEntry] | None
    content_policy_fallbacks: Sequence[FallbackEntry] | None
    disable_fallbacks: bool
    first_chunk_timeout: float | None
    callbacks: Sequence[Any] | None
    cache: Cache | CacheUse | None
    mock_response: Any
    mock_tool_calls: Sequence[Mapping[str, Any]] | None
    mock_script: Any
    mock_delay: float | None
    mock_tokens_per_second: float | None


class _CallOptions(TypedDict, total=False):
    """The registered providers' ``call_options`` (credentials, region, project, API version: read by the
    provider, never sent), so typed code can pass them; a test keeps this list complete."""

    aws_access_key_id: str | None
    aws_secret_access_key: str | None
    aws_session_token: str | None
    aws_region_name: str | None
    aws_profile_name: str | None
    credential_provider: Any
    vertex_project: str | None
    vertex_location: str | None
    vertex_credentials: Any
    vertex_access_token: str | None
    vertex_token_provider: Any
    api_version: str | None
    azure_ad_token: str | None
    azure_ad_token_provider: Any
    azure_credential: Any
    base_model: str | None
    ollama_endpoint: Literal["chat", "generate"] | None
    chat_template: Any
    chat_template_kwargs: Mapping[str, Any] | None


class CompletionOptions(_ChatOptions, _CallOptions, total=False):
    """Keyword arguments of :func:`modelmux.completion` (besides ``model``, ``messages``, ``stream``)."""

    transport: httpx.BaseTransport | None


class ACompletionOptions(_ChatOptions, _CallOptions, total=False):
    """Keyword arguments of :func:`modelmux.acompletion` (besides ``model``, ``messages``, ``stream``)."""

    transport: httpx.AsyncBaseTransport | None


def sort_options(
    options: dict[str, Any],
    *,
    consumed: Collection[str],
    native: Collection[str],
    known: Collection[str],
    provider: str,
    function: str,
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Split leftover keyword arguments into ``(call_options, native_fields, litellm_only)``.

    Raises :class:`UnknownParameterError` for the first name that is none of them.
    """
    call_options: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    litellm: list[str] = []
    for key, value in options.items():
        if key in consumed:
            call_options[key] = value
        elif key in native:
            if value is not None:
                fields[key] = value
        elif key in NOT_SENT:
            litellm.append(key)
        else:
            raise _unknown(key, known, consumed, native, provider, function)
    return call_options, fields, litellm


#: Other libraries' names for modelmux's options (LiteLLM, the OpenAI SDK).
_ALIASES = {"request_timeout": "timeout", "headers": "extra_headers", "default_headers": "extra_headers"}


def _unknown(
    key: str, known: Collection[str], consumed: Collection[str], native: Collection[str], provider: str, function: str
) -> UnknownParameterError:
    candidates = {*known, *COMMON_OPTIONS, *consumed, *native}
    close = [_ALIASES[key]] if key in _ALIASES else difflib.get_close_matches(key, candidates, n=1, cutoff=0.75)
    message = f"{function}() got an unexpected keyword argument {key!r}"
    if close:
        message += f" (did you mean {close[0]!r}?)"
    message += ". Provider-specific body fields go in extra_body={...}"
    if native:
        shown = sorted(native)
        more = f", … ({len(shown) - 12} more)" if len(shown) > 12 else ""
        message += f"; {provider} also takes these as keywords: {', '.join(shown[:12])}{more}"
    return UnknownParameterError(message, provider=provider, param=key, code="unknown_parameter")


def drop_litellm_only(names: Sequence[str], drop_params: bool, provider: str, model: str) -> None:
    """LiteLLM-only options are never sent: raise, or warn and drop with ``drop_params``."""
    if not names:
        return
    listed = ", ".join(repr(n) for n in names)
    message = (
        f"modelmux does not implement the LiteLLM option(s) {listed} (LiteLLM's own machinery; modelmux's retries, "
        "fallbacks, cache= and callbacks= are documented on completion())"
    )
    if not drop_params:
        raise UnsupportedParamsError(
            message + "; remove them, or pass drop_params=True to ignore them with a warning",
            provider=provider,
            model=model,
            param=names[0],
            code="unsupported_option",
        )
    message += "; ignored because drop_params=True"
    warnings.warn(message, DroppedParamWarning, stacklevel=5)
    logger.warning(message)
