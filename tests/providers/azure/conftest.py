"""Fixtures of the Azure provider tests: the fake resource (``fake_azure``) and a clean environment."""

from __future__ import annotations

import pytest
from fake_azure import FakeAzure


@pytest.fixture
def azure() -> FakeAzure:
    return FakeAzure()


@pytest.fixture(autouse=True)
def _no_ambient_azure_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own Azure variables must not steer these tests."""
    for name in (
        "AZURE_OPENAI_API_KEY",
        "AZURE_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_API_BASE",
        "AZURE_OPENAI_API_VERSION",
        "AZURE_API_VERSION",
        "OPENAI_API_VERSION",
        "AZURE_OPENAI_AD_TOKEN",
        "AZURE_AD_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
