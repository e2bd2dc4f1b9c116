"""One router call: the retry loop over model groups, each attempt a single call to one deployment.

The loop is ``_retry.RetryLoop`` (the only one in the stack: deployments are called without ``num_retries``), its
target a model group and its ``switch`` the group fallbacks. Each attempt picks a free deployment of the group,
reserves its slot, calls it once with the time left before the overall deadline, and records the outcome (latency,
usage, the circuit counts). A retry goes at once to another free deployment when there is one; otherwise it waits
as the retry policy says (the provider's ``Retry-After``, else capped exponential backoff with jitter). Streams are
read up to their first chunk inside the attempt: a failure before it fails over, a failure after it ends the stream
with the error (counted against the deployment) and is never replayed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import _http
from .._retry import Backoff, RetryLoop, arun, attempt_timeout, check_num_retries, current_pacer, retryable, run
from .._stream_first import afirst_chunk, first_chunk
from ..errors import APIError, ContextWindowExceededError
from .circuit import DEPLOYMENT_FAULTS, Outcome, classify
from .deployments import Deployment
from .fallbacks import GroupFallbacks, for_call
from .operations import Operation, estimate_tokens
from .pick import NoDeploymentAvailableError, rank, unavailable
from .state import Stats
from .streams import AsyncRoutedStream, RoutedStream

if TYPE_CHECKING:
    from .router import Router

__all__ = ["RouterCall"]

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


def _usage_tokens(result: Any) -> int:
    usage = getattr(result, "usage", None)
    total = getattr(usage, "total_tokens", None)
    return total if isinstance(total, int) else 0


class RouterCall:
    """The state of one call: which deployments failed, the last look at the group, how the answer was obtained."""

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
        self._seen: tuple[Sequence[Deployment], Sequence[Stats]] = ((), ())
        self.deployment: Deployment | None = None
        self.failures: list[dict[str, Any]] = []
        self.estimates: dict[str, int] = {}
        self.windows: dict[str, ContextWindowExceededError | None] = {}
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

    @property
    def seen(self) -> list[tuple[Deployment, Stats]]:
        return list(zip(*self._seen, strict=True))

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
        return any(d.id not in self.failed and not s.blocked(d, 0) for d, s in zip(*self._seen, strict=True))

    def _tokens(self, group: str) -> int:
        if group not in self.router.token_limited:
            return 0
        if group not in self.estimates:
            self.estimates[group] = estimate_tokens(self.args)
        return self.estimates[group]

    def _check_window(self, deployment: Deployment) -> None:
        """Raise the context-window error ``deployment`` would answer with, without sending, when its catalogued
        window is certainly too small for the messages and a context-window fallback group is left to go to."""
        if self._plan is None and not self.router.fallback_lists[self.group][1]:
            return  # the usual case: no context-window fallbacks to go to
        plan = self.plan
        if not plan.context_window or "messages" not in self.args or plan.used >= plan.max_fallbacks:
            return
        if all(group in plan.tried for group in plan.context_window):
            return
        if deployment.model not in self.windows:  # counting costs CPU: once per model and call
            from .._fallbacks import predict_overflow

            self.windows[deployment.model] = predict_overflow(deployment.model, self.args["messages"])
        overflow = self.windows[deployment.model]
        if overflow is not None:
            raise overflow

    def _call_options(self, deployment: Deployment) -> dict[str, Any]:
        """The deployment's keyword arguments (``model`` included; merged once by the router) under the call's."""
        base = self.router.call_kwargs[deployment.id]
        return {**base, **self.options} if self.options else base

    def _timeout(self, deployment: Deployment, remaining: float | None) -> Any:
        """The ``timeout=`` of an attempt with ``remaining`` seconds left before the overall deadline."""
        given = self.given_timeout
        if deployment.timeout is not None:  # a deployment's own cap on one attempt, within the overall deadline
            given = deployment.timeout if remaining is None else min(deployment.timeout, remaining)
        elif remaining is not None and self.total is not None and self.total - remaining < _AT_ONCE:
            return given  # the first attempt, sent at once: its own deadline is the call's
        return attempt_timeout(given, remaining)

    def _outcome_of_failure(self, deployment: Deployment, err: APIError, started: float) -> Outcome:
        if self.loop.backoff is _PLAIN:
            self.loop.backoff = _GroupBackoff(ready=self._another_ready, cools=self._cools)
        self.failed = self.failed | {deployment.id}  # a new set: the shared empty one is never changed
        self.failures.append(
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
        self.failures.append({"model_group": group, "error": type(err).__name__, "status": err.status_code})

    def _wait_for(self, err: NoDeploymentAvailableError) -> float | None:
        """Seconds to wait for a deployment to be free (``wait_for_cooldown``), or None: raise ``err``."""
        if not self.router.wait_for_cooldown or err.retry_after is None:
            return None
        remaining = self.loop.remaining()
        wait = max(err.retry_after, 0.001)
        return wait if remaining is None or wait < remaining else None

    def _ender(self, deployment: Deployment, token: str) -> Callable[[APIError | None], None]:
        """What a handed-over stream does when it ends: free its slot, or record its failure (which frees it)."""
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha

        def end(err: APIError | None) -> None:
            if err is None:
                state.release(deployment, token)
            else:
                state.settle(deployment, token, self.clock(), classify(err, policy), policy, alpha)

        return end

    def _aender(self, deployment: Deployment, token: str) -> Callable[[APIError | None], Awaitable[None]]:
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha

        async def end(err: APIError | None) -> None:
            if err is None:
                await state.arelease(deployment, token)
            else:
                await state.asettle(deployment, token, self.clock(), classify(err, policy), policy, alpha)

        return end

    def hidden_params(self) -> dict[str, Any]:
        d = self.deployment
        return {
            "attempts": self._first if self._loop is None else self._loop.attempts,
            "model": d.model if d else None,
            "model_id": d.id if d else None,
            "model_group": d.group if d else None,
            "elapsed_s": self.clock() - self.started,
            "failures": list(self.failures),
        }

    def _success(self, deployment: Deployment, result: Any, latency: float) -> Outcome:
        self.deployment = deployment
        if self.stream:
            return Outcome(ok=True, latency=latency, release=False)
        return Outcome(ok=True, latency=latency, tokens=_usage_tokens(result) - self._tokens(deployment.group))

    # ---------------------------------------------------------------- sync

    def run(self) -> Any:
        """The first attempt directly; after a failure, the retry loop as ``_retry.run`` drives it (the failed
        attempt already counted as its first)."""
        try:
            return self.attempt(self.group, self._first_remaining())
        except APIError as err:
            loop = self.loop
            delay = loop.after_failure(err)
            if delay is None:
                raise
        if delay > 0:
            loop.pacer.sleep(delay)
        return run(loop, self.attempt)

    def _pick(self, group: str) -> tuple[Deployment, str]:
        router, deployments = self.router, self.router.groups[group]
        ordered = group in router.ordered
        while True:
            now = self.clock()
            stats = router.state.snapshot(deployments, now)
            self._seen = (deployments, stats)
            tokens = self._tokens(group)
            for d in rank(deployments, stats, router.strategy, self.pacer.random, tokens, self.failed, ordered):
                admission = router.state.reserve(d, now, tokens, router.policy)
                if admission.ok:
                    return d, admission.token
            err = unavailable(group, deployments, stats)
            wait = self._wait_for(err)
            if wait is None:
                self._no_deployment(err, group)
                raise err
            self.pacer.sleep(wait)

    def attempt(self, group: str, remaining: float | None) -> Any:
        deployment, token = self._pick(group)
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha
        started = self.clock()
        try:
            self._check_window(deployment)
            result = self.op.sync(
                **self.args, **self._call_options(deployment), timeout=self._timeout(deployment, remaining)
            )
            if self.stream:
                result = first_chunk(result)
        except APIError as err:
            state.settle(
                deployment, token, self.clock(), self._outcome_of_failure(deployment, err, started), policy, alpha
            )
            raise
        except BaseException:
            state.release(deployment, token)
            raise
        now = self.clock()
        state.settle(deployment, token, now, self._success(deployment, result, now - started), policy, alpha)
        if self.stream:
            return RoutedStream(result, self._ender(deployment, token))
        return result

    # ---------------------------------------------------------------- async

    async def arun(self) -> Any:
        """The async twin of :meth:`run`."""
        try:
            return await self.aattempt(self.group, self._first_remaining())
        except APIError as err:
            loop = self.loop
            delay = loop.after_failure(err)
            if delay is None:
                raise
        if delay > 0:
            await loop.pacer.asleep(delay)
        return await arun(loop, self.aattempt)

    async def _apick(self, group: str) -> tuple[Deployment, str]:
        router, deployments = self.router, self.router.groups[group]
        ordered = group in router.ordered
        while True:
            now = self.clock()
            stats = await router.state.asnapshot(deployments, now)
            self._seen = (deployments, stats)
            tokens = self._tokens(group)
            for d in rank(deployments, stats, router.strategy, self.pacer.random, tokens, self.failed, ordered):
                admission = await router.state.areserve(d, now, tokens, router.policy)
                if admission.ok:
                    return d, admission.token
            err = unavailable(group, deployments, stats)
            wait = self._wait_for(err)
            if wait is None:
                self._no_deployment(err, group)
                raise err
            await self.pacer.asleep(wait)

    async def aattempt(self, group: str, remaining: float | None) -> Any:
        deployment, token = await self._apick(group)
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha
        started = self.clock()
        try:
            self._check_window(deployment)
            result = await self.op.async_(
                **self.args, **self._call_options(deployment), timeout=self._timeout(deployment, remaining)
            )
            if self.stream:
                result = await afirst_chunk(result)
        except APIError as err:
            outcome = self._outcome_of_failure(deployment, err, started)
            await state.asettle(deployment, token, self.clock(), outcome, policy, alpha)
            raise
        except BaseException:
            await state.arelease(deployment, token)
            raise
        now = self.clock()
        await state.asettle(deployment, token, now, self._success(deployment, result, now - started), policy, alpha)
        if self.stream:
            return AsyncRoutedStream(result, self._aender(deployment, token))
        return result
