"""The mock's settings in the gateway: per model in the config file, per request by a header.

In the config, a ``mock/...`` model may set the mock's options, checked when the config is read::

    [models."agent"]
    model = "mock/agent"
    mock_tokens_per_second = 40        # stream pace; or mock_delay = 0.05 (seconds per chunk)
    mock_script = [{ tool_call = { name = "get_weather" } }, "It is sunny."]

A client may send its own script for one request in the ``x-mock-script`` header (JSON, at most 16 KiB;
see :mod:`.mock_script`); it replaces the model's configured one. Only ``mock`` models take either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import APIError
from .mock_pace import pace_of
from .mock_script import HEADER, parse_script

__all__ = ["ROUTE_OPTIONS", "mock_header_options", "mock_route_options"]

#: The settings a ``[models."..."]`` table of a mock model may hold.
ROUTE_OPTIONS = frozenset({"mock_script", "mock_delay", "mock_tokens_per_second", "mock_response"})


def mock_route_options(table: Mapping[str, Any], local: bool) -> dict[str, Any]:
    """The mock options of one model's config table, checked; ``ValueError`` names what is wrong."""
    given = {k: v for k, v in table.items() if k in ROUTE_OPTIONS}
    if given and not local:
        raise ValueError(f"{', '.join(sorted(given))} only apply to mock/... models")
    try:
        pace_of(given)
        if "mock_script" in given:
            given["mock_script"] = parse_script(given["mock_script"])
    except APIError as exc:
        raise ValueError(exc.message) from None
    response = given.get("mock_response")
    if response is not None and not isinstance(response, str):
        raise ValueError("mock_response must be a string")
    return given


def mock_header_options(headers: Mapping[str, str]) -> dict[str, Any]:
    """Options from a request's headers for a mock model: the ``x-mock-script`` JSON text, parsed (and bounded)
    when the call runs, so a bad one is the call's 400."""
    value = headers.get(HEADER)
    return {} if value is None else {"mock_script": value}
