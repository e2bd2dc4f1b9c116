"""What is known of a model, asked LiteLLM's way: ``get_model_info``, ``get_max_tokens``, ``supports_*``,
``get_supported_openai_params``, ``model_cost``.

Everything is read from the bundled catalog (``data/models.json``: context window, output limit, capabilities) and
the default prices (:func:`modelmux.default_prices`, USD per million tokens; LiteLLM's keys are per token). Nothing is
fetched. The names and keys follow LiteLLM's (https://docs.litellm.ai/docs/completion/token_usage,
https://docs.litellm.ai/docs/completion/function_call); where LiteLLM knows more keys (``supports_audio_input``,
``tpm``…), modelmux's answer lacks them rather than guessing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .errors import NotFoundError

__all__ = [
    "get_max_tokens",
    "get_model_info",
    "get_supported_openai_params",
    "model_cost",
    "supports_function_calling",
    "supports_reasoning",
    "supports_response_schema",
    "supports_vision",
]

_PER_MILLION = 1_000_000


def _lookup(model: str, custom_llm_provider: str | None) -> tuple[str, str, Any]:
    """``(provider, model id, ModelInfo or None)``; an unknown provider is a :class:`NotFoundError`."""
    from ._registry import ALIASES, PROVIDERS, model_info
    from .cost.find_price import split_model

    provider, bare = split_model(model, custom_llm_provider)
    if provider is None or provider not in PROVIDERS:
        raise NotFoundError(
            f"modelmux knows no model {model!r}: write 'provider/model' (modelmux models lists the catalog)",
            model=model,
        )
    provider = ALIASES.get(provider, provider)
    if provider == "mock":
        from .providers._base import ModelInfo

        return provider, bare, ModelInfo("mock", bare, 128_000, 4096, frozenset({"tools", "json_schema"}))
    return provider, bare, model_info(provider, bare)


def get_model_info(model: str, custom_llm_provider: str | None = None) -> dict[str, Any]:
    """The catalog row and prices of ``model`` as LiteLLM's ``get_model_info`` names them.

    Raises:
        NotFoundError: neither the catalog nor the prices know the model (LiteLLM raises too).
    """
    from .cost import default_prices
    from .cost.find_price import find_price

    provider, bare, info = _lookup(model, custom_llm_provider)
    price = find_price(default_prices(), bare, provider)
    if info is None and price is None:
        raise NotFoundError(f"modelmux's catalog and prices do not know {provider}/{bare}", model=model)
    caps = info.capabilities if info is not None else frozenset()
    rates = price.rates if price is not None else None
    return {
        "key": f"{provider}/{bare}",
        "litellm_provider": provider,
        "mode": info.mode if info is not None else "chat",
        "max_tokens": info.max_output_tokens if info is not None else None,
        "max_input_tokens": info.context_window if info is not None else None,
        "max_output_tokens": info.max_output_tokens if info is not None else None,
        "input_cost_per_token": _per_token(rates.input if rates else None),
        "output_cost_per_token": _per_token(rates.output if rates else None),
        "cache_read_input_token_cost": _per_token(rates.cache_read if rates else None),
        "supports_function_calling": "tools" in caps,
        "supports_tool_choice": "tools" in caps,
        "supports_vision": "vision" in caps,
        "supports_response_schema": "json_schema" in caps,
        "supports_reasoning": "reasoning" in caps,
        "supported_openai_params": get_supported_openai_params(bare, provider),
    }


def get_max_tokens(model: str) -> int | None:
    """The model's output-token limit (LiteLLM's ``get_max_tokens``), or ``None`` when the catalog does not say.

    Raises:
        NotFoundError: the model is unknown (as :func:`get_model_info`).
    """
    value = get_model_info(model)["max_tokens"]
    return value if isinstance(value, int) else None


def _per_token(per_million: float | None) -> float | None:
    return None if per_million is None else per_million / _PER_MILLION


def _supports(model: str, custom_llm_provider: str | None, capability: str) -> bool:
    """Whether the catalog lists ``capability`` for the model; an unknown model supports nothing (as LiteLLM)."""
    try:
        _, _, info = _lookup(model, custom_llm_provider)
    except NotFoundError:
        return False
    return info is not None and capability in info.capabilities


def supports_function_calling(model: str, custom_llm_provider: str | None = None) -> bool:
    """Whether the catalog says the model calls tools."""
    return _supports(model, custom_llm_provider, "tools")


def supports_vision(model: str, custom_llm_provider: str | None = None) -> bool:
    """Whether the catalog says the model reads images."""
    return _supports(model, custom_llm_provider, "vision")


def supports_response_schema(model: str, custom_llm_provider: str | None = None) -> bool:
    """Whether the catalog says the model follows a JSON schema (``response_format`` ``json_schema``)."""
    return _supports(model, custom_llm_provider, "json_schema")


def supports_reasoning(model: str, custom_llm_provider: str | None = None) -> bool:
    """Whether the catalog says the model reasons (``reasoning_effort``)."""
    return _supports(model, custom_llm_provider, "reasoning")


def get_supported_openai_params(model: str, custom_llm_provider: str | None = None) -> list[str] | None:
    """The OpenAI chat parameters the model's provider can express (sorted), or ``None`` for an unknown provider
    (as LiteLLM). Per model where the provider knows its models' rules (Claude 4.7 and later take no
    ``temperature``/``top_p``, on Anthropic, Bedrock and Vertex alike), else per provider: a model may still refuse
    one (e.g. ``temperature`` on o-series). ``stream`` is in every list: every chat provider streams."""
    from ._registry import get_provider

    try:
        provider, bare, _ = _lookup(model, custom_llm_provider)
    except NotFoundError:
        return None
    chosen = get_provider(provider)
    for_model = getattr(chosen, "supported_params_for", None)
    params = for_model(bare) if for_model is not None else chosen.supported_params
    return sorted(params | {"stream"})


class _ModelCost(Mapping[str, dict[str, Any]]):
    """LiteLLM's ``model_cost`` dict (``model_cost["gpt-4o"]["input_cost_per_token"]``), read-only and built from
    the catalog and the default prices on first use: keys are the catalog's and the price file's."""

    def _keys(self) -> list[str]:
        from ._registry import catalog
        from .cost import default_prices

        return list(dict.fromkeys([*catalog(), *default_prices()]))

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key not in self:
            raise KeyError(key)
        try:
            return get_model_info(key)
        except NotFoundError as exc:  # a price row for a provider modelmux does not speak
            raise KeyError(key) from exc

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in set(self._keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __repr__(self) -> str:
        return f"<modelmux model_cost: {len(self)} models>"


#: LiteLLM's ``litellm.model_cost``: a read-only view (assigning entries is not how prices change in modelmux;
#: see :func:`modelmux.set_default_prices`).
model_cost: Mapping[str, dict[str, Any]] = _ModelCost()
