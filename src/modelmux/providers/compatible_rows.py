"""The long tail of OpenAI-compatible vendors: one :class:`Vendor` row each, with the docs its flags come from.

Shared defaults (``COMPATIBLE``/``MAX_TOKENS``) are explained in ``providers/compatible.py``. A flag left at
its default means the vendor documents OpenAI's behaviour or nothing else; reasoning is read from
``reasoning_content`` and ``reasoning`` alike whatever ``reasoning_field`` says (it documents the server).
"""

from __future__ import annotations

from dataclasses import replace

from .compatible_vendor import COMPATIBLE, MAX_TOKENS, Vendor

__all__ = ["LONG_TAIL"]

#: The common native sampling fields of open-model servers (vLLM/SGLang engines behind most of these).
_SAMPLING = frozenset({"top_k", "min_p", "repetition_penalty"})

LONG_TAIL: dict[str, Vendor] = {
    # inference-docs.cerebras.ai/resources/openai ("OpenAI compatibility"): base https://api.cerebras.ai/v1,
    # CEREBRAS_API_KEY; frequency_penalty, logit_bias, presence_penalty, parallel_tool_calls and service_tier
    # are 400s. inference-docs.cerebras.ai/api-reference/chat-completions: max_completion_tokens.
    # inference-docs.cerebras.ai/capabilities/reasoning: reasoning_format "parsed" → message.reasoning.
    "cerebras": Vendor(
        "https://api.cerebras.ai/v1",
        ("CEREBRAS_API_KEY",),
        replace(COMPATIBLE, reasoning_field="reasoning"),
        unsupported=frozenset(
            {"frequency_penalty", "logit_bias", "presence_penalty", "parallel_tool_calls", "service_tier"}
        ),
        native_params=frozenset({"reasoning_format", "clear_thinking", "disable_reasoning"}),
    ),
    # docs.perplexity.ai/docs/sonar/openai-compatibility: base https://api.perplexity.ai (no /v1), bearer key.
    # docs.perplexity.ai/api-reference/chat-completions-post: max_tokens, no stream_options, no tools; the
    # answer's ``citations`` (URLs) and ``search_results`` (title, url, date) → url_citation annotations.
    # sonar-reasoning(-pro) write their reasoning as a leading <think> section of the content.
    "perplexity": Vendor(
        "https://api.perplexity.ai",
        ("PERPLEXITY_API_KEY", "PERPLEXITYAI_API_KEY"),
        replace(MAX_TOKENS, stream_options=False, tools=False, citations=True, reasoning_field="think_tags"),
        host_path="",
        native_params=frozenset(
            {
                "search_mode",
                "search_domain_filter",
                "search_recency_filter",
                "search_after_date_filter",
                "search_before_date_filter",
                "last_updated_after_filter",
                "last_updated_before_filter",
                "return_images",
                "return_related_questions",
                "disable_search",
                "enable_search_classifier",
                "language_preference",
            }
        ),
    ),
    # docs.api.nvidia.com/nim/reference/llm-apis: base https://integrate.api.nvidia.com/v1, max_tokens,
    # stream_options; reasoning models (DeepSeek-R1, Nemotron) answer reasoning_content.
    "nvidia_nim": Vendor(
        "https://integrate.api.nvidia.com/v1",
        ("NVIDIA_NIM_API_KEY", "NVIDIA_API_KEY"),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
        native_params=frozenset({"top_k", "chat_template_kwargs", "nvext"}),
    ),
    # docs.sambanova.ai/cloud/api-reference/endpoints/chat: base https://api.sambanova.ai/v1, max_tokens,
    # stream_options.include_usage; docs.sambanova.ai "Function calling": tool_choice auto/required/none/named.
    "sambanova": Vendor(
        "https://api.sambanova.ai/v1",
        ("SAMBANOVA_API_KEY",),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
        native_params=frozenset({"top_k", "chat_template_kwargs"}),
    ),
    # docs.nebius.com/studio/inference/api (Nebius AI Studio, now Token Factory): base
    # https://api.studio.nebius.com/v1, NEBIUS_API_KEY; vLLM-served: max_tokens, stream_options.
    "nebius": Vendor(
        "https://api.studio.nebius.com/v1",
        ("NEBIUS_API_KEY",),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
        native_params=_SAMPLING,
    ),
    # novita.ai/docs/guides/llm-api: base https://api.novita.ai/openai, NOVITA_API_KEY; max_tokens,
    # stream_options, ``separate_reasoning`` → reasoning_content.
    "novita": Vendor(
        "https://api.novita.ai/openai",
        ("NOVITA_API_KEY",),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
        native_params=_SAMPLING | {"separate_reasoning"},
    ),
    # huggingface.co/docs/inference-providers (router, "Chat Completion" task): base
    # https://router.huggingface.co/v1, an HF token; max_tokens, stream_options, tool_choice. Model ids are
    # ``org/model`` with an optional ``:provider`` suffix; the upstream's reasoning field is passed through.
    "huggingface": Vendor(
        "https://router.huggingface.co/v1",
        ("HF_TOKEN", "HUGGINGFACE_API_KEY", "HUGGING_FACE_HUB_TOKEN"),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
    ),
    # docs.databricks.com/machine-learning/model-serving/score-foundation-models: the OpenAI client with
    # base_url "<workspace URL>/serving-endpoints" and a Databricks token, the endpoint name as model.
    # docs.databricks.com .../foundation-model-apis/api-reference ("Chat request"): max_tokens, no
    # stream_options. No default base: DATABRICKS_API_BASE (full) or DATABRICKS_HOST (workspace URL).
    "databricks": Vendor(
        "",
        ("DATABRICKS_TOKEN", "DATABRICKS_API_KEY"),
        replace(MAX_TOKENS, stream_options=False),
        api_base_env=("DATABRICKS_API_BASE", "DATABRICKS_HOST"),
        host_path="/serving-endpoints",
        native_params=frozenset({"top_k"}),
    ),
    # docs.github.com/en/rest/models/inference: POST https://models.github.ai/inference/chat/completions
    # with a token that has models:read (GITHUB_TOKEN); max_tokens, stream_options.include_usage; roles
    # include ``developer``. Model ids are ``publisher/model`` (openai/gpt-4.1).
    "github": Vendor(
        "https://models.github.ai/inference",
        ("GITHUB_TOKEN", "GITHUB_API_KEY"),
        replace(MAX_TOKENS, developer_role=True),
        api_base_env=("GITHUB_API_BASE", "GITHUB_MODELS_API_BASE"),
    ),
    # platform.moonshot.ai/docs/api/chat: base https://api.moonshot.ai/v1 (api.moonshot.cn in China),
    # max_completion_tokens; tool_choice none/auto only ("required" is refused while thinking).
    # platform.moonshot.ai "kimi-k2-thinking": reasoning_content, kept in the context on later requests.
    "moonshot": Vendor(
        "https://api.moonshot.ai/v1",
        ("MOONSHOT_API_KEY", "KIMI_API_KEY"),
        replace(
            COMPATIBLE,
            reasoning_field="reasoning_content",
            reasoning_back="reasoning_content",
            tool_choices=frozenset({"none", "auto"}),
        ),
        native_params=frozenset({"thinking"}),
    ),
    # docs.z.ai/api-reference/llm/chat-completion: base https://api.z.ai/api/paas/v4
    # (open.bigmodel.cn/api/paas/v4 in China), max_tokens, no stream_options (usage on the last chunk),
    # tool_choice "auto" only, no frequency/presence penalties. docs.z.ai/guides/capabilities/thinking-mode:
    # reasoning_content; "Interleaved"/"Preserved thinking": earlier reasoning goes back with the history.
    "zai": Vendor(
        "https://api.z.ai/api/paas/v4",
        ("ZAI_API_KEY", "ZHIPUAI_API_KEY"),
        replace(
            MAX_TOKENS,
            stream_options=False,
            reasoning_field="reasoning_content",
            reasoning_back="reasoning_content",
            tool_choices=frozenset({"auto"}),
        ),
        unsupported=frozenset({"frequency_penalty", "presence_penalty", "logit_bias"}),
        native_params=frozenset({"thinking", "tool_stream", "do_sample", "request_id", "user_id"}),
    ),
    # alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope: base
    # https://dashscope-intl.aliyuncs.com/compatible-mode/v1 (dashscope.aliyuncs.com in China),
    # DASHSCOPE_API_KEY; max_tokens, stream_options.include_usage; tool_choice auto/none/named.
    # Model Studio "Deep thinking": enable_thinking, reasoning_content.
    "dashscope": Vendor(
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        ("DASHSCOPE_API_KEY",),
        replace(MAX_TOKENS, reasoning_field="reasoning_content", tool_choices=frozenset({"none", "auto", "named"})),
        native_params=frozenset(
            {"enable_thinking", "thinking_budget", "enable_search", "search_options", "top_k", "repetition_penalty"}
        ),
    ),
    # platform.minimax.io/docs/api-reference/text-openai-api: base https://api.minimax.io/v1, MINIMAX_API_KEY,
    # max_tokens. MiniMax-M2 thinks in <think>...</think> at the start of content, and the history must carry
    # it back as written ("interleaved thinking"): split off as reasoning_content, put back as <think> tags.
    # (``reasoning_split`` moves it to ``reasoning_details`` instead; that field goes back untouched.)
    "minimax": Vendor(
        "https://api.minimax.io/v1",
        ("MINIMAX_API_KEY",),
        replace(MAX_TOKENS, reasoning_field="think_tags", reasoning_back="think_tags"),
        native_params=frozenset({"reasoning_split", "mask_sensitive_info"}),
    ),
    # deepinfra.com/docs/openai_api: base https://api.deepinfra.com/v1/openai, DEEPINFRA_API_KEY, max_tokens,
    # stream_options; reasoning models answer reasoning_content.
    "deepinfra": Vendor(
        "https://api.deepinfra.com/v1/openai",
        ("DEEPINFRA_API_KEY", "DEEPINFRA_TOKEN"),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
        native_params=_SAMPLING,
    ),
    # Local servers (no key needed; one is sent when given or set).
    # lmstudio.ai/docs/app/api/endpoints/openai: http://localhost:1234/v1, max_tokens, top_k, repeat_penalty;
    # reasoning as reasoning_content ("Separate reasoning_content" setting; newer builds say ``reasoning``).
    "lm_studio": Vendor(
        "http://localhost:1234/v1",
        ("LM_STUDIO_API_KEY",),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
        requires_api_key=False,
        native_params=frozenset({"top_k", "repeat_penalty", "ttl", "draft_model"}),
    ),
    # github.com/ggml-org/llama.cpp tools/server/README.md ("POST /v1/chat/completions"): port 8080, --api-key
    # optional; max_tokens, stream_options; --reasoning-format deepseek → reasoning_content, and an assistant
    # reasoning_content is read back into templates that render earlier thinking. (``llamacpp/`` is left to
    # the raw-prompt ``/completion`` dialect.)
    "llamacpp_chat": Vendor(
        "http://localhost:8080/v1",
        ("LLAMACPP_API_KEY", "LLAMA_API_KEY"),
        replace(MAX_TOKENS, reasoning_field="reasoning_content", reasoning_back="reasoning_content"),
        requires_api_key=False,
        api_base_env=("LLAMACPP_CHAT_API_BASE", "LLAMACPP_API_BASE"),
        native_params=_SAMPLING | {"chat_template_kwargs", "grammar", "json_schema", "n_probs", "cache_prompt"},
    ),
    # docs.sglang.ai "OpenAI-compatible APIs": http://localhost:30000/v1, max_tokens, stream_options;
    # --reasoning-parser → reasoning_content (``separate_reasoning``), chat_template_kwargs.
    "sglang": Vendor(
        "http://localhost:30000/v1",
        ("SGLANG_API_KEY",),
        replace(MAX_TOKENS, reasoning_field="reasoning_content"),
        requires_api_key=False,
        native_params=_SAMPLING | {"chat_template_kwargs", "separate_reasoning", "regex", "ebnf"},
    ),
    # Any other OpenAI-compatible server: no default address (api_base= or OPENAI_LIKE_API_BASE), no key
    # needed; the most widely understood spellings (max_tokens, system for developer).
    "openai_like": Vendor(
        "",
        ("OPENAI_LIKE_API_KEY",),
        MAX_TOKENS,
        requires_api_key=False,
    ),
}
