"""Over real HTTP, as Claude Code uses it (``ANTHROPIC_BASE_URL=http://127.0.0.1:<port>``): ``modelmux serve`` in a
subprocess, the real ``anthropic`` SDK on a socket, keys sent as ``x-api-key``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from gateway_helpers import ALICE
from test_gateway_serve import Server, _env, _start, _stop

CONFIG = """
[limits]
rpm = "unlimited"
max_concurrent = "unlimited"

[models."mock/echo"]
model = "mock/echo"

[keys.alice]
key_env = "ALICE_KEY"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve-messages")
    config = folder / "gateway.toml"
    config.write_text(CONFIG)
    running = _start(["--config", str(config), "--log-level", "warning"], _env(), folder / "server.log")
    yield running
    _stop(running.process)


def _client(server: Server, key: str) -> anthropic.Anthropic:
    try:
        import httpx2 as http_module  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - SDKs before the fork
        import httpx as http_module
    http: Any = http_module.Client(trust_env=False)
    return anthropic.Anthropic(base_url=f"http://127.0.0.1:{server.port}", api_key=key, max_retries=0, http_client=http)


def test_create_and_stream_over_a_socket(server: Server) -> None:
    sdk = _client(server, ALICE)
    messages: Any = [{"role": "user", "content": "Hello there"}]
    reply = sdk.messages.create(model="mock/echo", max_tokens=50, messages=messages)
    assert reply.content[0].text == "Hello there"  # type: ignore[union-attr]
    with sdk.messages.stream(model="mock/echo", max_tokens=50, messages=messages) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello there" and final.stop_reason == "end_turn"
    assert sdk.messages.count_tokens(model="mock/echo", messages=messages).input_tokens > 0


def test_wrong_key_over_a_socket(server: Server) -> None:
    with pytest.raises(anthropic.AuthenticationError):
        _client(server, "sk-wrong").messages.create(
            model="mock/echo", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
