"""Property: whatever set of headers a client sends (repeated, browser, host, many), the gateway answers 2xx or an
OpenAI-shaped 4xx, never a 5xx, and ``/health`` answers at once afterwards."""

from __future__ import annotations

import asyncio
import json
import time

from gateway_helpers import ALICE, keyed_config, make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_gateway_hostile import _call

from modelmux.asgi import create_app

APPS = {
    "keyed": make_app(keyed_config(limits={"rpm": "unlimited", "max_concurrent": "unlimited"})),
    "keyless": create_app(
        {"models": {"mock/demo": {"model": "mock/demo"}}, "cors": {"allow_origins": ["https://ok.example"]}}
    ),
}
BODY = b'{"model": "mock/demo", "messages": [{"role": "user", "content": "x"}]}'
NAMES = [
    b"authorization",
    b"host",
    b"origin",
    b"sec-fetch-site",
    b"content-type",
    b"content-length",
    b"access-control-request-method",
    b"access-control-request-headers",
    b"x-other",
]
VALUES = st.one_of(
    st.sampled_from(
        [
            f"Bearer {ALICE}".encode(),
            b"Bearer nope",
            b"127.0.0.1:8000",
            b"localhost",
            b"evil.example",
            b"https://ok.example",
            b"https://evil.example",
            b"null",
            b"same-origin",
            b"cross-site",
            b"none",
            b"application/json",
            b"text/plain",
            b"multipart/form-data; boundary=x",
            b"POST",
            b"DELETE",
            b"2",
            b"-1",
            b"",
        ]
    ),
    st.binary(max_size=40),
)
HEADERS = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=12)


def _health(app_name: str) -> None:
    started = time.monotonic()
    status, _, _ = asyncio.run(_call(APPS[app_name], "GET", "/health", [(b"host", b"127.0.0.1")], []))
    assert status == 200 and time.monotonic() - started < 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    app_name=st.sampled_from(sorted(APPS)),
    method=st.sampled_from(["GET", "POST", "OPTIONS", "PUT"]),
    path=st.sampled_from(["/v1/chat/completions", "/v1/models", "/health", "/v1/models/mock/demo"]),
    headers=HEADERS,
)
def test_any_header_set_is_2xx_or_a_json_4xx(
    app_name: str, method: str, path: str, headers: list[tuple[bytes, bytes]]
) -> None:
    status, response_headers, body = asyncio.run(_call(APPS[app_name], method, path, headers, [BODY]))
    assert status < 500, body
    if status >= 400:
        error = json.loads(body)["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert ALICE not in body.decode("utf-8", "replace")
    origin = response_headers.get(b"access-control-allow-origin")
    assert origin in (None, b"https://ok.example")  # CORS never answers an origin that is not configured
    _health(app_name)
