"""An OpenAI chat request → the prompt string and the plan for reading the answer.

The plan travels from the request to the answer in ``ctx.options`` under :data:`PLAN_KEY` (the contract gives
``parse_chat_response`` and ``chat_stream_translator`` only the context); without it (a context that did not build
the request) the answer is read with the template's own stop strings, without tool-call parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import BadRequestError
from .._base import CallContext
from .assemble_output import OutputPlan
from .convert_messages import convert_messages, convert_tools
from .render_template import render_prompt
from .resolve_template import resolve_template

__all__ = ["PLAN_KEY", "output_plan", "prepare_prompt"]

PLAN_KEY = "text_completion.plan"

#: Bounds on the caller's stop strings, which are also searched here in every streamed piece.
MAX_STOPS = 16
MAX_STOP_CHARS = 1000


def _stops(params: dict[str, Any]) -> list[str]:
    stop = params.get("stop")
    if stop is None:
        return []
    stops = [stop] if isinstance(stop, str) else [s for s in stop if s]
    if len(stops) > MAX_STOPS or any(len(s) > MAX_STOP_CHARS for s in stops):
        raise BadRequestError(
            f"at most {MAX_STOPS} stop strings of at most {MAX_STOP_CHARS} characters each", param="stop"
        )
    return stops


def _tools(params: dict[str, Any], ctx: CallContext) -> list[dict[str, Any]] | None:
    tools = params.get("tools")
    choice = params.get("tool_choice")
    if not tools or choice == "none":
        return None
    if choice not in (None, "auto"):
        ctx.unsupported("tool_choice", "a raw-prompt server cannot be made to call a tool; only 'auto' and 'none'")
    if params.get("parallel_tool_calls") is False:
        ctx.unsupported("parallel_tool_calls", "a raw-prompt server cannot be kept to one tool call")
    return convert_tools(tools, ctx) or None


def prepare_prompt(params: dict[str, Any], ctx: CallContext) -> tuple[str, OutputPlan]:
    """The rendered prompt (without a leading BOS: servers tokenize with their own) and the output plan.

    Raises:
        BadRequestError: no usable template, or the template refused the conversation.
        UnsupportedParamsError: tools or content the template cannot express (unless ``drop_params``).
    """
    tools = _tools(params, ctx)
    template = resolve_template(ctx.model, ctx.options.get("chat_template"), tools is not None)
    if tools is not None and template.tools is None:
        ctx.unsupported("tools", f"the {template.family or 'given'} chat template defines no tool calls")
        tools = None
    extra = ctx.options.get("chat_template_kwargs")
    if extra is not None and not isinstance(extra, Mapping):
        raise BadRequestError("chat_template_kwargs must be a mapping", param="chat_template_kwargs")
    bos = str((extra or {}).get("bos_token", template.bos_token))
    prompt = render_prompt(
        template.text,
        convert_messages(params["messages"], ctx),
        tools=tools,
        bos_token=template.bos_token,
        eos_token=template.eos_token,
        extra=extra,
    )
    # llama.cpp, vLLM/SGLang and TGI all tokenize the prompt adding the model's BOS themselves (llama.cpp's
    # add_bos_token, the HF tokenizer's add_special_tokens): a BOS written by the template would be doubled.
    if bos and prompt.startswith(bos):
        prompt = prompt[len(bos) :]
    plan = OutputPlan(
        stop=tuple(dict.fromkeys([*_stops(params), *template.stop])),
        tools=template.tools if tools is not None else None,
        reasoning=template.reasoning == "think",
        thinking_open=template.reasoning == "think" and prompt.rstrip().endswith("<think>"),
    )
    ctx.options[PLAN_KEY] = plan
    return prompt, plan


def output_plan(ctx: CallContext) -> OutputPlan:
    """The plan ``prepare_prompt`` left in ``ctx``; else one from the template alone."""
    plan = ctx.options.get(PLAN_KEY)
    if isinstance(plan, OutputPlan):
        return plan
    try:
        template = resolve_template(ctx.model, ctx.options.get("chat_template"), False)
    except BadRequestError:
        return OutputPlan()
    return OutputPlan(stop=template.stop, reasoning=template.reasoning == "think")
