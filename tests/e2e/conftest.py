"""Fixtures for the e2e tests: real clients (SDKs and frameworks, the ``e2e`` extra) against the real gateway on a
loopback socket (:mod:`gateway_server`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Reused here: the fake dialect upstreams of the gateway tests (tests/asgi has no package: imported by name) and the
# conformance package (cassettes and their replay), under the names pytest gives them.
for _folder in (Path(__file__).parents[1], Path(__file__).parents[1] / "asgi"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from gateway_server import RunningGateway, serve  # noqa: E402


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    """The gateway serving the mock models (``mock/demo``, ``mock/echo``, ``mock/agent``, ``mock/embedding``)."""
    with serve() as running:
        yield running
