"""Fallbacks: which model a call moves on to when one fails, and the options each one is called with.

LiteLLM's names (https://docs.litellm.ai/docs/completion/reliable_completions):

* ``fallbacks=[...]``: models tried in order once the current one failed (after its retries) with an error a
  different model may not have: rate limits, overload, server and connection errors, timeouts, 401/403/404 (another
  deployment has its own key and catalogue), a context window overflow or a content-policy refusal. A plain
  400/413/422 (the request itself is wrong) never falls back: it would fail everywhere (a 408 or 409 does, once
  its retries are spent).
* ``context_window_fallbacks=[...]``: used first on :class:`ContextWindowExceededError`;
  ``content_policy_fallbacks=[...]`` first on :class:`ContentPolicyViolationError`; when they run out (or are not
  given) ``fallbacks`` is used.
* an entry is a model string or a dict ``{"model": ..., **overrides}`` (``api_key``, ``api_base``, ``extra_headers``,
  provider options such as ``aws_region_name``…), applied over the call's own keyword arguments.
* each (model, api_base, api_key) is tried once per call (the primary included: no cycles; a model is the same under
  each of its names, ``gpt-4o`` and ``openai/gpt-4o``), at most
  :data:`MAX_FALLBACKS` fallbacks per call; ``disable_fallbacks=True`` turns them off for one call.

A context window overflow is predicted before sending when ``context_window_fallbacks`` has an untried model and
the catalog knows the window: the prompt's token count (``modelmux.tokens``; for non-OpenAI models an approximation,
so it must exceed the window by :data:`APPROXIMATION_MARGIN`) over the window skips the model without a request.

A fallback on a different provider than the call's model does not inherit the call's credentials, endpoint, headers,
native body fields or provider options (they belong to the first provider: sending an OpenAI key to another vendor
would leak it); it inherits the OpenAI parameters and the generic options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._options import COMMON_OPTIONS, RELIABILITY_OPTIONS
from ._registry import resolve
from ._retry import retryable
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
)
from .providers._base import OPENAI_PARAMS

__all__ = ["MAX_FALLBACKS", "Fallbacks", "Target", "pop_fallbacks", "predict_overflow"]

#: At most this many fallbacks are tried per call (LiteLLM's Router ``max_fallbacks`` default).
MAX_FALLBACKS = 5

#: A non-OpenAI model's token count is an approximation (``modelmux.tokens``, within ~15%): predict an overflow only
#: when the count exceeds the window by this factor (otherwise the provider decides).
APPROXIMATION_MARGIN = 1.2

#: Options a fallback on another provider still inherits (they describe the call, not the first provider).
_PORTABLE = (OPENAI_PARAMS | COMMON_OPTIONS | {"mock_response", "mock_tool_calls"}) - {
    "api_key",
    "api_base",
    "base_url",
    "extra_headers",
    "extra_body",
}


@dataclass(frozen=True)
class Target:
    """One model to call, with its own keyword arguments over the call's."""

    model: str
    overrides: Mapping[str, Any] = field(default_factory=dict, repr=False)  # may hold an api_key

    def key(self, base: Mapping[str, Any]) -> tuple[str, str, Any, Any]:
        """What makes two targets the same: the resolved provider and model (``gpt-4o`` is ``openai/gpt-4o``,
        ``claude/x`` is ``anthropic/x``), the endpoint (without a trailing slash) and the key."""
        merged = {**base, **self.overrides}
        resolved = resolve(self.model)
        endpoint = merged.get("api_base") or merged.get("base_url")
        if isinstance(endpoint, str):
            endpoint = endpoint.rstrip("/")
        return (resolved.provider_name, resolved.model, endpoint, merged.get("api_key"))

    def __str__(self) -> str:
        return self.model


def _targets(value: Any, name: str) -> list[Target]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
        raise BadRequestError(f"{name} must be a list of model names or {{'model': ...}} objects", param=name)
    out: list[Target] = []
    for i, entry in enumerate(value):
        if isinstance(entry, str) and entry.strip():
            out.append(Target(entry))
        elif isinstance(entry, Mapping) and isinstance(entry.get("model"), str) and entry["model"].strip():
            out.append(Target(entry["model"], {k: v for k, v in entry.items() if k != "model"}))
        else:
            raise BadRequestError(
                f"{name}[{i}] must be a model name or an object with a 'model' string", param=name, code="invalid_value"
            )
        if "timeout" in out[-1].overrides:
            raise BadRequestError(
                f"{name}[{i}] may not set 'timeout': one deadline (the call's timeout=) bounds every attempt",
                param=name,
            )
        nested = sorted(RELIABILITY_OPTIONS & out[-1].overrides.keys())
        if nested:
            raise BadRequestError(
                f"{name}[{i}] may not set {nested[0]!r}: one retry loop (the call's num_retries= and fallbacks=) "
                "covers every model",
                param=name,
            )
    for target in out:
        resolve(target.model)  # an unknown model fails now, not after the first one failed
    return out


