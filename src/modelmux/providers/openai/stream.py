"""OpenAI SSE chunks are already ``ChatCompletionChunk`` s: validate each straight from its JSON text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ...types import ChatCompletionChunk
from .._base import CallContext
from .map_finish_reason import normalize_choices

if TYPE_CHECKING:
    from .provider import OpenAIProvider


class OpenAIStreamTranslator:
    __slots__ = ("ctx", "provider")

    def __init__(self, provider: OpenAIProvider, ctx: CallContext) -> None:
        self.provider = provider
        self.ctx = ctx

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if data == "[DONE]":
            return []
        # The validator itself, not model_validate_json(): this runs once per chunk.
        chunk: ChatCompletionChunk = ChatCompletionChunk.__pydantic_validator__.validate_json(data)
        if not chunk.choices:
            extra = chunk.model_extra
            if extra and "error" in extra:  # an error event mid-stream
                error = extra["error"] if isinstance(extra["error"], dict) else {}
                code = error.get("code")
                status = code if isinstance(code, int) else 500
                raise self.provider.map_error(status, {}, json.dumps(extra).encode(), self.ctx)
        elif chunk.choices[0].finish_reason is not None:
            normalize_choices(chunk.choices)
        if not chunk.model:
            chunk.model = self.ctx.model
        return [chunk]

    def finish(self) -> list[ChatCompletionChunk]:
        return []
