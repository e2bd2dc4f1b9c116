"""``ChatModelmux``: a LangChain chat model over ``modelmux.completion()`` / ``acompletion()`` — any provider.

>>> from modelmux.integrations.langchain import ChatModelmux
>>> ChatModelmux(model="mock/demo").invoke("Hi").content[:6]
'Hello!'
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import AliasChoices, ConfigDict, Field, SecretStr, field_validator, model_validator

from ..._url_secrets import url_secrets
from ...types import ChatCompletionChunk, Usage
from .convert_messages import convert_messages
from .convert_tools import convert_tool_choice, convert_tools
from .hide_secrets import hide_secret_options, reveal
from .parse_response import answered_model, chunk_to_generation, completion_to_result, final_chunk, model_name
from .structured_output import Method, structured_runnable

__all__ = ["ChatModelmux"]

#: Call-time keyword arguments LangChain adds for its tracing; they are not model parameters.
_TRACING_KWARGS = ("ls_structured_output_format",)


class _StreamState:
    """What a stream's last chunk reports: finish reason, usage, model and id (seen on earlier chunks)."""

    def __init__(self, answered: str) -> None:
        self.answered = answered
        self.model: str | None = None
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.id: str | None = None

    def feed(self, chunk: ChatCompletionChunk) -> ChatGenerationChunk | None:
        if chunk.usage is not None:
            self.usage = chunk.usage
        self.model = chunk.model or self.model
        self.id = self.id or chunk.id or None
        generation, finish_reason = chunk_to_generation(chunk)
        self.finish_reason = finish_reason or self.finish_reason
        return generation

    def last(self) -> ChatGenerationChunk:
        return final_chunk(model_name(self.answered, self.model), self.finish_reason, self.usage, self.id)


