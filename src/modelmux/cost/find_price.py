"""A model string (as called, or as a response names it) → its price entry.

Price keys are ``provider/model``. A bare id goes through the model catalog (``gpt-4o`` → ``openai``), then
through the ids the price table knows under the first-party providers. Dated snapshots a provider answers
with (``gpt-4o-mini-2024-07-18``, ``claude-sonnet-4-5-20250929``) are priced only where the file lists them
as an entry's ``aliases`` (an older snapshot may cost more: ``gpt-4o-2024-05-13``). Bedrock's cross-region
inference profiles (``us.``, ``eu.``, ``global.``…) map to the model they route to unless the profile has an entry
of its own (a geo profile priced above the model, as Claude 4.5's are), a Vertex AI id written with its
publisher (``anthropic/claude-sonnet-4-5@20250929``) to the bare id. A cloud serving a first-party model (Azure's
``gpt-4o-2024-11-20``, Claude on Vertex) has entries of its own, used when the provider is known (a callback's cost,
``completion_cost(..., provider="azure")``); a bare id alone is priced at the first party.
"""

from __future__ import annotations

import re

from .prices import ModelPrice, Prices

__all__ = ["NO_LIST_PRICE", "find_price", "split_model"]

#: Providers whose answers have no list price: the model runs on the caller's own server (Ollama, vLLM, llama.cpp,
#: LM Studio, TGI, SGLang, any raw ``/completions`` server) or is modelmux's mock. Their cost is unknown (``None``),
#: never 0 (a budget must not count a GPU bill as free) and never the price of a cloud model the server happens to
#: be named after (vLLM's ``--served-model-name gpt-4o``); a caller who has a figure gives it as ``prices=``.
NO_LIST_PRICE = frozenset(
    {
        "mock",
        "ollama",
        "hosted_vllm",
        "llamacpp",
        "llamacpp_chat",
        "lm_studio",
        "tgi",
        "sglang",
        "text-completion-openai",
    }
)

#: Bedrock inference-profile prefixes
#: (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
_BEDROCK_PROFILE = re.compile(r"^(?:us|us-gov|eu|apac|jp|au|ca|global)\.(?=[a-z0-9-]+\.)")


def split_model(model: str, provider: str | None = None) -> tuple[str | None, str]:
    """``(provider, model)`` from ``provider/model``, a catalogued bare id, or an explicit ``provider``."""
    from .._registry import ALIASES, PROVIDERS, catalog

    if provider:
        provider = ALIASES.get(provider, provider)
        return provider, model.removeprefix(f"{provider}/")
    head, sep, rest = model.partition("/")
    head = ALIASES.get(head, head)
    if sep and head in PROVIDERS:
        return head, rest
    info = catalog().get(model)
    return (info.provider, model) if info is not None else (None, model)


def find_price(prices: Prices, model: str, provider: str | None = None, at: float | None = None) -> ModelPrice | None:
    """The entry pricing ``model`` (served by ``provider`` when known) as it applies at ``at`` (unix seconds;
    ``None``: now, see ``ModelPrice.at``), or ``None``."""
    name, bare = split_model(model, provider)
    if name is None:
        found = _any_provider(prices, bare)
        return None if found is None else found.at(at)
    for candidate in _candidates(name, bare):
        found = prices.get(candidate)
        if found is not None:
            return found.at(at)
    return None


def _candidates(provider: str, model: str) -> list[str]:
    keys = [f"{provider}/{model}"]
    if provider == "bedrock":
        keys.append(f"bedrock/{_BEDROCK_PROFILE.sub('', model)}")
    elif provider == "vertex":
        from ..providers.vertex.map_publisher import split_model as split_publisher

        keys.append(f"vertex/{split_publisher(model)[1]}")
    return keys


#: Where an uncatalogued bare id is looked for: the model makers' own APIs (Mistral answers with ids the catalog
#: has no row for: ``mistral-small-2603``, ``ministral-14b-latest``), then Bedrock's ``vendor.model`` ids.
_FIRST_PARTY = ("openai", "anthropic", "gemini", "mistral", "cohere", "bedrock")


def _any_provider(prices: Prices, model: str) -> ModelPrice | None:
    """An uncatalogued bare id: the first-party provider's entry that knows it (OpenAI, Anthropic, Gemini,
    Mistral, Cohere, Bedrock)."""
    for provider in _FIRST_PARTY:
        for candidate in _candidates(provider, model):
            found = prices.get(candidate)
            if found is not None:
                return found
    return None
