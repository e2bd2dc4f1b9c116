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
