"""OpenAI-format types.

Inputs are ``TypedDict`` s, so plain dicts written for the OpenAI API work unchanged.
Outputs are pydantic models shaped exactly like OpenAI's, keeping unknown fields
(``extra="allow"``), so provider-specific extras survive and ``model_dump()`` round-trips.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
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
    "Embedding",
    "EmbeddingResponse",
    "EmbeddingUsage",
    "Function",
    "Image",
    "ImagesResponse",
    "Model",
    "ModelList",
    "ModelResponse",
    "ModelResponseStream",
    "Moderation",
    "ModerationResponse",
    "PromptTokensDetails",
    "ToolCall",
    "TranscriptionResponse",
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


def _none_to(default: Any) -> BeforeValidator:
    """Some OpenAI-compatible servers send ``null`` where OpenAI always sends a value."""
    return BeforeValidator(lambda v: default if v is None else v)


_Count = Annotated[int, _none_to(0)]


class _DictAccess:
    """Read (and set) fields as dictionary keys, as LiteLLM's results allow: ``resp["choices"][0]["message"]
    ["content"]``, ``resp.get("usage")``, ``"usage" in resp``. A key is a declared field or a field the provider
    sent beyond them (an extra); attribute access, iteration and JSON dumps are pydantic's, unchanged. Methods only:
    no per-instance cost."""

    __slots__ = ()

    def __contains__(self, key: object) -> bool:
        model: Any = self
        return isinstance(key, str) and (key in type(model).model_fields or key in (model.__pydantic_extra__ or ()))

    def __getitem__(self, key: str) -> Any:
        if not self.__contains__(key):
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def get(self, key: str, default: Any = None) -> Any:
        """The field's value (``None`` when it is set to ``None``), or ``default`` when there is no such key."""
        return getattr(self, key) if self.__contains__(key) else default


class _Model(_DictAccess, BaseModel):
    # defer_build: each model builds its validator on first use, so models a program never uses cost nothing.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class Function(_Model):
    name: str
    arguments: Annotated[str, _none_to("{}")]


class ToolCall(_Model):
    """A function call (``function``), or an OpenAI custom-tool call (``type="custom"``, with ``custom``:
    ``{"name", "input"}`` kept as an extra field, as OpenAI's ``ChatCompletionMessageCustomToolCall``)."""

    id: str
    type: Literal["function", "custom"] = "function"
    function: Function | None = None

    @model_validator(mode="after")
    def _payload_matches_type(self) -> ToolCall:
        if self.type == "function" and self.function is None:
            raise ValueError("a function tool call needs 'function'")
        if self.type == "custom" and not isinstance((self.model_extra or {}).get("custom"), dict):
            raise ValueError("a custom tool call needs 'custom': {'name', 'input'}")
        return self


class ChatCompletionMessage(_Model):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None
    #: ``audio``, ``annotations`` and the legacy ``function_call`` are kept as sent (extra fields).
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
    prompt_tokens: _Count = 0
    completion_tokens: _Count = 0
    total_tokens: _Count = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


class ChatCompletion(_Model):
    id: str = ""
    object: Literal["chat.completion"] = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None

    @property
    def response_cost(self) -> float | None:
        """USD cost at the default prices (:func:`modelmux.completion_cost`), ``None`` when unknown; computed on
        access, never part of the JSON."""
        from .cost import completion_cost

        return completion_cost(self)


#: LiteLLM's name for a chat completion (``litellm.ModelResponse``), for ported ``isinstance`` checks and annotations.
ModelResponse = ChatCompletion


class ChoiceDeltaToolCallFunction(_Model):
    name: str | None = None
    arguments: str | None = None


class ChoiceDeltaToolCall(_Model):
    index: int
    id: str | None = None
    #: ``custom`` for an OpenAI custom-tool call (its ``custom`` fragment is kept as an extra field).
    type: Literal["function", "custom"] | None = None
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
    id: str = ""
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None


#: LiteLLM's name for a stream chunk (``litellm.ModelResponseStream``).
ModelResponseStream = ChatCompletionChunk


# ---------------------------------------------------------------- trusted construction (the hot path of streams)

_new = object.__new__


def _slot_setter(name: str) -> Any:
    """The setter of one of the four slots pydantic-core fills on every model (``BaseModel.__slots__``), called
    directly: a third cheaper than ``object.__setattr__``, which looks the descriptor up on each call."""
    descriptor = vars(BaseModel).get(name)
    if descriptor is not None and hasattr(descriptor, "__set__"):
        return descriptor.__set__
    return lambda obj, value: object.__setattr__(obj, name, value)  # pragma: no cover - another pydantic layout


