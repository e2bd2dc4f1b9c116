"""A call's :class:`~modelmux.callbacks.CallEvent` → OpenTelemetry GenAI semantic-convention attributes.

Pure mapping, no OpenTelemetry import. Names and values follow the GenAI semantic conventions
(https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ and ``gen-ai-metrics``, status "development"):
span name ``"{gen_ai.operation.name} {gen_ai.request.model}"``, ``gen_ai.provider.name`` from its list of
well-known values, usage split into input/output plus cache-read, cache-creation and reasoning tokens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..callbacks import CallEvent
from ..types import Usage

__all__ = [
    "attempt_attributes",
    "input_messages",
    "operation_name",
    "output_messages",
    "provider_name",
    "request_attributes",
    "response_attributes",
    "usage_counts",
]

#: modelmux operation → ``gen_ai.operation.name`` (well-known values: chat, embeddings, text_completion…; the
#: others have none yet and keep modelmux's name).
_OPERATIONS = {"completion": "chat", "embedding": "embeddings"}

#: modelmux provider → ``gen_ai.provider.name`` well-known value; others keep modelmux's name (the convention
#: allows a custom value when none fits).
_PROVIDERS = {
    "openai": "openai",
    "azure": "azure.ai.openai",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
    "gemini": "gcp.gemini",
    "vertex_ai": "gcp.vertex_ai",
    "vertex": "gcp.vertex_ai",
    "cohere": "cohere",
    "mistral": "mistral_ai",
    "groq": "groq",
    "deepseek": "deepseek",
    "xai": "x_ai",
    "perplexity": "perplexity",
    "watsonx": "ibm.watsonx.ai",
}

#: OpenAI request parameter → ``gen_ai.request.*`` attribute.
_REQUEST_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "top_k": "gen_ai.request.top_k",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "seed": "gen_ai.request.seed",
    "n": "gen_ai.request.choice.count",
}


def operation_name(event: CallEvent) -> str:
    return _OPERATIONS.get(event.operation, event.operation)


def provider_name(event: CallEvent) -> str:
    provider = event.provider or "unknown"
    return _PROVIDERS.get(provider, provider)


def _model_id(event: CallEvent) -> str:
    """The model without modelmux's ``provider/`` prefix (what the provider is asked for)."""
    try:
        from .._registry import resolve

        return resolve(event.model).model
    except Exception:  # an unresolvable model string failed the call already; name it as given
        return event.model


def attempt_attributes(event: CallEvent, model: str) -> dict[str, Any]:
    """An attempt's ``gen_ai.provider.name`` and ``gen_ai.request.model``: a fallback may go to another provider
    and model than the call names. A name that is no model string (a router's group) keeps the call's provider."""
    try:
        from .._registry import resolve

        resolved = resolve(model)
        provider, model_id = _PROVIDERS.get(resolved.provider_name, resolved.provider_name), resolved.model
    except Exception:
        provider, model_id = provider_name(event), model
    return {"gen_ai.provider.name": provider, "gen_ai.request.model": model_id}


def request_attributes(event: CallEvent) -> dict[str, Any]:
    """What is known when the call starts."""
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": operation_name(event),
        "gen_ai.provider.name": provider_name(event),
        "gen_ai.request.model": _model_id(event),
    }
    if event.operation == "completion":
        attrs["gen_ai.request.stream"] = event.stream
    kwargs = event.kwargs
    for name, attribute in _REQUEST_PARAMS.items():
        value = kwargs.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attrs[attribute] = value
    stop = kwargs.get("stop")
    if isinstance(stop, str):
        attrs["gen_ai.request.stop_sequences"] = [stop]
    elif isinstance(stop, (list, tuple)) and all(isinstance(s, str) for s in stop):
        attrs["gen_ai.request.stop_sequences"] = list(stop)
    encoding = kwargs.get("encoding_format")
    if isinstance(encoding, str):
        attrs["gen_ai.request.encoding_formats"] = [encoding]
    return attrs


