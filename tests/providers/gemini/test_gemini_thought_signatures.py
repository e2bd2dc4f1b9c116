"""Thought signatures survive a round trip through a plain OpenAI client (ids only)."""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

import pytest
from openai.types.chat import ChatCompletion as OpenAIChatCompletion

from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider
from modelmux.providers.gemini.tool_call_ids import join_tool_call_id, signature_of, split_tool_call_id

# Signatures are base64 of opaque bytes: exercise '+', '/' and every padding length.
SIGNATURES = [base64.b64encode(os.urandom(n)).decode() for n in (30, 31, 32, 200, 1001)] + [
    base64.b64encode(b"\xfb\xff\xbf" * 9).decode()  # '+', '/' guaranteed
]


@pytest.mark.parametrize("signature", SIGNATURES)
def test_join_and_split_restore_the_signature_byte_for_byte(signature: str) -> None:
    call_id = join_tool_call_id("call_abc", signature)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", call_id)
    assert split_tool_call_id(call_id) == ("call_abc", signature)


def test_ids_without_signature_are_unchanged() -> None:
    assert join_tool_call_id("call_abc", None) == "call_abc"
    assert join_tool_call_id("call_abc", "") == "call_abc"
    assert split_tool_call_id("toolu_01XYZ") == ("toolu_01XYZ", None)
    assert split_tool_call_id("call_x__ts__") == ("call_x__ts__", None)


def test_signature_from_extra_content() -> None:
    call = {"id": "c1", "extra_content": {"google": {"thought_signature": "c2ln"}}}
    assert signature_of(call) == "c2ln"
    assert signature_of({"id": join_tool_call_id("c1", "YWJj")}) == "YWJj"
    assert signature_of({"id": "c1"}) is None


def plain_client_message(result_json: dict[str, Any]) -> dict[str, Any]:
    """What an OpenAI-SDK user sends back: only the standard fields of the assistant message."""
    message = OpenAIChatCompletion.model_validate(result_json).choices[0].message
    return {
        "role": "assistant",
        "content": message.content,
        "tool_calls": [
            {
                "id": tc.id,
                "type": "function",
                "function": {"name": tc.function.name, "arguments": tc.function.arguments},
            }
            for tc in message.tool_calls or []
            if tc.type == "function"
        ],
    }


def test_round_trip_through_a_plain_openai_client(ctx: CallContext) -> None:
    sig_a, sig_b = SIGNATURES[3], SIGNATURES[5]
    native = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"functionCall": {"name": "lookup", "args": {"q": "a"}}, "thoughtSignature": sig_a},
                        {"functionCall": {"name": "lookup", "args": {"q": "b"}}},
                        {"functionCall": {"name": "other", "args": {}}, "thoughtSignature": sig_b},
                    ],
                },
                "finishReason": "STOP",
            }
        ],
        "responseId": "r-1",
    }
    result = provider.parse_chat_response(json.dumps(native).encode(), ctx)
    assistant = plain_client_message(json.loads(result.model_dump_json()))
    ids = [tc["id"] for tc in assistant["tool_calls"]]
    messages = [
        {"role": "user", "content": "go"},
        assistant,
        *({"role": "tool", "tool_call_id": i, "content": f"result {n}"} for n, i in enumerate(ids)),
    ]
    body = provider.build_chat_request({"messages": messages}, ctx).json
    model_parts = body["contents"][1]["parts"]
    assert [p.get("thoughtSignature") for p in model_parts] == [sig_a, None, sig_b]
    assert [p["functionCall"]["name"] for p in model_parts] == ["lookup", "lookup", "other"]
    responses = [p["functionResponse"] for p in body["contents"][2]["parts"]]
    assert [r["name"] for r in responses] == ["lookup", "lookup", "other"]
    # the signature is not repeated in the ids Gemini sees
    assert all("__ts__" not in p["functionCall"]["id"] for p in model_parts)
    assert [r["id"] for r in responses] == [p["functionCall"]["id"] for p in model_parts]
