"""modelmux answers (OpenAI format) → LangChain messages: ``ChatCompletion`` → ``ChatResult``, a stream's chunks →
``AIMessageChunk`` s, ``Usage`` → ``UsageMetadata``.

Tool calls become ``tool_calls`` (arguments parsed; malformed JSON → ``invalid_tool_calls``), stream deltas
``tool_call_chunks``; ``reasoning_content``, ``thinking_blocks`` and ``refusal`` go to ``additional_kwargs``;
``finish_reason``, ``model_name``, ``id`` and ``system_fingerprint`` to ``response_metadata``.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from ...types import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage, ChoiceDelta, Usage

__all__ = [
    "answered_model",
    "chunk_to_generation",
    "completion_to_result",
    "convert_usage",
    "final_chunk",
    "model_name",
]

_EXTRAS = ("reasoning_content", "thinking_blocks", "refusal")


def convert_usage(usage: Usage | None) -> UsageMetadata | None:
    """OpenAI usage → LangChain's: input/output/total, cache reads/writes and reasoning tokens in the details."""
    if usage is None:
        return None
    extra = usage.model_extra or {}
    inputs = InputTokenDetails()
    cached = usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None
    if cached:
        inputs["cache_read"] = cached
    written = extra.get("cache_creation_input_tokens")  # Anthropic-style cache writes (see anthropic/convert_usage)
    if isinstance(written, int) and written:
        inputs["cache_creation"] = written
    if usage.prompt_tokens_details and usage.prompt_tokens_details.audio_tokens:
        inputs["audio"] = usage.prompt_tokens_details.audio_tokens
    outputs = OutputTokenDetails()
    details = usage.completion_tokens_details
    if details and details.reasoning_tokens:
        outputs["reasoning"] = details.reasoning_tokens
    if details and details.audio_tokens:
        outputs["audio"] = details.audio_tokens
    metadata: dict[str, Any] = {
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    }
    if inputs:
        metadata["input_token_details"] = inputs
    if outputs:
        metadata["output_token_details"] = outputs
    return cast(UsageMetadata, metadata)


def _message_extras(message: ChatCompletionMessage | ChoiceDelta) -> dict[str, Any]:
    extras = {key: getattr(message, key, None) for key in _EXTRAS}  # thinking_blocks is an extra field
    return {k: v for k, v in extras.items() if v}


def model_name(answered: str, reported: str | None) -> str:
    """The ``model_name`` to report, in modelmux's ``provider/model`` form: the model that answered (after any
    fallback), with the provider's own fuller id when it names the same model (``openai/gpt-4o`` answered as
    ``gpt-4o-2024-08-06`` → ``openai/gpt-4o-2024-08-06``)."""
    provider, _, name = answered.rpartition("/")
    if provider and reported and reported.startswith(name):
        return f"{provider}/{reported}"
    return answered


def answered_model(result: object, requested: str) -> str:
    """The modelmux model that produced ``result`` (its ``_hidden_params``; fallbacks can change it)."""
    hidden = getattr(result, "_hidden_params", None)
    model = hidden.get("model") if isinstance(hidden, dict) else None
    return model if isinstance(model, str) and model else requested


def _message(completion: ChatCompletion, index: int, model: str) -> ChatGeneration:
    choice = completion.choices[index]
    message = choice.message
    tool_calls, invalid = [], []
    for call in message.tool_calls or ():
        if call.function is None:  # a custom (free-form) tool call: no JSON arguments to parse
            continue
        raw = {"id": call.id, "function": {"name": call.function.name, "arguments": call.function.arguments}}
        try:
            parsed = parse_tool_call(raw, return_id=True)
        except Exception as e:  # LangChain's OutputParserException: arguments that are not JSON
            invalid.append(make_invalid_tool_call(raw, str(e)))
        else:
            if parsed is not None:
                tool_calls.append(parsed)
    metadata = {
        "finish_reason": choice.finish_reason,
        "model_name": model,
        "id": completion.id or None,
        "system_fingerprint": completion.system_fingerprint,
    }
    ai = AIMessage(
        content=message.content or "",
        additional_kwargs=_message_extras(message),
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        response_metadata={k: v for k, v in metadata.items() if v is not None},
        id=completion.id or None,
        usage_metadata=convert_usage(completion.usage),
    )
    return ChatGeneration(message=ai, generation_info={"finish_reason": choice.finish_reason})


def completion_to_result(completion: ChatCompletion, requested: str) -> ChatResult:
    """A whole answer → one ``ChatGeneration`` per choice (``n``), usage on each message and in ``llm_output``."""
    model = model_name(answered_model(completion, requested), completion.model)
    generations = [_message(completion, i, model) for i in range(len(completion.choices))]
    llm_output: dict[str, Any] = {"model_name": model, "id": completion.id or None}
    if completion.usage is not None:
        llm_output["token_usage"] = completion.usage.model_dump(exclude_none=True)
    return ChatResult(generations=generations, llm_output=llm_output)


def chunk_to_generation(chunk: ChatCompletionChunk) -> tuple[ChatGenerationChunk | None, str | None]:
    """One stream chunk's first choice → a message chunk (``None`` when it carries nothing) and its finish reason.

    Usage, model name and finish reason are left to :func:`final_chunk`: LangChain adds chunks by concatenating
    strings, so a value repeated on every chunk would come out repeated."""
    if not chunk.choices:
        return None, None
    choice = chunk.choices[0]
    delta = choice.delta
    calls = [
        tool_call_chunk(
            name=call.function.name if call.function else None,
            args=call.function.arguments if call.function else None,
            id=call.id,
            index=call.index,
        )
        for call in delta.tool_calls or ()
    ]
    extras = _message_extras(delta)
    if not (delta.content or calls or extras):
        return None, choice.finish_reason
    message = AIMessageChunk(content=delta.content or "", additional_kwargs=extras, tool_call_chunks=calls)
    if chunk.id:
        message.id = chunk.id
    return ChatGenerationChunk(message=message), choice.finish_reason


def final_chunk(model: str, finish_reason: str | None, usage: Usage | None, id: str | None) -> ChatGenerationChunk:
    """The stream's last chunk (``chunk_position="last"``, so LangChain turns the tool-call chunks into
    ``tool_calls``): finish reason, model name and usage."""
    metadata: dict[str, Any] = {"model_name": model}
    if finish_reason is not None:
        metadata["finish_reason"] = finish_reason
    message = AIMessageChunk(
        content="",
        response_metadata=metadata,
        usage_metadata=convert_usage(usage),
        chunk_position="last",
    )
    if id:
        message.id = id
    return ChatGenerationChunk(message=message, generation_info={"finish_reason": finish_reason})
