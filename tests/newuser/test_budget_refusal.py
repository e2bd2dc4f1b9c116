"""An exhausted spend budget says its real limit and counts as a limit rejection in ``/metrics``.

Regressions: the message rounded the limit to cents ("$0.0002 of $0.01 ... is used or reserved" for a $0.0102
limit, which reads as under budget), and ``modelmux_gateway_limit_rejections_total`` counted a budget refusal as
``reason="rate_limit"``, a reason the README does not list, instead of ``budget_exceeded``.
"""

from __future__ import annotations

import httpx
import pytest

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio


async def test_a_refused_request_names_the_limit_precisely_and_is_counted_by_reason() -> None:
    data = {
        "limits": {"rpm": "unlimited", "max_spend_per_day": 0.0102, "spend_reserve": 0.011},
        "server": {"allowed_hosts": ["gw"]},
        "metrics": {"enabled": True},
        "models": {"demo": {"model": "mock/demo"}},
    }
    app = create_app(parse_config(data, environ={}), limiter=MemoryLimiter())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        body = {"model": "demo", "messages": [{"role": "user", "content": "hi"}]}
        refused = await client.post("/v1/chat/completions", json=body)
        scraped = (await client.get("/metrics")).text
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "budget_exceeded" and "of $0.0102 per day" in error["message"]
    assert 'modelmux_gateway_limit_rejections_total{reason="budget_exceeded"} 1' in scraped
    assert 'reason="rate_limit"' not in scraped
