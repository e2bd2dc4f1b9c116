"""The text-completion tests run without the caller's environment keys and bases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "TEXT_COMPLETION_OPENAI_API_KEY",
        "LLAMACPP_API_KEY",
        "TGI_API_KEY",
        "TGI_API_BASE",
        "LLAMACPP_API_BASE",
        "TEXT_COMPLETION_OPENAI_API_BASE",
    ):
        monkeypatch.delenv(name, raising=False)
    yield
