"""Fallbacks between model groups, in LiteLLM's format: ``[{"gpt-4o": ["claude", "gemini"]}, {"*": ["backup"]}]``
(a plain ``{"gpt-4o": [...]}`` mapping too). ``"*"`` applies to every group without a list of its own.

Per call, ``fallbacks=["claude"]`` (a list of group names) replaces the router's list for the called group.
``context_window_fallbacks`` / ``content_policy_fallbacks`` are tried first on those errors, then ``fallbacks``.
Each group is tried once per call (the called one included: no cycles), at most ``max_fallbacks`` per call, and
only the called group's lists are followed (a fallback's own fallbacks are not chained).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._retry import retryable
from ..errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
)

__all__ = ["GroupFallbacks", "parse_fallbacks"]

FallbackMap = dict[str, tuple[str, ...]]


def _names(value: Any, name: str, groups: Collection[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise BadRequestError(f"{name}: a list of model group names is expected", param=name)
    for entry in value:
        if not isinstance(entry, str) or entry not in groups:
            raise BadRequestError(f"{name}: {entry!r} is not a model group of this router", param=name)
    return tuple(value)


def parse_fallbacks(value: Any, name: str, groups: Collection[str]) -> FallbackMap:
    """Group (or ``"*"``) → its fallback groups, checked against ``groups``."""
    if value is None:
        return {}
    items: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)) and all(isinstance(e, Mapping) for e in value):
        items = [pair for entry in value for pair in entry.items()]
    else:
        raise BadRequestError(f'{name} must look like [{{"group": ["other group", ...]}}, ...]', param=name)
    out: FallbackMap = {}
    for key, targets in items:
        if key != "*" and key not in groups:
            raise BadRequestError(f"{name}: {key!r} is not a model group of this router", param=name)
        out[key] = out.get(key, ()) + _names(targets, f"{name}[{key!r}]", groups)
    return out


@dataclass
class GroupFallbacks:
    """One call's fallback groups and what was tried; :meth:`switch` is a ``RetryLoop`` switch."""

    primary: str
    general: tuple[str, ...] = ()
    context_window: tuple[str, ...] = ()
    content_policy: tuple[str, ...] = ()
    max_fallbacks: int = 5
    used: int = 0
    tried: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.tried.add(self.primary)

    @property
    def any(self) -> bool:
        return bool(self.general or self.context_window or self.content_policy)

    def switch(self, err: APIError) -> str | None:
        """The next untried group for ``err``, or None."""
        if self.used >= self.max_fallbacks:
            return None
        lists: list[tuple[str, ...]] = []
        if isinstance(err, ContextWindowExceededError):
            lists.append(self.context_window)
        elif isinstance(err, ContentPolicyViolationError):
            lists.append(self.content_policy)
        elif isinstance(err, BadRequestError) and not isinstance(err, AuthenticationError) and not retryable(err):
            return None  # the request itself is wrong (not a 408/409: retried, then fallen back): refused everywhere
        lists.append(self.general)
        for candidates in lists:
            for group in candidates:
                if group not in self.tried:
                    self.tried.add(group)
                    self.used += 1
                    return group
        return None


def for_call(
    group: str,
    maps: Mapping[str, FallbackMap],
    overrides: Mapping[str, Any],
    groups: Collection[str],
    max_fallbacks: int,
) -> GroupFallbacks:
    """The fallbacks of one call of ``group``: the router's lists, or the call's own (``fallbacks=[...]``…)."""
    lists: dict[str, tuple[str, ...]] = {}
    for name, table in maps.items():
        if name in overrides and overrides[name] is not None:
            given = overrides[name]
            if isinstance(given, (list, tuple)) and all(isinstance(e, str) for e in given):
                lists[name] = _names(given, name, groups)
            else:
                parsed = parse_fallbacks(given, name, groups)
                lists[name] = parsed.get(group, parsed.get("*", ()))
        else:
            lists[name] = table.get(group, table.get("*", ()))
    if overrides.get("disable_fallbacks"):
        return GroupFallbacks(group, max_fallbacks=0)
    return GroupFallbacks(
        group,
        lists.get("fallbacks", ()),
        lists.get("context_window_fallbacks", ()),
        lists.get("content_policy_fallbacks", ()),
        max_fallbacks=max_fallbacks,
    )
