"""OpenAI SSE chunks are already ``ChatCompletionChunk`` s: validate each straight from its JSON text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pydantic

from ...types import ChatCompletionChunk
from .._base import CallContext

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
        try:
            return [ChatCompletionChunk.model_validate_json(data)]
        except pydantic.ValidationError:
            obj = json.loads(data)
            if isinstance(obj, dict) and "error" in obj:
                err = obj["error"] if isinstance(obj["error"], dict) else {}
                code = err.get("code")
                status = code if isinstance(code, int) else 500
                raise self.provider.map_error(status, {}, data.encode(), self.ctx) from None
            raise

    def finish(self) -> list[ChatCompletionChunk]:
        return []
