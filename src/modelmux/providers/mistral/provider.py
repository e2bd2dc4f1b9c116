"""Mistral (``mistral/<model>``): the OpenAI dialect with Mistral's profile, request schema and error shape.

What the shared OpenAI-dialect code does from :data:`MISTRAL`'s flags: ``max_tokens`` only, no
``stream_options`` (usage comes on the last chunk unasked), reasoning read from and sent back as ``thinking``
content chunks, tool-call ids mapped to nine letters and digits, ``developer`` sent as ``system``, and
streamed tool calls that come whole and without ``index`` numbered by id (``ToolCallIndexes``).
What is Mistral's own (here): the request schema (:mod:`.convert_request`: ``random_seed``, message fields,
``json_schema``), its native fields as keywords (``safe_prompt``…), 422 validation errors (:mod:`.errors`) and
moderation answers without ``flagged`` (:mod:`.parse_moderation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import APIError
from ...types import ModerationResponse
from .._base import OPENAI_PARAMS, CallContext, HttpRequest
from ..openai import OpenAIProvider, Profile
from .convert_request import convert_mistral_body
from .errors import map_mistral_error
from .parse_moderation import parse_mistral_moderation

__all__ = ["MISTRAL", "MistralProvider", "provider"]

#: docs.mistral.ai/api (chat completion): ``max_tokens``, no ``stream_options`` (unknown fields are a 422;
#: usage comes in the last chunk anyway). docs.mistral.ai "Reasoning": reasoning comes as a ``thinking``
#: chunk of a list content, and goes back the same way in the assistant's content. Tool-call ids in the
#: history must be nine letters and digits (mistral-common "Tool calling"; a 400 "Tool call id was ...
#: but must be a-z, A-Z, 0-9, with a length of 9" otherwise). Roles: system, user, assistant, tool (SDK
#: message models): no ``developer``, no ``refusal``, no custom tools.
MISTRAL = Profile(
    max_tokens_field="max_tokens",
    stream_options=False,
    reasoning_field="content_chunks",
    reasoning_back="thinking_chunks",
    refusal=False,
    custom_tools=False,
    tool_call_ids="alnum9",
    developer_role=False,
)

#: OpenAI fields Mistral's ``ChatCompletionRequest`` has no counterpart for (the ``mistralai`` SDK's model):
#: sent, they would be a 422, so they are reported before any request is made.
_NOT_MISTRAL = frozenset(
    {
        "user",
        "logit_bias",
        "store",
        "modalities",
        "audio",
        "web_search_options",
        "verbosity",
        "safety_identifier",
        "functions",
        "function_call",
    }
)


class MistralProvider(OpenAIProvider):
    """``POST {api_base}/chat/completions`` (and ``/embeddings``, ``/moderations``, ``/audio/transcriptions``) at
    ``https://api.mistral.ai/v1``."""

    supported_params: ClassVar[frozenset[str]] = OPENAI_PARAMS - _NOT_MISTRAL
    #: Answers only, each checked (``modelmux._raw_answer``: list ``content`` is parsed); streams are rewritten.
    openai_relay: ClassVar[frozenset[str]] = frozenset({"answer"})
    #: Mistral body fields without an OpenAI name, accepted as keywords (mistralai SDK ``ChatCompletionRequest``).
    native_params: ClassVar[frozenset[str]] = frozenset(
        {
            "random_seed",
            "safe_prompt",
            "prompt_mode",
            "min_tokens",
            "top_k",
            "repetition_penalty",
            "prompt_logprobs",
            "top_prompt_logprobs",
            "guardrails",
        }
    )

    def __init__(self, profile: Profile = MISTRAL) -> None:
        super().__init__(
            "mistral",
            "https://api.mistral.ai/v1",
            ("MISTRAL_API_KEY",),
            ("MISTRAL_API_BASE",),
            profile=profile,
        )

    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        request = super().build_chat_request(params, ctx)
        convert_mistral_body(request.json, ctx)
        return request

    def build_embedding_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        """``/v1/embeddings`` (mistralai SDK ``EmbeddingRequest``: ``input``, ``output_dimension``,
        ``encoding_format``…): OpenAI's ``dimensions`` is ``output_dimension``; ``user`` has no field."""
        params = dict(params)
        if "dimensions" in params:
            params["output_dimension"] = params.pop("dimensions")
        if "user" in params:
            ctx.unsupported("user", "Mistral embeddings have no user field")
            del params["user"]
        return super().build_embedding_request(params, ctx)

    def parse_moderation_response(self, body: bytes, params: dict[str, Any], ctx: CallContext) -> ModerationResponse:
        """``/v1/moderations`` answers carry no ``flagged``: :mod:`.parse_moderation` fills it in."""
        return parse_mistral_moderation(body)

    def map_error(self, status: int, headers: Mapping[str, str], body: bytes, ctx: CallContext) -> APIError:
        return map_mistral_error(status, headers, body, ctx)


provider = MistralProvider()
