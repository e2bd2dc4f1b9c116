"""modelmux: call any LLM provider through the OpenAI chat-completions format.

>>> import modelmux
>>> reply = modelmux.completion(model="mock/demo", messages=[{"role": "user", "content": "Hi"}])
>>> reply.choices[0].message.content
"Hello! This is modelmux's offline mock provider: no API key, no network, same OpenAI-format answer."
"""

from ._api import acompletion, completion
from ._streaming import AsyncChatStream, ChatStream, stream_chunk_builder
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
    UnsupportedParamsError,
    UpstreamError,
)
from .tokens import token_counter
from .types import ChatCompletion, ChatCompletionChunk

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatStream",
    "ContentPolicyViolationError",
    "ContextWindowExceededError",
    "DroppedParamWarning",
    "InternalServerError",
    "InvalidAPIKeyError",
    "ModelmuxError",
    "ModelmuxWarning",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServiceUnavailableError",
    "UnsupportedParamsError",
    "UpstreamError",
    "acompletion",
    "completion",
    "stream_chunk_builder",
    "token_counter",
]
