"""A whole (non-streamed) answer of any server kind → ``ChatCompletion``."""

from __future__ import annotations

import json
import uuid

from ...types import ChatCompletion
from .._base import CallContext
from .._shapes import make_completion
from .assemble_output import OutputAssembler
from .map_finish_reason import map_finish_reason
from .prepare_prompt import output_plan
from .read_answer import read_answer

__all__ = ["parse_response"]


def parse_response(kind: str, body: bytes, ctx: CallContext) -> ChatCompletion:
    piece = read_answer(kind, json.loads(body))
    assembler = OutputAssembler(output_plan(ctx))
    first = assembler.feed(piece.text)
    last = assembler.finish()
    content = first.content + last.content
    reasoning = first.reasoning + last.reasoning
    if last.tool_calls:
        reason = "tool_calls"
    elif assembler.stopped:
        reason = "stop"
    else:
        reason = map_finish_reason(kind, piece.native_finish)
    return make_completion(
        id=piece.id or f"cmpl-{uuid.uuid4().hex}",
        model=piece.model or ctx.model,
        content=content or None,
        finish_reason=reason,
        native_finish_reason=piece.native_finish,
        tool_calls=last.tool_calls,
        reasoning_content=reasoning or None,
        usage=piece.usage,
    )
