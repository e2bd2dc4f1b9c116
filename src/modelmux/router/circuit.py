"""Circuit breaking: which failures count against a deployment, and when it cools down.

LiteLLM's names and rules (https://docs.litellm.ai/docs/routing, "Cooldowns"), made stricter:

* a 429 cools the deployment down at once, for the provider's ``Retry-After`` when it gave one (capped at
  ``max_cooldown``), else ``cooldown_time``;
* other failures that say something about the deployment (connection errors, timeouts, 408, 5xx, 529, and 401 /
  403 / 404: its key or its model name) are counted per deployment over a one-minute window; it cools down for
  ``cooldown_time`` when there are more than ``allowed_fails`` of them, or when at least ``min_requests`` calls
  were made and the share of failures is over ``failure_threshold``;
* a request the caller got wrong (400, 413, 422, context window, content policy) counts as neither;
* a cooldown only ever extends: a shorter new one leaves the longer one in place;
* when a cooldown ends the deployment is half-open: one call (the probe) goes through while others skip it; its
  success closes the circuit (counts reset), its failure cools the deployment down again; a probe that ends without
  a verdict (cancelled, or refused for the request's own fault) lets the next call probe, and only the probe's own
  end does (another call's 400 does not let a second probe through).

The state backends (:mod:`.state`, :mod:`.redis_state`) apply these rules atomically with the counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._retry import retryable
from ..errors import APIError, RateLimitError

__all__ = ["DEPLOYMENT_FAULTS", "CircuitPolicy", "Outcome", "classify"]

#: Statuses that are the deployment's fault although not retried on it: its key (401, 403) or its model (404).
DEPLOYMENT_FAULTS = frozenset({401, 403, 404})


@dataclass(frozen=True, slots=True)
class CircuitPolicy:
    """When a deployment cools down (see the module docstring). ``allowed_fails=None``: only the rate rule."""

    allowed_fails: int | None = 3
    cooldown_time: float = 5.0
    failure_threshold: float = 0.5
    min_requests: int = 5
    #: Longest cooldown a provider's ``Retry-After`` may impose.
    max_cooldown: float = 300.0
    #: Seconds a half-open probe holds its slot before another call may probe instead (a probe that never ended).
    probe_timeout: float = 60.0
    #: One-minute counting window, seconds (shorter in tests).
    window: float = 60.0

    def __post_init__(self) -> None:
        if self.allowed_fails is not None and (isinstance(self.allowed_fails, bool) or self.allowed_fails < 0):
            raise ValueError("allowed_fails must be a non-negative integer or None")
        if not self.cooldown_time >= 0 or not 0 < self.failure_threshold <= 1 or self.min_requests < 1:
            raise ValueError("cooldown_time >= 0, 0 < failure_threshold <= 1 and min_requests >= 1 are required")

    def trips(self, fails: int, total: int) -> bool:
        """Whether ``fails`` out of ``total`` calls in the window open the circuit."""
        if self.allowed_fails is not None and fails > self.allowed_fails:
            return True
        return total >= self.min_requests and fails / total > self.failure_threshold


@dataclass(slots=True)  # made per attempt: a frozen dataclass's __init__ costs more
class Outcome:
    """How one attempt on a deployment ended, as the state records it."""

    ok: bool
    #: Counts against the deployment (see :func:`classify`).
    failure: bool = False
    #: Cool down for at least this many seconds whatever the counts (a 429).
    cooldown: float | None = None
    #: Seconds to the answer (first chunk for a stream), for the latency average.
    latency: float | None = None
    #: Tokens to add to this minute's usage (the real count minus the estimate reserved before sending).
    tokens: int = 0
    #: The attempt is over: its in-flight slot is freed (a stream frees it when it ends).
    release: bool = True


def classify(err: APIError, policy: CircuitPolicy, latency: float | None = None) -> Outcome:
    """The :class:`Outcome` of an attempt that raised ``err``."""
    if isinstance(err, RateLimitError):
        hint = err.retry_after
        seconds = policy.cooldown_time if hint is None else min(max(hint, 0.0), policy.max_cooldown)
        return Outcome(ok=False, failure=True, cooldown=seconds, latency=latency)
    failure = retryable(err) or err.status_code in DEPLOYMENT_FAULTS
    return Outcome(ok=False, failure=failure, latency=latency)
