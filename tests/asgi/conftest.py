"""Fixtures for the gateway tests (helpers live in gateway_helpers.py, importable by name)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import make_app

from modelmux.asgi import Gateway


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    yield FakeUpstream()


@pytest.fixture
def app(upstream: FakeUpstream) -> Gateway:
    return make_app(transport=upstream)
