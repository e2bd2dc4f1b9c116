"""OpenAI request parameters → Ollama's body fields: ``options`` (sampling, length), ``format`` (JSON mode and
JSON schema), ``think`` (reasoning), ``tools``.

Sources: docs.ollama.com/api/chat and /api/generate (``format``, ``options``, ``think``, ``keep_alive``,
``tools``); the ``options`` names are the Modelfile parameters (docs.ollama.com/modelfile#valid-parameters-and-values)
and the ``ollama`` SDK's ``Options`` type. Ollama has no ``tool_choice``: the model always chooses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext

__all__ = ["OPTION_NAMES", "convert_format", "convert_options", "convert_think", "convert_tools", "merge_native"]

#: Ollama ``options`` keys, accepted as keyword arguments too (``num_ctx=8192``) and moved into ``options``.
OPTION_NAMES = frozenset(
    {
        "numa", "num_ctx", "num_batch", "num_gpu", "main_gpu", "low_vram", "f16_kv", "logits_all", "vocab_only",
        "use_mmap", "use_mlock", "embedding_only", "num_thread", "num_keep", "seed", "num_predict", "top_k",
        "top_p", "min_p", "tfs_z", "typical_p", "repeat_last_n", "temperature", "repeat_penalty",
        "presence_penalty", "frequency_penalty", "mirostat", "mirostat_tau", "mirostat_eta", "penalize_newline",
        "stop",
    }
)  # fmt: skip

#: OpenAI parameters that are ``options`` under the same name.
_SAME_NAME = ("temperature", "top_p", "seed", "presence_penalty", "frequency_penalty")

#: ``reasoning_effort`` → ``think``: Ollama takes a bool, or a level for models that have levels (gpt-oss;
#: docs.ollama.com/capabilities/thinking). "none"/"minimal" turn thinking off.
_THINK: dict[str, bool | str] = {"none": False, "minimal": False, "low": "low", "medium": "medium", "high": "high"}


def convert_options(params: Mapping[str, Any], ctx: CallContext) -> dict[str, Any]:
    """Sampling and length parameters as ``options``."""
    options = {name: params[name] for name in _SAME_NAME if name in params}
    cap = params.get("max_completion_tokens", params.get("max_tokens"))
    if cap is not None:
        options["num_predict"] = cap
    stop = params.get("stop")
    if stop is not None:
        options["stop"] = [stop] if isinstance(stop, str) else list(stop)
    if params.get("n", 1) != 1:
        ctx.unsupported("n", "Ollama answers with one choice")
    return options


def convert_format(response_format: Any, ctx: CallContext) -> str | dict[str, Any] | None:
    """``response_format`` → ``format``: ``"json"`` for JSON mode, the schema itself for a JSON schema."""
    if not isinstance(response_format, Mapping):
        raise BadRequestError("response_format must be an object", provider="ollama", param="response_format")
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return "json"
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        if not isinstance(schema, Mapping):
            raise BadRequestError(
                "response_format json_schema needs json_schema.schema", provider="ollama", param="response_format"
            )
        return dict(schema)
    ctx.unsupported("response_format", f"Ollama has no {kind!r} format")
    return None


def convert_think(effort: Any, ctx: CallContext) -> bool | str | None:
    value = _THINK.get(effort) if isinstance(effort, str) else None
    if value is None:
        ctx.unsupported("reasoning_effort", f"Ollama's think takes none/low/medium/high, not {effort!r}")
    return value


def convert_tools(params: Mapping[str, Any], ctx: CallContext) -> list[dict[str, Any]] | None:
    """Function tools as Ollama takes them (OpenAI's own shape); ``tool_choice`` ``none`` sends none."""
    tools = params.get("tools")
    choice = params.get("tool_choice")
    if choice not in (None, "auto", "none"):
        ctx.unsupported("tool_choice", "Ollama has no tool_choice: the model always chooses")
    if params.get("parallel_tool_calls") is False:
        ctx.unsupported("parallel_tool_calls", "Ollama cannot forbid parallel tool calls")
    if not tools or choice == "none":
        return None
    out = []
    for tool in tools:
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(tool, Mapping) or tool.get("type", "function") != "function" or not isinstance(fn, Mapping):
            ctx.unsupported("tools", "Ollama takes function tools only")
            continue
        spec: dict[str, Any] = {"name": fn.get("name")}
        if fn.get("description"):
            spec["description"] = fn["description"]
        spec["parameters"] = fn.get("parameters") or {"type": "object", "properties": {}}
        out.append({"type": "function", "function": spec})
    return out or None


def merge_native(body: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """The caller's native fields (keyword arguments, ``extra_body``): ``options`` names join ``options``
    (the caller's values win over translated ones), everything else is a top-level field."""
    options: dict[str, Any] = body.setdefault("options", {})
    for key, value in extra.items():
        if key == "options":
            if not isinstance(value, Mapping):
                raise BadRequestError("options must be an object", provider="ollama", param="options")
            options.update(value)
        elif key in OPTION_NAMES:
            options[key] = value
        else:
            body[key] = value
    if not options:
        del body["options"]
