"""Prices ship in the package: importing modelmux and pricing an answer open no socket and read no file outside the
package (a fresh interpreter where every socket and every ``urllib``/``httpx`` request fails loudly)."""

from __future__ import annotations

import subprocess
import sys

_PROBE = r"""
import socket, builtins
def refuse(*a, **k):
    raise AssertionError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import modelmux
from modelmux.types import ChatCompletion
reply = ChatCompletion.model_validate({
    "id": "x", "object": "chat.completion", "created": 1, "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1000000, "completion_tokens": 1000000, "total_tokens": 2000000},
})
print(modelmux.completion_cost(reply), reply.response_cost, modelmux.cost_per_token(model="gpt-4o", prompt_tokens=1))
"""


def test_pricing_needs_no_network_at_import_or_call_time() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True)
    cost, response_cost, per_token = out.stdout.split(" ", 2)
    assert float(cost) == float(response_cost) == 2.5 + 10.0  # gpt-4o: $2.50 in, $10.00 out per 1M tokens
    assert "None" not in per_token


def test_every_result_has_a_response_cost_outside_its_json() -> None:
    import modelmux
    from modelmux import Cache

    results = [
        modelmux.completion("mock/x", [{"role": "user", "content": "hi"}]),
        modelmux.embedding("mock/e", "hi"),
        modelmux.image_generation("mock/i", "a cat"),
        modelmux.transcription("mock/w", b"RIFF....WAVE"),
        modelmux.moderation("hi", model="mock/m"),
        modelmux.rerank("mock/r", "q", ["a", "b"]),
    ]
    for result in results:
        assert result.response_cost is None or result.response_cost >= 0
        assert "response_cost" not in result.model_dump()
    cache = Cache()
    for _ in range(2):
        hit = modelmux.moderation("hi", model="mock/m", cache=cache)
    assert hit.response_cost == 0.0  # a cache hit costs nothing
