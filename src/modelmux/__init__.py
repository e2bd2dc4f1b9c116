"""modelmux: call any LLM provider through the OpenAI chat-completions format.

>>> import modelmux
>>> reply = modelmux.completion(model="mock/demo", messages=[{"role": "user", "content": "Hi"}])
>>> reply.choices[0].message.content
"Hello! This is modelmux's offline mock provider: no API key, no network, same OpenAI-format answer."
"""

import sys
from typing import TYPE_CHECKING, Any

from . import exceptions
from ._module_settings import GuardedModule, ModuleSettingError, missing
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
    DroppedParamWarning,
    InternalServerError,
    InvalidAPIKeyError,
    ModelmuxError,
    ModelmuxWarning,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    Timeout,
    UnknownParameterError,
    UnsupportedParamsError,
    UpstreamError,
)

if TYPE_CHECKING:
    from . import callbacks, observability
    from ._api import acompletion, completion
    from ._chunk_builder import stream_chunk_builder
    from ._embeddings import aembedding, embedding
    from ._images import aimage_generation, image_generation
    from ._moderations import amoderation, moderation
    from ._registry import model_list
    from ._rerank import arerank, rerank
    from ._responses.api import (
        adelete_response,
        aget_response,
        aresponses,
        delete_response,
        get_response,
        responses,
    )
    from ._responses.errors import ResponseNotFoundError
    from ._responses.store import MemoryResponseStore
    from ._responses.streams import AsyncResponseStream, ResponseStream
    from ._responses.types import ResponseEvent, ResponseObject
    from ._streaming import AsyncChatStream, ChatStream
    from ._transcriptions import atranscription, transcription
    from .cache import Cache
    from .cost import Prices, completion_cost, cost_per_token, default_prices, load_prices, set_default_prices
    from .model_info import (
        get_max_tokens,
        get_model_info,
        get_supported_openai_params,
        model_cost,
        supports_function_calling,
        supports_reasoning,
        supports_response_schema,
        supports_vision,
    )
    from .router import Router
    from .tokens import token_counter
    from .types import (
        ChatCompletion,
        ChatCompletionChunk,
        EmbeddingResponse,
        ImagesResponse,
        ModelList,
        ModelResponse,
        ModelResponseStream,
        ModerationResponse,
        TranscriptionResponse,
        Usage,
    )
    from .types_rerank import RerankResponse

# The rest loads on first use (PEP 562), so ``import modelmux`` costs little more than its errors:
# pydantic model building, httpx and tiktoken are paid by the first call that needs them.
_LAZY = {
    "acompletion": "._api",
    "completion": "._api",
    "aembedding": "._embeddings",
    "embedding": "._embeddings",
    "aimage_generation": "._images",
    "image_generation": "._images",
    "amoderation": "._moderations",
    "moderation": "._moderations",
    "model_list": "._registry",
    "arerank": "._rerank",
    "rerank": "._rerank",
    "Router": ".router",
    "AsyncChatStream": "._streaming",
    "ChatStream": "._streaming",
    "stream_chunk_builder": "._chunk_builder",
    "atranscription": "._transcriptions",
    "transcription": "._transcriptions",
    "token_counter": ".tokens",
    "Cache": ".cache",
    "get_max_tokens": ".model_info",
    "get_model_info": ".model_info",
    "get_supported_openai_params": ".model_info",
    "model_cost": ".model_info",
    "supports_function_calling": ".model_info",
    "supports_reasoning": ".model_info",
    "supports_response_schema": ".model_info",
    "supports_vision": ".model_info",
    "Prices": ".cost",
    "completion_cost": ".cost",
    "cost_per_token": ".cost",
    "default_prices": ".cost",
    "load_prices": ".cost",
    "set_default_prices": ".cost",
    "ChatCompletion": ".types",
    "ChatCompletionChunk": ".types",
    "EmbeddingResponse": ".types",
    "ImagesResponse": ".types",
    "ModelList": ".types",
    "ModelResponse": ".types",
    "ModelResponseStream": ".types",
    "Usage": ".types",
    "ModerationResponse": ".types",
    "TranscriptionResponse": ".types",
    "RerankResponse": ".types_rerank",
    "responses": "._responses.api",
    "aresponses": "._responses.api",
    "get_response": "._responses.api",
    "aget_response": "._responses.api",
    "delete_response": "._responses.api",
    "adelete_response": "._responses.api",
    "ResponseNotFoundError": "._responses.errors",
    "MemoryResponseStore": "._responses.store",
    "ResponseStream": "._responses.streams",
    "AsyncResponseStream": "._responses.streams",
    "ResponseEvent": "._responses.types",
    "ResponseObject": "._responses.types",
}


#: Subpackages loaded on first use (``modelmux.callbacks.register(...)`` works after a bare ``import modelmux``).
_SUBMODULES = frozenset({"callbacks", "observability"})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        if name not in _SUBMODULES:
            raise missing(name)
        import importlib

        return importlib.import_module(f".{name}", __name__)  # the import binds it on this module
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)


__version__ = "0.1.0"

# ``modelmux.drop_params = True`` (LiteLLM's module settings) raises, saying what to write instead: modelmux keeps no
# process-wide state that could change a call mid-flight (see ``_module_settings``).
sys.modules[__name__].__class__ = GuardedModule

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatStream",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "Cache",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatStream",
    "ContentPolicyViolationError",
    "ContextWindowExceededError",
    "DroppedParamWarning",
    "EmbeddingResponse",
    "ImagesResponse",
    "InternalServerError",
    "InvalidAPIKeyError",
    "MemoryResponseStore",
    "ModelList",
    "ModelResponse",
    "ModelResponseStream",
    "ModelmuxError",
    "ModelmuxWarning",
    "ModerationResponse",
    "ModuleSettingError",
    "NotFoundError",
    "PermissionDeniedError",
    "Prices",
    "RateLimitError",
    "RerankResponse",
    "ResponseEvent",
    "ResponseNotFoundError",
    "ResponseObject",
    "ResponseStream",
    "Router",
    "ServiceUnavailableError",
    "Timeout",
    "TranscriptionResponse",
    "UnknownParameterError",
    "UnsupportedParamsError",
    "UpstreamError",
    "Usage",
    "acompletion",
    "adelete_response",
    "aembedding",
    "aget_response",
    "aimage_generation",
    "amoderation",
    "arerank",
    "aresponses",
    "atranscription",
    "callbacks",
    "completion",
    "completion_cost",
    "cost_per_token",
    "default_prices",
    "delete_response",
    "embedding",
    "exceptions",
    "get_max_tokens",
    "get_model_info",
    "get_response",
    "get_supported_openai_params",
    "image_generation",
    "load_prices",
    "model_cost",
    "model_list",
    "moderation",
    "observability",
    "rerank",
    "responses",
    "set_default_prices",
    "stream_chunk_builder",
    "supports_function_calling",
    "supports_reasoning",
    "supports_response_schema",
    "supports_vision",
    "token_counter",
    "transcription",
]
