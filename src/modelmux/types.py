"""OpenAI-format types.

Inputs are ``TypedDict`` s, so plain dicts written for the OpenAI API work unchanged.
Outputs are pydantic models shaped exactly like OpenAI's, keeping unknown fields
(``extra="allow"``), so provider-specific extras survive and ``model_dump()`` round-trips.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from typing_extensions import NotRequired, TypedDict

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageParam",
    "ChatCompletionToolParam",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChunkChoice",
    "CompletionTokensDetails",
    "Function",
    "PromptTokensDetails",
    "ToolCall",
    "Usage",
]


# ---------------------------------------------------------------- inputs


class FunctionCallParam(TypedDict):
    name: str
    arguments: str


class ToolCallParam(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCallParam


class ChatCompletionMessageParam(TypedDict, total=False):
    """One message of the conversation, as the OpenAI API takes it."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None
    name: str
    tool_calls: list[ToolCallParam]
    tool_call_id: str
    reasoning_content: str
    #: Native thinking blocks (with signatures) from an earlier answer, sent back to providers that need them.
    thinking_blocks: list[dict[str, Any]]


class FunctionDefinitionParam(TypedDict):
    name: str
    description: NotRequired[str]
    parameters: NotRequired[dict[str, Any]]
    strict: NotRequired[bool | None]


class ChatCompletionToolParam(TypedDict):
    type: Literal["function"]
    function: FunctionDefinitionParam


# ---------------------------------------------------------------- outputs


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Function(_Model):
    name: str
    arguments: str


class ToolCall(_Model):
    id: str
    type: Literal["function"] = "function"
    function: Function


class ChatCompletionMessage(_Model):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None
    reasoning_content: str | None = None


class Choice(_Model):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: str | None = None
    logprobs: Any = None


class PromptTokensDetails(_Model):
    cached_tokens: int | None = None
    audio_tokens: int | None = None


class CompletionTokensDetails(_Model):
    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class Usage(_Model):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


class ChatCompletion(_Model):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None


class ChoiceDeltaToolCallFunction(_Model):
    name: str | None = None
    arguments: str | None = None


class ChoiceDeltaToolCall(_Model):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: ChoiceDeltaToolCallFunction | None = None


class ChoiceDelta(_Model):
    role: Literal["assistant", "system", "user", "tool", "developer"] | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChoiceDeltaToolCall] | None = None
    reasoning_content: str | None = None


class ChunkChoice(_Model):
    index: int = 0
    delta: ChoiceDelta
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(_Model):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    system_fingerprint: str | None = None
