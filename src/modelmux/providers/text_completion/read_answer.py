"""Native answers (whole bodies and stream events) → :class:`Piece`: generated text, native stop reason, usage.

Shapes: OpenAI Completions ``{"id", "model", "choices": [{"text", "finish_reason"}], "usage"}`` (streamed: the same
per chunk, then ``[DONE]``; the usage chunk has ``choices: []``); llama.cpp ``{"content", "stop", "stop_type",
"tokens_evaluated", "tokens_predicted", "timings"}`` (streamed: one such object per event, the last with
``stop: true``, no ``[DONE]``); TGI ``{"generated_text", "details": {"finish_reason", "generated_tokens",
"prefill"}}`` (streamed: ``{"token": {"text", "special"}, "generated_text", "details"}`` per token, the last with
``details``). An ``error`` member, in a body or an event, is the server's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._shapes import make_usage
from .map_finish_reason import llamacpp_stop_type

__all__ = ["Piece", "read_answer", "read_event"]


@dataclass(slots=True)
class Piece:
    text: str = ""
    #: The native stop reason, set on the piece that ends the answer.
    native_finish: str | None = None
    done: bool = False
    usage: dict[str, Any] | None = None
    id: str | None = None
    model: str | None = None


def _openai_usage(usage: Any) -> dict[str, Any] | None:
    if not isinstance(usage, dict):
        return None
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    return make_usage(usage.get("prompt_tokens"), usage.get("completion_tokens"), cached_tokens=cached)


def _openai(body: dict[str, Any], stream: bool) -> Piece:
    piece = Piece(id=body.get("id"), model=body.get("model"), usage=_openai_usage(body.get("usage")))
    choices = body["choices"] if not stream else body.get("choices") or []
    if not stream and not choices:
        raise ValueError("no choices in the completion")
    if choices:
        choice = choices[0]
        piece.text = choice.get("text") or ""
        if choice.get("finish_reason") is not None:
            piece.native_finish = str(choice["finish_reason"])
            piece.done = True
    return piece


def _llamacpp_usage(body: dict[str, Any]) -> dict[str, Any] | None:
    timings: dict[str, Any] = body["timings"] if isinstance(body.get("timings"), dict) else {}
    prompt = body.get("tokens_evaluated", timings.get("prompt_n"))
    completion = body.get("tokens_predicted", timings.get("predicted_n"))
    if prompt is None and completion is None:
        return None
    return make_usage(prompt, completion, cached_tokens=timings.get("cache_n"))


def _llamacpp(body: dict[str, Any], stream: bool) -> Piece:
    content = body["content"] if not stream else body.get("content", "")
    if not isinstance(content, str):
        raise TypeError("content is not text")
    piece = Piece(text=content, model=body.get("model"))
    if body.get("stop") or not stream:
        piece.done = True
        piece.native_finish = llamacpp_stop_type(body)
        piece.usage = _llamacpp_usage(body)  # llama.cpp answers carry no completion id: one is made up
    return piece


def _tgi_usage(details: dict[str, Any]) -> dict[str, Any] | None:
    completion = details.get("generated_tokens")
    if completion is None:
        return None
    # TGI reports prompt tokens only in the x-prompt-tokens header, or as the prefill list when the request set
    # decoder_input_details; without either they are counted as 0.
    prefill = details.get("prefill")
    return make_usage(len(prefill) if isinstance(prefill, list) else 0, completion)


def _tgi(body: Any, stream: bool) -> Piece:
    if not stream:
        if isinstance(body, list):  # /generate answers a list when given a list of inputs
            body = body[0]
        text = body["generated_text"]
        details = body.get("details") or {}
        return Piece(text=text, native_finish=details.get("finish_reason"), done=True, usage=_tgi_usage(details))
    token = body.get("token") or {}
    piece = Piece(text="" if token.get("special") else token.get("text") or "")
    details = body.get("details")
    if isinstance(details, dict) or body.get("generated_text") is not None:
        details = details if isinstance(details, dict) else {}
        piece.done = True
        piece.native_finish = details.get("finish_reason")
        piece.usage = _tgi_usage(details)
    return piece


_READERS = {"openai": _openai, "llamacpp": _llamacpp, "tgi": _tgi}


def read_answer(kind: str, body: Any) -> Piece:
    """A whole (non-streamed) answer."""
    if not isinstance(body, (dict, list)):
        raise TypeError("the answer is not a JSON object")
    return _READERS[kind](body, False)


def read_event(kind: str, body: Any) -> Piece:
    """One streamed event's JSON."""
    if not isinstance(body, dict):
        raise TypeError("the stream event is not a JSON object")
    return _READERS[kind](body, True)
