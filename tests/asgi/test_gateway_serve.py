"""Over real HTTP: ``modelmux serve`` in a subprocess on a free loopback port, in front of a loopback fake upstream,
driven by the real ``openai`` SDK (sync and async)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn  # noqa: F401  (a dev dependency: the test must fail, not skip, without it)
from gateway_fakes import UPSTREAM_KEY, LoopbackUpstream
from gateway_helpers import ALICE, BOB, sha256

USER = [{"role": "user", "content": "Say something"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


SEND_TIMEOUT = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(upstream_base: str) -> str:
    fakes = "\n".join(
        f'[models."up/{b}"]\nmodel = "openai/fake-{b}"\napi_base = "{upstream_base}"\n'
        f'api_key_env = "UPSTREAM_KEY"\ntimeout = 1\n'
        for b in ("ok", "429", "garbage", "midstream", "timeout", "slow", "firehose")
    )
    return f"""
[server]
send_timeout = {SEND_TIMEOUT}

[limits]
rpm = "unlimited"
max_concurrent = "unlimited"

[models."mock/demo"]
model = "mock/demo"

[models."mock/echo"]
model = "mock/echo"

[models."mock/embedding"]
model = "mock/embedding"

[models."mock/image"]
model = "mock/image"

[models."mock/transcription"]
model = "mock/transcription"

[models."mock/moderation"]
model = "mock/moderation"

{fakes}

[keys.alice]
key_env = "ALICE_KEY"

