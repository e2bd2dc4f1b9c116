"""One router call: the retry loop over model groups, each attempt a single call to one deployment.

The loop is ``_retry.RetryLoop`` (the only one in the stack: deployments are called without ``num_retries``), its
target a model group and its ``switch`` the group fallbacks. Each attempt picks a free deployment of the group
(directly while nothing is cooling down: :mod:`.fast`), reserves its slot, calls it once with the time left before
the overall deadline, and records the outcome (latency, usage, the circuit counts). A retry goes at once to another
free deployment when there is one; otherwise it waits as the retry policy says (the provider's ``Retry-After``,
else capped exponential backoff with jitter). Streams are read up to their first chunk inside the attempt: a
failure before it fails over, a failure after it ends the stream with the error (counted against the deployment)
and is never replayed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .._retry import arun, run
from .._stream_first import afirst_chunk, first_chunk
from ..errors import APIError
from .call_state import CallState
from .circuit import Outcome, classify
from .deployments import Deployment
from .pick import rank, unavailable
from .streams import AsyncRoutedStream, RoutedStream

__all__ = ["RouterCall"]


def _usage_tokens(result: Any) -> int:
    usage = getattr(result, "usage", None)
    total = getattr(usage, "total_tokens", None)
    return total if isinstance(total, int) else 0


class RouterCall(CallState):
    """One call's attempts: the direct pick or the full one, the deployment called, the outcome recorded."""

    __slots__ = ()

    def _ender(self, deployment: Deployment, token: str) -> Callable[[APIError | None], None]:
        """What a handed-over stream does when it ends: free its slot, or record its failure (which frees it)."""
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha

        def end(err: APIError | None) -> None:
            if err is None:
                state.release(deployment, token)
            else:
                state.settle(deployment, token, self.clock(), classify(err, policy), policy, alpha)

        return end

    def _abandoner(self, deployment: Deployment, token: str) -> Callable[[], None]:
        """What a handed-over stream dropped unfinished does (from the garbage collector): free its slot without
        a lock or I/O (``release_later``; a state without it is released at once)."""
        state = self.router.state
        later = getattr(state, "release_later", None)
        if later is None:
            return lambda: state.release(deployment, token)
        return lambda: later(deployment, token)

    def _aender(self, deployment: Deployment, token: str) -> Callable[[APIError | None], Awaitable[None]]:
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha

        async def end(err: APIError | None) -> None:
            if err is None:
                await state.arelease(deployment, token)
            else:
                await state.asettle(deployment, token, self.clock(), classify(err, policy), policy, alpha)

        return end

    def _pick_directly(self, group: str, now: float) -> Deployment | None:
        """The direct pick (see :mod:`.fast`): a deployment drawn by weight with its slot taken, when the call has
        failed nowhere yet and the state is calm; None: take the full path."""
        if self.failed:
            return None
        router = self.router
        fast, state = router.fast_groups.get(group), router.fast_state
        if fast is None or state is None or not state.calm(now):
            return None
        deployment = fast.draw(self.pacer.random)
        if not state.take(deployment, now):
            return None  # a cooldown began meanwhile
        self._seen = (router.groups[group], None)
        return deployment

    def _left(self, remaining: float | None, now: float) -> float | None:
        """The seconds left before the overall deadline at ``now`` (the pick may have waited for a cooldown)."""
        if remaining is None or self.total is None:
            return remaining
        return max(0.0, self.started + self.total - now)

    def _succeeded(self, deployment: Deployment, token: str, result: Any, started: float) -> None:
        """Record the success (memory state: without an ``Outcome``)."""
        self.deployment = deployment
        router = self.router
        now = self.clock()
        tokens = 0  # a stream's usage is not known here
        if not self.stream:
            tokens = _usage_tokens(result)
            if deployment.group in router.token_limited:
                tokens -= self._tokens(deployment.group)  # the estimate reserved before sending
        fast = router.fast_state
        if fast is not None:
            fast.succeed(deployment, now, now - started, tokens, not self.stream, router.policy, router.alpha)
        else:
            outcome = Outcome(ok=True, latency=now - started, tokens=tokens, release=not self.stream)
            router.state.settle(deployment, token, now, outcome, router.policy, router.alpha)

    async def _asucceeded(self, deployment: Deployment, token: str, result: Any, started: float) -> None:
        """The async twin of :meth:`_succeeded` (memory state's is not awaited: it does no I/O)."""
        router = self.router
        if router.fast_state is not None:
            self._succeeded(deployment, token, result, started)
            return
        self.deployment = deployment
        now = self.clock()
        tokens = 0 if self.stream else _usage_tokens(result) - self._tokens(deployment.group)
        outcome = Outcome(ok=True, latency=now - started, tokens=tokens, release=not self.stream)
        await router.state.asettle(deployment, token, now, outcome, router.policy, router.alpha)

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
        started, token = self.clock(), ""
        deployment = self._pick_directly(group, started)
        if deployment is None:
            deployment, token = self._pick(group)
            started = self.clock()
            remaining = self._left(remaining, started)
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha
        try:
            result = self.op.sync(**self._attempt_kwargs(deployment, remaining))
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
        self._succeeded(deployment, token, result, started)
        if self.stream:
            return RoutedStream(result, self._ender(deployment, token), self._abandoner(deployment, token))
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
        started, token = self.clock(), ""
        deployment = self._pick_directly(group, started)
        if deployment is None:
            deployment, token = await self._apick(group)
            started = self.clock()
            remaining = self._left(remaining, started)
        state, policy, alpha = self.router.state, self.router.policy, self.router.alpha
        try:
            result = await self.op.async_(**self._attempt_kwargs(deployment, remaining))
            if self.stream:
                result = await afirst_chunk(result)
        except APIError as err:
            outcome = self._outcome_of_failure(deployment, err, started)
            await state.asettle(deployment, token, self.clock(), outcome, policy, alpha)
            raise
        except BaseException:
            await state.arelease(deployment, token)
            raise
        await self._asucceeded(deployment, token, result, started)
        if self.stream:
            return AsyncRoutedStream(result, self._aender(deployment, token), self._abandoner(deployment, token))
        return result
