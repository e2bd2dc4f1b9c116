"""Cohere v2 recordings, read natively (independent of modelmux's Cohere provider).

* :func:`expected_from_cohere` — what an OpenAI-format result must say, from the recorded answer (JSON or
  Cohere's named SSE events), accumulated as Cohere documents it (https://docs.cohere.com/reference/chat,
  https://docs.cohere.com/docs/streaming). Text = the ``text`` blocks; reasoning = ``thinking`` blocks, then
  the ``tool_plan`` after a blank line (modelmux's documented choice); tokens = ``usage.tokens``.
* :func:`openai_request_from_native` — the OpenAI call that should produce the recorded native request.
* :func:`answer_as_sse` / :func:`answer_as_json` — the same answer in the other mode.
"""

from __future__ import annotations

import json
from typing import Any

from .cassette import Interaction
from .expected import Expected, parse_sse

__all__ = ["answer_as_json", "answer_as_sse", "expected_from_cohere", "openai_request_from_native", "sse_events"]


def sse_events(text: str) -> list[dict[str, Any]]:
    return [json.loads(e.data) for e in parse_sse(text) if e.data.strip() != "[DONE]"]


def answer_as_json(events: list[dict[str, Any]]) -> dict[str, Any]:
    """A non-streamed answer equivalent to a recorded stream."""
    blocks: dict[int, dict[str, Any]] = {}
    plan = ""
    calls: dict[int, dict[str, Any]] = {}
    citations: list[dict[str, Any]] = []
    answer: dict[str, Any] = {}
    for event in events:
        kind = event["type"]
        message = (event.get("delta") or {}).get("message") or {}
        if kind == "message-start":
            answer["id"] = event.get("id")
        elif kind == "content-start":
            content = message["content"]
            blocks[event["index"]] = {
                "type": content.get("type", "text"),
                **{k: v for k, v in content.items() if k != "type"},
            }
        elif kind == "content-delta":
            block = blocks[event["index"]]
            for key in ("text", "thinking"):
                if key in message["content"]:
                    block[key] = block.get(key, "") + message["content"][key]
        elif kind == "tool-plan-delta":
            plan += message["tool_plan"]
        elif kind == "tool-call-start":
            call = message["tool_calls"]
            calls[event["index"]] = {**call, "function": dict(call["function"])}
        elif kind == "tool-call-delta":
            fn = calls[event["index"]]["function"]
            fn["arguments"] = (fn.get("arguments") or "") + message["tool_calls"]["function"]["arguments"]
        elif kind == "citation-start":
            citations.append(message["citations"])
        elif kind == "message-end":
            answer["finish_reason"] = event["delta"]["finish_reason"]
            answer["usage"] = event["delta"].get("usage")
    msg: dict[str, Any] = {"role": "assistant", "content": [blocks[i] for i in sorted(blocks)]}
    if plan:
        msg["tool_plan"] = plan
    if calls:
        msg["tool_calls"] = [calls[i] for i in sorted(calls)]
    if citations:
        msg["citations"] = citations
    return {**answer, "message": msg}


