"""OpenAI request params → the Converse / ConverseStream body
(https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html).

* ``inferenceConfig``: ``maxTokens`` (``max_completion_tokens``, else ``max_tokens``; optional on Bedrock),
  ``temperature`` (Bedrock models take 0 to 1), ``topP``, ``stopSequences`` (blank ones cannot be sent).
* ``n``: only 1 (Converse returns one answer).
* ``toolConfig`` from tools / tool_choice (:mod:`.convert_tools`) and the structured-output tool
  (:mod:`.convert_response_format`); ``outputConfig.textFormat`` for native structured output.
* ``reasoning_effort`` → ``additionalModelRequestFields`` / ``outputConfig.effort`` (:mod:`.convert_reasoning`).
  With Claude thinking on, temperature must be 1 and top_p at least 0.95, and tool use cannot be forced.
* What each Claude generation accepts is Anthropic's profile (:mod:`..anthropic.profile`, the same models):
  no temperature/top_p from 4.7 on, not both together from 4.1 to 4.6, no forced tool use (``tool_choice``
  required or named, or ``json_object`` enforced through a tool) on Opus 5.5+, Sonnet 5.5+ and Fable 5.1+.
* ``ctx.extra_body``: a Converse request field (``guardrailConfig``, ``performanceConfig``,
  ``additionalModelRequestFields``, ``requestMetadata``, ``promptVariables``, ``serviceTier``…) is merged into
  the body (objects one level deep); any other key (``top_k``…) is a model parameter and goes into
  ``additionalModelRequestFields``, the only place Converse accepts model-specific fields. The ``tools`` of a
  ``toolConfig`` option are appended to the translated ones: that is how Converse-native tools such as
  ``{"systemTool": {"name": "nova_code_interpreter"}}`` are sent (their results are not translated).
"""

from __future__ import annotations

from typing import Any

from .._base import CallContext
from .._stop_sequences import nonblank_stop_sequences
from ..anthropic.profile import ModelProfile as ClaudeProfile
from .convert_messages import convert_messages
from .convert_reasoning import ReasoningPlan, convert_reasoning_effort, fit_max_tokens
from .convert_response_format import convert_response_format
from .convert_tools import JSON_TOOL_NAME, convert_tool_choice, convert_tools
from .errors import bad_request
from .profile import profile_for

__all__ = ["CONVERSE_FIELDS", "build_converse_body"]

#: Top-level members of the Converse request body (the ``modelId`` travels in the path).
CONVERSE_FIELDS = frozenset(
    {
        "messages",
        "system",
        "inferenceConfig",
        "toolConfig",
        "guardrailConfig",
        "additionalModelRequestFields",
        "promptVariables",
        "additionalModelResponseFieldPaths",
        "requestMetadata",
        "performanceConfig",
        "serviceTier",
        "outputConfig",
    }
)


