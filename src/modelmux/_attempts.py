"""How a chat call's attempts are planned: the retry loop, the fallbacks and the one deadline over them
(``_retry``, ``_fallbacks``), and the fast path of a call that asked for neither."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _http
from ._options import RELIABILITY_OPTIONS
from ._retry import HIDDEN_PARAMS, RetryLoop, attempt_timeout, check_num_retries, current_pacer

if TYPE_CHECKING:  # fallbacks load with the first call that asks for them
    from ._fallbacks import Fallbacks, Target

__all__ = ["attempt_options", "one_attempt", "plan_attempts", "stamp_one"]

R = TypeVar("R")


def attempt_options(
    plan: Fallbacks,
    target: Target,
    remaining: float | None,
    given_timeout: float | httpx.Timeout | None,
    messages: Any,
) -> dict[str, Any]:
    """The keyword arguments of one attempt on ``target``: its own over the call's, and the time left; a predicted
    context-window overflow raises instead (nothing is sent)."""
    overflow = plan.predicted_overflow(target, messages) if plan.context_window else None
    if overflow is not None:
        raise overflow
    options = plan.options_for(target)
    options["timeout"] = attempt_timeout(given_timeout, remaining)
    return options


def one_attempt(options: dict[str, Any]) -> bool:
    """No retries and no fallbacks asked for (their options, all empty, are taken out of ``options``)."""
    if any(options.get(name) for name in RELIABILITY_OPTIONS):
        return False
    for name in RELIABILITY_OPTIONS:
        options.pop(name, None)
    return True


def stamp_one(result: R, model: str, started: float) -> R:
    """``_hidden_params`` of a single attempt, the same keys :func:`stamp` gives a retried call."""
    elapsed = current_pacer().clock() - started
    setattr(result, HIDDEN_PARAMS, {"attempts": 1, "model": model, "elapsed_s": elapsed, "failures": []})
    return result


def plan_attempts(
    model: str, stream: bool, options: dict[str, Any]
) -> tuple[RetryLoop[Target], Fallbacks, float | httpx.Timeout | None, bool]:
    """Take the retry, fallback and timeout options out of ``options``: the call's retry loop, its fallbacks,
    the caller's ``timeout=``, and whether a stream's first chunk is read before returning (only when there is
    something to fail over to: otherwise a stream returns at once, as without retries)."""
    num_retries = check_num_retries(options.pop("num_retries", None))
    from ._fallbacks import pop_fallbacks

    plan = pop_fallbacks(model, options)
    given_timeout = options.pop("timeout", None)
    total = _http.limits_of(_http.timeout_of(given_timeout), None, None).total
    loop = RetryLoop(plan.primary, num_retries, total, plan.switch)
    return loop, plan, given_timeout, stream and (num_retries > 0 or plan.any)
