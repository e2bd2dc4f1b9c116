"""One router call's state: its options, the deployments it failed on, its retry loop and fallback plan (made at
its first failure: most calls never need them), and how its answer was obtained (``_hidden_params``).
:class:`~.call.RouterCall` makes the attempts."""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .. import _http
from .._retry import HIDDEN_PARAMS, Backoff, RetryLoop, attempt_timeout, check_num_retries, current_pacer, retryable
from ..errors import APIError, ContextWindowExceededError
from .circuit import DEPLOYMENT_FAULTS, Outcome, classify
from .deployments import Deployment
from .fallbacks import GroupFallbacks, for_call
from .operations import Operation, estimate_tokens
from .pick import NoDeploymentAvailableError
from .state import Stats

if TYPE_CHECKING:
    from .router import Router

__all__ = ["CallState"]

#: An attempt sent this soon (seconds) after the call started keeps the caller's ``timeout=`` as it is (the same
#: deadline, give or take the router's own microseconds), sparing the per-phase clipping.
_AT_ONCE = 0.001

_FALLBACK_OPTIONS = frozenset(
    {"fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "disable_fallbacks"}
)


@dataclass(frozen=True, slots=True)
class _GroupBackoff(Backoff):
    """No wait when another free deployment of the group is left to try, or after a 429 (its deployment cools
    down instead: the next pick finds another one, waits for it with ``wait_for_cooldown``, or raises
    ``NoDeploymentAvailableError`` with the earliest ``retry_after``); the usual backoff otherwise."""

    ready: Callable[[], bool] = lambda: False
    cools: Callable[[BaseException], bool] = lambda err: False

    def delay(self, n: int, err: BaseException, rand: Callable[[], float]) -> float:
        return 0.0 if self.ready() or self.cools(err) else Backoff.delay(self, n, err, rand)


_PLAIN = Backoff()
_NONE_FAILED: frozenset[str] = frozenset()


class CallState:
    """The state of one call: which deployments failed, the last look at the group, how the answer was obtained."""

    __slots__ = (
        "_earliest",
        "_estimates",
        "_first",
        "_loop",
        "_plan",
        "_seen",
        "_windows",
        "args",
        "clock",
        "deployment",
        "failed",
        "failures",
        "given_timeout",
        "group",
        "num_retries",
        "op",
        "options",
        "pacer",
        "router",
        "started",
        "stream",
        "total",
    )

    def __init__(self, router: Router, op: Operation, group: str, args: dict[str, Any], options: dict[str, Any]):
        self.router, self.op, self.args = router, op, args
        self.stream = bool(op.streams and args.get("stream"))
        self.group = group
        pacer = current_pacer()
        self.pacer, self.clock = pacer, pacer.clock
        # The router's settings were checked once; a call's own ones are checked here (the common case is fast).
        num_retries = check_num_retries(options.pop("num_retries")) if "num_retries" in options else router.num_retries
        self._plan: GroupFallbacks | None = None  # made at the first failure (most calls never need it)
        if options and not options.keys().isdisjoint(_FALLBACK_OPTIONS):
            overrides = {name: options.pop(name) for name in _FALLBACK_OPTIONS if name in options}
            self._plan = for_call(group, router.fallback_maps, overrides, router.groups, router.max_fallbacks)
        if "timeout" in options:
            self.given_timeout = options.pop("timeout")
            self.total = _http.limits_of(_http.timeout_of(self.given_timeout), None, None).total
        else:
            self.given_timeout, self.total = router.timeout, router.total
        self.options = options
        self.num_retries = num_retries
        #: The deployments this call failed on: a shared empty set until the first failure.
        self.failed: Set[str] = _NONE_FAILED
        # The last look at the group (for ``_another_ready``), kept as the two sequences: zipped only on failure.
        # No stats (None): the direct pick found every deployment free.
        self._seen: tuple[Sequence[Deployment], Sequence[Stats] | None] = ((), ())
        self.deployment: Deployment | None = None
        self.failures: list[dict[str, Any]] | None = None  # made at the first failure
        self._estimates: dict[str, int] | None = None  # per group with a ``tpm``, its token estimate
        self._windows: dict[str, ContextWindowExceededError | None] | None = None
        self._earliest: float | None = None  # the earliest retry_after of the groups found with nothing free
        # The fast path: the first attempt is made directly (``run``/``arun``); the RetryLoop is built only when
        # something fails, counting that attempt as its first, with the call's own start and deadline.
        self._loop: RetryLoop[str] | None = None
        self._first = 0  # attempts made before the loop existed (the fast path's one)
        self.started = self.clock()

    @property
    def loop(self) -> RetryLoop[str]:
        """The call's retry loop, built at the first failure (most calls never need one); its backoff becomes a
        ``_GroupBackoff`` there too."""
        loop = self._loop
        if loop is None:
            loop = RetryLoop(
                self.group,
                self.num_retries,
                self.total,
                self._switch,
                backoff=_PLAIN,
                pacer=self.pacer,
                may_retry=self._may_retry,
                attempts=self._first,
            )
            loop.started = self.started  # the call's start, not the first failure's
            loop.deadline = None if self.total is None else self.started + self.total
            self._loop = loop
        return loop

    def _first_remaining(self) -> float | None:
        """What ``RetryLoop.begin`` gives the first attempt: the seconds left before the overall deadline."""
        self._first = 1
        return None if self.total is None else max(0.0, self.started + self.total - self.clock())

    @property
    def plan(self) -> GroupFallbacks:
        """The call's fallback groups (the router's lists for its group, or the call's own)."""
        if self._plan is None:
            router = self.router
            general, window, policy = router.fallback_lists[self.group]
            self._plan = GroupFallbacks(self.group, general, window, policy, max_fallbacks=router.max_fallbacks)
        return self._plan

    def _switch(self, err: APIError) -> str | None:
        return self.plan.switch(err)

    # ---------------------------------------------------------------- shared steps

    def _may_retry(self, err: BaseException) -> bool:
        """Transient failures; and a deployment's own fault (its key: 401/403, its model name: 404) while another
        deployment of the group is left, since that one has its own key and name."""
        if isinstance(err, NoDeploymentAvailableError):
            return False
        if retryable(err):
            return True
        return isinstance(err, APIError) and err.status_code in DEPLOYMENT_FAULTS and self._another_ready()

    def _cools(self, err: BaseException) -> bool:
        if not isinstance(err, APIError):
            return False
        cooldown = classify(err, self.router.policy).cooldown
        return cooldown is not None and cooldown > 0

    def _another_ready(self) -> bool:
        deployments, stats = self._seen
        if stats is None:  # the direct pick: every deployment was free then
            return any(d.id not in self.failed for d in deployments)
        return any(d.id not in self.failed and not s.blocked(d, 0) for d, s in zip(deployments, stats, strict=True))

    def _tokens(self, group: str) -> int:
        if group not in self.router.token_limited:
            return 0
        if self._estimates is None:
            self._estimates = {}
        if group not in self._estimates:
            self._estimates[group] = estimate_tokens(self.args)
        return self._estimates[group]

    def _check_window(self, deployment: Deployment) -> None:
        """Raise the context-window error ``deployment`` would answer with, without sending, when its catalogued
        window is certainly too small for the messages and a context-window fallback group is left to go to."""
        plan = self.plan
        if not plan.context_window or "messages" not in self.args or plan.used >= plan.max_fallbacks:
            return
        if all(group in plan.tried for group in plan.context_window):
            return
        if self._windows is None:
            self._windows = {}
        if deployment.model not in self._windows:  # counting costs CPU: once per model and call
            from .._fallbacks import predict_overflow

            self._windows[deployment.model] = predict_overflow(deployment.model, self.args["messages"])
        overflow = self._windows[deployment.model]
        if overflow is not None:
            self.loop.attempts -= 1  # nothing is sent: attempts count requests
            raise overflow

    def _attempt_kwargs(self, deployment: Deployment, remaining: float | None) -> dict[str, Any]:
        """The keyword arguments of an attempt on ``deployment``: the call's arguments, the deployment's (``model``
        included; merged once by the router) under the call's options, and the attempt's ``timeout=``. Raises a
        predicted context-window overflow instead (:meth:`_check_window`)."""
        if self._plan is not None or self.router.fallback_lists[self.group][1]:
            self._check_window(deployment)
        total = self.total
        if deployment.timeout is None and (remaining is None or (total is not None and total - remaining < _AT_ONCE)):
            timeout = self.given_timeout  # no deadline, or sent at once: the call's own ``timeout=``
        else:
            timeout = self._timeout(deployment, remaining)
        options = self.options
        if deployment.first_chunk_timeout is not None and self.stream:
            return self._with_first_chunk(deployment, timeout)
        if options:
            return {**self.args, **self.router.call_kwargs[deployment.id], **options, "timeout": timeout}
        return {**self.args, **self.router.call_kwargs[deployment.id], "timeout": timeout}

    def _with_first_chunk(self, deployment: Deployment, timeout: Any) -> dict[str, Any]:
        """A streamed attempt on a deployment with its own ``first_chunk_timeout``: the smaller of it and the
        call's."""
        from .._stream_first import check_first_chunk_timeout

        kwargs = {**self.args, **self.router.call_kwargs[deployment.id], **self.options, "timeout": timeout}
        first = deployment.first_chunk_timeout
        assert first is not None
        given = check_first_chunk_timeout(kwargs.get("first_chunk_timeout"))
        kwargs["first_chunk_timeout"] = first if given is None else min(first, given)
        return kwargs

    def _timeout(self, deployment: Deployment, remaining: float | None) -> Any:
        """The ``timeout=`` of an attempt with ``remaining`` seconds left before the overall deadline."""
        given = self.given_timeout
        if deployment.timeout is not None:  # a deployment's own cap on one attempt, within the overall deadline
            cap = deployment.timeout if remaining is None else min(deployment.timeout, remaining)
            # The call's per-phase limits (the idle gap between stream reads, connect) stay, clipped to the cap.
            return attempt_timeout(given, cap) if isinstance(given, httpx.Timeout) else cap
        elif remaining is not None and self.total is not None and self.total - remaining < _AT_ONCE:
            return given  # the first attempt, sent at once: its own deadline is the call's
        return attempt_timeout(given, remaining)

    def _outcome_of_failure(self, deployment: Deployment, err: APIError, started: float) -> Outcome:
        if self.loop.backoff is _PLAIN:
            self.loop.backoff = _GroupBackoff(ready=self._another_ready, cools=self._cools)
        self.failed = self.failed | {deployment.id}  # a new set: the shared empty one is never changed
        self._failures().append(
            {
                "model": deployment.model,
                "model_id": deployment.id,
                "model_group": deployment.group,
                "error": type(err).__name__,
                "status": err.status_code,
            }
        )
        return classify(err, self.router.policy, self.clock() - started)

    def _no_deployment(self, err: NoDeploymentAvailableError, group: str) -> None:
        if self.loop.backoff is _PLAIN:
            self.loop.backoff = _GroupBackoff(ready=self._another_ready, cools=self._cools)
        self.loop.attempts -= 1  # nothing was sent: attempts count requests
        if err.retry_after is not None:  # the call may be retried when the first of its groups is free again
            if self._earliest is not None and self._earliest < err.retry_after:
                err.retry_after = self._earliest
            self._earliest = err.retry_after
        self._failures().append({"model_group": group, "error": type(err).__name__, "status": err.status_code})

    def _failures(self) -> list[dict[str, Any]]:
        if self.failures is None:
            self.failures = []
        return self.failures

    def _wait_for(self, err: NoDeploymentAvailableError) -> float | None:
        """Seconds to wait for a deployment to be free (``wait_for_cooldown``), or None: raise ``err``."""
        if not self.router.wait_for_cooldown or err.retry_after is None:
            return None
        remaining = self.loop.remaining()
        wait = max(err.retry_after, 0.001)
        return wait if remaining is None or wait < remaining else None

    def hidden_params(self) -> dict[str, Any]:
        d = self.deployment
        return {
            "attempts": self._first if self._loop is None else self._loop.attempts,
            "model": d.model if d else None,
            "model_id": d.id if d else None,
            "model_group": d.group if d else None,
            "elapsed_s": self.clock() - self.started,
            "failures": [] if self.failures is None else list(self.failures),
        }

    def stamp(self, result: Any) -> Any:
        """``result`` with :meth:`hidden_params` as its ``_hidden_params`` (a ``str``/``bytes`` answer as it is)."""
        return stamp_hidden(result, self.hidden_params())


def stamp_hidden(result: Any, hidden: dict[str, Any]) -> Any:
    """``result`` with ``hidden`` as its ``_hidden_params`` (a ``str``/``bytes`` answer as it is)."""
    if isinstance(result, (str, bytes)):
        return result
    attrs = getattr(result, "__dict__", None)
    if type(attrs) is dict and HIDDEN_PARAMS in attrs:  # the library stamped it: replace it where it lies
        attrs[HIDDEN_PARAMS] = hidden  # (what pydantic's __setattr__ does, minus its dispatch)
    else:
        setattr(result, HIDDEN_PARAMS, hidden)
    return result
