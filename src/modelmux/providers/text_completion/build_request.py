"""The native request bodies of the three server kinds, around a rendered prompt.

* ``openai``: ``POST {api_base}/completions`` (OpenAI Completions API as vLLM, SGLang and llama.cpp serve it):
  ``model``, ``prompt``, ``max_tokens`` (sent as null when unset: the API's default is 16 tokens, which no chat
  caller expects; vLLM and SGLang then generate up to the context length), ``stop``, sampling fields,
  ``stream_options.include_usage`` when asked.
* ``llamacpp``: ``POST {api_base}/completion`` (llama.cpp tools/server/README.md): ``prompt``, ``n_predict``,
  ``stop``, sampling fields; ``response_format`` becomes ``json_schema`` (an object schema for ``json_object``).
* ``tgi``: ``POST {api_base}/generate`` or ``/generate_stream`` (TGI OpenAPI ``GenerateRequest``): ``inputs`` and
  ``parameters`` (``max_new_tokens``, ``stop`` — at most 4, TGI's default ``max_stop_sequences`` —, ``details``
  for the finish reason and token count, ``return_full_text: false``); ``response_format`` becomes ``grammar``.
  TGI refuses ``temperature: 0`` and ``top_p: 1``: greedy decoding is ``do_sample: false``.

``ctx.extra_body`` (native options such as ``top_k``) is merged last: into the body, or TGI's ``parameters``.
"""

from __future__ import annotations

from typing import Any

from .._base import CallContext

__all__ = ["build_body", "build_url"]

_TGI_MAX_STOPS = 4


def build_url(kind: str, api_base: str, stream: bool) -> str:
    base = api_base.rstrip("/")
    if kind == "openai":
        return f"{base}/completions"
    if kind == "llamacpp":
        return f"{base}/completion"
    return f"{base}/generate_stream" if stream else f"{base}/generate"


def _max_tokens(params: dict[str, Any]) -> int | None:
    value = params.get("max_completion_tokens", params.get("max_tokens"))
    return value if isinstance(value, int) else None


def _schema(params: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema ``response_format`` asks for: ``{}`` for any JSON object, None for text."""
    fmt = params.get("response_format") or {}
    if fmt.get("type") == "json_object":
        return {"type": "object"}
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else {"type": "object"}
    return None


def _check_n(params: dict[str, Any], ctx: CallContext) -> None:
    if params.get("n", 1) != 1:
        ctx.unsupported("n", "one completion per request")


def _openai(prompt: str, stop: list[str], params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    _check_n(params, ctx)
    body: dict[str, Any] = {"model": ctx.model, "prompt": prompt, "max_tokens": _max_tokens(params)}
    if stop:
        body["stop"] = stop
    for key in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "user"):
        if key in params:
            body[key] = params[key]
    if "response_format" in params and params["response_format"].get("type") != "text":
        body["response_format"] = params["response_format"]
    if ctx.stream:
        body["stream"] = True
        if ctx.include_usage:
            body["stream_options"] = {"include_usage": True}
    return body


def _llamacpp(prompt: str, stop: list[str], params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    _check_n(params, ctx)
    if "user" in params:
        ctx.unsupported("user", "llama.cpp has no end-user field")
    body: dict[str, Any] = {"prompt": prompt, "stream": ctx.stream}
    max_tokens = _max_tokens(params)
    if max_tokens is not None:
        body["n_predict"] = max_tokens
    if stop:
        body["stop"] = stop
    for key in ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty"):
        if key in params:
            body[key] = params[key]
    schema = _schema(params)
    if schema is not None:
        body["json_schema"] = schema
    return body


def _tgi(prompt: str, stop: list[str], params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    _check_n(params, ctx)
    for key in ("user", "presence_penalty"):
        if key in params:
            ctx.unsupported(key, "Text Generation Inference has no such parameter")
    parameters: dict[str, Any] = {"details": True, "return_full_text": False}
    max_tokens = _max_tokens(params)
    if max_tokens is not None:
        parameters["max_new_tokens"] = max_tokens
    if stop:
        parameters["stop"] = stop[:_TGI_MAX_STOPS]
    temperature = params.get("temperature")
    if temperature is not None and temperature > 0:
        parameters["temperature"] = temperature
        parameters["do_sample"] = True
    elif temperature is not None:
        parameters["do_sample"] = False
    top_p = params.get("top_p")
    if top_p is not None and 0 < top_p < 1:
        parameters["top_p"] = top_p
        parameters.setdefault("do_sample", True)
    for key in ("seed", "frequency_penalty"):
        if key in params:
            parameters[key] = params[key]
    schema = _schema(params)
    if schema is not None:
        parameters["grammar"] = {"type": "json", "value": schema}
    parameters.update(ctx.extra_body)
    return {"inputs": prompt, "parameters": parameters}


def build_body(kind: str, prompt: str, stop: list[str], params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    """The native body; ``stop`` already holds the caller's and the template's stop strings."""
    if kind == "tgi":
        return _tgi(prompt, stop, params, ctx)
    body = _openai(prompt, stop, params, ctx) if kind == "openai" else _llamacpp(prompt, stop, params, ctx)
    body.update(ctx.extra_body)
    return body
