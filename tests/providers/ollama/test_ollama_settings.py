"""Where requests go: the default base, OLLAMA_HOST read as Ollama reads it, OLLAMA_API_BASE, the /v1 route,
and what a refused connection says."""

from __future__ import annotations

import asyncio
import json
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from ollama._client import _parse_host

import modelmux
from modelmux._registry import get_provider, model_info, resolve
from modelmux.providers.ollama import OllamaProvider
from modelmux.providers.ollama.settings import display_base, is_openai_route, native_url, normalize_base

HOSTS = [
    "",
    "1.2.3.4",
    ":56789",
    "1.2.3.4:56789",
    "0.0.0.0",
    "example.com",
    "example.com:56789",
    "example.com/",
    "example.com/path",
    "example.com:56789/path/",
    "[0001:002:003:0004::1]",
    "[0001:002:003:0004::1]:56789/path",
    "http://1.2.3.4",
    "https://example.com",
    "https://example.com:56789/path",
    "http://[0001:002:003:0004::1]",
]


def _parts(url: str) -> tuple[str, str | None, int, str]:
    split = urlsplit(url)
    return split.scheme, split.hostname, split.port or {"http": 80, "https": 443}[split.scheme], split.path.strip("/")


@pytest.mark.parametrize("value", HOSTS)
def test_hosts_are_read_as_the_ollama_client_reads_them(value: str) -> None:
    assert _parts(normalize_base(value)) == _parts(_parse_host(value))


def test_default_base() -> None:
    assert OllamaProvider.default_api_base == "http://localhost:11434"
    assert OllamaProvider.api_base_env == ("OLLAMA_API_BASE", "OLLAMA_HOST")


def test_native_urls() -> None:
    assert native_url("localhost:11434", "chat") == "http://localhost:11434/api/chat"
    assert native_url("http://h:1/api/", "generate") == "http://h:1/api/generate"
    assert native_url("http://h:1/api/chat", "chat") == "http://h:1/api/chat"
    assert native_url("https://proxy.example/ollama", "embed") == "https://proxy.example/ollama/api/embed"


def test_v1_route_detection() -> None:
    assert is_openai_route("http://localhost:11434/v1") and is_openai_route("localhost:11434/v1/")
    assert not is_openai_route("http://localhost:11434") and not is_openai_route("http://v1.example.com")


def test_shown_base_has_no_credentials() -> None:
    assert display_base("https://user:pw@gpu.example:8443/ollama?token=x") == "https://gpu.example:8443/ollama"
    assert display_base("0.0.0.0") == "http://0.0.0.0:11434"


def test_catalog_rows_are_prefixed() -> None:
    info = model_info("ollama", "llama3.1")
    assert info is not None and info.context_window == 131072 and "tools" in info.capabilities
    embed = model_info("ollama", "nomic-embed-text")
    assert embed is not None and embed.mode == "embedding"
    with pytest.raises(modelmux.BadRequestError):
        resolve("llama3.1")  # a bare tag never routes to a local server by itself


def test_ollama_and_ollama_chat_reach_the_native_provider() -> None:
    assert isinstance(get_provider("ollama"), OllamaProvider)
    assert resolve("ollama_chat/llama3.1").provider_name == "ollama"
    assert resolve("ollama/qwen3:0.6b").model == "qwen3:0.6b"


DONE = {"model": "m", "message": {"role": "assistant", "content": "ok"}, "done": True, "done_reason": "stop"}


class _Server:
    """A loopback HTTP server answering every request with one finished chat object."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from threading import Thread

        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                paths.append(self.path)
                body = json.dumps(DONE).encode()
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> object:
    s = _Server()
    yield s
    s.close()


def test_ollama_host_without_scheme(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{server.port}")
    result = modelmux.completion("ollama/m", [{"role": "user", "content": "hi"}])
    assert result.choices[0].message.content == "ok" and server.paths == ["/api/chat"]


def test_ollama_api_base_comes_first(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_API_BASE", f"http://127.0.0.1:{server.port}")
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # discard port: would fail if used
    modelmux.completion("ollama_chat/m", [{"role": "user", "content": "hi"}])
    assert server.paths == ["/api/chat"]


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def test_nothing_listening_says_ollama_is_not_running(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")
    with pytest.raises(modelmux.APIConnectionError) as info:
        modelmux.completion("ollama/llama3.1", [{"role": "user", "content": "hi"}], api_key="sk-never-shown-0123456789")
    assert "sk-never-shown" not in str(info.value) + repr(info.value)
    assert f"Ollama does not seem to be running at http://127.0.0.1:{port}" in str(info.value)
    assert not isinstance(info.value, modelmux.errors.APITimeoutError)


def test_nothing_listening_async_and_streamed() -> None:
    base = f"http://127.0.0.1:{_closed_port()}"

    async def run() -> None:
        await modelmux.acompletion("ollama/llama3.1", [{"role": "user", "content": "hi"}], api_base=base, stream=True)

    with pytest.raises(modelmux.APIConnectionError, match="Ollama does not seem to be running at"):
        asyncio.run(run())


def test_other_providers_get_no_ollama_hint() -> None:
    base = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(modelmux.APIConnectionError) as info:
        modelmux.completion("openai/gpt-4o", [{"role": "user", "content": "hi"}], api_base=base, api_key="k")
    assert "Ollama" not in str(info.value)


def test_a_timeout_is_not_called_a_missing_server() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(modelmux.errors.APITimeoutError) as info:
        modelmux.completion("ollama/m", [{"role": "user", "content": "hi"}], transport=httpx.MockTransport(slow))
    assert "does not seem to be running" not in str(info.value)
