"""A limit store that fails (Redis down) is a 503 the client may retry, not a 500."""

from __future__ import annotations

import asyncio

import openai
import pytest
from gateway_helpers import make_app, sdk

from modelmux.asgi.limits import Decision, LimiterError


class BrokenLimiter:
    async def acquire(self, key_id: str, *, rpm: int | None, max_concurrent: int | None) -> Decision:
        raise LimiterError("Redis limit store failed: ConnectionError")

    async def release(self, key_id: str, token: str) -> None:
        raise AssertionError("nothing was acquired")

    async def aclose(self) -> None:
        pass


def test_limiter_down_is_503_with_retry_after() -> None:
    async def run() -> openai.APIStatusError:
        client = sdk(make_app(limiter=BrokenLimiter()))
        with pytest.raises(openai.APIStatusError) as info:
            await client.with_options(max_retries=0).chat.completions.create(
                model="mock/demo", messages=[{"role": "user", "content": "hi"}]
            )
        return info.value

    err = asyncio.run(run())
    assert err.status_code == 503
    assert err.response.headers["retry-after"] == "1"
    assert err.body["type"] == "service_unavailable"  # type: ignore[index]
