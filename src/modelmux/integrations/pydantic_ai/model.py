"""``ModelmuxModel``: a pydantic-ai ``Model`` over ``modelmux.acompletion()`` — every provider modelmux speaks.

>>> from pydantic_ai import Agent
>>> from modelmux.integrations.pydantic_ai import ModelmuxModel
>>> agent = Agent(ModelmuxModel("anthropic/claude-sonnet-4-20250514"))
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse, check_allow_model_requests
from pydantic_ai.models._tool_choice import resolve_tool_choice
from pydantic_ai.profiles import ModelProfile, ModelProfileSpec
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import RunContext, ToolDefinition
from pydantic_ai.usage import RequestUsage

from ..._url_secrets import scrub_url
from .map_error import mapped_errors
from .map_messages import map_messages
from .map_response import map_response
from .stream import ModelmuxStreamedResponse

__all__ = ["ModelmuxModel"]

#: ``ModelSettings`` keys → ``modelmux.acompletion`` keywords (the same meaning; OpenAI names).
SETTINGS = {
    "max_tokens": "max_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "timeout": "timeout",
    "max_retries": "num_retries",
    "parallel_tool_calls": "parallel_tool_calls",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "logit_bias": "logit_bias",
    "stop_sequences": "stop",
    "extra_headers": "extra_headers",
    "extra_body": "extra_body",
    "top_k": "top_k",  # a provider's own option (Anthropic, Gemini...): modelmux says clearly where it has none
}
#: pydantic-ai's unified ``thinking`` → OpenAI's ``reasoning_effort`` (modelmux maps it to each provider's
#: thinking budget). ``True`` is the provider's default effort; ``False`` sends nothing.
EFFORTS = {"minimal": "minimal", "low": "low", "medium": "medium", "high": "high", "xhigh": "high", "max": "high"}

#: What modelmux offers on every provider: tools, JSON-schema output (mapped to each provider's native structured
#: output), JSON mode, and thinking (``reasoning_effort``: a model without it fails clearly with modelmux's
#: ``UnsupportedParamsError``, or drops it with ``drop_params=True``). Structured output defaults to output tools
#: (pydantic-ai's default, the most portable).
PROFILE = ModelProfile(
    supports_tools=True, supports_json_schema_output=True, supports_json_object_output=True, supports_thinking=True
)


def _tool(tool: ToolDefinition) -> dict[str, Any]:
    function: dict[str, Any] = {
        "name": tool.name,
        "description": tool.description or "",
        "parameters": tool.parameters_json_schema,
    }
    if tool.strict:
        function["strict"] = True
    return {"type": "function", "function": function}


class ModelmuxModel(Model):
    """A pydantic-ai model for ``"provider/model"`` (``"openai/gpt-4o"``, ``"anthropic/claude-..."``,
    ``"mock/agent"``...), sent through ``modelmux.acompletion()``.

    Args:
        model: the modelmux model string.
        api_key: the provider's key (default: the provider's usual environment variable); never shown in repr.
        api_base: another endpoint for the provider.
        transport: an ``httpx.AsyncBaseTransport`` for every call (tests, proxies).
        settings: default ``ModelSettings``; profile: a pydantic-ai profile over modelmux's (``PROFILE``).
        **options: other ``modelmux.acompletion`` keywords sent with every call (a provider's own options such as
            ``aws_region_name``, ``drop_params``, or the mock's ``mock_script``).
    """

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        api_base: str | None = None,
        transport: Any = None,
        settings: ModelSettings | None = None,
        profile: ModelProfileSpec | None = None,
        **options: Any,
    ) -> None:
        super().__init__(settings=settings, profile=profile)
        self._model = model
        self._api_key = api_key
        self._api_base = api_base
        self._transport = transport
        self._options = options

    def __repr__(self) -> str:
        return f"ModelmuxModel({self._model!r})"  # never the key

    @property
    def model_name(self) -> str:
        return self._model

    @property
    def system(self) -> str:
        """The provider part of the model string (``"anthropic"``), as pydantic-ai names the system."""
        return self._model.split("/", 1)[0] if "/" in self._model else "modelmux"

    @property
    def base_url(self) -> str | None:
        """The endpoint without the credentials it may carry (pydantic-ai's instrumentation records it)."""
        return None if self._api_base is None else scrub_url(self._api_base)

    def _provider_model_profile(self) -> ModelProfile:
        return PROFILE

    def _check_allowed(self) -> None:
        """pydantic-ai's ``ALLOW_MODEL_REQUESTS = False`` (set in test suites) blocks real providers; the offline
        ``mock`` sends nothing, so it stays allowed."""
        if self.system != "mock":
            check_allow_model_requests()

    # ------------------------------------------------------------------ the request

    def _call_kwargs(
        self,
        messages: list[ModelMessage],
        settings: ModelSettings | None,
        params: ModelRequestParameters,
        stream: bool,
    ) -> dict[str, Any]:
        instructions = [p.content for p in self._get_instruction_parts(messages, params) or ()]
        kwargs: dict[str, Any] = {**self._options}
        given: Mapping[str, Any] = settings or {}
        for key, name in SETTINGS.items():
            if given.get(key) is not None:
                kwargs[name] = given[key]
        tools = self._tools(settings, params)
        if not tools:
            kwargs.pop("parallel_tool_calls", None)  # OpenAI rejects it without tools
        kwargs.update(tools)
        if params.output_mode == "native" and params.output_object is not None:
            kwargs["response_format"] = self._json_schema(params)
        elif params.output_mode == "prompted":
            kwargs["response_format"] = {"type": "json_object"}
        effort = self._effort(params)
        if effort is not None:
            kwargs["reasoning_effort"] = effort
        if self._api_key is not None:
            kwargs["api_key"] = self._api_key
        if self._api_base is not None:
            kwargs["api_base"] = self._api_base
        if self._transport is not None:
            kwargs["transport"] = self._transport
        if stream:
            kwargs["stream"] = True
            kwargs["stream_options"] = {"include_usage": True}
        kwargs["messages"] = map_messages(messages, instructions)
        return kwargs

    @staticmethod
    def _tools(settings: ModelSettings | None, params: ModelRequestParameters) -> dict[str, Any]:
        """Function and output tools, and ``tool_choice`` as pydantic-ai resolves it (output tools only, or
        ``allow_text_output=False`` → a tool call is required)."""
        tools = params.declared_tool_defs
        if not tools:
            return {}
        resolved = resolve_tool_choice(settings, params)
        choice: Any
        if isinstance(resolved, tuple):
            mode, names = resolved
            tools = {name: tool for name, tool in tools.items() if name in names}
            choice = (
                {"type": "function", "function": {"name": next(iter(names))}}
                if mode == "required" and len(names) == 1
                else mode
            )
        else:
            choice = resolved
        if not tools:
            return {}
        return {"tools": [_tool(t) for t in tools.values()], "tool_choice": choice}

    @staticmethod
    def _json_schema(params: ModelRequestParameters) -> dict[str, Any]:
        output = params.output_object
        assert output is not None
        spec: dict[str, Any] = {"name": output.name or "final_result", "schema": output.json_schema}
        if output.description:
            spec["description"] = output.description
        if output.strict is not None:
            spec["strict"] = output.strict
        return {"type": "json_schema", "json_schema": spec}

    @staticmethod
    def _effort(params: ModelRequestParameters) -> str | None:
        thinking = params.thinking
        if thinking is None or thinking is False:
            return None
        return "medium" if thinking is True else EFFORTS.get(thinking, "medium")

    async def count_tokens(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> RequestUsage:
        """The request's input tokens counted locally with modelmux's bundled tokenizers (OpenAI's accounting;
        an estimate for other providers' tokenizers), tool schemas included: for ``UsageLimits``'
        ``count_tokens_before_request``. Nothing is sent."""
        import json

        from ... import token_counter

        settings, params = self.prepare_request(model_settings, model_request_parameters)
        kwargs = self._call_kwargs(messages, settings, params, False)
        total = token_counter(self._model, messages=kwargs["messages"])
        if kwargs.get("tools"):
            total += token_counter(self._model, text=json.dumps(kwargs["tools"]))
        return RequestUsage(input_tokens=total)

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        from ... import acompletion

        self._check_allowed()
        settings, params = self.prepare_request(model_settings, model_request_parameters)
        with mapped_errors(self._model):
            completion = await acompletion(self._model, **self._call_kwargs(messages, settings, params, False))
        return map_response(completion, self._model, self.system)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: RunContext[Any] | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        from ... import acompletion

        self._check_allowed()
        settings, params = self.prepare_request(model_settings, model_request_parameters)
        with mapped_errors(self._model):
            stream = await acompletion(self._model, **self._call_kwargs(messages, settings, params, True))
        async with stream:
            yield ModelmuxStreamedResponse(
                model_request_parameters=params,
                _model_name=self._model,
                _provider_name=self.system,
                _provider_url=self.base_url,
                _stream=stream,
            )
