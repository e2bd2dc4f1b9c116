"""A non-streamed OpenAI-format chat answer passed on as the upstream's own JSON bytes.

For a relay whose client speaks OpenAI's format (the gateway's ``/v1/chat/completions``), validating an answer into
a ``ChatCompletion`` and serialising it again changes nothing when the answer is already in OpenAI's own shape.
:func:`plain_answer` checks that on the parsed JSON (one ``from_json``, no models): every field the
``ChatCompletion`` model declares is there with a type it takes as is, and nothing the OpenAI parser rewrites is
there (an error object, ``reasoning`` for ``reasoning_content``, list ``content``, a vendor's ``finish_reason`` or
``service_tier``, a missing field it would fill with a default). Such an answer's bytes are forwarded; any other
goes through the provider's parser, so it ends exactly as before: rewritten, or an error (a broken answer is
never an empty success). The size bound (``max_response_bytes``) is the send's, as for every answer.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json

from . import _call
from ._raw_stream import aprepare_raw
from .providers.openai.map_finish_reason import OPENAI_FINISH_REASONS
from .providers.openai.map_service_tier import OPENAI_SERVICE_TIERS
from .types import ChatCompletion, Usage

__all__ = ["RawAnswer", "araw_chat_completion", "plain_answer"]

_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")
_DETAILS = {
    "prompt_tokens_details": ("cached_tokens", "audio_tokens"),
    "completion_tokens_details": (
        "reasoning_tokens",
        "audio_tokens",
        "accepted_prediction_tokens",
        "rejected_prediction_tokens",
    ),
}
_TEXTS = ("content", "refusal", "reasoning_content")


def _is_int(value: Any) -> bool:
    return type(value) is int  # not bool, not a float with a zero fraction (the model would make them ints)


def _usage_is_plain(usage: Any) -> bool:
    if not isinstance(usage, dict) or not all(_is_int(usage.get(name)) for name in _COUNTS):
        return False  # a missing or null count becomes 0 in the model
    for field, names in _DETAILS.items():
        details = usage.get(field)
        if details is None:
            continue
        if not isinstance(details, dict):
            return False
        for name in names:
            value = details.get(name)
            if value is not None and not _is_int(value):
                return False
    return True


def _tool_call_is_plain(call: Any) -> bool:
    if not isinstance(call, dict) or type(call.get("id")) is not str:
        return False
    kind = call.get("type")
    if kind == "custom":
        return isinstance(call.get("custom"), dict) and call.get("function") is None
    function = call.get("function")
    return (
        kind == "function"  # a missing type would be filled in
        and isinstance(function, dict)
        and type(function.get("name")) is str
        and type(function.get("arguments")) is str  # null becomes "{}"
    )


def _choice_is_plain(choice: Any) -> bool:
    if not isinstance(choice, dict) or not _is_int(choice.get("index")):
        return False
    reason = choice.get("finish_reason")
    if reason is not None and (type(reason) is not str or reason not in OPENAI_FINISH_REASONS):
        return False  # a vendor's value is mapped (native_finish_reason), a broken-off one is an error
    message = choice.get("message")
    if not isinstance(message, dict) or message.get("role") != "assistant" or "reasoning" in message:
        return False
    for name in _TEXTS:
        value = message.get(name)
        if value is not None and type(value) is not str:
            return False  # list content (Mistral, Databricks) is converted
    calls = message.get("tool_calls")
    return calls is None or (type(calls) is list and all(map(_tool_call_is_plain, calls)))


def plain_answer(doc: Any) -> bool:
    """Whether ``doc`` (a parsed answer) is a ``chat.completion`` the OpenAI parser would keep as it is, up to
    ``null`` fields (which the parsed path leaves out of its JSON)."""
    if not isinstance(doc, dict) or "error" in doc or doc.get("object") != "chat.completion":
        return False
    model = doc.get("model")
    if type(doc.get("id")) is not str or not _is_int(doc.get("created")) or type(model) is not str or not model:
        return False
    fingerprint, tier, usage = doc.get("system_fingerprint"), doc.get("service_tier"), doc.get("usage")
    if fingerprint is not None and type(fingerprint) is not str:
        return False
    if tier is not None and (type(tier) is not str or tier not in OPENAI_SERVICE_TIERS):
        return False
    if usage is not None and not _usage_is_plain(usage):
        return False
    choices = doc.get("choices")
    return type(choices) is list and all(map(_choice_is_plain, choices))


class _Finish:
    __slots__ = ("finish_reason", "index")

    def __init__(self, index: int, finish_reason: str | None) -> None:
        self.index = index
        self.finish_reason = finish_reason


class RawAnswer:
    """An answer :func:`plain_answer` accepted: its bytes (:attr:`body`) and their parsed JSON (:attr:`doc`).

    ``usage``, ``model``, ``id``, ``choices`` (index and finish reason only) and ``service_tier`` are read from the
    JSON as a ``ChatCompletion``'s would be (for callbacks that read no more, and for the cost)."""

    __slots__ = ("_hidden_params", "_usage", "body", "doc")

    def __init__(self, body: bytes, doc: dict[str, Any]) -> None:
        self.body = body
        self.doc = doc
        self._usage: Usage | bool | None = False  # False: not read yet

    @property
    def usage(self) -> Usage | None:
        if self._usage is False:
            raw = self.doc.get("usage")
            self._usage = None if raw is None else Usage.model_validate(raw)  # checked plain: it validates
        return self._usage  # type: ignore[return-value]

    @property
    def model(self) -> str:
        return str(self.doc["model"])

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def service_tier(self) -> str | None:
        tier = self.doc.get("service_tier")
        return tier if isinstance(tier, str) else None

    @property
    def choices(self) -> list[_Finish]:
        return [_Finish(c["index"], c.get("finish_reason")) for c in self.doc["choices"]]


async def araw_chat_completion(model: str, messages: Any, **options: Any) -> RawAnswer | ChatCompletion:
    """Send a non-streamed chat request (one attempt: no retries, fallbacks, cache or callbacks — the caller makes
    sure) and return the answer's own bytes when :func:`plain_answer` says they need no rewriting, else the
    provider's parsed ``ChatCompletion`` (or its error), exactly as ``acompletion`` would.

    Raises:
        APIError: as ``acompletion``'s.
    """
    call, native = await aprepare_raw(model, messages, False, options)
    reply = await _call.aexchange(call, native)
    body = reply.content
    try:
        doc = from_json(body)
    except ValueError:
        doc = None
    if plain_answer(doc):
        return RawAnswer(body, doc)
    return _call.parse(call, reply, call.provider.parse_chat_response, call.ctx)
