"""``modelmux.Router``: model groups of deployments, load-balanced, retried, cooled down and failed over.

>>> router = Router(model_list=[
...     {"model_name": "chat", "litellm_params": {"model": "mock/a", "mock_response": "from a"}},
...     {"model_name": "chat", "litellm_params": {"model": "mock/b", "mock_response": "from b"}},
... ])
>>> reply = router.completion(model="chat", messages=[{"role": "user", "content": "Hi"}])
>>> reply._hidden_params["model_group"]
'chat'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import BadRequestError
from .cached import cached_call
from .call import RouterCall
from .call_state import stamp_hidden
from .circuit import CircuitPolicy
from .deployments import Deployment, parse_model_list
from .fallbacks import FallbackMap, parse_fallbacks
from .fast import FastGroup, fast_groups
from .observed import ObservedCall, TimedRouterCall, observe_routed
from .operations import OPERATIONS
from .state import MemoryState, RouterState
from .strategies import Strategy, make_strategy

__all__ = ["Router"]

#: LiteLLM's ``max_fallbacks`` default.
MAX_FALLBACKS = 5
#: Weight of the newest latency in the average (exponentially weighted).
EWMA_ALPHA = 0.3


class Router:
    """Calls model groups: each call picks a deployment of the group, and retries, cools down and falls back.

    Args:
        model_list: the deployments, in LiteLLM's format (``model_name`` + ``litellm_params``) or modelmux's
            (``group`` + ``model`` + keyword arguments); see ``modelmux.router.deployments``.
        routing_strategy: ``"simple-shuffle"`` (weighted random, the default), ``"least-busy"`` (fewest in
            flight), ``"latency-based-routing"`` (lowest average latency) or ``"usage-based-routing"`` (most
            ``tpm``/``rpm`` headroom); or an object with ``rank(candidates, rand)``.
        routing_strategy_args: e.g. ``{"lowest_latency_buffer": 0.2, "ewma_alpha": 0.3}``.
        num_retries: retries per group after a transient failure (each may land on another deployment); 2.
        timeout: seconds for the whole call, every attempt, wait and fallback included (default 600).
        allowed_fails / cooldown_time / failure_threshold / failure_min_requests: circuit breaking, see
            ``modelmux.router.circuit`` (a deployment over 3 failures a minute, or over half of at least 5 calls,
            cools down 5 s; a 429 at once, for its ``Retry-After``).
        fallbacks / context_window_fallbacks / content_policy_fallbacks: ``[{"group": ["other", ...]}]``.
        max_fallbacks: fallback groups tried per call, at most (5).
        wait_for_cooldown: when every deployment of a group cools down, wait (within the deadline) for the first
            to be free instead of raising ``RateLimitError`` with ``retry_after``.
        state: where in-flight counts, latencies, cooldowns and usage live: a ``MemoryState`` of its own by
            default; ``redis_url`` (or LiteLLM's ``redis_host``/``redis_port``/``redis_password``) shares them
            between processes (``modelmux.router.RedisState``).
        default_options: keyword arguments given to every call (under the deployment's and the call's own);
            ``default_litellm_params`` is LiteLLM's name for it. The seam for later per-router options (a cache,
            callbacks): whatever the library functions accept is passed through to each deployment call; its
            ``timeout`` is the overall deadline when ``timeout=`` is not given; retries and fallbacks are refused
            there (they are the router's own settings: deployments are called once each).
        environ: where ``"os.environ/NAME"`` values are read (default ``os.environ``), once.
    """

    def __init__(
        self,
        model_list: Iterable[Mapping[str, Any]],
        *,
        routing_strategy: str | Strategy = "simple-shuffle",
        routing_strategy_args: Mapping[str, Any] | None = None,
        num_retries: int = 2,
        timeout: float | None = None,
        allowed_fails: int | None = 3,
        cooldown_time: float = 5.0,
        failure_threshold: float = 0.5,
        failure_min_requests: int = 5,
        fallbacks: Sequence[Mapping[str, Sequence[str]]] | Mapping[str, Sequence[str]] | None = None,
        context_window_fallbacks: Sequence[Mapping[str, Sequence[str]]] | Mapping[str, Sequence[str]] | None = None,
        content_policy_fallbacks: Sequence[Mapping[str, Sequence[str]]] | Mapping[str, Sequence[str]] | None = None,
        max_fallbacks: int = MAX_FALLBACKS,
        wait_for_cooldown: bool = False,
        state: RouterState | None = None,
        redis_url: str | None = None,
        redis_host: str | None = None,
        redis_port: int | None = None,
        redis_password: str | None = None,
        redis_prefix: str = "modelmux",
        default_options: Mapping[str, Any] | None = None,
        default_litellm_params: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.groups: dict[str, tuple[Deployment, ...]] = parse_model_list(model_list, environ)
        args = dict(routing_strategy_args or {})
        alpha = args.get("ewma_alpha", EWMA_ALPHA)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha <= 1:
            raise BadRequestError("routing_strategy_args: ewma_alpha must be a number in (0, 1]", param="ewma_alpha")
        self.alpha = float(alpha)
        self.strategy = make_strategy(routing_strategy, args)
        #: Groups where some deployment has an ``order`` (the others skip that step).
        self.ordered = {g for g, ds in self.groups.items() if any(d.order is not None for d in ds)}
        from .._retry import check_num_retries

        self.num_retries = check_num_retries(num_retries)
        self.default_options: dict[str, Any] = _defaults(default_options, default_litellm_params)
        self.timeout = self.default_options.get("timeout") if timeout is None else timeout
        from .. import _http

        self.total = _http.limits_of(_http.timeout_of(self.timeout), None, None).total  # the overall deadline, seconds
        try:
            self.policy = CircuitPolicy(allowed_fails, float(cooldown_time), failure_threshold, failure_min_requests)
        except (TypeError, ValueError) as exc:
            raise BadRequestError(f"circuit settings: {exc}", param="cooldown_time") from None
        self.fallback_maps: dict[str, FallbackMap] = {
            "fallbacks": parse_fallbacks(fallbacks, "fallbacks", self.groups),
            "context_window_fallbacks": parse_fallbacks(
                context_window_fallbacks, "context_window_fallbacks", self.groups
            ),
            "content_policy_fallbacks": parse_fallbacks(
                content_policy_fallbacks, "content_policy_fallbacks", self.groups
            ),
        }
        #: Per group, its (fallbacks, context_window_fallbacks, content_policy_fallbacks), looked up once.
        self.fallback_lists: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        for g in self.groups:
            general, window, policy = (m.get(g, m.get("*", ())) for m in self.fallback_maps.values())
            self.fallback_lists[g] = (general, window, policy)
        if isinstance(max_fallbacks, bool) or not isinstance(max_fallbacks, int) or max_fallbacks < 0:
            raise BadRequestError("max_fallbacks must be a non-negative integer", param="max_fallbacks")
        self.max_fallbacks = max_fallbacks
        self.wait_for_cooldown = bool(wait_for_cooldown)
        self.state: RouterState = (
            state if state is not None else _state(redis_url, redis_host, redis_port, redis_password, redis_prefix)
        )
        #: Per deployment id, the keyword arguments of its calls (``model``, the router's defaults under the
        #: deployment's own), merged once here: a call adds only its own options and the attempt's ``timeout``
        #: (always set per attempt, so a default one is left out).
        self.call_kwargs: dict[str, dict[str, Any]] = {
            d.id: {
                **{k: v for k, v in self.default_options.items() if k != "timeout"},
                **d.params,
                "model": d.model,
            }
            for ds in self.groups.values()
            for d in ds
        }
        #: Groups where some deployment has a ``tpm`` limit (the only ones whose calls estimate their tokens).
        self.token_limited = frozenset(g for g, ds in self.groups.items() if any(d.tpm is not None for d in ds))
        #: The groups a call may pick from directly while the state is calm (see ``modelmux.router.fast``); the
        #: state and strategy are fixed at construction.
        self.fast_groups: dict[str, FastGroup] = fast_groups(self.groups, self.strategy, self.state)
        #: The state when it is a plain ``MemoryState`` (its successes are recorded without an ``Outcome``).
        self.fast_state: MemoryState | None = self.state if type(self.state) is MemoryState else None

    # ---------------------------------------------------------------- introspection

    @property
    def model_names(self) -> list[str]:
        """The model groups, in the order of ``model_list``."""
        return list(self.groups)

    def deployments(self, group: str) -> tuple[Deployment, ...]:
        return self.groups[self._group(group)]

    def __repr__(self) -> str:
        return f"Router(groups={self.model_names!r}, strategy={type(self.strategy).__name__})"

    # ---------------------------------------------------------------- calls

    def _group(self, model: Any) -> str:
        if not isinstance(model, str) or model not in self.groups:
            known = ", ".join(map(repr, self.groups))
            raise BadRequestError(
                f"{model!r} is not a model group of this router (groups: {known})",
                param="model",
                code="model_not_found",
            )
        return model

    def _call(self, operation: str, model: Any, args: dict[str, Any], options: dict[str, Any]) -> RouterCall:
        group = self._group(model)
        observer = observe_routed(self, operation, group, args, options)  # None: no callbacks anywhere
        make = RouterCall if observer is None else TimedRouterCall
        call = make(self, OPERATIONS[operation], group, args, options)
        runner: Any = call
        if "cache" in options or "cache" in self.default_options:  # per group, before a pick (``router.cached``)
            default = self.default_options.get("cache")
            runner = cached_call(call, operation, group, args, options, default, _stamp) or call
        if observer is not None:
            runner = ObservedCall(call, observer, _stamp, runner)
        return runner  # type: ignore[no-any-return]

    def completion(self, model: str, messages: Any, *, stream: bool = False, **options: Any) -> Any:
        """``modelmux.completion`` on a deployment of group ``model``; same keyword arguments, plus per call
        ``num_retries``, ``timeout`` (overall), ``fallbacks``… The result's ``_hidden_params`` say ``attempts``,
        ``model``/``model_id``/``model_group`` (the deployment that answered, never its key), ``elapsed_s`` and
        ``failures``."""
        call = self._call("completion", model, {"messages": messages, "stream": stream}, options)
        return call.stamp(call.run())

    async def acompletion(self, model: str, messages: Any, *, stream: bool = False, **options: Any) -> Any:
        call = self._call("completion", model, {"messages": messages, "stream": stream}, options)
        return call.stamp(await call.arun())

    def embedding(self, model: str, input: Any, **options: Any) -> Any:
        call = self._call("embedding", model, {"input": input}, options)
        return call.stamp(call.run())

    async def aembedding(self, model: str, input: Any, **options: Any) -> Any:
        call = self._call("embedding", model, {"input": input}, options)
        return call.stamp(await call.arun())

    def image_generation(self, model: str, prompt: str, **options: Any) -> Any:
        call = self._call("image_generation", model, {"prompt": prompt}, options)
        return call.stamp(call.run())

    async def aimage_generation(self, model: str, prompt: str, **options: Any) -> Any:
        call = self._call("image_generation", model, {"prompt": prompt}, options)
        return call.stamp(await call.arun())

    def transcription(self, model: str, file: Any, **options: Any) -> Any:
        call = self._call("transcription", model, {"file": _read(file)}, options)
        return call.stamp(call.run())

    async def atranscription(self, model: str, file: Any, **options: Any) -> Any:
        call = self._call("transcription", model, {"file": _read(file)}, options)
        return call.stamp(await call.arun())

    def moderation(self, model: str, input: Any, **options: Any) -> Any:
        call = self._call("moderation", model, {"input": input}, options)
        return call.stamp(call.run())

    async def amoderation(self, model: str, input: Any, **options: Any) -> Any:
        call = self._call("moderation", model, {"input": input}, options)
        return call.stamp(await call.arun())

    def rerank(self, model: str, query: str, documents: Any, **options: Any) -> Any:
        call = self._call("rerank", model, {"query": query, "documents": documents}, options)
        return call.stamp(call.run())

    async def arerank(self, model: str, query: str, documents: Any, **options: Any) -> Any:
        call = self._call("rerank", model, {"query": query, "documents": documents}, options)
        return call.stamp(await call.arun())

    async def aclose(self) -> None:
        """Close the state backend's connections (Redis)."""
        close = getattr(self.state, "aclose", None)
        if close is not None:
            await close()


def _defaults(options: Mapping[str, Any] | None, litellm: Mapping[str, Any] | None) -> dict[str, Any]:
    """``default_options`` (or LiteLLM's ``default_litellm_params``): every call's keyword arguments. Retries and
    fallbacks are the router's own (deployments are called once each: one retry loop), so they are refused there;
    a ``timeout`` is the router's overall deadline when ``timeout=`` is not given."""
    if options is not None and litellm is not None:
        raise BadRequestError("give default_options or default_litellm_params, not both", param="default_options")
    defaults = dict(options or litellm or {})
    from .._options import RELIABILITY_OPTIONS

    for name in sorted(RELIABILITY_OPTIONS & defaults.keys()):
        raise BadRequestError(
            f"default_options: {name!r} is a router setting (Router({name}=...)), not a call default",
            param="default_options",
        )
    return defaults


def _read(file: Any) -> Any:
    """An upload read once, so a retry sends the same bytes (a file object would be empty the second time)."""
    from .._transcriptions import read_file

    return read_file(file)


def _state(url: str | None, host: str | None, port: int | None, password: str | None, prefix: str) -> RouterState:
    if url is None and host is not None:
        from urllib.parse import quote

        auth = f":{quote(password, safe='')}@" if password else ""
        url = f"redis://{auth}{host}:{port or 6379}/0"
    if url is None:
        return MemoryState()
    from .redis_state import RedisState

    return RedisState(url, prefix=prefix)


def _stamp(result: Any, call: Any) -> Any:
    """A wrapped call's result stamped with that call's ``_hidden_params``."""
    return stamp_hidden(result, call.hidden_params())
