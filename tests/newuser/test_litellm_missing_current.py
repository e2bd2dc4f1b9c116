"""The "LiteLLM has it, modelmux does not" list names nothing modelmux has since built (regression: ``Cache`` was
listed while ``modelmux.Cache`` exists, and ``set_callbacks`` said modelmux had no callbacks)."""

from __future__ import annotations

import pytest

import modelmux
from modelmux._litellm_missing import LITELLM_MISSING
from modelmux.cache import Cache


def test_nothing_listed_as_missing_is_a_public_name() -> None:
    assert not set(LITELLM_MISSING) & set(modelmux.__all__)
    assert modelmux.Cache is Cache


def test_set_callbacks_points_to_the_callbacks_registry() -> None:
    with pytest.raises(AttributeError, match=r"modelmux\.callbacks\.register"):
        modelmux.set_callbacks  # noqa: B018