_set_dict = _slot_setter("__dict__")
_set_fields = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")


def construct_text_chunk(
    id: str,
    created: int,
    model: str,
    delta: dict[str, str],
    finish_reason: str | None,
    choice_extra: dict[str, Any],
) -> ChatCompletionChunk:
    """The one-choice chunk ``ChatCompletionChunk.model_validate`` makes of these values, built without validating.

    For values a stream translator produced and checked itself (``ChunkFactory`` does): ``delta`` maps only
    ``role``/``content``/``refusal``/``reasoning_content`` to exact ``str`` s (``role`` one of the literal's values),
    ``finish_reason`` is a ``str`` or ``None``, ``choice_extra`` is ``{}`` or ``{"native_finish_reason": str}``.
    The result equals the validated model field for field (``__dict__``, fields set, extras; a test checks), at
    about half the cost: three ``object.__new__`` and the four slots pydantic-core itself fills on each model,
    instead of walking three schemas.
    """
    d = _new(ChoiceDelta)
    _set_dict(
        d,
        {
            "role": delta.get("role"),
            "content": delta.get("content"),
            "refusal": delta.get("refusal"),
            "tool_calls": None,
            "reasoning_content": delta.get("reasoning_content"),
        },
    )
    _set_fields(d, set(delta))
    _set_extra(d, {})
    _set_private(d, None)
    c = _new(ChunkChoice)
    _set_dict(c, {"index": 0, "delta": d, "finish_reason": finish_reason, "logprobs": None})
    _set_fields(c, {"index", "delta", "finish_reason", "logprobs", *choice_extra})
    _set_extra(c, choice_extra)
    _set_private(c, None)
    k = _new(ChatCompletionChunk)
    _set_dict(
        k,
        {
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [c],
            "usage": None,
            "system_fingerprint": None,
        },
    )
    _set_fields(k, {"id", "object", "created", "model", "choices"})
    _set_extra(k, {})
    _set_private(k, None)
    return k


# ---------------------------------------------------------------- embeddings, images, audio, moderations, models


class Embedding(_Model):
    object: Literal["embedding"] = "embedding"
    index: int
    #: The vector, or its little-endian float32 bytes in base64 when ``encoding_format="base64"``.
    embedding: list[float] | str


class EmbeddingUsage(_Model):
    prompt_tokens: _Count = 0
    total_tokens: _Count = 0


class EmbeddingResponse(_Model):
    """Shaped as OpenAI's ``CreateEmbeddingResponse``."""

    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    #: Some OpenAI-compatible servers omit it or send ``null``: zeros then.
    usage: Annotated[EmbeddingUsage, _none_to({})] = Field(default_factory=EmbeddingUsage)

    @property
    def response_cost(self) -> float | None:
        """USD cost at the default prices (:func:`modelmux.completion_cost`), ``None`` when unknown; computed on
        access, never part of the JSON."""
        from .cost import completion_cost

        return completion_cost(self)


class _Costed:
    """``response_cost`` for the results of the other operations (images, transcriptions, moderations, rerank)."""

    @property
    def response_cost(self) -> float | None:
        """USD cost at the default prices (:func:`modelmux.completion_cost`), from what the call stamped on the
        result (the model that answered; an image request's size, quality and n) and what the answer reports
        (images returned, token usage, audio seconds, billed search units). ``None`` when the model or its
        price is unknown or the answer does not say what was billed (a ``json`` transcription without
        ``usage``/``duration``, a rerank without billed search units); 0 for a cache hit. Never in the JSON."""
        from .cost import completion_cost

        return completion_cost(self)


class Image(_Model):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class ImagesResponse(_Costed, _Model):
    """Shaped as OpenAI's ``ImagesResponse``; ``usage``, ``size``, ``quality``… are kept when sent."""

    created: int
    data: list[Image] | None = None


class TranscriptionResponse(_Costed, _Model):
    """OpenAI's ``Transcription``; the ``verbose_json`` fields (``language``, ``duration``, ``segments``,
    ``words``) and ``usage`` are kept as sent, as extra fields."""

    text: str


class Moderation(_Model):
    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]
    category_applied_input_types: dict[str, list[str]] | None = None


class ModerationResponse(_Costed, _Model):
    """Shaped as OpenAI's ``ModerationCreateResponse``."""

    id: str
    model: str
    results: list[Moderation]


class Model(_Model):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(_Model):
    object: Literal["list"] = "list"
    data: list[Model]
