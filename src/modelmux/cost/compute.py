"""Cost of a call: ``completion_cost(response)`` and ``cost_per_token(model=, prompt_tokens=, …)``.

LiteLLM's names and return shapes, so callbacks, routers and budgets port unchanged; but an unknown model,
an unknown price for a token kind the usage has, or a contradictory usage gives ``None``, never an exception
(a wrong figure is worse than none). Every function takes ``prices=`` (default: :func:`default_prices`, read
once per call).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from ..types import _Costed
from .character_cost import character_price
from .find_price import NO_LIST_PRICE, find_price, split_model
from .normalize_usage import TokenUsage, normalize_usage
from .prices import Prices, Rates, default_prices

__all__ = ["completion_cost", "cost_for_usage", "cost_per_token"]

logger = logging.getLogger("modelmux.cost")

_PER = 1_000_000
#: What malformed input (a usage that contradicts itself, a value of the wrong type) raises on its way here.
_NOT_PRICEABLE = (ValueError, TypeError, LookupError, AttributeError)
#: Tier names meaning "the standard price" (OpenAI ``default``/``auto``, Anthropic ``standard``).
_STANDARD = {None, "", "default", "auto", "standard", "standard_only", "on_demand"}


def cost_for_usage(
    model: str,
    usage: TokenUsage,
    *,
    provider: str | None = None,
    service_tier: str | None = None,
    prices: Prices | None = None,
    at: float | None = None,
) -> tuple[float, float] | None:
    """``(prompt cost, completion cost)`` in USD for normalised usage (what a callback or router holding a
    :class:`TokenUsage` calls), at the prices of ``at`` (unix seconds; ``None``: now); ``None`` when the
    model or a needed price is unknown, or the model is priced per character (``per_1k_characters``: tokens
    say nothing of what it costs)."""
    try:
        return _cost_for_usage(model, usage, provider, service_tier, prices, at)
    except _NOT_PRICEABLE as exc:
        logger.debug("no cost for %r: %s", model, exc)
        return None


def _cost_for_usage(
    model: str,
    usage: TokenUsage,
    provider: str | None,
    service_tier: str | None,
    prices: Prices | None,
    at: float | None = None,
) -> tuple[float, float] | None:
    table = prices if prices is not None else default_prices()
    entry = find_price(table, model, provider, at)
    if entry is None:
        return None
    if entry.units is not None and entry.units.per_1k_characters is not None:
        return None  # billed per character (character_cost.py), on the provider's count: no token price applies
    tier = None if service_tier in _STANDARD else service_tier
    rates = entry.resolve(usage.prompt_tokens, tier)
    if rates is None:
        return None
    prompt = _sum(
        rates,
        (
            (usage.input, "input"),
            (usage.cache_read, "cache_read"),
            (usage.cache_write_5m, "cache_write_5m"),
            (usage.cache_write_1h, "cache_write_1h"),
            (usage.input_audio, "input_audio"),
            (usage.cache_read_audio, "cache_read_audio"),
            (usage.input_image, "input_image"),
        ),
    )
    completion = _sum(
        rates,
        (
            (usage.output, "output"),
            (usage.reasoning, "reasoning"),
            (usage.output_audio, "output_audio"),
            (usage.output_image, "output_image"),
        ),
    )
    if prompt is None or completion is None:
        return None
    if usage.geo not in (None, "global"):
        scale = entry.geo.get(usage.geo) if entry.geo else 1.0  # a model without regional prices costs the same
        if scale is None:
            return None  # a region the entry does not price
        prompt, completion = prompt * scale, completion * scale
    extras = 0.0
    if usage.web_search:
        if rates.web_search is None:
            return None
        extras += usage.web_search * rates.web_search
    return prompt / _PER + extras + (rates.per_request or 0.0), completion / _PER


#: Where a token kind without a price of its own is billed (providers bill reasoning as output;
#: image input tokens count as input where no image rate is published).
_FALLBACK = {"reasoning": "output", "input_image": "input"}


def _sum(rates: Rates, parts: Iterable[tuple[int, str]]) -> float | None:
    total = 0.0
    for tokens, name in parts:
        if not tokens:
            continue
        rate = getattr(rates, name)
        if rate is None and name in _FALLBACK:
            rate = getattr(rates, _FALLBACK[name])
        if rate is None:
            return None
        total += tokens * rate
    return total


def cost_per_token(
    model: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    *,
    cached_tokens: int = 0,
    cache_creation_tokens: int = 0,
    cache_creation_1h_tokens: int = 0,
    reasoning_tokens: int = 0,
    audio_prompt_tokens: int = 0,
    audio_completion_tokens: int = 0,
    image_prompt_tokens: int = 0,
    cache_read_input_tokens: int | None = None,
    cache_creation_input_tokens: int | None = None,
    usage: Any = None,
    usage_object: Any = None,
    provider: str | None = None,
    custom_llm_provider: str | None = None,
    service_tier: str | None = None,
    prices: Prices | None = None,
) -> tuple[float, float] | None:
    """``(prompt cost, completion cost)`` in USD, as LiteLLM's ``cost_per_token`` returns.

    Counts follow OpenAI's convention: ``prompt_tokens`` includes the cache reads (``cached_tokens``) and the
    cache writes (``cache_creation_tokens``, of which ``cache_creation_1h_tokens`` at the 1-hour rate), the
    audio and image prompt tokens; ``completion_tokens`` includes ``reasoning_tokens`` and audio output.
    ``usage=`` (a ``Usage``, or an OpenAI, Anthropic, Gemini or Bedrock usage dict; LiteLLM's ``usage_object=`` too)
    replaces the counts.
    ``service_tier``: ``"batch"``, ``"flex"``, ``"priority"`` (``None``/``"default"``: standard). A per-request
    fee and server-side web searches count on the prompt side. ``None`` when the model or a needed price is
    unknown.
    """
    try:
        usage = usage if usage is not None else usage_object
        if usage is None:
            written = cache_creation_input_tokens if cache_creation_input_tokens is not None else cache_creation_tokens
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "prompt_tokens_details": {
                    "cached_tokens": cache_read_input_tokens if cache_read_input_tokens is not None else cached_tokens,
                    "audio_tokens": audio_prompt_tokens,
                    "image_tokens": image_prompt_tokens,
                },
                "completion_tokens_details": {
                    "reasoning_tokens": reasoning_tokens,
                    "audio_tokens": audio_completion_tokens,
                },
                "cache_creation_input_tokens": written,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": written - cache_creation_1h_tokens,
                    "ephemeral_1h_input_tokens": cache_creation_1h_tokens,
                },
            }
        normalized = normalize_usage(usage)
        return cost_for_usage(
            model, normalized, provider=provider or custom_llm_provider, service_tier=service_tier, prices=prices
        )
    except _NOT_PRICEABLE as exc:
        logger.debug("no cost for %r: %s", model, exc)
        return None


def completion_cost(
    completion_response: Any = None,
    model: str | None = None,
    prompt: str = "",
    completion: str = "",
    *,
    messages: list[dict[str, Any]] | None = None,
    provider: str | None = None,
    custom_llm_provider: str | None = None,
    service_tier: str | None = None,
    prices: Prices | None = None,
    size: str | None = None,
    quality: str | None = None,
    n: int | None = None,
) -> float | None:
    """The USD cost of a result, or ``None`` when it cannot be priced.

    ``completion_response``: a ``ChatCompletion`` (also one rebuilt from a stream by
    ``stream_chunk_builder``), a list of stream chunks, an ``EmbeddingResponse``, or such a response as a
    dict; its ``usage`` is priced for its ``model`` (``model=`` and ``provider=`` override them: a cloud
    serving a first-party model, e.g. Azure's ``gpt-4o``, is priced as the first party otherwise).
    Without a response, ``model`` + ``prompt``/``messages`` + ``completion`` texts are counted with
    :func:`modelmux.token_counter` (an estimate for non-OpenAI tokenizers). A cache hit
    (``_hidden_params["cache_hit"]``) costs 0; an answer from a self-hosted server or the mock
    (``_hidden_params["model"]``, see ``NO_LIST_PRICE``) costs ``None`` unless ``model=``/``provider=`` say how
    to price it.

    An ``ImagesResponse``, ``TranscriptionResponse``, ``ModerationResponse`` or ``RerankResponse`` (as the
    operation functions return them: they stamp the model, and an image request's ``size``/``quality``/``n``,
    on the result) is priced per image, audio minute, request or search unit, or by its token usage (see
    :mod:`modelmux.cost.operation_cost`); ``size=``, ``quality=`` and ``n=`` override the stamped settings.
    ``None`` when what is billed is not known: e.g. a ``json`` transcription from a server that reports
    neither ``usage`` nor ``duration``, an image ``quality="auto"``, a rerank without billed search units.

    A model priced ``per_1k_characters`` (Vertex AI's legacy text embeddings) is priced on the billable characters
    the provider reported, which its translation stamped on the result (:mod:`modelmux.cost.character_cost`);
    ``None`` without that count (a response rebuilt from its JSON, or an answer that lacks it).
    """
    hidden = getattr(completion_response, "_hidden_params", None)
    if isinstance(hidden, Mapping) and hidden.get("cache_hit") is True:
        return 0.0  # answered from a modelmux.Cache: no provider was paid
    if model is None and not (provider or custom_llm_provider) and _served_without_list_price(hidden):
        return None  # a self-hosted server (or the mock) answered: whatever model it names, it has no list price
    try:
        if isinstance(completion_response, _Costed):
            from .operation_cost import operation_cost

            return operation_cost(
                completion_response, model=model, provider=provider or custom_llm_provider,
                service_tier=service_tier, prices=prices, size=size, quality=quality, n=n,
            )  # fmt: skip
        billed = character_price(completion_response, model, provider or custom_llm_provider, prices)
        if billed is not None:  # no batch or other tier of per-character prices is published here
            return billed.cost() if service_tier in _STANDARD else None
        if completion_response is None:
            return _text_cost(model, prompt, completion, messages, provider or custom_llm_provider, prices)
        doc = _as_dict(completion_response)
        name = model or doc.get("model")
        usage = doc.get("usage")
        if not isinstance(name, str) or not name or not isinstance(usage, Mapping):
            return None
        tier = service_tier or doc.get("service_tier") or usage.get("service_tier")
        costs = cost_for_usage(
            name,
            normalize_usage(usage),
            provider=provider or custom_llm_provider,
            service_tier=tier if isinstance(tier, str) else None,
            prices=prices,
            at=call_time(doc),
        )
    except _NOT_PRICEABLE as exc:
        logger.debug("no cost for %r: %s", model, exc)
        return None
    return None if costs is None else costs[0] + costs[1]


def call_time(doc: Mapping[str, Any]) -> float | None:
    """When a result was made (its ``created``, unix seconds), which dated price changes go by; ``None`` (now)
    for a result without a plausible one."""
    created = doc.get("created") if isinstance(doc, Mapping) else None
    if isinstance(created, bool) or not isinstance(created, (int, float)):
        return None
    return float(created) if 1e9 <= created <= 1e11 else None


def _served_without_list_price(hidden: Any) -> bool:
    """Whether ``_hidden_params["model"]`` (the ``provider/model`` that answered) names a provider without prices."""
    served = hidden.get("model") if isinstance(hidden, Mapping) else None
    return isinstance(served, str) and split_model(served)[0] in NO_LIST_PRICE


def _as_dict(response: Any) -> Mapping[str, Any]:
    if isinstance(response, Mapping):
        return response
    if isinstance(response, (list, tuple)):
        from .._streaming import stream_chunk_builder

        response = stream_chunk_builder(response)
    dump = getattr(response, "model_dump", None)
    if dump is None:
        raise TypeError(f"cannot price a {type(response).__name__}")
    doc = dump()
    if not isinstance(doc, Mapping):
        raise TypeError("model_dump() did not give an object")
    return doc


def _text_cost(
    model: str | None,
    prompt: str,
    completion: str,
    messages: list[dict[str, Any]] | None,
    provider: str | None,
    prices: Prices | None,
) -> float | None:
    if not model:
        return None
    from ..tokens import token_counter

    counted_as = model.partition("/")[2] or model
    prompt_tokens = token_counter(counted_as, messages=messages) if messages else token_counter(counted_as, text=prompt)
    completion_tokens = token_counter(counted_as, text=completion) if completion else 0
    costs = cost_per_token(model, prompt_tokens, completion_tokens, provider=provider, prices=prices)
    return None if costs is None else costs[0] + costs[1]
