"""A throwaway redis-server on a free loopback port for the router's shared-state tests (as tests/asgi/limits)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pings(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None or importlib.util.find_spec("redis") is None:
        message = "redis-server or the redis package is missing (pip install -e '.[dev]'; apt-get install redis-server)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    assert binary is not None
    workdir = tmp_path_factory.mktemp("router-redis")
    for _ in range(5):  # another process may take the free port before redis-server binds it
        port = _free_port()
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        server = subprocess.Popen(
            [*command, "--dir", str(workdir)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.poll() is None:
            if _pings(port):
                try:
                    yield f"redis://127.0.0.1:{port}/0"
                finally:
                    _stop(server)
                return
            time.sleep(0.02)
        _stop(server)
    raise RuntimeError("redis-server did not answer PING")


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
