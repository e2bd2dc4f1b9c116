"""The ``text-completion`` dialect: servers that take a prompt string, reached as three providers.

* ``text-completion-openai/<model>``: any OpenAI-style ``/v1/completions`` (vLLM, SGLang, llama.cpp, TGI's
  ``/v1``), default base ``http://localhost:8000/v1`` (vLLM's); ``<model>`` is sent as ``model``.
* ``llamacpp/<model>``: llama.cpp's own ``/completion``, default base ``http://localhost:8080``.
* ``tgi/<model>``: Text Generation Inference's ``/generate`` and ``/generate_stream``, default base
  ``http://localhost:8080``.

The chat messages become the model's prompt through its chat template (``chat_template=``, else the catalog; see
``resolve_template``), rendered in a jinja sandbox. Keys are optional (``Authorization: Bearer``) — self-hosted
servers often have none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import APIError
from ...types import ChatCompletion
from .._base import BaseProvider, CallContext, HttpRequest
from .build_request import build_body, build_url
from .errors import map_error
from .parse_response import parse_response
from .prepare_prompt import prepare_prompt
from .stream import TextCompletionStreamTranslator

__all__ = ["TextCompletionProvider", "llamacpp", "text_completion_openai", "tgi"]

_COMMON = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "n",
        "seed",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "stream_options",
    }
)


class TextCompletionProvider(BaseProvider):
    """OpenAI chat completions over a raw-prompt server of one ``kind`` (``openai``, ``llamacpp`` or ``tgi``)."""

    requires_api_key: ClassVar[bool] = False
    call_options: ClassVar[frozenset[str]] = frozenset({"chat_template", "chat_template_kwargs"})
    #: Native body fields a caller may pass as keyword arguments (merged into the body); set per server kind.
    native_params: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        name: str,
        kind: str,
        default_api_base: str,
        api_key_env: tuple[str, ...],
        api_base_env: tuple[str, ...],
        supported_params: frozenset[str],
        native_params: frozenset[str],
    ) -> None:
        self.name = name  # type: ignore[misc]
        self.kind = kind
        self.default_api_base = default_api_base  # type: ignore[misc]
        self.api_key_env = api_key_env  # type: ignore[misc]
        self.api_base_env = api_base_env  # type: ignore[misc]
        self.supported_params = supported_params  # type: ignore[misc]
        self.native_params = native_params  # type: ignore[misc]

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        prompt, plan = prepare_prompt(params, ctx)
        body = build_body(self.kind, prompt, list(plan.stop), params, ctx)
        headers = {"content-type": "application/json"}
        if ctx.stream:
            headers["accept"] = "text/event-stream"
        if ctx.api_key:
            headers["authorization"] = f"Bearer {ctx.api_key}"
        headers.update(ctx.extra_headers)
        return HttpRequest("POST", build_url(self.kind, ctx.api_base, ctx.stream), headers, body)

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        return parse_response(self.kind, body, ctx)

    def chat_stream_translator(self, ctx: CallContext) -> TextCompletionStreamTranslator:
        return TextCompletionStreamTranslator(self.kind, ctx)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_error(status, headers, body, ctx)


# vLLM "Completions API" extra parameters and SGLang's sampling parameters, accepted in the body.
text_completion_openai = TextCompletionProvider(
    "text-completion-openai",
    "openai",
    "http://localhost:8000/v1",
    ("TEXT_COMPLETION_OPENAI_API_KEY",),
    ("TEXT_COMPLETION_OPENAI_API_BASE",),
    _COMMON | {"presence_penalty", "frequency_penalty", "user"},
    frozenset(
        {
            "top_k",
            "min_p",
            "repetition_penalty",
            "length_penalty",
            "min_tokens",
            "ignore_eos",
            "skip_special_tokens",
            "include_stop_str_in_output",
            "add_special_tokens",
            "best_of",
            "echo",
            "suffix",
            "logit_bias",
            "guided_json",
            "guided_regex",
            "guided_choice",
            "guided_grammar",
            "structured_outputs",
            "regex",
            "ebnf",
            "json_schema",
            "priority",
        }
    ),
)

# llama.cpp tools/server/README.md, "POST /completion" options.
llamacpp = TextCompletionProvider(
    "llamacpp",
    "llamacpp",
    "http://localhost:8080",
    ("LLAMACPP_API_KEY",),
    ("LLAMACPP_API_BASE",),
    _COMMON | {"presence_penalty", "frequency_penalty", "user"},
    frozenset(
        {
            "top_k",
            "min_p",
            "typical_p",
            "repeat_penalty",
            "repeat_last_n",
            "mirostat",
            "mirostat_tau",
            "mirostat_eta",
            "grammar",
            "json_schema",
            "n_keep",
            "n_probs",
            "cache_prompt",
            "samplers",
            "dynatemp_range",
            "dynatemp_exponent",
            "xtc_probability",
            "xtc_threshold",
            "dry_multiplier",
            "dry_base",
            "dry_allowed_length",
            "dry_penalty_last_n",
            "id_slot",
            "ignore_eos",
            "logit_bias",
            "t_max_predict_ms",
            "top_n_sigma",
            "min_keep",
            "lora",
        }
    ),
)

# TGI OpenAPI, GenerateParameters.
tgi = TextCompletionProvider(
    "tgi",
    "tgi",
    "http://localhost:8080",
    ("TGI_API_KEY",),
    ("TGI_API_BASE",),
    _COMMON | {"presence_penalty", "frequency_penalty", "user"},
    frozenset(
        {
            "top_k",
            "repetition_penalty",
            "typical_p",
            "truncate",
            "watermark",
            "grammar",
            "decoder_input_details",
            "adapter_id",
            "best_of",
            "do_sample",
            "top_n_tokens",
        }
    ),
)