[keys.bob]
key_sha256 = "{sha256(BOB)}"
models = ["mock/demo"]
max_body_bytes = 4096
"""


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/v1"


def _start(args: list[str], env: dict[str, str], log: Path) -> Server:
    for _ in range(3):  # another process may take the free port before uvicorn binds it
        port = _free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "modelmux.cli", "serve", "--port", str(port), *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return Server(process, port)
            except httpx.TransportError:
                time.sleep(0.1)
        _stop(process)
    raise RuntimeError(f"modelmux serve did not start:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(ALICE_KEY=ALICE, UPSTREAM_KEY=UPSTREAM_KEY, NO_PROXY="127.0.0.1,localhost")
    return env


@pytest.fixture(scope="module")
def upstream() -> Iterator[LoopbackUpstream]:
    with LoopbackUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def server(upstream: LoopbackUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    config = folder / "gateway.toml"
    config.write_text(_config(upstream.base_url))
    running = _start(["--config", str(config), "--log-level", "warning"], _env(), folder / "server.log")
    yield running
    _stop(running.process)


@pytest.fixture
def client(server: Server) -> Iterator[openai.OpenAI]:
    http = httpx.Client(trust_env=False)
    yield openai.OpenAI(base_url=server.base_url, api_key=ALICE, max_retries=0, http_client=http)
    http.close()


def _sync_client(server: Server, key: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=server.base_url, api_key=key, max_retries=0, http_client=httpx.Client(trust_env=False)
    )


def _async_client(server: Server, key: str = ALICE) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=server.base_url, api_key=key, max_retries=0, http_client=httpx.AsyncClient(trust_env=False)
    )


# ---------------------------------------------------------------- chat, sync SDK


@pytest.mark.parametrize("model", ["mock/echo", "up/ok"])
def test_plain(client: openai.OpenAI, model: str) -> None:
    reply = client.chat.completions.create(model=model, messages=USER)
    expected = "Say something" if model == "mock/echo" else "Hello from the fake upstream."
    assert reply.choices[0].message.content == expected


@pytest.mark.parametrize("model", ["mock/echo", "up/ok"])
def test_streamed(client: openai.OpenAI, model: str) -> None:
    with client.chat.completions.create(model=model, messages=USER, stream=True) as stream:
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == ("Say something" if model == "mock/echo" else "Hello from upstream")


@pytest.mark.parametrize("model", ["mock/demo", "up/ok"])
def test_tools_and_json_mode(client: openai.OpenAI, model: str) -> None:
    reply = client.chat.completions.create(model=model, messages=USER, tools=TOOLS, tool_choice="required")
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"
    reply = client.chat.completions.create(model=model, messages=USER, response_format={"type": "json_object"})
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


def test_upstream_got_the_upstream_key(client: openai.OpenAI, upstream: LoopbackUpstream) -> None:
    client.chat.completions.create(model="up/ok", messages=USER)
    assert upstream.seen_keys[-1] == f"Bearer {UPSTREAM_KEY}"


# ---------------------------------------------------------------- chat, async SDK


def test_async_sdk(server: Server) -> None:
    async def main() -> tuple[str, str]:
        client = _async_client(server)
        reply = await client.chat.completions.create(model="up/ok", messages=USER)
        stream = await client.chat.completions.create(model="mock/echo", messages=USER, stream=True)
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await client.close()
        return reply.choices[0].message.content or "", text

    assert asyncio.run(main()) == ("Hello from the fake upstream.", "Say something")


# ---------------------------------------------------------------- the other endpoints


def test_other_endpoints_sync(client: openai.OpenAI) -> None:
    from test_gateway_endpoints import wav_bytes

    assert len(client.embeddings.create(model="mock/embedding", input=["a", "b"]).data) == 2
    image = client.images.generate(model="mock/image", prompt="a pelican", response_format="b64_json")
    assert image.data and image.data[0].b64_json
    heard = client.audio.transcriptions.create(model="mock/transcription", file=("tone.wav", wav_bytes()))
    assert heard.text
    assert client.moderations.create(model="mock/moderation", input="kill").results[0].flagged
    assert "mock/image" in [m.id for m in client.models.list()]
    assert client.models.retrieve("mock/echo").id == "mock/echo"


def test_other_endpoints_async(server: Server) -> None:
    from test_gateway_endpoints import wav_bytes

    async def main() -> None:
        client = _async_client(server)
        assert (await client.embeddings.create(model="mock/embedding", input="a")).data
        assert (await client.images.generate(model="mock/image", prompt="p")).data
        text = await client.audio.transcriptions.create(
            model="mock/transcription", file=("tone.wav", wav_bytes()), response_format="vtt"
        )
        assert text.startswith("WEBVTT")
        assert (await client.moderations.create(model="mock/moderation", input="calm")).results
        await client.close()

    asyncio.run(main())


# ---------------------------------------------------------------- errors


def test_error_classes(client: openai.OpenAI, server: Server) -> None:
    with pytest.raises(openai.AuthenticationError):
        _sync_client(server, "sk-wrong").models.list()
    bob = _sync_client(server, BOB)
    with pytest.raises(openai.PermissionDeniedError):
        bob.chat.completions.create(model="mock/echo", messages=USER)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="mock/demo", messages=USER, temperature=9)
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="up/429", messages=USER)
    assert limited.value.response.headers["retry-after"] == "7"
    for model in ("up/garbage", "up/timeout"):
        with pytest.raises(openai.InternalServerError) as failed:
            client.chat.completions.create(model=model, messages=USER)
        assert failed.value.status_code == 502
        assert failed.value.response.json()["error"]["type"] == "upstream_error"
    with pytest.raises(openai.APIStatusError) as too_big:
        bob.chat.completions.create(model="mock/demo", messages=[{"role": "user", "content": "x" * 5000}])
    assert too_big.value.status_code == 413


def test_mid_stream_failure(client: openai.OpenAI) -> None:
    text = ""
    with pytest.raises(openai.APIError):
        for chunk in client.chat.completions.create(model="up/midstream", messages=USER, stream=True):
            text += chunk.choices[0].delta.content or ""
    assert text == "Hello from"
    assert client.chat.completions.create(model="mock/demo", messages=USER).choices  # still serving


def test_a_client_that_leaves_cancels_the_upstream_stream(client: openai.OpenAI, upstream: LoopbackUpstream) -> None:
    upstream.client_gone.clear()
    stream = client.chat.completions.create(model="up/slow", messages=USER, stream=True)
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    stream.close()  # the client hangs up mid-stream
    assert upstream.client_gone.wait(10), "the gateway kept the upstream stream open"


def test_a_client_that_stops_reading_is_dropped_and_the_upstream_closed(
    server: Server, upstream: LoopbackUpstream
) -> None:
    upstream.client_gone.clear()
    body = json.dumps({"model": "up/firehose", "messages": USER, "stream": True}).encode()
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"authorization: Bearer %b\r\ncontent-length: %d\r\n\r\n" % (ALICE.encode(), len(body))
    )
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
        sock.settimeout(10)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(head + body)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        started = time.monotonic()  # and from now on, never read: the gateway's writes stall
        assert upstream.client_gone.wait(SEND_TIMEOUT + 10), "the gateway kept streaming to a client not reading"
        assert time.monotonic() - started < SEND_TIMEOUT + 8
    assert client_ok(server)


def client_ok(server: Server) -> bool:
    with httpx.Client(trust_env=False, timeout=10) as http:
        reply = http.post(
            f"{server.base_url}/chat/completions",
            json={"model": "mock/demo", "messages": USER},
            headers={"authorization": f"Bearer {ALICE}"},
        )
    return reply.status_code == 200


# ---------------------------------------------------------------- hostile input over the wire


def _post(server: Server, content: bytes | Callable[[], Iterator[bytes]], headers: dict[str, str]) -> httpx.Response:
    body = content() if callable(content) else content
    with httpx.Client(trust_env=False) as http:
        return http.post(f"{server.base_url}/chat/completions", content=body, headers=headers, timeout=10)


def test_bodies_just_over_the_limit(server: Server) -> None:
    auth = {"authorization": f"Bearer {BOB}", "content-type": "application/json"}
    head = b'{"model": "mock/demo", "messages": [{"role": "user", "content": "'
    tail = b'"}]}'
    exact = head + b"x" * (4096 - len(head) - len(tail)) + tail
    assert len(exact) == 4096
    assert _post(server, exact, auth).status_code == 200
    over = exact[: -len(tail)] + b"x" + tail
    declared = _post(server, over, auth)  # Content-Length says 4097: refused before reading
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "request_too_large"

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield over[:4000]
        yield over[4000:]

    undeclared = _post(server, chunked, auth)
    assert undeclared.status_code == 413
    assert _post(server, exact, auth).status_code == 200


def test_large_headers_are_a_json_4xx(server: Server) -> None:
    response = _post(server, b"{}", {"authorization": "Bearer " + "k" * 8000, "content-type": "application/json"})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    huge = _post(server, b"{}", {"authorization": f"Bearer {ALICE}", "x-big": "b" * 70_000})
    assert huge.status_code == 431 and huge.json()["error"]["code"] == "headers_too_large"
    with httpx.Client(trust_env=False) as http:
        assert http.get(f"http://127.0.0.1:{server.port}/health").status_code == 200


# ---------------------------------------------------------------- the command itself


def test_serve_with_no_config_serves_the_mock_models(tmp_path: Path) -> None:
    running = _start(["--log-level", "warning"], _env(), tmp_path / "log")
    try:
        client = _sync_client(running, "anything")
        assert "mock/demo" in [m.id for m in client.models.list()]
        assert client.chat.completions.create(model="mock/echo", messages=USER).choices[0].message.content
    finally:
        _stop(running.process)


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelmux.cli", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env or _env(),
    )


def test_serve_refuses_a_public_address_without_keys() -> None:
    result = _run_cli("--host", "0.0.0.0", "--port", str(_free_port()))
    assert result.returncode == 2
    assert "without client keys" in result.stderr


def test_serve_reports_config_errors(tmp_path: Path) -> None:
    missing = _run_cli("--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "cannot read the config file" in missing.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[models."x"]\nmodel = "openai/gpt-4o"\napi_key_env = "SURELY_NOT_SET_ANYWHERE"\n')
    unset = _run_cli("--config", str(bad))
    assert unset.returncode == 2 and "SURELY_NOT_SET_ANYWHERE is not set" in unset.stderr


def test_a_clear_message_without_uvicorn(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from modelmux.cli import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now raises ImportError
    assert main(["serve", "--port", "1"]) == 2
    assert "pip install '.[server]' in the modelmux checkout" in capsys.readouterr().err  # never the PyPI name


def test_the_other_commands_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    from modelmux.cli import main

    assert main(["chat", "-m", "mock/echo", "--no-stream", "still here"]) == 0
    assert "still here" in capsys.readouterr().out
    assert main(["models", "--provider", "mock"]) == 0


def test_serve_refuses_to_start_without_its_limit_store(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(
        '[limits]\nredis_url = "redis://:hunter2@127.0.0.1:1/0"\n\n[models."mock/demo"]\nmodel = "mock/demo"\n'
    )
    started = time.monotonic()
    result = _run_cli("--config", str(config), "--port", str(_free_port()))
    assert result.returncode == 2
    assert "rate-limit store is not usable" in result.stderr and "ConnectionError" in result.stderr
    assert "hunter2" not in result.stderr
    assert time.monotonic() - started < 30
