"""Constructors for OpenAI-format results, shared by the providers that translate.

They build the plain dict and validate once (pydantic-core does the work), which is faster than
composing nested model instances and keeps the providers' code short.
"""

from __future__ import annotations

import base64
import json
import struct
import time
from collections.abc import Sequence
from typing import Any

from ..types import ChatCompletion, ChatCompletionChunk, EmbeddingResponse, construct_text_chunk
from ._field_chunks import chunk_stamp, construct_field_chunk


def make_usage(
    prompt_tokens: int | None,
    completion_tokens: int | None,
    *,
    cached_tokens: int | None = None,
    reasoning_tokens: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An OpenAI ``usage`` dict; ``completion_tokens`` includes reasoning tokens, as OpenAI counts."""
    prompt = prompt_tokens or 0
    completion = completion_tokens or 0
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached_tokens or 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens or 0},
    }
    usage.update(extra)
    return usage


def make_tool_call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    """A tool call; ``arguments`` already a JSON string is kept byte for byte."""
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def make_completion(
    *,
    id: str,
    model: str,
    content: str | None,
    finish_reason: str | None,
    native_finish_reason: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    reasoning_content: str | None = None,
    usage: dict[str, Any] | None = None,
    created: int | None = None,
    message_extra: dict[str, Any] | None = None,
) -> ChatCompletion:
    """One-choice ``ChatCompletion``, the shape every translated provider returns."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reasoning_content:
        message["reasoning_content"] = reasoning_content
    if message_extra:
        message.update(message_extra)
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
    if native_finish_reason is not None:
        choice["native_finish_reason"] = native_finish_reason
    return ChatCompletion.model_validate(
        {
            "id": id,
            "object": "chat.completion",
            "created": created if created is not None else int(time.time()),
            "model": model,
            "choices": [choice],
            "usage": usage,
        }
    )


#: Delta fields a translator fills with text: a delta of only these, all exact ``str``, is built without validation.
_TEXT_FIELDS = frozenset({"role", "content", "refusal", "reasoning_content"})
#: The fields ``ChunkFactory.text`` builds directly.
_ONE_TEXT_FIELDS = frozenset({"content", "refusal", "reasoning_content"})
#: ``ChoiceDelta.role``'s literal values.
_ROLES = frozenset({"assistant", "system", "user", "tool", "developer"})
_STR_OR_NONE = (str, type(None))


class ChunkFactory:
    """Stamps chunks of one stream with its id, creation time and model.

    Most chunks of a stream are text deltas (``content``, ``reasoning_content``, the first ``role``) and the
    finish chunk: when the stamp and every value have the exact type the model declares, the chunk is
    constructed directly (:func:`~modelmux.types.construct_text_chunk`, equal to the validated one); anything
    else (tool calls, extras such as ``thinking_blocks``, a value from upstream of another type) is validated
    as before, so a malformed value still fails there.
    """

    __slots__ = ("_stamp", "_trusted", "created", "id", "model")
    _trusted: bool  # the stamp has the exact types the chunk model declares (kept so by __setattr__)
    _stamp: dict[str, Any] | None  # then the chunks' top-level fields, made once (``construct_field_chunk``)

    def __init__(self, id: str, model: str, created: int | None = None) -> None:
        self.id = id
        self.model = model
        self.created = created if created is not None else int(time.time())

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name[0] != "_":  # the stamp changed (a translator may learn the model late): check it again
            stamp = (getattr(self, "id", None), getattr(self, "model", None), getattr(self, "created", None))
            trusted = tuple(map(type, stamp)) == (str, str, int)
            object.__setattr__(self, "_trusted", trusted)
            object.__setattr__(self, "_stamp", chunk_stamp(self.id, self.created, self.model) if trusted else None)

    def text(self, field: str, text: str) -> ChatCompletionChunk:
        """``delta({field: text})`` for ``field`` ``content``, ``reasoning_content`` or ``refusal``: the chunk most of
        a stream is made of, built from the stamp made once (a value of another type is validated, as ever)."""
        stamp = self._stamp
        if stamp is not None and type(text) is str and field in _ONE_TEXT_FIELDS:
            return construct_field_chunk(stamp, field, text)
        return self.delta({field: text})

    def delta(
        self,
        delta: dict[str, Any],
        finish_reason: str | None = None,
        native_finish_reason: str | None = None,
    ) -> ChatCompletionChunk:
        if self._trusted and type(finish_reason) in _STR_OR_NONE and type(native_finish_reason) in _STR_OR_NONE:
            for key, value in delta.items():
                if type(value) is not str or key not in _TEXT_FIELDS:
                    break
            else:
                if "role" not in delta or delta["role"] in _ROLES:
                    extra = {} if native_finish_reason is None else {"native_finish_reason": native_finish_reason}
                    return construct_text_chunk(self.id, self.created, self.model, delta, finish_reason, extra)
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        if native_finish_reason is not None:
            choice["native_finish_reason"] = native_finish_reason
        # The validator itself, not model_validate(): the classmethod's own argument handling is a sixth of the cost.
        return ChatCompletionChunk.__pydantic_validator__.validate_python(  # type: ignore[no-any-return]
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [choice],
            }
        )

    def usage(self, usage: dict[str, Any]) -> ChatCompletionChunk:
        """The final ``choices: []`` chunk OpenAI sends when ``stream_options.include_usage`` is set."""
        return ChatCompletionChunk.model_validate(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": usage,
            }
        )


def encode_floats(values: Sequence[float]) -> str:
    """A vector as OpenAI's ``encoding_format="base64"`` sends it: little-endian float32 bytes, base64."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def make_embedding_response(
    vectors: Sequence[Sequence[float]], *, model: str, prompt_tokens: int, encoding_format: str | None = None
) -> EmbeddingResponse:
    """An ``EmbeddingResponse`` for vectors in input order; base64-encoded here when the caller asked for it."""
    encode = encoding_format == "base64"
    data = [
        {"object": "embedding", "index": i, "embedding": encode_floats(v) if encode else list(v)}
        for i, v in enumerate(vectors)
    ]
    usage = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}
    return EmbeddingResponse.model_validate({"object": "list", "data": data, "model": model, "usage": usage})
