"""Native stop reasons → OpenAI ``finish_reason``, one table per server kind (default ``stop``).

* OpenAI-style ``/v1/completions`` (vLLM, SGLang, llama.cpp): ``choices[].finish_reason`` is ``stop`` or ``length``
  (OpenAI Completions API reference; vLLM also sends ``abort`` for a request it cancelled).
* llama.cpp ``/completion``: ``stop_type`` is ``eos``, ``word`` (a stop string), ``limit`` (``n_predict``) or
  ``none`` (tools/server/README.md, "POST /completion"); older builds set ``stopped_eos`` / ``stopped_word`` /
  ``stopped_limit`` instead.
* TGI ``/generate``: ``details.finish_reason`` is ``length``, ``eos_token`` or ``stop_sequence`` (TGI OpenAPI
  schema, ``FinishReason``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["llamacpp_stop_type", "map_finish_reason"]

_TABLES: dict[str, dict[str, str]] = {
    "openai": {"stop": "stop", "length": "length", "content_filter": "content_filter", "abort": "stop"},
    "llamacpp": {"eos": "stop", "word": "stop", "limit": "length", "none": "stop"},
    "tgi": {"eos_token": "stop", "stop_sequence": "stop", "length": "length"},
}


def map_finish_reason(kind: str, native: str | None) -> str:
    if native is None:
        return "stop"
    return _TABLES[kind].get(native, "stop")


def llamacpp_stop_type(body: dict[str, Any]) -> str | None:
    """``stop_type``, or the same word from the older boolean fields."""
    stop_type = body.get("stop_type")
    if isinstance(stop_type, str):
        return stop_type
    for flag, name in (("stopped_limit", "limit"), ("stopped_word", "word"), ("stopped_eos", "eos")):
        if body.get(flag):
            return name
    return None
