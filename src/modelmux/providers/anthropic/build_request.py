"""OpenAI request params → the Anthropic Messages API body (https://platform.claude.com/docs/en/api/messages).

Every OpenAI parameter the provider accepts is a row of :data:`PARAMETERS` (OpenAI name → Anthropic field,
the doc it comes from); a test keeps the table and ``supported_params`` in step. Details:

* ``max_tokens`` is required by Anthropic: ``max_completion_tokens`` (OpenAI's current name, which wins
  when both are set), else ``max_tokens``, else the catalog's output limit for the model, else
  :data:`DEFAULT_MAX_TOKENS`.
* ``temperature`` (Anthropic range 0 to 1; above 1 cannot be expressed), ``top_p``; both must be unset or
  temperature 1 / top_p ≥ 0.95 with extended thinking; Claude 4.1 to 4.6 refuse both together; Claude 4.7+
  refuses sampling parameters at all. Values that cannot be sent go through ``ctx.unsupported``.
* A forced ``tool_choice`` ('required', a named function) and the forced JSON tool of a schema-less
  ``response_format`` go through ``ctx.unsupported`` on models that reject forced tool use (see :mod:`.profile`).
* ``stop`` → ``stop_sequences``; whitespace-only sequences are refused by Anthropic.
* ``n``: only 1 (Anthropic returns one answer per request).
* ``safety_identifier`` (or the older ``user``) → ``metadata.user_id``, the same abuse-tracing purpose.
* ``stream_options`` needs nothing here: ``ctx.include_usage`` drives the usage chunk.
* ``ctx.extra_body`` (provider options such as ``top_k``) is merged last, one level deep for objects.
"""

from __future__ import annotations

from typing import Any

from .._base import CallContext
from .._stop_sequences import nonblank_stop_sequences
from .convert_messages import convert_messages
from .convert_reasoning import ThinkingPlan, convert_reasoning_effort, fit_max_tokens
from .convert_response_format import convert_response_format, json_tool_choice
from .convert_tools import convert_tool_choice, convert_tools
from .errors import bad_request
from .profile import ModelProfile, profile_for

__all__ = ["DEFAULT_MAX_TOKENS", "PARAMETERS", "build_chat_body"]

DEFAULT_MAX_TOKENS = 4096

_API = "https://platform.claude.com/docs/en/api/messages"
#: OpenAI parameter → (the Anthropic body field it becomes, where Anthropic documents that field).
PARAMETERS: dict[str, tuple[str, str]] = {
    "max_completion_tokens": ("max_tokens", f"{_API} (max_tokens)"),
    "max_tokens": ("max_tokens", f"{_API} (max_tokens)"),
    "temperature": ("temperature", f"{_API} (temperature)"),
    "top_p": ("top_p", f"{_API} (top_p)"),
    "stop": ("stop_sequences", f"{_API} (stop_sequences)"),
    "n": ("(none: only n=1)", f"{_API} (one message per request)"),
    "user": ("metadata.user_id", f"{_API} (metadata)"),
    "safety_identifier": ("metadata.user_id", f"{_API} (metadata)"),
    "tools": ("tools", "https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use"),
    "tool_choice": ("tool_choice", "https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use"),
    "parallel_tool_calls": (
        "tool_choice.disable_parallel_tool_use",
        "https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use",
    ),
    "response_format": (
        "output_config.format (or a forced tool)",
        "https://platform.claude.com/docs/en/build-with-claude/structured-outputs",
    ),
    "reasoning_effort": (
        "thinking (+ output_config.effort)",
        "https://platform.claude.com/docs/en/build-with-claude/extended-thinking",
    ),
    "stream_options": ("(none: include_usage adds the usage chunk)", f"{_API} (stream)"),
}
_FORCED = frozenset({"any", "tool"})


