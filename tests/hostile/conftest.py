"""Fixtures for the hostile tests: the gateway helpers of tests/asgi are importable by name here too."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ASGI = str(Path(__file__).parent.parent / "asgi")
if _ASGI not in sys.path:
    sys.path.insert(0, _ASGI)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