@dataclass
class Fallbacks:
    """The call's fallback lists and what was tried; :meth:`switch` is a :class:`~modelmux._retry.RetryLoop` switch."""

    primary: Target
    base: Mapping[str, Any]
    general: list[Target] = field(default_factory=list)
    context_window: list[Target] = field(default_factory=list)
    content_policy: list[Target] = field(default_factory=list)
    used: int = 0

    def __post_init__(self) -> None:
        self.tried = {self.primary.key(self.base)}

    @property
    def any(self) -> bool:
        return bool(self.general or self.context_window or self.content_policy)

    def switch(self, err: APIError) -> Target | None:
        """The next untried target for ``err``, or None."""
        if self.used >= MAX_FALLBACKS:
            return None
        lists: list[list[Target]] = []
        if isinstance(err, ContextWindowExceededError):
            lists.append(self.context_window)
        elif isinstance(err, ContentPolicyViolationError):
            lists.append(self.content_policy)
        elif isinstance(err, BadRequestError) and not isinstance(err, AuthenticationError) and not retryable(err):
            return None  # the request itself is wrong (not a 408/409: retried, then fallen back): refused everywhere
        lists.append(self.general)
        for candidates in lists:
            for target in candidates:
                key = target.key(self.options_base(target))
                if key not in self.tried:
                    self.tried.add(key)
                    self.used += 1
                    return target
        return None

    def predicted_overflow(self, target: Target, messages: Any) -> ContextWindowExceededError | None:
        """The error ``target`` would answer with, when its catalogued window is certainly too small for
        ``messages`` and a context-window fallback is left to try (counting costs CPU: only then)."""
        if not isinstance(messages, (list, tuple)):
            return None
        if all(t.key(self.options_base(t)) in self.tried for t in self.context_window):
            return None
        return predict_overflow(target.model, messages)

    def options_base(self, target: Target) -> dict[str, Any]:
        """The call's options ``target`` inherits (see the module docstring)."""
        if target is self.primary or resolve(target.model).provider_name == resolve(self.primary.model).provider_name:
            return dict(self.base)
        return {k: v for k, v in self.base.items() if k in _PORTABLE}

    def options_for(self, target: Target) -> dict[str, Any]:
        return {**self.options_base(target), **target.overrides}


def predict_overflow(model: str, messages: Any) -> ContextWindowExceededError | None:
    """The error ``model`` would answer with, when its catalogued context window is certainly too small for
    ``messages`` (see the module docstring); None when it fits or nobody can tell. Counting costs CPU: callers
    ask only when a context-window fallback is left to go to (also the router's)."""
    if not isinstance(messages, (list, tuple)):
        return None
    resolved = resolve(model)
    window = resolved.info.context_window if resolved.info is not None else None
    if not window:
        return None
    try:
        from .tokens import token_counter

        dicts = [m.model_dump(exclude_none=True) if hasattr(m, "model_dump") else dict(m) for m in messages]
        count = token_counter(resolved.model, messages=dicts)
    except Exception:  # an unusual message shape: let the provider decide
        return None
    margin = 1.0 if resolved.provider_name in ("openai", "azure") else APPROXIMATION_MARGIN
    if count <= window * margin:
        return None
    return ContextWindowExceededError(
        f"the prompt is about {count} tokens, over the {window}-token context window of {model} "
        "(predicted from the catalog; not sent)",
        provider=resolved.provider_name,
        model=resolved.model,
        code="context_length_exceeded",
    )


def pop_fallbacks(model: str, options: dict[str, Any]) -> Fallbacks:
    """Take the fallback keywords out of a call's ``options`` (the rest are the base every target starts from)."""
    general = _targets(options.pop("fallbacks", None), "fallbacks")
    window = _targets(options.pop("context_window_fallbacks", None), "context_window_fallbacks")
    policy = _targets(options.pop("content_policy_fallbacks", None), "content_policy_fallbacks")
    if options.pop("disable_fallbacks", False):
        general, window, policy = [], [], []
    return Fallbacks(Target(model), dict(options), general, window, policy)