def usage_counts(usage: Any) -> dict[str, int]:
    """``gen_ai.usage.*`` counts: input (every prompt token, cached ones included), output (reasoning included),
    and the cache-read, cache-creation and reasoning parts, each when known."""
    if usage is None:
        return {}
    if isinstance(usage, Usage):  # modelmux's own (OpenAI-shaped) usage: read it as is, no normalising copy
        return _from_usage(usage)
    try:
        from ..cost.normalize_usage import normalize_usage

        tokens = normalize_usage(usage)
    except (ValueError, TypeError):
        return {}
    counts = {
        "gen_ai.usage.input_tokens": tokens.prompt_tokens,
        "gen_ai.usage.output_tokens": tokens.completion_tokens,
    }
    if tokens.cache_read or tokens.cache_read_audio:
        counts["gen_ai.usage.cache_read.input_tokens"] = tokens.cache_read + tokens.cache_read_audio
    if tokens.cache_write_5m or tokens.cache_write_1h:
        counts["gen_ai.usage.cache_creation.input_tokens"] = tokens.cache_write_5m + tokens.cache_write_1h
    if tokens.reasoning:
        counts["gen_ai.usage.reasoning.output_tokens"] = tokens.reasoning
    return counts


def _from_usage(usage: Usage) -> dict[str, int]:
    """``prompt_tokens`` counts every input token (cache reads and writes included) and ``completion_tokens``
    every output token (reasoning included): modelmux's convention, see ``cost.normalize_usage``."""
    counts = {"gen_ai.usage.input_tokens": usage.prompt_tokens, "gen_ai.usage.output_tokens": usage.completion_tokens}
    cached = usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None
    if cached:
        counts["gen_ai.usage.cache_read.input_tokens"] = cached
    written = (usage.model_extra or {}).get("cache_creation_input_tokens")
    if isinstance(written, int) and not isinstance(written, bool) and written > 0:
        counts["gen_ai.usage.cache_creation.input_tokens"] = written
    reasoning = usage.completion_tokens_details.reasoning_tokens if usage.completion_tokens_details else None
    if reasoning:
        counts["gen_ai.usage.reasoning.output_tokens"] = reasoning
    return counts


def response_attributes(event: CallEvent) -> dict[str, Any]:
    """What is known when the call ended."""
    attrs: dict[str, Any] = {}
    if event.response_id:
        attrs["gen_ai.response.id"] = event.response_id
    if event.response_model:
        attrs["gen_ai.response.model"] = event.response_model
    reasons = event.finish_reasons
    if reasons:
        attrs["gen_ai.response.finish_reasons"] = reasons
    attrs.update(usage_counts(event.usage))
    if event.time_to_first_chunk is not None:
        attrs["gen_ai.response.time_to_first_chunk"] = event.time_to_first_chunk
    if event.error is not None:
        attrs["error.type"] = type(event.error).__name__
    return attrs


# ---------------------------------------------------------------------- content (opt-in only)


def _parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else [content]:
        if isinstance(part, Mapping) and part.get("type") == "text":
            parts.append({"type": "text", "content": part.get("text", "")})
        elif isinstance(part, Mapping):
            parts.append({"type": str(part.get("type", "unknown"))})  # images, audio, files: their kind only
    return parts


def _tool_calls(calls: Any) -> list[dict[str, Any]]:
    out = []
    for call in calls or ():
        doc = call.model_dump() if hasattr(call, "model_dump") else call
        function = doc.get("function") or {}
        name, arguments = function.get("name"), function.get("arguments")
        out.append({"type": "tool_call", "id": doc.get("id"), "name": name, "arguments": arguments})
    return out


def input_messages(messages: Any) -> str:
    """``gen_ai.input.messages`` as a JSON string (the chat messages in the convention's role/parts shape)."""
    out = []
    for message in messages or ():
        doc = message.model_dump(exclude_none=True) if hasattr(message, "model_dump") else message
        if not isinstance(doc, Mapping):
            continue
        role = doc.get("role")
        if role == "tool":
            parts = [{"type": "tool_call_response", "id": doc.get("tool_call_id"), "response": doc.get("content")}]
        else:
            parts = _parts(doc.get("content")) + _tool_calls(doc.get("tool_calls"))
        out.append({"role": role, "parts": parts})
    return json.dumps(out, ensure_ascii=False, default=str)


def output_messages(response: Any) -> str | None:
    """``gen_ai.output.messages`` as a JSON string, from a chat completion's choices (None for other results)."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list):
        return None
    out = []
    for choice in choices:
        message = getattr(choice, "message", None)
        if message is None:
            continue
        parts = _parts(message.content) + _tool_calls(message.tool_calls)
        out.append({"role": "assistant", "parts": parts, "finish_reason": choice.finish_reason})
    return json.dumps(out, ensure_ascii=False, default=str)
