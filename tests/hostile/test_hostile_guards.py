"""Guards for what held under the hostile review (they passed before any fix): a broken stream is never replayed
from the cache."""

from __future__ import annotations

import httpx
import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, ENV, keyed_config, raw

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio
AUTH = {"authorization": f"Bearer {ALICE}"}


# ---------------------------------------------------------------- a broken stream is never cached


class Counting(FakeUpstream):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await super().handle_async_request(request)


@pytest.mark.parametrize("model", ["up/midstream", "up/garbage"])
async def test_a_stream_that_failed_is_not_replayed_from_the_cache(model: str) -> None:
    data = keyed_config()
    data["models"][model]["cache"] = True
    upstream = Counting()
    app = create_app(parse_config(data, environ=ENV), transport=upstream, limiter=MemoryLimiter())
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with raw(app) as client:
        for _ in range(2):
            answer = await client.post("/v1/chat/completions", json=body, headers=AUTH)
            assert answer.status_code != 200 or '"error"' in answer.text  # each time the failure, never a replay
    assert upstream.calls == 2
