"""Same-dialect pass-through for chat: an OpenAI-format route's answer, or its SSE event bytes, go to the client as
the upstream sent them, instead of being validated into models and serialised again.

Which providers qualify is their own declaration, ``openai_relay`` (``providers/_base.BaseProvider``): the shapes
(``"answer"``, ``"stream"``) their translation leaves as they are. OpenAI declares both; the compatible vendors,
Azure and Mistral only ``"answer"``, because their streams are rewritten (reasoning spellings, tool-call indexes,
usage placement, finish reasons), while an answer is checked body by body (``modelmux._raw_answer``) and parsed as
before whenever it is not in OpenAI's own shape. Besides, only a single model (not a group: no retries or
fallbacks), no cache, not the mock, and only callbacks that never read the response (``reads_response = False``:
the gateway's metrics); they are fed from the raw answer's usage and timings (:mod:`.passthrough_stream`). Other
callbacks and the cache keep the parsed path. A key with a spend budget is charged from the raw usage.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from .._attempts import stamp_one
from .._options import RELIABILITY_OPTIONS
from .._raw_answer import RawAnswer, araw_chat_completion
from .._raw_stream import aopen_raw_chat_stream
from .._registry import get_provider
from .._retry import current_pacer
from ..callbacks._handlers import current_plan
from ..callbacks._observer import Observer, observe
from ..providers.openai.errors import error_from_event
from ..types import ChatCompletion
from .config import ModelRoute
from .limits.budget_meter import METER, charge
from .passthrough_stream import PassedStream
from .responses import Response, model_response
from .upstreams import Upstreams

__all__ = ["answer_response", "complete_passthrough", "open_passthrough", "passes_through"]

#: Options that need the parsed answer or more than one attempt (``callbacks`` are looked at one by one).
_NEEDS_MODELS = frozenset({"cache", "mock_response", "mock_tool_calls", *RELIABILITY_OPTIONS})


@functools.lru_cache(maxsize=256)
def _relays(provider: str) -> frozenset[str]:
    """The shapes the provider named ``provider`` declares (``openai_relay``), looked up once per name."""
    try:
        return frozenset(getattr(get_provider(provider), "openai_relay", ()))
    except (KeyError, ImportError, AttributeError):
        return frozenset()


def _raw_observable(handlers: Iterable[Any]) -> bool:
    """Whether every handler declares it never reads ``event.response`` (nor the chunks): ``Callback.reads_response``
    False (a plain function, or an object without the attribute, may read it)."""
    return all(getattr(handler, "reads_response", True) is False for handler in handlers)


def passes_through(route: ModelRoute, upstreams: Upstreams, options: Mapping[str, Any], *, stream: bool) -> bool:
    """Whether a chat call on ``route`` with ``options`` can forward the upstream's bytes."""
    if ("stream" if stream else "answer") not in _relays(route.provider) or upstreams.is_group(route):
        return False
    if any(options.get(name) for name in _NEEDS_MODELS):
        return False
    plan = current_plan()  # process-wide handlers are told about every call: they must be able to take it raw
    return _raw_observable(options.get("callbacks") or ()) and (plan is None or _raw_observable(plan.handlers))


def _observer(
    route: ModelRoute, messages: Any, params: dict[str, Any], options: dict[str, Any], stream: bool
) -> Observer | None:
    """The call's :class:`Observer` (``callbacks`` taken out of ``options``), None without handlers."""
    given = {**params, **options}
    observer = observe("completion", route.model, given, messages=messages, stream=stream)
    options.pop("callbacks", None)
    return observer


def _one_attempt(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k not in RELIABILITY_OPTIONS}  # all empty (passes_through)


async def open_passthrough(route: ModelRoute, messages: Any, params: dict[str, Any], options: dict[str, Any]) -> Any:
    """The raw stream (observed by the route's callbacks, counted against the request's budget when it has one).
    Raises ``APIError`` as ``acompletion``."""
    meter = METER.get()
    options = _one_attempt(options)
    observer = _observer(route, messages, params, options, True)
    if observer is not None and observer.plan.start:
        from ..callbacks._run import afire

        await afire(observer.plan.start, observer.event)
    try:
        started = current_pacer().clock()
        stream = await aopen_raw_chat_stream(
            route.model, messages, error_from_event, collect_text=meter is not None, **params, **options
        )
        stamp_one(stream, route.model, started)  # ``_hidden_params``, as acompletion's stream has
    except Exception as exc:
        if observer is not None:
            await observer.afailed(exc)
        raise
    except BaseException as exc:  # cancelled: the hooks run, never awaited
        if observer is not None:
            await observer.afailed(exc, wait_async=False)
        raise
    if meter is None and observer is None:
        return stream
    if observer is not None:
        observer.event.hidden_params = stream._hidden_params  # type: ignore[attr-defined]
    return PassedStream(stream, meter, observer, route.model, messages)


async def complete_passthrough(
    route: ModelRoute, messages: Any, params: dict[str, Any], options: dict[str, Any]
) -> RawAnswer | ChatCompletion:
    """The upstream's answer as its own bytes (:class:`RawAnswer`) when they need no rewriting, else parsed as
    ``acompletion`` parses it; observed by the route's callbacks. Raises ``APIError`` as ``acompletion``."""
    options = _one_attempt(options)
    observer = _observer(route, messages, params, options, False)

    async def call() -> RawAnswer | ChatCompletion:
        started = current_pacer().clock()
        answer = await araw_chat_completion(route.model, messages, **params, **options)
        return stamp_one(answer, route.model, started)  # ``_hidden_params``, as acompletion's answer has

    return await call() if observer is None else await observer.arun(call)


def answer_response(answer: RawAnswer | Any, headers: tuple[tuple[bytes, bytes], ...] = ()) -> Response:
    """The client's 200: a raw answer's own bytes, else the model serialised; counted against the key's spend
    budget, when it has one (a raw answer by its JSON's model, usage and service tier)."""
    if isinstance(answer, RawAnswer):
        charge(answer.doc)
        return Response(200, answer.body, headers=headers)
    return model_response(answer, headers)
