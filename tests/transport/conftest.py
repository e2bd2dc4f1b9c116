"""The client is tested on both event loops it runs on: asyncio's own (the library) and uvloop (``modelmux serve``)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(
    params=[pytest.param(("asyncio", {}), id="asyncio"), pytest.param(("asyncio", {"use_uvloop": True}), id="uvloop")]
)
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    return request.param
