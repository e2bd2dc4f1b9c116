"""Model strings → providers.

``provider/model`` always works; bare ids resolve through the model catalog (``data/models.json``).
Providers are imported on first use, so ``import modelmux`` stays cheap.
"""

from __future__ import annotations

import functools
import importlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from .errors import BadRequestError
from .providers._base import ModelInfo, Provider
from .types import ModelList

__all__ = ["PROVIDERS", "Resolved", "catalog", "get_provider", "model_info", "model_list", "resolve"]

#: Provider name → ``module:attribute``. A new provider is one row here.
PROVIDERS: dict[str, str] = {
    "openai": "modelmux.providers.openai:provider",
    "anthropic": "modelmux.providers.anthropic:provider",
    "gemini": "modelmux.providers.gemini:provider",
    "bedrock": "modelmux.providers.bedrock:provider",
    "mock": "modelmux.providers.mock:provider",
    "vertex": "modelmux.providers.vertex:provider",
    "azure": "modelmux.providers.azure:provider",
    "cohere": "modelmux.providers.cohere:provider",
    "ollama": "modelmux.providers.ollama:provider",
    # OpenAI-compatible vendors: rows of providers/compatible.py.
    "mistral": "modelmux.providers.mistral:provider",
    "groq": "modelmux.providers.compatible:groq",
    "deepseek": "modelmux.providers.compatible:deepseek",
    "openrouter": "modelmux.providers.compatible:openrouter",
    "together_ai": "modelmux.providers.compatible:together_ai",
    "fireworks_ai": "modelmux.providers.compatible:fireworks_ai",
    "xai": "modelmux.providers.compatible:xai",
    "hosted_vllm": "modelmux.providers.compatible:hosted_vllm",
    # The long tail (providers/compatible_rows.py).
    **{
        name: f"modelmux.providers.compatible:{name}"
        for name in (
            "cerebras",
            "perplexity",
            "nvidia_nim",
            "sambanova",
            "nebius",
            "novita",
            "huggingface",
            "databricks",
            "github",
            "moonshot",
            "zai",
            "dashscope",
            "minimax",
            "deepinfra",
            "lm_studio",
            "llamacpp_chat",
            "sglang",
            "openai_like",
        )
    },
    # Raw-prompt servers (the text-completion dialect: chat templates rendered here).
    "text-completion-openai": "modelmux.providers.text_completion:text_completion_openai",
    "llamacpp": "modelmux.providers.text_completion:llamacpp",
    "tgi": "modelmux.providers.text_completion:tgi",
}

#: Common spellings of provider names.
ALIASES: dict[str, str] = {
    "google": "gemini",
    "google_ai": "gemini",
    "claude": "anthropic",
    "together": "together_ai",
    "cohere_chat": "cohere",
    # LiteLLM's and the vendors' own spellings of the compatible rows.
    "mistralai": "mistral",
    "vllm": "hosted_vllm",
    "nvidia": "nvidia_nim",
    "hf": "huggingface",
    "github_models": "github",
    "kimi": "moonshot",
    "z_ai": "zai",
    "zhipuai": "zai",
    "qwen": "dashscope",
    "lmstudio": "lm_studio",
    "custom_openai": "openai_like",
    "openai_compatible": "openai_like",
    # LiteLLM's name for Ollama's /api/chat, which ``ollama/`` speaks here too.
    "ollama_chat": "ollama",
    # The raw-prompt servers' other spellings.
    "llama_cpp": "llamacpp",
    "text-generation-inference": "tgi",
}


@dataclass(frozen=True, slots=True)
class Resolved:
    provider_name: str
    model: str
    info: ModelInfo | None


@functools.cache
def get_provider(name: str) -> Provider:
    """The provider object registered under ``name`` (imported on first use)."""
    module_name, _, attr = PROVIDERS[name].partition(":")
    return cast(Provider, getattr(importlib.import_module(module_name), attr))


@functools.lru_cache(maxsize=1)
def _catalog_doc() -> dict[str, Any]:
    text = resources.files("modelmux").joinpath("data/models.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, ModelInfo]:
    """Every catalogued model, by catalog key: the bare id, or ``provider/id`` for a cloud's row of a model
    whose bare id another provider owns (``vertex/gemini-2.5-pro``, ``azure/gpt-4o``)."""
    return {
        name: ModelInfo(
            provider=row["provider"],
            model=name.removeprefix(f"{row['provider']}/"),
            context_window=row.get("context_window"),
            max_output_tokens=row.get("max_output_tokens"),
            capabilities=frozenset(row.get("capabilities", ())),
            mode=row.get("mode", "chat"),
        )
        for name, row in _catalog_doc()["models"].items()
    }


def model_info(provider: str, model: str) -> ModelInfo | None:
    info = catalog().get(f"{provider}/{model}") or catalog().get(model)
    return info if info is not None and info.provider == provider else None


def model_list(*, provider: str | None = None) -> ModelList:
    """The catalog as OpenAI's ``GET /models`` answers: ids written ``provider/model``, ``owned_by`` the provider.

    The catalog records no release dates, so ``created`` is 0.
    """
    if provider is not None:
        provider = ALIASES.get(provider, provider)
        if provider not in PROVIDERS:
            raise BadRequestError(
                f"unknown provider {provider!r}; known: {', '.join(sorted(PROVIDERS))}", param="provider"
            )
    rows = [
        {"id": f"{info.provider}/{info.model}", "object": "model", "created": 0, "owned_by": info.provider}
        for info in catalog().values()
        if provider is None or info.provider == provider
    ]
    return ModelList.model_validate({"object": "list", "data": rows})


@functools.lru_cache(maxsize=1024)
def resolve(model: str) -> Resolved:
    """Parse a model string once: ``provider/model`` or a catalogued bare id."""
    if not isinstance(model, str) or not model.strip():
        raise BadRequestError("model must be a non-empty string such as 'openai/gpt-4o'", param="model")
    head, sep, rest = model.partition("/")
    name = ALIASES.get(head, head)
    if sep and name in PROVIDERS:
        if not rest:
            raise BadRequestError(
                f"model {model!r} names a provider but no model; write '{name}/<model>'", param="model"
            )
        return Resolved(name, rest, model_info(name, rest))
    info = catalog().get(model)
    if info is not None:
        return Resolved(info.provider, model, info)
    raise BadRequestError(_unknown_model_message(model), param="model", code="model_not_found")


def _unknown_model_message(model: str) -> str:
    hints: dict[str, str] = _catalog_doc().get("prefix_hints", {})
    guess = next((p for prefix, p in hints.items() if model.startswith(prefix)), None)
    msg = f"Unknown model {model!r}. Write it as 'provider/model'"
    if guess:
        msg += f", e.g. '{guess}/{model}'"
    else:
        msg += ", e.g. 'openai/gpt-4o' or 'anthropic/claude-sonnet-4-20250514'"
    return msg + f". Providers: {', '.join(sorted(PROVIDERS))}. `modelmux models` lists the known bare ids."
