"""A real, throwaway redis-server on a free loopback port, for the Redis limiter tests."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

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


def _start(binary: str, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    log = workdir / "redis.log"
    for _ in range(5):  # another process may take the free port before redis-server binds it
        port = _free_port()
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(workdir), "--logfile", str(log)]
        server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.poll() is None:
            if _pings(port):
                return server, port
            time.sleep(0.02)
        _stop(server)
    raise RuntimeError(f"redis-server did not answer PING; its log: {log.read_text() if log.exists() else ''}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _unavailable(message: str) -> None:
    # CI must run these tests against a real server: a missing one fails there instead of passing as skipped.
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _redis_server_binary() -> str:
    if importlib.util.find_spec("redis") is None:
        _unavailable("the redis package is missing: pip install -e '.[dev]'")
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("redis-server is not on PATH: apt-get install redis-server (.ci/run installs it when missing)")
    assert binary is not None
    return binary


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``redis://`` URL of a redis-server started for this test session and stopped after it."""
    server, port = _start(_redis_server_binary(), tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(server)


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[[], tuple[str, Callable[[], None]]]]:
    """Starts a redis-server of the test's own (to stop mid-test): returns its URL and a function that stops it."""
    binary = _redis_server_binary()
    servers: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[str, Callable[[], None]]:
        server, port = _start(binary, tmp_path)
        servers.append(server)
        return f"redis://127.0.0.1:{port}/0", lambda: _stop(server)

    yield start
    for server in servers:
        if server.poll() is None:
            _stop(server)


@pytest.fixture
def prefix() -> str:
    """A key namespace of its own for each test, so tests never see each other's counts."""
    return f"test-{uuid.uuid4().hex[:12]}"


class RestartableRedis:
    """A redis-server that can be stopped and started again on the same port (a restart, as clients see it)."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self._binary = binary
        self._workdir = workdir
        self._server, self.port = _start(binary, workdir)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        _stop(self._server)

    def start(self) -> None:
        log = self._workdir / "redis.log"
        command = [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self._workdir), "--logfile", str(log)]
        self._server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._server.poll() is None:
            if _pings(self.port):
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not restart on its port")

    def close(self) -> None:
        if self._server.poll() is None:
            _stop(self._server)


@pytest.fixture
def restartable_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    """A redis-server of the test's own that the test may stop and start again on the same port."""
    server = RestartableRedis(_redis_server_binary(), tmp_path)
    yield server
    server.close()
