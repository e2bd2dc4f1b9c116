"""Each server kind end to end through ``completion()`` with an injected transport: the request it sends, its answer
streamed and not (the same result), usage, finish reasons, errors, and a cut-short stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openai.types.chat import ChatCompletion as OpenAIChatCompletion
from openai.types.chat import ChatCompletionChunk as OpenAIChatCompletionChunk

import modelmux
from modelmux import stream_chunk_builder
from modelmux.errors import (
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    RateLimitError,
    UnsupportedParamsError,
    UpstreamError,
)
from modelmux.types import ChatCompletion, ChatCompletionChunk

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
QWEN_PROMPT = (
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nCapital of France?<|im_end|>\n<|im_start|>assistant\n"
)
LLAMA_PROMPT = (  # no <|begin_of_text|>: the server adds the BOS itself
    "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
    "Capital of France?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
)


class Server:
    """A fake server: records requests, answers JSON or SSE events."""

    def __init__(self, answer: Any = None, events: list[str] | None = None, status: int = 200) -> None:
        self.answer, self.events, self.status = answer, events, status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.events is not None and self.status == 200:
            body = "".join(f"data: {e}\n\n" for e in self.events).encode()
            return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
        return httpx.Response(self.status, json=self.answer)

    @property
    def body(self) -> Any:
        return json.loads(self.requests[-1].content)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def call(model: str, server: Server, **kwargs: Any) -> ChatCompletion:
    result = modelmux.completion(
        model=model, messages=kwargs.pop("messages", MESSAGES), transport=server.transport, **kwargs
    )
    assert isinstance(result, ChatCompletion)
    OpenAIChatCompletion.model_validate(result.model_dump())
    return result


def stream(model: str, server: Server, **kwargs: Any) -> list[ChatCompletionChunk]:
    result = modelmux.completion(
        model=model, messages=kwargs.pop("messages", MESSAGES), transport=server.transport, stream=True, **kwargs
    )
    chunks = list(result)  # type: ignore[arg-type]
    for chunk in chunks:
        OpenAIChatCompletionChunk.model_validate(chunk.model_dump())
    return chunks


# --- OpenAI-style /v1/completions --------------------------------------------------------------------------


def openai_answer(text: str, finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "cmpl-42",
        "object": "text_completion",
        "created": 1,
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34},
    }


def openai_events(texts: list[str], finish: str = "stop", usage: bool = True) -> list[str]:
    base = {"id": "cmpl-42", "object": "text_completion", "created": 1, "model": "Qwen/Qwen2.5-7B-Instruct"}
    events = [json.dumps({**base, "choices": [{"index": 0, "text": t, "finish_reason": None}]}) for t in texts]
    events.append(json.dumps({**base, "choices": [{"index": 0, "text": "", "finish_reason": finish}]}))
    if usage:
        u = {"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34}
        events.append(json.dumps({**base, "choices": [], "usage": u}))
    return [*events, "[DONE]"]


def test_openai_completions_request_and_answer() -> None:
    server = Server(openai_answer("Paris."))
    result = call(
        "text-completion-openai/Qwen/Qwen2.5-7B-Instruct",
        server,
        api_base="http://vllm:8000/v1",
        api_key="sk-local",
        temperature=0.2,
        max_tokens=64,
        stop="###",
        seed=7,
    )
    request = server.requests[0]
    assert str(request.url) == "http://vllm:8000/v1/completions"
    assert request.headers["authorization"] == "Bearer sk-local"
    assert server.body == {
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "prompt": QWEN_PROMPT,
        "max_tokens": 64,
        "stop": ["###", "<|im_end|>", "<|endoftext|>"],
        "temperature": 0.2,
        "seed": 7,
    }
    message = result.choices[0].message
    assert message.content == "Paris."
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None and (result.usage.prompt_tokens, result.usage.completion_tokens) == (30, 4)
    assert result.id == "cmpl-42"


def test_openai_completions_max_tokens_null_when_unset() -> None:
    server = Server(openai_answer("Paris."))
    call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", server)
    assert server.body["max_tokens"] is None and "stream" not in server.body


def test_openai_completions_stream_equals_whole() -> None:
    model = "text-completion-openai/Qwen/Qwen2.5-7B-Instruct"
    server = Server(events=openai_events(["Par", "is", "."]))
    chunks = stream(model, server, stream_options={"include_usage": True})
    assert server.body["stream"] is True and server.body["stream_options"] == {"include_usage": True}
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 34
    assert [c.choices[0].finish_reason for c in chunks[:-1]].count("stop") == 1
    built = stream_chunk_builder(chunks)
    whole = call(model, Server(openai_answer("Paris.")))
    assert built.choices[0].message.content == whole.choices[0].message.content == "Paris."
    assert built.choices[0].finish_reason == whole.choices[0].finish_reason == "stop"


def test_openai_completions_stream_without_usage_chunk_unless_asked() -> None:
    chunks = stream("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(events=openai_events(["Hi"])))
    assert all(c.choices for c in chunks)


def test_length_finish_reason() -> None:
    result = call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(openai_answer("Par", "length")))
    assert (result.choices[0].finish_reason, result.choices[0].native_finish_reason) == ("length", "length")


# --- llama.cpp /completion ---------------------------------------------------------------------------------


def llamacpp_final(content: str = "", stop_type: str = "eos") -> dict[str, Any]:
    return {
        "content": content,
        "stop": True,
        "stop_type": stop_type,
        "stopping_word": "",
        "model": "llama-3.1-8b-instruct-q4_k_m.gguf",
        "tokens_evaluated": 25,
        "tokens_predicted": 6,
        "timings": {"prompt_n": 25, "predicted_n": 6, "cache_n": 3},
    }


def test_llamacpp_request_and_answer() -> None:
    server = Server(llamacpp_final("Paris is the capital."))
    result = call("llamacpp/Llama-3.1-8B-Instruct", server, max_tokens=32, top_k=40, temperature=0)
    assert str(server.requests[0].url) == "http://localhost:8080/completion"
    assert "authorization" not in server.requests[0].headers
    assert server.body == {
        "prompt": LLAMA_PROMPT,
        "stream": False,
        "n_predict": 32,
        "stop": ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"],
        "temperature": 0,
        "top_k": 40,
    }
    assert result.choices[0].message.content == "Paris is the capital."
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (25, 6, 31)
    assert result.usage.prompt_tokens_details is not None and result.usage.prompt_tokens_details.cached_tokens == 3


@pytest.mark.parametrize(
    ("native", "expected"),
    [({"stop_type": "limit"}, "length"), ({"stop_type": "word"}, "stop"), ({"stopped_limit": True}, "length")],
)
def test_llamacpp_finish_reasons(native: dict[str, Any], expected: str) -> None:
    answer = {**llamacpp_final("x"), **native}
    if "stop_type" not in native:
        del answer["stop_type"]
    result = call("llamacpp/m", Server(answer), chat_template="llama3")
    assert result.choices[0].finish_reason == expected


def test_llamacpp_stream_with_tool_call_equals_whole() -> None:
    text = '{"name": "get_weather", "parameters": {"city": "Paris"}}'
    pieces = ['{"name": "get_', 'weather", "parameters": ', '{"city": "Paris"}}']
    events = [json.dumps({"content": p, "stop": False}) for p in pieces]
    events.append(json.dumps(llamacpp_final()))
    model = "llamacpp/Llama-3.1-8B-Instruct"
    chunks = stream(model, Server(events=events), tools=TOOLS, stream_options={"include_usage": True})
    built = stream_chunk_builder(chunks)
    whole = call(model, Server(llamacpp_final(text)), tools=TOOLS)
    for result in (built, whole):
        choice = result.choices[0]
        assert choice.finish_reason == "tool_calls"
        assert choice.message.content is None
        assert choice.message.tool_calls is not None
        assert [(t.function.name, json.loads(t.function.arguments)) for t in choice.message.tool_calls] == [
            ("get_weather", {"city": "Paris"})
        ]
    deltas = [c.choices[0].delta for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(deltas) == 1 and deltas[0].tool_calls is not None and deltas[0].tool_calls[0].index == 0
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 6


def test_llamacpp_stream_cut_short_is_an_upstream_error() -> None:
    events = [json.dumps({"content": "Par", "stop": False})]
    with pytest.raises(UpstreamError, match="ended before"):
        stream("llamacpp/Llama-3.1-8B-Instruct", Server(events=events))


def test_llamacpp_stream_error_event() -> None:
    events = [json.dumps({"error": {"code": 500, "message": "slot unavailable", "type": "server_error"}})]
    with pytest.raises(InternalServerError, match="slot unavailable"):
        stream("llamacpp/Llama-3.1-8B-Instruct", Server(events=events))


def test_llamacpp_context_overflow() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "the request exceeds the available context size",
            "type": "exceed_context_size_error",
        }
    }
    with pytest.raises(ContextWindowExceededError):
        call("llamacpp/Llama-3.1-8B-Instruct", Server(body, status=400))


# --- Text Generation Inference /generate, /generate_stream --------------------------------------------------


def tgi_token(text: str, special: bool = False) -> dict[str, Any]:
    return {
        "index": 1,
        "token": {"id": 1, "text": text, "logprob": -0.1, "special": special},
        "generated_text": None,
        "details": None,
    }


def test_tgi_request_and_answer_strips_the_returned_stop_sequence() -> None:
    answer = {
        "generated_text": "Paris.<|im_end|>",
        "details": {"finish_reason": "stop_sequence", "generated_tokens": 3},
    }
    server = Server(answer)
    result = call(
        "tgi/Qwen/Qwen2.5-7B-Instruct",
        server,
        api_base="http://tgi:3000/",
        temperature=0,
        top_p=1.0,
        stop=["###", "END", "Q:"],
    )
    assert str(server.requests[0].url) == "http://tgi:3000/generate"
    assert server.body == {
        "inputs": QWEN_PROMPT,
        "parameters": {
            "details": True,
            "return_full_text": False,
            "stop": ["###", "END", "Q:", "<|im_end|>"],
            "do_sample": False,
        },
    }
    assert result.choices[0].message.content == "Paris."
    assert (result.choices[0].finish_reason, result.choices[0].native_finish_reason) == ("stop", "stop_sequence")
    assert result.usage is not None and result.usage.completion_tokens == 3


def test_tgi_sampling_and_native_parameters() -> None:
    answer = {"generated_text": "x", "details": {"finish_reason": "length", "generated_tokens": 1}}
    server = Server(answer)
    result = call(
        "tgi/Qwen/Qwen2.5-7B-Instruct", server, temperature=0.7, top_p=0.9, max_tokens=5, repetition_penalty=1.1
    )
    assert server.body["parameters"] == {
        "details": True,
        "return_full_text": False,
        "max_new_tokens": 5,
        "stop": ["<|im_end|>", "<|endoftext|>"],
        "temperature": 0.7,
        "do_sample": True,
        "top_p": 0.9,
        "repetition_penalty": 1.1,
    }
    assert result.choices[0].finish_reason == "length"


def test_tgi_stream_skips_special_tokens_and_equals_whole() -> None:
    model = "tgi/Qwen/Qwen2.5-7B-Instruct"
    final = {
        "index": 3,
        "token": {"id": 2, "text": "<|im_end|>", "logprob": 0, "special": True},
        "generated_text": "Paris.",
        "details": {"finish_reason": "eos_token", "generated_tokens": 3, "seed": None},
    }
    events = [json.dumps(tgi_token("Par")), json.dumps(tgi_token("is.")), json.dumps(final)]
    server = Server(events=events)
    chunks = stream(model, server)
    assert str(server.requests[0].url) == "http://localhost:8080/generate_stream"
    built = stream_chunk_builder(chunks)
    whole = call(
        model, Server({"generated_text": "Paris.", "details": {"finish_reason": "eos_token", "generated_tokens": 3}})
    )
    assert built.choices[0].message.content == whole.choices[0].message.content == "Paris."
    assert built.choices[0].finish_reason == whole.choices[0].finish_reason == "stop"


def test_tgi_stream_hermes_tool_call_buffered() -> None:
    model = "tgi/Qwen/Qwen2.5-7B-Instruct"
    texts = ["Sure.", "\n<tool", '_call>\n{"name": "get_weather", ', '"arguments": {"city": "Paris"}}\n</tool_call>']
    final = {
        "index": 9,
        "token": {"id": 2, "text": "", "special": True},
        "generated_text": "...",
        "details": {"finish_reason": "eos_token", "generated_tokens": 9},
    }
    chunks = stream(model, Server(events=[*(json.dumps(tgi_token(t)) for t in texts), json.dumps(final)]), tools=TOOLS)
    contents = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert "".join(contents) == "Sure."  # nothing of the markup leaked as text
    built = stream_chunk_builder(chunks)
    assert built.choices[0].finish_reason == "tool_calls"
    assert built.choices[0].message.tool_calls is not None
    assert json.loads(built.choices[0].message.tool_calls[0].function.arguments) == {"city": "Paris"}


def test_tgi_stream_cut_short_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError):
        stream("tgi/Qwen/Qwen2.5-7B-Instruct", Server(events=[json.dumps(tgi_token("Par"))]))


def test_tgi_errors() -> None:
    with pytest.raises(RateLimitError, match="Model is overloaded"):
        call(
            "tgi/Qwen/Qwen2.5-7B-Instruct",
            Server({"error": "Model is overloaded", "error_type": "overloaded"}, status=429),
        )
    body = {
        "error": "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000",
        "error_type": "validation",
    }
    with pytest.raises(ContextWindowExceededError) as info:
        call("tgi/Qwen/Qwen2.5-7B-Instruct", Server(body, status=422))
    assert info.value.native_type == "validation"
    events = [json.dumps({"error": "CUDA out of memory", "error_type": "generation"})]
    with pytest.raises(InternalServerError, match="CUDA"):
        stream("tgi/Qwen/Qwen2.5-7B-Instruct", Server(events=events))


# --- across kinds ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["text-completion-openai/x", "llamacpp/x", "tgi/x"])
def test_chat_template_argument_and_kwargs(model: str) -> None:
    server = Server(
        {"content": "ok", "stop": True}
        if "llamacpp" in model
        else {"generated_text": "ok"}
        if "tgi" in model
        else openai_answer("ok")
    )
    call(
        model,
        server,
        chat_template="{{ greeting }} {{ messages[-1].content }}",
        chat_template_kwargs={"greeting": "Hey"},
    )
    prompt = server.body.get("prompt") or server.body.get("inputs")
    assert prompt == "Hey Capital of France?"
    assert "chat_template" not in json.dumps(server.body)


def test_unknown_model_without_template_is_refused_before_sending() -> None:
    server = Server(openai_answer("x"))
    with pytest.raises(BadRequestError, match="chat_template"):
        call("text-completion-openai/my-finetune", server)
    assert server.requests == []


def test_tools_on_a_template_without_tool_syntax_are_unsupported() -> None:
    with pytest.raises(UnsupportedParamsError):
        call("llamacpp/x", Server(llamacpp_final("x")), chat_template="gemma", tools=TOOLS)
    server = Server(llamacpp_final("x"))
    with pytest.warns(Warning):
        call("llamacpp/x", server, chat_template="gemma", tools=TOOLS, drop_params=True)
    assert "tools" not in server.body["prompt"]


def test_forced_tool_choice_and_images_are_unsupported() -> None:
    with pytest.raises(UnsupportedParamsError):
        call("llamacpp/x", Server(llamacpp_final()), chat_template="qwen2.5", tools=TOOLS, tool_choice="required")
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]
    with pytest.raises(UnsupportedParamsError):
        call("llamacpp/x", Server(llamacpp_final()), chat_template="qwen2.5", messages=image)


def test_tool_choice_none_renders_no_tools() -> None:
    server = Server(llamacpp_final('<tool_call>{"name": "f", "arguments": {}}</tool_call>'))
    result = call("llamacpp/x", server, chat_template="qwen2.5", tools=TOOLS, tool_choice="none")
    assert "<tools>" not in server.body["prompt"]
    assert result.choices[0].message.tool_calls is None


def test_tool_results_go_back_into_the_prompt() -> None:
    messages = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "21C"},
    ]
    server = Server(llamacpp_final("Warm."))
    call("llamacpp/x", server, chat_template="qwen2.5", tools=TOOLS, messages=messages)
    assert (
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n'
        in server.body["prompt"]
    )
    assert (
        "<|im_start|>user\n<tool_response>\n21C\n</tool_response><|im_end|>\n<|im_start|>assistant\n"
        in server.body["prompt"]
    )


def test_deepseek_reasoning_is_separated() -> None:
    server = Server(openai_answer("<think>\nEasy.\n</think>\n\nParis."))
    result = call("text-completion-openai/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", server)
    assert result.choices[0].message.content == "Paris."
    assert result.choices[0].message.reasoning_content == "Easy.\n"


def test_garbage_answer_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError):
        call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server({"choices": []}))
    with pytest.raises(UpstreamError):
        call("llamacpp/Llama-3.1-8B-Instruct", Server({"unexpected": True}))


def test_key_never_appears_in_errors() -> None:
    body = {"error": {"message": "bad key sk-secret-123456", "type": "authentication_error"}}
    with pytest.raises(modelmux.errors.AuthenticationError) as info:
        call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(body, status=401), api_key="sk-secret-123456")
    assert "sk-secret-123456" not in str(info.value) and "sk-secret-123456" not in json.dumps(info.value.body)


@pytest.fixture(autouse=True)
def _no_env_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "TEXT_COMPLETION_OPENAI_API_KEY",
        "LLAMACPP_API_KEY",
        "TGI_API_KEY",
        "TGI_API_BASE",
        "LLAMACPP_API_BASE",
        "TEXT_COMPLETION_OPENAI_API_BASE",
    ):
        monkeypatch.delenv(name, raising=False)
    yield


def test_async_stream_and_answer() -> None:
    import asyncio

    events = [json.dumps({"content": "Par", "stop": False}), json.dumps(llamacpp_final("is"))]

    async def go() -> tuple[str, str | None]:
        server = Server(events=events)
        chunks = [
            c
            async for c in await modelmux.acompletion(  # type: ignore[union-attr]
                model="llamacpp/Llama-3.1-8B-Instruct", messages=MESSAGES, transport=server.transport, stream=True
            )
        ]
        whole = await modelmux.acompletion(
            model="llamacpp/Llama-3.1-8B-Instruct",
            messages=MESSAGES,
            transport=Server(llamacpp_final("Paris")).transport,
        )
        assert isinstance(whole, ChatCompletion)
        return stream_chunk_builder(chunks).choices[0].message.content or "", whole.choices[0].message.content

    streamed, whole = asyncio.run(go())
    assert streamed == whole == "Paris"


def test_stop_strings_are_bounded() -> None:
    server = Server(llamacpp_final("x"))
    with pytest.raises(BadRequestError, match="stop"):
        call("llamacpp/Llama-3.1-8B-Instruct", server, stop=["x" * 1001])
    with pytest.raises(BadRequestError, match="stop"):
        call("llamacpp/Llama-3.1-8B-Instruct", server, stop=[f"s{i}" for i in range(17)])
    assert server.requests == []


def test_openai_completions_stream_cut_short_and_error_event() -> None:
    model = "text-completion-openai/Qwen/Qwen2.5-7B-Instruct"
    with pytest.raises(UpstreamError, match="ended before"):
        stream(model, Server(events=openai_events(["Par"])[:1]))
    error = {"object": "error", "message": "prompt too long", "type": "BadRequestError", "code": 400}
    with pytest.raises(BadRequestError, match="prompt too long"):
        stream(model, Server(events=[json.dumps(error)]))


def test_openai_completions_done_marker_without_finish_reason_closes_the_stream() -> None:
    events = openai_events(["Paris."], usage=False)
    events.pop(-2)  # the chunk with the finish_reason
    chunks = stream("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", Server(events=events))
    built = stream_chunk_builder(chunks)
    assert (built.choices[0].message.content, built.choices[0].finish_reason) == ("Paris.", "stop")


def test_openai_completions_shapes_match_the_official_sdk() -> None:
    """The request uses only fields of openai's ``CompletionCreateParams``; the fixtures are valid ``Completion``s."""
    from openai.types import Completion
    from openai.types.completion_create_params import CompletionCreateParamsBase

    server = Server(openai_answer("x"))
    call(
        "text-completion-openai/Qwen/Qwen2.5-7B-Instruct",
        server,
        temperature=0.5,
        top_p=0.9,
        seed=1,
        presence_penalty=0.1,
        frequency_penalty=0.1,
        user="u",
        stop=["###"],
        max_tokens=5,
    )
    assert set(server.body) <= set(CompletionCreateParamsBase.__annotations__)
    Completion.model_validate(openai_answer("x"))