def answer_as_sse(answer: dict[str, Any]) -> bytes:
    """A stream equivalent to a recorded non-streamed answer, in Cohere's event vocabulary."""
    message = answer["message"]
    events: list[dict[str, Any]] = [
        {"id": answer["id"], "type": "message-start", "delta": {"message": {"role": "assistant", "content": []}}}
    ]
    for i, block in enumerate(message.get("content") or []):
        key = "thinking" if block["type"] == "thinking" else "text"
        start = {"type": block["type"], key: ""}
        events.append({"type": "content-start", "index": i, "delta": {"message": {"content": start}}})
        value = block.get(key) or ""
        for piece in (value[j : j + 7] for j in range(0, len(value), 7)):
            events.append({"type": "content-delta", "index": i, "delta": {"message": {"content": {key: piece}}}})
        events.append({"type": "content-end", "index": i})
    plan = message.get("tool_plan") or ""
    for piece in (plan[j : j + 5] for j in range(0, len(plan), 5)):
        events.append({"type": "tool-plan-delta", "delta": {"message": {"tool_plan": piece}}})
    for i, call in enumerate(message.get("tool_calls") or []):
        head = {**call, "function": {"name": call["function"]["name"], "arguments": ""}}
        events.append({"type": "tool-call-start", "index": i, "delta": {"message": {"tool_calls": head}}})
        args = call["function"].get("arguments") or ""
        for piece in (args[j : j + 4] for j in range(0, len(args), 4)):
            delta = {"tool_calls": {"function": {"arguments": piece}}}
            events.append({"type": "tool-call-delta", "index": i, "delta": {"message": delta}})
        events.append({"type": "tool-call-end", "index": i})
    for i, citation in enumerate(message.get("citations") or []):
        events.append({"type": "citation-start", "index": i, "delta": {"message": {"citations": citation}}})
        events.append({"type": "citation-end", "index": i})
    end = {"finish_reason": answer["finish_reason"], "usage": answer.get("usage")}
    events.append({"type": "message-end", "delta": end})
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def _expected_from_answer(answer: dict[str, Any]) -> Expected:
    message = answer["message"]
    blocks = message.get("content") or []
    thinking = "".join(b.get("thinking", "") for b in blocks if b["type"] == "thinking")
    plan = message.get("tool_plan") or ""
    calls = []
    for call in message.get("tool_calls") or []:
        raw = call["function"].get("arguments") or "{}"
        try:
            args: Any = json.loads(raw)
        except ValueError:
            args = raw
        calls.append((call["function"]["name"], args, call["id"]))
    tokens = (answer.get("usage") or {}).get("tokens") or {}
    return Expected(
        text="".join(b.get("text", "") for b in blocks if b["type"] == "text"),
        reasoning=f"{thinking}\n\n{plan}" if thinking and plan else thinking or plan,
        tool_calls=calls,
        native_finish_reason=answer.get("finish_reason"),
        prompt_tokens=tokens.get("input_tokens"),
        completion_tokens=tokens.get("output_tokens"),
    )


def native_answer(it: Interaction) -> dict[str, Any]:
    if it.stream_format == "sse":
        return answer_as_json(sse_events(it.text))
    body: dict[str, Any] = it.json()
    return body


def expected_from_cohere(it: Interaction) -> Expected:
    if it.status >= 400:
        return Expected(error_status=it.status, error_message=it.json()["message"])
    return _expected_from_answer(native_answer(it))


def _openai_message(native: dict[str, Any]) -> dict[str, Any]:
    role, content = native["role"], native.get("content")
    if role == "assistant":
        text = (
            "".join(b["text"] for b in content or [] if b["type"] == "text") if isinstance(content, list) else content
        )
        msg: dict[str, Any] = {"role": "assistant", "content": text or None}
        if native.get("tool_calls"):
            msg["tool_calls"] = native["tool_calls"]
        thinking = "".join(b["thinking"] for b in content or [] if b["type"] == "thinking")
        if native.get("tool_plan") or thinking:
            msg["reasoning_content"] = native.get("tool_plan") or thinking
        return msg
    if role == "tool":
        return {"role": "tool", "tool_call_id": native["tool_call_id"], "content": content}
    return {"role": role, "content": content}  # user/system: strings and text/image_url parts are OpenAI's too


_OPENAI_NAMES = {"p": "top_p", "stop_sequences": "stop"}
_TOOL_CHOICES = {"REQUIRED": "required", "NONE": "none"}


def openai_request_from_native(request: dict[str, Any]) -> dict[str, Any]:
    """``completion()`` keyword arguments that should produce ``request`` (its messages and options)."""
    kwargs: dict[str, Any] = {"messages": [_openai_message(m) for m in request["messages"]]}
    for key, value in request.items():
        if key in ("model", "messages", "stream"):
            continue
        if key == "tool_choice":
            kwargs["tool_choice"] = _TOOL_CHOICES[value]
        elif key == "response_format":
            schema = value.get("json_schema") or value.get("schema")
            kwargs[key] = (
                {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
                if schema
                else {"type": "json_object"}
            )
        else:
            kwargs[_OPENAI_NAMES.get(key, key)] = value  # documents, thinking, tools, max_tokens…: same name
    return kwargs
