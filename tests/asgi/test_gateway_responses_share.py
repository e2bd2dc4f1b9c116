"""``[limits] max_stored_responses_per_key``: one key storing many /v1/responses answers evicts only its own."""

from __future__ import annotations

import openai
import pytest
from gateway_helpers import BOB, ENV, keyed_config, sdk

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.config import ConfigError

pytestmark = pytest.mark.anyio


async def test_a_key_over_its_share_loses_its_own_oldest_never_another_key_s() -> None:
    app = create_app(parse_config(keyed_config(limits={"max_stored_responses_per_key": 3}), environ=ENV))
    alice, bob = sdk(app), sdk(app, BOB)
    kept = await bob.responses.create(model="mock/demo", input="Remember me")
    made = [await alice.responses.create(model="mock/demo", input=f"turn {i}") for i in range(6)]
    assert (await bob.responses.retrieve(kept.id)).id == kept.id
    continued = await bob.responses.create(model="mock/demo", input="Again", previous_response_id=kept.id)
    assert continued.previous_response_id == kept.id
    for old in made[:3]:
        with pytest.raises(openai.NotFoundError):
            await alice.responses.retrieve(old.id)
    for new in made[3:]:
        assert (await alice.responses.retrieve(new.id)).id == new.id


def test_the_default_and_bad_values() -> None:
    assert parse_config(keyed_config(), environ=ENV).stored_responses_per_key == 5000
    for bad in (0, -1, 1.5, "many", True):
        with pytest.raises(ConfigError, match="max_stored_responses_per_key"):
            parse_config(keyed_config(limits={"max_stored_responses_per_key": bad}), environ=ENV)


async def test_the_share_reaches_the_redis_store() -> None:
    from modelmux._responses.store_redis import RedisResponseStore

    limits = {"redis_url": "redis://127.0.0.1:1/0", "max_stored_responses_per_key": 7}
    app = create_app(parse_config(keyed_config(limits=limits), environ=ENV))
    store = app.upstreams.responses
    assert isinstance(store, RedisResponseStore) and store.max_entries_per_owner == 7
    await app.aclose()