def test_tgi_parameters_match_huggingface_hub_types() -> None:
    """TGI's request parameters as huggingface_hub (installed with transformers) describes them."""
    import dataclasses

    from huggingface_hub import TextGenerationInputGenerateParameters

    known = {f.name for f in dataclasses.fields(TextGenerationInputGenerateParameters)}
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    server = Server({"generated_text": "{}", "details": {"finish_reason": "eos_token", "generated_tokens": 1}})
    call(
        "tgi/Qwen/Qwen2.5-7B-Instruct",
        server,
        temperature=0.3,
        top_p=0.5,
        seed=3,
        frequency_penalty=0.2,
        max_tokens=9,
        stop="###",
        response_format=schema,
        top_k=5,
    )
    assert set(server.body) == {"inputs", "parameters"}
    assert set(server.body["parameters"]) <= known
    assert server.body["parameters"]["grammar"] == {"type": "json", "value": {"type": "object"}}
    from modelmux.providers.text_completion import tgi

    assert tgi.native_params <= known


def test_response_format_per_server_kind() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "c", "schema": schema}}
    server = Server(llamacpp_final("{}"))
    call("llamacpp/Llama-3.1-8B-Instruct", server, response_format=fmt)
    assert server.body["json_schema"] == schema
    call("llamacpp/Llama-3.1-8B-Instruct", server, response_format={"type": "json_object"})
    assert server.body["json_schema"] == {"type": "object"}
    server = Server(openai_answer("{}"))
    call("text-completion-openai/Qwen/Qwen2.5-7B-Instruct", server, response_format=fmt)
    assert server.body["response_format"] == fmt
