from __future__ import annotations

import socket

import httpx
import pytest

import modelmux


def test_the_suite_guard_refuses_real_hosts() -> None:
    with pytest.raises(OSError):
        socket.create_connection(("api.openai.com", 443), timeout=1)
    with pytest.raises(OSError):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


def test_a_call_without_transport_cannot_leak_to_a_provider() -> None:
    with pytest.raises(modelmux.APIConnectionError):
        modelmux.completion("openai/gpt-4o", [{"role": "user", "content": "x"}], api_key="k", timeout=2)


def test_loopback_still_works() -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:9/", timeout=1)  # refused by the OS, not by the guard


def test_pools_are_bare_transports_unless_a_proxy_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from modelmux import _http

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(_http._new_sync(), httpx.HTTPTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    client = _http._new_sync()
    assert isinstance(client, httpx.Client)  # the client honours the proxy variables
    client.close()
