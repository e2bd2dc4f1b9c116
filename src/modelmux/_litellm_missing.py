"""LiteLLM functions modelmux does not implement, and what to write instead: ``modelmux.batch_completion`` raises an
``AttributeError`` that says so, rather than the bare "no attribute" a ported script would otherwise meet.

Names from ``litellm/__init__.py`` that typical code calls (https://docs.litellm.ai/docs/); the README's LiteLLM
table lists the same.
"""

from __future__ import annotations

__all__ = ["LITELLM_MISSING"]

_GATEWAY = "run `modelmux serve` (the gateway) for that"

#: LiteLLM name → what modelmux offers instead.
LITELLM_MISSING: dict[str, str] = {
    "text_completion": "call completion() with messages (legacy completions models: the 'text-completion-openai' "
    "provider)",
    "atext_completion": "call acompletion() with messages",
    "batch_completion": "run completion() calls in a thread pool, or acompletion() with asyncio.gather",
    "batch_completion_models": "run completion() per model with asyncio.gather over acompletion()",
    "completion_with_retries": "pass the retry options to completion() (see its documentation)",
    "get_llm_provider": "the provider is the part before '/' in the model string ('openai/gpt-4o')",
    "encode": "use modelmux.token_counter(), or tiktoken directly",
    "decode": "use tiktoken directly",
    "create_pretrained_tokenizer": "use modelmux.token_counter(), or the tokenizer's own package",
    "create_tokenizer": "use modelmux.token_counter(), or the tokenizer's own package",
    "register_model": "load your own prices with modelmux.load_prices() and set_default_prices()",
    "register_prompt_template": "pass the messages already formatted",
    "speech": "text-to-speech is not implemented",
    "aspeech": "text-to-speech is not implemented",
    "image_edit": "image edits are not implemented",
    "create_batch": "the Batch API is not implemented",
    "create_file": "the Files API is not implemented",
    "create_fine_tuning_job": "fine-tuning is not implemented",
    "budget_manager": f"budgets are not in the library; {_GATEWAY}",
    "BudgetManager": f"budgets are not in the library; {_GATEWAY}",
    "set_callbacks": "register handlers with modelmux.callbacks.register(handler), or pass callbacks=[...] per call",
    "get_secret": "read the environment yourself; modelmux reads each provider's key variable",
    "validate_environment": "call once and catch modelmux.AuthenticationError",
    "check_valid_key": "call once and catch modelmux.AuthenticationError",
    "health_check": "call once with a small max_tokens",
}
