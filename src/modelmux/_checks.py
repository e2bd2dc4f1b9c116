"""Argument checks shared by the public functions: each failure is a ``BadRequestError`` naming the ``param``,
raised before anything is sent (as OpenAI would answer with a 400)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .errors import BadRequestError

__all__ = ["check_choice", "check_range", "check_strings", "check_text"]


def check_range(params: dict[str, Any], name: str, lo: float, hi: float | None, *, integer: bool = False) -> None:
    """``params[name]``, when set, is a number (an integer if asked) in ``[lo, hi]``."""
    value = params.get(name)
    if value is None:
        return
    kinds = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if integer else "a number"
        raise BadRequestError(f"{name} must be {kind}, got {type(value).__name__}", param=name)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise BadRequestError(f"{name} must be {bound}, got {value}", param=name)


def check_choice(params: dict[str, Any], name: str, choices: Collection[str]) -> None:
    """``params[name]``, when set, is one of ``choices``."""
    value = params.get(name)
    if value is not None and value not in choices:
        raise BadRequestError(f"{name} must be one of {', '.join(choices)}; got {value!r}", param=name)


def check_text(params: dict[str, Any], name: str, *, required: bool = False) -> None:
    """``params[name]`` is a non-empty string (or unset, unless ``required``)."""
    value = params.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value:
        got = "an empty string" if value == "" else type(value).__name__
        raise BadRequestError(f"{name} must be a non-empty string, got {got}", param=name)


def check_strings(params: dict[str, Any], name: str) -> None:
    """``params[name]``, when set, is a string or a list of strings (``stop``, ``timestamp_granularities``)."""
    value = params.get(name)
    if value is not None and not (
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(s, str) for s in value))
    ):
        raise BadRequestError(f"{name} must be a string or a list of strings", param=name)
