"""Azure OpenAI streams: OpenAI's chunks, plus Azure's content-filter annotations.

Azure sends, before the first choice, a chunk carrying only ``prompt_filter_results`` with ``"object": ""``, empty
``id`` and ``model`` (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter#streaming). It is
passed on as an OpenAI chunk without choices (the kind OpenAI's own usage chunk is), the filter results kept as an
extra field; later chunks may carry ``content_filter_results`` on their choices, kept the same way.
"""

from __future__ import annotations

import json

from ...types import ChatCompletionChunk
from ..openai.stream import OpenAIStreamTranslator

__all__ = ["AzureStreamTranslator"]


class AzureStreamTranslator(OpenAIStreamTranslator):
    __slots__ = ()

    def feed(self, event: str, data: str) -> list[ChatCompletionChunk]:
        if "prompt_filter_results" in data:  # rare: once per stream at most, so the extra parse is cheap
            payload = json.loads(data)
            if isinstance(payload, dict) and payload.get("object") == "" and not payload.get("choices"):
                payload["object"] = "chat.completion.chunk"
                payload["model"] = payload.get("model") or self.ctx.model
                return [ChatCompletionChunk.model_validate(payload)]
        return super().feed(event, data)
