"""The offline ``mock`` provider: no key, no network, deterministic — and able to play an agent.

* ``mock/<anything>`` answers with a fixed sentence (``mock/echo`` repeats the last user message); with tools it
  behaves like a model in an agent loop (see :mod:`.mock_agent`): it calls a tool (arguments built from the tool's
  schema) until tool results are in, then answers in text; ``tool_choice`` ``"required"``, a named tool and
  ``"none"`` are honoured.
* ``mock_script=[...]`` plays scripted turns in order (text, tool calls, errors, delays; see :mod:`.mock_script`).
* ``mock_response=`` answers with that text, or raises it when it is an exception (instance or class);
  ``mock_tool_calls=[{"name": ..., "arguments": {...}}]`` answers with tool calls.
* ``response_format`` ``json_schema`` answers with a valid instance of the schema, varied by ``seed``;
  ``json_object`` with what the prompt asks for (:mod:`.mock_prompt`), as without a ``response_format`` when a
  system message asks for JSON by a schema (prompted output). ``n`` gives ``n`` choices. The mock's own
  text is cut at ``max_tokens`` / ``max_completion_tokens`` (finish reason ``length``); JSON and given text never.
* ``mock/error-<status>`` raises the error class for that HTTP status, with provider and model set.
* Streams go word by word, paced by ``mock_delay=`` / ``mock_tokens_per_second=`` (:mod:`.mock_pace`).

Embeddings, images, transcriptions and moderations: see :mod:`.mock_operations`; rerank: :mod:`.mock_rerank`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import APIError, BadRequestError, error_class_for_status
from ..types import (
    ChatCompletion,
    ChatCompletionChunk,
    EmbeddingResponse,
    ImagesResponse,
    ModerationResponse,
    TranscriptionResponse,
)
from ..types_rerank import RerankResponse
from ._base import OPENAI_PARAMS, BaseProvider, CallContext, HttpRequest
from ._shapes import make_tool_call, make_usage
from .mock_agent import choose_tool, default_arguments, last_user_text, text_of, tool_results_text, wants_tool
from .mock_json import sample_for_schema, schema_instance
from .mock_operations import mock_embedding, mock_images, mock_moderation, mock_transcription, raise_if_error
from .mock_pace import Pace, pace_of
from .mock_prompt import json_object_answer, prompted_json_answer
from .mock_rerank import mock_rerank
from .mock_script import MockScript, Turn, turn_for
from .mock_shapes import Reply, build_chunks, build_completion, truncate_words

__all__ = ["DEFAULT_REPLY", "MAX_CHOICES", "MOCK_MODELS", "MockProvider", "MockScript", "provider", "sample_for_schema"]

DEFAULT_REPLY = "Hello! This is modelmux's offline mock provider: no API key, no network, same OpenAI-format answer."
#: The mock models worth listing (``modelmux models``; the development gateway serves them) and what they do;
#: any other ``mock/<name>`` answers chat too, and ``mock/error-<status>`` fails with that status.
MOCK_MODELS = {
    "demo": "chat",
    "echo": "chat",
    "agent": "chat",
    "embedding": "embedding",
    "image": "image_generation",
    "transcription": "audio_transcription",
    "moderation": "moderation",
}
#: OpenAI's bound on ``n``.
MAX_CHOICES = 128
#: The mock's own keyword arguments (``mock_response``/``mock_tool_calls`` also answer offline on any model).
MOCK_OPTIONS = frozenset({"mock_response", "mock_tool_calls", "mock_script", "mock_delay", "mock_tokens_per_second"})


def _approx_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _stamp(err: BaseException, ctx: CallContext) -> BaseException:
    if isinstance(err, APIError):
        err.provider = err.provider or ctx.provider
        err.model = err.model or ctx.model
    return err


@dataclass(slots=True)
class _Plan:
    replies: list[Reply]
    wait: float  # seconds before the answer starts (a scripted turn's delay)
    pace: Pace
    error: BaseException | None = None  # a scripted error, raised after the wait


class MockProvider(BaseProvider):
    name: ClassVar[str] = "mock"
    default_api_base: ClassVar[str] = ""
    requires_api_key: ClassVar[bool] = False
    supported_params: ClassVar[frozenset[str]] = OPENAI_PARAMS
    local: ClassVar[bool] = True
    native_params: ClassVar[frozenset[str]] = MOCK_OPTIONS

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        #: Injected so tests can run the pacing on a fake clock.
        self.sleep = sleep
        self.asleep = asleep

    # ---------------------------------------------------------------- deciding the answer

    def _plan(self, params: dict[str, Any], ctx: CallContext) -> _Plan:
        options = ctx.extra_body
        pace = pace_of(options)
        raise_if_error(ctx)
        given = options.get("mock_tool_calls")
        if given is not None and not (
            isinstance(given, (list, tuple))
            and all(isinstance(c, Mapping) and isinstance(c.get("name"), str) for c in given)
        ):
            raise BadRequestError(
                "mock_tool_calls must be a list of {'name': ..., 'arguments': {...}}",
                provider="mock",
                param="mock_tool_calls",
            )
        n = params.get("n") or 1
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CHOICES:
            raise BadRequestError(f"n must be an integer from 1 to {MAX_CHOICES}", provider="mock", param="n")
        script = options.get("mock_script")
        turn = turn_for(script, params["messages"]) if script is not None else None
        error: BaseException | None = None
        midway = False  # a scripted error after some text or tool calls: a stream that fails midway
        if turn is not None and turn.error is not None:
            message = turn.message or f"mock scripted error {turn.error}"
            error = _stamp(error_class_for_status(turn.error)(message, status_code=turn.error), ctx)
            midway = bool(turn.text or turn.tool_calls)
            if not turn.delay and not midway:
                raise error
        seed: int = params["seed"] if isinstance(params.get("seed"), int) else 0
        replies = [self._reply(params, ctx, turn, seed + i, i) for i in range(n)] if error is None or midway else []
        return _Plan(replies, turn.delay if turn is not None else 0.0, pace, error)

    def _reply(self, params: dict[str, Any], ctx: CallContext, turn: Turn | None, seed: int, index: int) -> Reply:
        options = ctx.extra_body
        messages = params["messages"]
        prefix = f"call_mock_{len(messages)}_{index}_"
        if turn is not None and (turn.text is not None or turn.tool_calls):
            calls = [(c.name, c.arguments, c.id) for c in turn.tool_calls]
            return Reply(turn.text, self._tool_calls(params, calls, prefix, seed))
        given = options.get("mock_tool_calls")
        if given is not None:
            calls = [(c["name"], c.get("arguments"), c.get("id")) for c in given]
            response = options.get("mock_response")
            return Reply(None if response is None else str(response), self._tool_calls(params, calls, prefix, seed))
        if options.get("mock_response") is not None:
            return Reply(str(options["mock_response"]))
        if wants_tool(params):
            fn = choose_tool(params)
            return Reply(None, self._tool_calls(params, [(str(fn.get("name")), None, None)], prefix, seed))
        text, is_json = self._text(params, ctx, seed)
        limit = params.get("max_completion_tokens") or params.get("max_tokens")
        if isinstance(limit, int) and not is_json:  # JSON is never cut: it would not parse
            text, cut = truncate_words(text, limit)
            return Reply(text, truncated=cut)
        return Reply(text)

    @staticmethod
    def _tool_calls(
        params: dict[str, Any], calls: list[tuple[str, Any, str | None]], prefix: str, seed: int
    ) -> list[dict[str, Any]]:
        functions = {
            t["function"].get("name"): t["function"]
            for t in params.get("tools") or ()
            if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)
        }
        out = []
        for k, (name, arguments, call_id) in enumerate(calls):
            if arguments is None:
                arguments = default_arguments(functions.get(name) or {}, seed)
            out.append(make_tool_call(call_id or f"{prefix}{k}", name, arguments))
        return out

    @staticmethod
    def _text(params: dict[str, Any], ctx: CallContext, seed: int) -> tuple[str, bool]:
        """The mock's own answer text, and whether it is JSON."""
        messages = params["messages"]
        fmt = params.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return json.dumps(schema_instance((fmt.get("json_schema") or {}).get("schema"), seed=seed)), True
        if fmt.get("type") == "json_object":
            return json.dumps(json_object_answer(messages, seed, DEFAULT_REPLY)), True
        prompted = None if ctx.model == "echo" else prompted_json_answer(messages, seed)
        if prompted is not None:  # asked for by the system prompt: the answer, also after tool results
            return json.dumps(prompted), True
        if messages and messages[-1].get("role") in ("tool", "function"):
            return tool_results_text(messages), bool(fmt)
        if ctx.model == "echo":
            return last_user_text(messages), bool(fmt)
        return DEFAULT_REPLY, bool(fmt)

    def _usage(self, params: dict[str, Any], replies: list[Reply]) -> dict[str, Any]:
        prompt = sum(_approx_tokens(text_of(m.get("content"))) for m in params["messages"])
        completion = sum(
            _approx_tokens(r.text or "") + sum(_approx_tokens(c["function"]["arguments"]) for c in r.tool_calls)
            for r in replies
        )
        return make_usage(prompt, completion)

    # ---------------------------------------------------------------- answering

    def _result(self, params: dict[str, Any], ctx: CallContext, plan: _Plan) -> ChatCompletion:
        if plan.error is not None:
            raise plan.error
        return build_completion(
            f"chatcmpl-mock-{time.time_ns()}", ctx.model, plan.replies, self._usage(params, plan.replies)
        )

    def complete(self, params: dict[str, Any], ctx: CallContext) -> ChatCompletion:
        plan = self._plan(params, ctx)
        if plan.wait:
            self.sleep(plan.wait)
        return self._result(params, ctx, plan)

    async def acomplete(self, params: dict[str, Any], ctx: CallContext) -> ChatCompletion:
        """The async twin of :meth:`complete`: its waits do not block the event loop."""
        plan = self._plan(params, ctx)
        if plan.wait:
            await self.asleep(plan.wait)
        return self._result(params, ctx, plan)

    def _chunks(self, params: dict[str, Any], ctx: CallContext, plan: _Plan) -> list[ChatCompletionChunk]:
        """The stream's chunks; with a scripted error, those before the finish (the error is raised after them:
        a stream that fails midway)."""
        usage = self._usage(params, plan.replies) if ctx.include_usage and plan.error is None else None
        chunks = build_chunks(f"chatcmpl-mock-{time.time_ns()}", ctx.model, plan.replies, usage)
        if plan.error is not None:
            chunks = [c for c in chunks if c.choices and c.choices[0].finish_reason is None]
        return chunks

    def stream(self, params: dict[str, Any], ctx: CallContext) -> Iterator[ChatCompletionChunk]:
        plan = self._plan(params, ctx)  # a bad request or an error model raises here, before any chunk

        def paced() -> Iterator[ChatCompletionChunk]:
            if plan.wait:
                self.sleep(plan.wait)
            for i, chunk in enumerate(self._chunks(params, ctx, plan)):
                wait = plan.pace.wait_before(chunk) if i else 0.0
                if wait:
                    self.sleep(wait)
                yield chunk
            if plan.error is not None:
                raise plan.error

        return paced()

    def astream(self, params: dict[str, Any], ctx: CallContext) -> AsyncIterator[ChatCompletionChunk]:
        plan = self._plan(params, ctx)

        async def paced() -> AsyncIterator[ChatCompletionChunk]:
            if plan.wait:
                await self.asleep(plan.wait)
            for i, chunk in enumerate(self._chunks(params, ctx, plan)):
                wait = plan.pace.wait_before(chunk) if i else 0.0
                if wait:
                    await self.asleep(wait)
                yield chunk
            if plan.error is not None:
                raise plan.error

        return paced()

    # ---------------------------------------------------------------- other operations

    def answer_embedding(self, params: dict[str, Any], ctx: CallContext) -> EmbeddingResponse:
        return mock_embedding(params, ctx)

    def answer_image_generation(self, params: dict[str, Any], ctx: CallContext) -> ImagesResponse:
        return mock_images(params, ctx)

    def answer_transcription(self, params: dict[str, Any], ctx: CallContext) -> TranscriptionResponse | str:
        return mock_transcription(params, ctx)

    def answer_moderation(self, params: dict[str, Any], ctx: CallContext) -> ModerationResponse:
        return mock_moderation(params, ctx)

    def answer_rerank(self, params: dict[str, Any], ctx: CallContext) -> RerankResponse:
        return mock_rerank(params, ctx)

    # The HTTP half of the contract is never used: the mock answers locally.
    def build_chat_request(self, params: dict[str, Any], ctx: CallContext) -> HttpRequest:
        raise NotImplementedError("the mock provider answers locally")

    def parse_chat_response(self, body: bytes, ctx: CallContext) -> ChatCompletion:
        raise NotImplementedError("the mock provider answers locally")

    def chat_stream_translator(self, ctx: CallContext) -> Any:
        raise NotImplementedError("the mock provider answers locally")


provider = MockProvider()
