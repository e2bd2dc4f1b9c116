"""acompletion() translates a very large request in a worker thread, so the event loop stays free."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import httpx
import pytest

import modelmux
from modelmux import _api

ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
}


def _transport(seen: list[int]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(len(json.loads(request.content)["messages"]))
        return httpx.Response(200, json=ANSWER)

    return httpx.MockTransport(handler)


def _messages(n: int) -> list[dict[str, Any]]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i}"} for i in range(n)]


@pytest.mark.parametrize(("count", "offloaded"), [(10, False), (_api.OFFLOAD_ITEMS + 1, True)])
def test_only_a_large_request_is_translated_off_the_loop(
    count: int, offloaded: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    original = _api._prepare_and_build

    def spy(*args: Any) -> Any:
        threads.append(threading.current_thread())
        return original(*args)

    monkeypatch.setattr(_api, "_prepare_and_build", spy)
    seen: list[int] = []

    async def main() -> Any:
        return await modelmux.acompletion(
            model="openai/gpt-4o", messages=_messages(count), api_key="sk-test", transport=_transport(seen)
        )

    reply = asyncio.run(main())
    assert reply.choices[0].message.content == "ok"
    assert seen == [count]  # the same request either way
    assert len(threads) == (1 if offloaded else 0)
    if offloaded:
        assert threads[0] is not threading.main_thread()


def test_parts_and_tools_count_towards_the_threshold() -> None:
    parts = [{"type": "text", "text": "x"}] * _api.OFFLOAD_ITEMS
    assert _api._item_count([{"role": "user", "content": parts}], {}) == _api.OFFLOAD_ITEMS + 1
    tools = [{"type": "function", "function": {"name": f"f{i}"}} for i in range(3)]
    assert _api._item_count([{"role": "user", "content": "hi"}], {"tools": tools}) == 4


def test_errors_from_the_worker_thread_reach_the_caller() -> None:
    messages = [*_messages(_api.OFFLOAD_ITEMS + 1), {"role": "nobody", "content": "x"}]

    async def main() -> Any:
        return await modelmux.acompletion(model="openai/gpt-4o", messages=messages, api_key="sk-test")

    with pytest.raises(modelmux.BadRequestError, match="role"):
        asyncio.run(main())
