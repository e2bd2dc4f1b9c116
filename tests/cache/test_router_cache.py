"""cache= on a Router: looked up per model group before a deployment is picked, so a hit does not depend on the
routing draw; per call or in ``default_options``; the key never holds credentials or call mechanics; a hit is one
callback event with no attempt; streams replay; image generation refuses it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "router"))
sys.path.insert(0, str(Path(__file__).parent.parent / "observability"))
from obs_fakes import Recorder
from router_fakes import MSG, deployment, fake_clock, status, upstreams

import modelmux
from modelmux import Cache


def _router(up: dict[str, Any], **kwargs: Any) -> modelmux.Router:
    return modelmux.Router([deployment("g", up["d1"]), deployment("g", up["d2"])], **kwargs)


def _sent(up: dict[str, Any]) -> int:
    return up["d1"].count + up["d2"].count


@pytest.mark.parametrize("strategy", ["simple-shuffle", "least-busy"])
def test_a_hit_whatever_deployment_the_draw_would_pick(strategy: str) -> None:
    cache = Cache()
    with upstreams("d1", "d2") as up, fake_clock() as clock:
        router = _router(up, routing_strategy=strategy)
        first = router.completion("g", MSG, cache=cache)
        for rand in (0.0, 0.99, 0.5, 0.01):
            clock.rand = rand
            again = router.completion("g", MSG, cache=cache)
            assert again._hidden_params["cache_hit"] is True and again._hidden_params["model_group"] == "g"
            assert again.model_dump() == first.model_dump()
        assert _sent(up) == 1
        assert first._hidden_params["cache_hit"] is False and first._hidden_params["model_id"] in ("d1", "d2")


def test_default_options_cache_and_per_call_controls() -> None:
    cache = Cache()
    with upstreams("d1", "d2") as up, fake_clock():
        router = _router(up, default_options={"cache": cache})
        router.completion("g", MSG)
        router.completion("g", MSG)
        assert _sent(up) == 1
        router.completion("g", MSG, cache=cache.options(no_cache=True))
        assert _sent(up) == 2
        router.completion("g", MSG, temperature=0.5)  # another request: a miss
        assert _sent(up) == 3
        for body in (r["body"] for u in up.values() for r in u.requests):
            assert "cache" not in body


def test_credentials_timeouts_and_retries_are_not_in_the_key() -> None:
    cache = Cache()
    with upstreams("d1", "d2") as up, fake_clock():
        router = _router(up)
        router.completion("g", MSG, cache=cache)
        router.completion(
            "g", MSG, cache=cache, timeout=30, num_retries=0, extra_headers={"x-api-key": "other-credential-1"}
        )
        assert _sent(up) == 1


def test_output_caps_and_sampling_are_in_the_group_key() -> None:
    cache = Cache()
    with upstreams("d1", "d2") as up, fake_clock():
        router = _router(up)
        for options in ({}, {"max_tokens": 5}, {"max_tokens": 500}, {"max_completion_tokens": 5}, {"seed": 1}):
            router.completion("g", MSG, cache=cache, **options)
        assert _sent(up) == 5  # five requests, five answers
        router.completion("g", MSG, cache=cache, max_tokens=500)
        assert _sent(up) == 5


def test_a_failed_call_is_not_stored_and_a_hit_is_one_event_without_attempts() -> None:
    cache, rec = Cache(), Recorder()
    with upstreams("d1", "d2") as up, fake_clock():
        up["d1"].then(status(500))
        up["d2"].then(status(500))
        router = _router(up, num_retries=1)
        with pytest.raises(modelmux.APIError):
            router.completion("g", MSG, cache=cache)
        miss = router.completion("g", MSG, cache=cache, callbacks=[rec])
        hit = router.completion("g", MSG, cache=cache, callbacks=[rec])
    assert miss._hidden_params["cache_hit"] is False and hit._hidden_params["cache_hit"] is True
    assert rec.hooks == ["start", "success", "start", "success"]
    assert rec.calls[1][1].attempts and rec.last.attempts == [] and rec.last.cost == 0.0


def test_streams_replay_and_async_and_other_operations() -> None:
    cache = Cache()

    async def run(router: modelmux.Router) -> list[str]:
        out = []
        for _ in range(2):
            stream = await router.acompletion("g", MSG, stream=True, cache=cache)
            out.append("".join([c.choices[0].delta.content or "" async for c in stream]))
        await router.aembedding("g", "hi", cache=cache)
        await router.aembedding("g", "hi", cache=cache)
        return out

    with upstreams("d1", "d2") as up, fake_clock():
        router = _router(up)
        texts = asyncio.run(run(router))
        sync = [
            "".join(c.choices[0].delta.content or "" for c in router.completion("g", MSG, stream=True, cache=cache))
        ]
        assert texts[0] == texts[1] == sync[0] and texts[0]
        assert _sent(up) == 2  # one stream, one embedding


def test_image_generation_refuses_cache_through_a_router_too() -> None:
    with upstreams("d1", "d2") as up, fake_clock(), pytest.raises(modelmux.UnsupportedParamsError):
        _router(up).image_generation("g", "a cat", cache=Cache())