class ChatModelmux(BaseChatModel):
    """A LangChain chat model for every provider modelmux speaks (``"anthropic/claude-..."``, ``"mock/demo"``...).

    The standard parameters are fields; any other keyword (a provider's own option such as ``top_k`` or
    ``aws_region_name``, the mock's ``mock_script``...) goes to ``model_kwargs`` and on to every call. ``api_key``
    is a ``SecretStr`` (never shown in repr or logs); without it modelmux reads the provider's usual environment
    variable. ``transport`` (an ``httpx`` transport) is handed to every call, for tests and proxies.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, validation_alias=AliasChoices("max_tokens", "max_completion_tokens"))
    top_p: float | None = None
    stop: list[str] | None = Field(default=None, validation_alias=AliasChoices("stop", "stop_sequences"))
    n: int | None = None
    seed: int | None = None
    reasoning_effort: str | None = None
    timeout: float | None = Field(default=None, validation_alias=AliasChoices("timeout", "request_timeout"))
    max_retries: int | None = None
    streaming: bool = False
    """``invoke`` streams under the hood (LangChain's convention)."""
    stream_usage: bool = True
    """Ask for usage at the end of streams (``stream_options.include_usage``)."""
    api_key: SecretStr | None = None
    api_base: str | SecretStr | None = Field(default=None, validation_alias=AliasChoices("api_base", "base_url"))
    """A ``SecretStr`` when the URL carries a credential (``user:password@``, ``?api-key=``)."""
    extra_headers: dict[str, SecretStr] | None = None
    """Sent with every call; the values are kept secret (an ``Authorization`` header)."""
    extra_body: dict[str, Any] | None = None
    drop_params: bool = False
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    transport: Any = Field(default=None, exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _gather_model_kwargs(cls, values: Any) -> Any:
        """Keywords that are not fields (a provider's own options) go to ``model_kwargs``."""
        if not isinstance(values, dict):
            return values
        known = set()
        for name, field in cls.model_fields.items():
            known.add(name)
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                known.update(a for a in alias.choices if isinstance(a, str))
        extra = {k: values[k] for k in values if k not in known}
        given = dict(values.get("model_kwargs") or {})
        clash = set(extra) & set(given)
        if clash:
            raise ValueError(f"given both as a keyword and in model_kwargs: {', '.join(sorted(clash))}")
        if not extra and not given:
            return values
        kept = {k: v for k, v in values.items() if k not in extra}
        return {**kept, "model_kwargs": hide_secret_options({**given, **extra})}

    @field_validator("api_base", mode="after")
    @classmethod
    def _hide_url_secrets(cls, value: str | SecretStr | None) -> str | SecretStr | None:
        return SecretStr(value) if isinstance(value, str) and url_secrets(value) else value

    @property
    def _llm_type(self) -> str:
        return "modelmux"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """What LangChain's tracers and caches see: no secret values (they stay ``SecretStr``)."""
        return {"model": self.model, **self._default_params()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        model = kwargs.get("model") or self.model
        params = LangSmithParams(
            ls_provider=model.split("/", 1)[0] if "/" in model else "modelmux",
            ls_model_name=model,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stop = stop or kwargs.get("stop") or self.stop
        if stop:
            params["ls_stop"] = list(stop)
        return params

    def _default_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "stop": self.stop or None,
            "n": self.n,
            "seed": self.seed,
            "reasoning_effort": self.reasoning_effort,
            "timeout": self.timeout,
            "num_retries": self.max_retries,
            "api_base": self.api_base,
            "extra_headers": dict(self.extra_headers) if self.extra_headers else None,
            "extra_body": self.extra_body,
        }
        if self.drop_params:
            params["drop_params"] = True
        return {**{k: v for k, v in params.items() if v is not None}, **self.model_kwargs}

    def _call_kwargs(
        self, messages: list[BaseMessage], stop: list[str] | None, stream: bool, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """The keyword arguments of one ``modelmux.completion`` call: fields, then ``model_kwargs``, then the
        call's own (``bind``/``invoke`` keywords) over them."""
        for key in _TRACING_KWARGS:
            kwargs.pop(key, None)
        params = reveal({**self._default_params(), **kwargs})
        if params.get("extra_headers"):
            params["extra_headers"] = reveal(params["extra_headers"])
        params["model"] = kwargs.get("model") or self.model
        params["messages"] = convert_messages(messages)
        if stop is not None:
            params["stop"] = stop
        if self.api_key is not None:
            params["api_key"] = self.api_key.get_secret_value()
        if self.transport is not None:
            params["transport"] = self.transport
        if stream:
            params["stream"] = True
            if self.stream_usage and "stream_options" not in params:
                params["stream_options"] = {"include_usage": True}
        return params

    # ------------------------------------------------------------------ calls

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return self._result_of(self._stream(messages, stop, run_manager, **kwargs))
        from ... import completion

        params = self._call_kwargs(messages, stop, False, kwargs)
        return completion_to_result(completion(**params), params["model"])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            chunks = [c async for c in self._astream(messages, stop, run_manager, **kwargs)]
            return self._result_of(iter(chunks))
        from ... import acompletion

        params = self._call_kwargs(messages, stop, False, kwargs)
        return completion_to_result(await acompletion(**params), params["model"])

    @staticmethod
    def _result_of(chunks: Iterator[ChatGenerationChunk]) -> ChatResult:
        from langchain_core.language_models.chat_models import generate_from_stream

        return generate_from_stream(chunks)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        from ... import completion

        params = self._call_kwargs(messages, stop, True, kwargs)
        with completion(**params) as stream:
            state = _StreamState(answered_model(stream, params["model"]))
            for chunk in stream:
                generation = state.feed(chunk)
                if generation is not None:
                    if run_manager is not None:
                        run_manager.on_llm_new_token(generation.text, chunk=generation)
                    yield generation
        yield state.last()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        from ... import acompletion

        params = self._call_kwargs(messages, stop, True, kwargs)
        async with await acompletion(**params) as stream:
            state = _StreamState(answered_model(stream, params["model"]))
            async for chunk in stream:
                generation = state.feed(chunk)
                if generation is not None:
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(generation.text, chunk=generation)
                    yield generation
        yield state.last()

    # ------------------------------------------------------------------ token counts

    def get_num_tokens(self, text: str) -> int:
        """Tokens of ``text`` with modelmux's bundled tokenizers (LangChain's default downloads GPT-2's)."""
        from ... import token_counter

        return token_counter(self.model, text=text)

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Tokens of a conversation as the model sees it (OpenAI's accounting), tool schemas included."""
        import json

        from ... import token_counter

        total = token_counter(self.model, messages=convert_messages(messages))
        if tools:
            total += token_counter(self.model, text=json.dumps(convert_tools(tools)))
        return total

    # ------------------------------------------------------------------ tools and structured output

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (LangChain tools, functions, pydantic models, TypedDicts, JSON schemas or OpenAI tool dicts).

        ``tool_choice``: ``"auto"``, ``"none"``, ``"any"``/``"required"`` (call some tool), a tool's name, ``True``
        (the only tool), or an OpenAI ``tool_choice`` dict. ``strict`` asks for schema-exact arguments."""
        openai_tools = convert_tools(tools, strict=strict)
        choice = convert_tool_choice(tool_choice, openai_tools)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=openai_tools, **kwargs)

    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type | None = None,
        *,
        method: Method = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable answering with ``schema`` (see :mod:`.structured_output` for the methods)."""
        return structured_runnable(self, schema, method, include_raw, strict, kwargs)  # type: ignore[arg-type]
