"""Shared fakes for the text-completion server tests: a recording server and native answer builders."""

from __future__ import annotations

import json
from typing import Any

import httpx
from openai.types.chat import ChatCompletion as OpenAIChatCompletion
from openai.types.chat import ChatCompletionChunk as OpenAIChatCompletionChunk

import modelmux
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


def tgi_token(text: str, special: bool = False) -> dict[str, Any]:
    return {
        "index": 1,
        "token": {"id": 1, "text": text, "logprob": -0.1, "special": special},
        "generated_text": None,
        "details": None,
    }