def build_chat_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    profile = profile_for(ctx.model)
    system, messages = convert_messages(params.get("messages"))
    body: dict[str, Any] = {"model": ctx.model, "messages": messages}
    if system:
        body["system"] = system
    n = params.get("n")
    if n is not None and n != 1:
        ctx.unsupported("n", "Anthropic returns a single choice per request; only n=1 is possible")
    stop = nonblank_stop_sequences(params.get("stop"), ctx, bad_request, "Anthropic")
    if stop:
        body["stop_sequences"] = stop
    user = params.get("safety_identifier") or params.get("user")
    if user:
        body["metadata"] = {"user_id": str(user)}

    tools = convert_tools(params["tools"], profile, ctx) if params.get("tools") else []
    choice = convert_tool_choice(params.get("tool_choice"), params.get("parallel_tool_calls")) if tools else None
    choice = _allowed_choice(choice, profile, ctx)
    output_config: dict[str, Any] = {}
    plan = convert_response_format(params.get("response_format"), profile.native_json_schema)
    if plan is not None and plan.output_format is not None:
        output_config["format"] = plan.output_format
    if plan is not None and plan.tool is not None and not profile.forced_tool_choice:
        ctx.unsupported(
            "response_format",
            f"{ctx.model} rejects forced tool use, through which a JSON answer without a schema is enforced; "
            "a json_schema response_format is sent natively",
        )
    elif plan is not None and plan.tool is not None:
        choice = json_tool_choice(choice, bool(tools))
        tools = [*tools, plan.tool]
    if tools:
        body["tools"] = tools
    if choice is not None:
        body["tool_choice"] = choice

    max_tokens = _max_tokens(params, ctx)
    thinking = convert_reasoning_effort(params.get("reasoning_effort"), profile, ctx)
    if thinking is not None and thinking.active and choice is not None and choice["type"] in _FORCED:
        ctx.unsupported(
            "reasoning_effort",
            "extended thinking cannot be combined with forced tool use (tool_choice 'required' or a named "
            "function, or a response_format enforced through a tool on this model)",
        )
        thinking = None
    if thinking is not None:
        body["thinking"] = thinking.thinking
        if thinking.effort is not None:
            output_config["effort"] = thinking.effort
        max_tokens = fit_max_tokens(max_tokens, thinking.budget, ctx)
    body["max_tokens"] = max_tokens
    if output_config:
        body["output_config"] = output_config
    _sampling(body, params, profile, thinking, ctx)
    if ctx.stream:
        body["stream"] = True
    for key, value in ctx.extra_body.items():
        current = body.get(key)
        body[key] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
    return body


def _allowed_choice(choice: dict[str, Any] | None, profile: ModelProfile, ctx: CallContext) -> dict[str, Any] | None:
    """``choice``, or auto (keeping ``disable_parallel_tool_use``) once a forced choice the model rejects was
    dropped."""
    if choice is None or choice["type"] not in _FORCED or profile.forced_tool_choice:
        return choice
    ctx.unsupported("tool_choice", f"{ctx.model} rejects forced tool use ('required' or a named function)")
    return {"type": "auto", "disable_parallel_tool_use": True} if choice.get("disable_parallel_tool_use") else None


def _max_tokens(params: dict[str, Any], ctx: CallContext) -> int:
    value = params.get("max_completion_tokens")
    if value is None:
        value = params.get("max_tokens")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad_request(f"max_tokens must be a positive integer, got {value!r}", "max_tokens")
        return value
    if ctx.info is not None and ctx.info.max_output_tokens:
        return ctx.info.max_output_tokens
    return DEFAULT_MAX_TOKENS


def _sampling(
    body: dict[str, Any], params: dict[str, Any], profile: ModelProfile, thinking: ThinkingPlan | None, ctx: CallContext
) -> None:
    thinking_on = thinking is not None and thinking.active
    temperature = params.get("temperature")
    if temperature is not None:
        problem = _temperature_problem(temperature, profile, thinking_on, ctx.model)
        if problem:
            ctx.unsupported("temperature", problem)
        else:
            body["temperature"] = temperature
    top_p = params.get("top_p")
    if top_p is not None:
        problem = _top_p_problem(top_p, profile, thinking_on, "temperature" in body, ctx.model)
        if problem:
            ctx.unsupported("top_p", problem)
        else:
            body["top_p"] = top_p


def _temperature_problem(value: float, profile: ModelProfile, thinking_on: bool, model: str) -> str | None:
    if not profile.sampling_params:
        return f"{model} does not accept sampling parameters"
    if value > 1:
        return f"Anthropic's temperature range is 0 to 1, got {value}"
    if thinking_on and value != 1:
        return "temperature must be 1 (or unset) when extended thinking is enabled"
    return None


def _top_p_problem(
    value: float, profile: ModelProfile, thinking_on: bool, with_temperature: bool, model: str
) -> str | None:
    if not profile.sampling_params:
        return f"{model} does not accept sampling parameters"
    if thinking_on and value < 0.95:
        return "top_p must be between 0.95 and 1 when extended thinking is enabled"
    if with_temperature and profile.exclusive_temperature_top_p:
        return f"{model} accepts temperature or top_p, not both"
    return None
