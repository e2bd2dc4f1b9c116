"""A fake Azure OpenAI resource, as the Azure docs describe it, served through an injected httpx transport.

https://learn.microsoft.com/azure/ai-foundry/openai/reference (routes, ``api-version``, ``api-key`` and Entra ID
auth), .../api-version-lifecycle (the v1 route: no version, the deployment in ``model``), .../concepts/content-filter
(``prompt_filter_results``, ``content_filter_results``, the 400 ``content_filter`` error and the streamed
annotations), .../quotas-limits (429 with ``retry-after`` and ``x-ms-retry-after-ms``).

Prompts steer it: ``FORBIDDEN`` → the prompt is filtered (400); ``THROTTLE`` → 429; ``FILTER_OUTPUT`` → the
completion is cut by the output filter (``finish_reason: content_filter``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

KEY = "azure-key-0123456789abcdef"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.entra-token-value"
DEPLOYMENTS = {"prod-chat": "gpt-4o-2024-08-06", "embed": "text-embedding-3-small", "img": "dall-e-3", "stt": "whisper"}
_DEPLOYMENT_ROUTE = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)(?P<operation>/.+)$")
_V1_ROUTE = re.compile(r"^/openai/v1(?P<operation>/.+)$")
SAFE = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": False, "severity": "safe"},
}
VIOLENT = {**SAFE, "violence": {"filtered": True, "severity": "high"}}


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


class FakeAzure:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("api-key") != KEY and request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(
                401,
                "401",
                "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid "
                "key for an active subscription and use a correct regional API endpoint for your resource.",
            )
        path = request.url.path
        version = request.url.params.get("api-version")
        routed = _DEPLOYMENT_ROUTE.match(path)
        if routed:
            if not version:
                return _error(404, "404", "Resource not found")
            deployment, operation = routed["deployment"], routed["operation"]
        else:
            v1 = _V1_ROUTE.match(path)
            if v1 is None:
                return _error(404, "404", "Resource not found")
            operation = v1["operation"]
            deployment = self._model(request)
        if deployment not in DEPLOYMENTS:
            return _error(
                404,
                "DeploymentNotFound",
                "The API deployment for this resource does not exist. If you created the deployment within the last "
                "5 minutes, please wait a moment and try again.",
            )
        model = DEPLOYMENTS[deployment]
        handler = {
            "/chat/completions": self._chat,
            "/embeddings": self._embeddings,
            "/images/generations": self._images,
            "/audio/transcriptions": self._transcription,
        }.get(operation)
        if handler is None:
            return _error(404, "404", "Resource not found")
        return handler(request, model)

    @staticmethod
    def _model(request: httpx.Request) -> str:
        if request.headers.get("content-type", "").startswith("multipart/"):
            match = re.search(rb'name="model"\r\n\r\n([^\r]+)', request.content)
            return match.group(1).decode() if match else ""
        return str(json.loads(request.content).get("model", ""))

    def _chat(self, request: httpx.Request, model: str) -> httpx.Response:
        body = json.loads(request.content)
        prompt = json.dumps(body["messages"])
        if "FORBIDDEN" in prompt:
            return httpx.Response(
                400,
                json={
                    "error": {
                        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content "
                        "management policy. Please modify your prompt and retry.",
                        "type": None,
                        "param": "prompt",
                        "code": "content_filter",
                        "status": 400,
                        "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": VIOLENT},
                    }
                },
                headers={"apim-request-id": "apim-123"},
            )
        if "THROTTLE" in prompt:
            return httpx.Response(
                429,
                json={
                    "error": {
                        "code": "429",
                        "message": "Requests to the ChatCompletions_Create Operation under Azure OpenAI API have "
                        "exceeded token rate limit of your current pricing tier. Please retry after 4 seconds.",
                    }
                },
                headers={"retry-after": "4", "x-ms-retry-after-ms": "3500", "x-ratelimit-remaining-tokens": "0"},
            )
        filtered = "FILTER_OUTPUT" in prompt
        text = "The answer" if filtered else "Hello from Azure."
        finish = "content_filter" if filtered else "stop"
        output_filter = VIOLENT if filtered else SAFE
        if body.get("stream"):
            return self._chat_stream(model, text, finish, output_filter, body)
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-az1",
                "object": "chat.completion",
                "created": 1_760_000_000,
                "model": model,
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": SAFE}],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": finish,
                        "message": {"role": "assistant", "content": text},
                        "content_filter_results": output_filter,
                    }
                ],
                "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
                "system_fingerprint": "fp_azure",
            },
            headers={"apim-request-id": "apim-ok", "x-request-id": "req-ok"},
        )

    @staticmethod
    def _chat_stream(model: str, text: str, finish: str, output_filter: Any, body: Any) -> httpx.Response:
        base = {"id": "chatcmpl-az2", "object": "chat.completion.chunk", "created": 1_760_000_000, "model": model}
        events: list[Any] = [
            # Azure's first event: prompt annotations only, with empty object/id/model.
            {
                "choices": [],
                "created": 0,
                "id": "",
                "model": "",
                "object": "",
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": SAFE}],
            },
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
        ]
        for word in text.split(" "):
            events.append({**base, "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]})
        events.append(
            {
                **base,
                "choices": [
                    {"index": 0, "delta": {}, "finish_reason": finish, "content_filter_results": output_filter}
                ],
            }
        )
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append(
                {**base, "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}}
            )
        payload = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return httpx.Response(200, content=payload.encode(), headers={"content-type": "text/event-stream"})

    @staticmethod
    def _embeddings(request: httpx.Request, model: str) -> httpx.Response:
        body = json.loads(request.content)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, float(i)]} for i, _ in enumerate(inputs)]
        return httpx.Response(
            200,
            json={"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 5, "total_tokens": 5}},
        )

    @staticmethod
    def _images(request: httpx.Request, model: str) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json={
                "created": 1_760_000_000,
                "data": [
                    {
                        "url": "https://dalleprodsec.blob.core.windows.net/private/images/x.png",
                        "revised_prompt": "A " + body["prompt"],
                        "content_filter_results": SAFE,
                        "prompt_filter_results": SAFE,
                    }
                ],
            },
        )

    @staticmethod
    def _transcription(request: httpx.Request, model: str) -> httpx.Response:
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        return httpx.Response(200, json={"text": "hello from the audio"})