def build_converse_body(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    profile = profile_for(ctx.model)
    system, messages = convert_messages(params.get("messages"))
    body: dict[str, Any] = {"messages": messages}
    if system:
        body["system"] = system
    n = params.get("n")
    if n is not None and n != 1:
        ctx.unsupported("n", "Bedrock returns a single choice per request; only n=1 is possible")

    tools = convert_tools(params["tools"]) if params.get("tools") else []
    choice = params.get("tool_choice")
    if choice == "none":
        if _has_tool_blocks(messages):  # Converse then requires the tools to be declared
            ctx.unsupported("tool_choice", "Converse has no 'none' tool choice once the conversation holds tool calls")
            choice = None
        else:  # the model cannot call tools it is not told about
            tools = []
    native_choice = convert_tool_choice(choice, params.get("parallel_tool_calls"), ctx) if tools else None
    forcing_allowed = profile.claude is None or profile.claude.forced_tool_choice
    if native_choice is not None and not forcing_allowed and ("any" in native_choice or "tool" in native_choice):
        ctx.unsupported("tool_choice", f"{ctx.model} rejects forced tool use ('required' or a named function)")
        native_choice = None
    output_config: dict[str, Any] = {}
    plan = convert_response_format(params.get("response_format"), profile.native_json_schema)
    if plan is not None and plan.text_format is not None:
        output_config["textFormat"] = plan.text_format
    if plan is not None and plan.tool is not None and not forcing_allowed:
        ctx.unsupported(
            "response_format",
            f"{ctx.model} rejects forced tool use, through which a JSON answer without a schema is enforced; "
            "a json_schema response_format is sent natively",
        )
    elif plan is not None and plan.tool is not None:
        native_choice = (
            native_choice
            if native_choice and "tool" in native_choice
            else ({"any": {}} if tools else {"tool": {"name": JSON_TOOL_NAME}})
        )
        tools = [*tools, plan.tool]

    reasoning = convert_reasoning_effort(params.get("reasoning_effort"), profile, ctx)
    if reasoning is not None and reasoning.claude_thinking and native_choice is not None:
        ctx.unsupported(
            "reasoning_effort",
            "Claude's extended thinking cannot be combined with forced tool use (tool_choice 'required' or a "
            "named function, or a response_format enforced through a tool on this model)",
        )
        reasoning = None
    if tools:
        body["toolConfig"] = {"tools": tools, **({"toolChoice": native_choice} if native_choice else {})}
    elif _has_tool_blocks(messages):
        # Converse refuses tool blocks in the history without a toolConfig; declare the tools that were used.
        body["toolConfig"] = {"tools": _declared_from_history(messages)}

    inference = _inference_config(params, reasoning, profile.claude, ctx)
    body["inferenceConfig"] = inference
    extra_fields: dict[str, Any] = {}
    if reasoning is not None:
        extra_fields.update(reasoning.fields)
        if reasoning.effort is not None:
            output_config["effort"] = reasoning.effort
    if output_config:
        body["outputConfig"] = output_config
    if extra_fields:
        body["additionalModelRequestFields"] = extra_fields
    _merge_extra(body, ctx.extra_body)
    return body


def _has_tool_blocks(messages: list[dict[str, Any]]) -> bool:
    return any("toolUse" in b or "toolResult" in b for m in messages for b in m["content"])


def _declared_from_history(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = dict.fromkeys(b["toolUse"]["name"] for m in messages for b in m["content"] if "toolUse" in b)
    if not names:  # only results: any tool declaration satisfies the check
        names = dict.fromkeys(["tool"])
    return [{"toolSpec": {"name": n, "inputSchema": {"json": {"type": "object", "properties": {}}}}} for n in names]


def _inference_config(
    params: dict[str, Any], reasoning: ReasoningPlan | None, claude: ClaudeProfile | None, ctx: CallContext
) -> dict[str, Any]:
    config: dict[str, Any] = {}
    max_tokens = params.get("max_completion_tokens")
    if max_tokens is None:
        max_tokens = params.get("max_tokens")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
        raise bad_request(f"max_tokens must be a positive integer, got {max_tokens!r}", "max_tokens")
    if reasoning is not None:
        max_tokens = fit_max_tokens(max_tokens, reasoning, ctx)
    if max_tokens is not None:
        config["maxTokens"] = max_tokens
    thinking = reasoning is not None and reasoning.claude_thinking
    sampling = claude is None or claude.sampling_params
    temperature = params.get("temperature")
    if temperature is not None:
        if not sampling:
            ctx.unsupported("temperature", f"{ctx.model} does not accept sampling parameters")
        elif temperature > 1:
            ctx.unsupported("temperature", f"Bedrock's temperature range is 0 to 1, got {temperature}")
        elif thinking and temperature != 1:
            ctx.unsupported("temperature", "temperature must be 1 (or unset) when Claude's extended thinking is on")
        else:
            config["temperature"] = temperature
    top_p = params.get("top_p")
    if top_p is not None:
        if not sampling:
            ctx.unsupported("top_p", f"{ctx.model} does not accept sampling parameters")
        elif thinking and top_p < 0.95:
            ctx.unsupported("top_p", "top_p must be between 0.95 and 1 when Claude's extended thinking is on")
        elif "temperature" in config and claude is not None and claude.exclusive_temperature_top_p:
            ctx.unsupported("top_p", f"{ctx.model} accepts temperature or top_p, not both")
        else:
            config["topP"] = top_p
    stop = nonblank_stop_sequences(params.get("stop"), ctx, bad_request, "Bedrock")
    if stop:
        config["stopSequences"] = stop
    return config


def _merge_extra(body: dict[str, Any], extra: dict[str, Any]) -> None:
    model_fields: dict[str, Any] = {}
    for key, value in extra.items():
        if key not in CONVERSE_FIELDS:
            model_fields[key] = value
            continue
        current = body.get(key)
        if key == "toolConfig" and isinstance(current, dict) and isinstance(value, dict) and "tools" in value:
            value = {**value, "tools": [*current.get("tools", []), *value["tools"]]}  # native tools join ours
        body[key] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
    if model_fields:
        body["additionalModelRequestFields"] = {**body.get("additionalModelRequestFields", {}), **model_fields}
