"""Responses stored in a real Redis (``[limits] redis_url``): two gateway apps on one server act as two workers, so
a conversation started on one continues, is read and is deleted on the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from gateway_helpers import ENV, keyed_config, sdk
from limits.conftest import _redis_server_binary, _start, _stop

from modelmux._responses.store_redis import RedisResponseStore
from modelmux.asgi import create_app, parse_config

pytestmark = pytest.mark.anyio


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server, port = _start(_redis_server_binary(), tmp_path)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(server)


async def test_two_workers_share_the_conversations(redis_url: str) -> None:
    config = keyed_config(limits={"redis_url": redis_url, "redis_prefix": "resp-test"})
    first_worker = create_app(parse_config(config, environ=ENV))
    second_worker = create_app(parse_config(config, environ=ENV))
    assert isinstance(first_worker.upstreams.responses, RedisResponseStore)
    try:
        one, two = sdk(first_worker), sdk(second_worker)
        first = await one.responses.create(model="mock/echo", input="Remember me")
        second = await two.responses.create(model="mock/echo", input="Again", previous_response_id=first.id)
        assert second.previous_response_id == first.id
        assert (await one.responses.retrieve(second.id)).output_text == second.output_text
        await one.responses.delete(first.id)
        with pytest.raises(openai.NotFoundError):
            await two.responses.retrieve(first.id)
        with pytest.raises(openai.NotFoundError):  # the conversation lost its first turn
            await two.responses.create(model="mock/echo", input="More", previous_response_id=second.id)
    finally:
        await first_worker.aclose()
        await second_worker.aclose()
