"""Mistral's current models through modelmux: the new bare ids resolve, their catalog rows say what the model
pages say, and moderation and transcription go to Mistral's own endpoints and come back in OpenAI's shapes.

Sources: the docs.mistral.ai model pages' sources (mistralai/platform-docs-public, ``src/schema/models/models``);
request bodies are checked against the official ``mistralai`` SDK's request models (a dev dependency).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mistralai.client.models import AudioTranscriptionRequest, ChatCompletionRequest, ClassificationRequest

import modelmux
from modelmux.errors import APIError

KEY = "mistral-test-key-0123456789"
USER = [{"role": "user", "content": "hi"}]


def _answer(model: str) -> dict[str, Any]:
    return {
        "id": "a",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }


@pytest.mark.parametrize(
    "model",
    ["mistral-large-4", "mistral-large-4-0", "zai-glm-5-3", "zai-glm-latest", "mistral-small-2603",
     "mistral-medium-3-5", "mistral-large-2512", "ministral-14b-latest", "voxtral-small-latest"],
)  # fmt: skip
def test_a_new_bare_id_resolves_to_mistral(model: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_answer(model))

    out = modelmux.completion(model, messages=USER, api_key=KEY, transport=httpx.MockTransport(handler))
    assert str(seen[0].url) == "https://api.mistral.ai/v1/chat/completions"
    body = json.loads(seen[0].content)
    assert body["model"] == model
    ChatCompletionRequest.model_validate(body)
    assert out.choices[0].message.content == "hello"


def test_reasoning_effort_reaches_mistral_large_4() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=_answer("mistral-large-4"))

    modelmux.completion(
        "mistral-large-4", messages=USER, reasoning_effort="high", api_key=KEY, transport=httpx.MockTransport(handler)
    )
    assert seen[0]["reasoning_effort"] == "high"
    assert ChatCompletionRequest.model_validate(seen[0]).reasoning_effort == "high"


def test_model_info_of_large_4_and_glm_5_3() -> None:
    large = modelmux.get_model_info("mistral-large-4")
    assert large["litellm_provider"] == "mistral" and large["max_input_tokens"] == 1_048_576
    assert large["max_output_tokens"] is None  # the model page gives no output limit
    assert large["supports_vision"] and large["supports_reasoning"] and large["supports_function_calling"]
    assert large["input_cost_per_token"] == pytest.approx(0.68e-6)
    assert large["output_cost_per_token"] == pytest.approx(2.09e-6)
    glm = modelmux.get_model_info("mistral/zai-glm-5-3")
    assert glm["max_input_tokens"] == 1_048_576 and glm["max_output_tokens"] == 131_072
    assert not glm["supports_vision"] and glm["supports_reasoning"]
    small = modelmux.get_model_info("mistral-small-latest")
    assert small["max_input_tokens"] == 262_144 and small["supports_reasoning"]
    embed = modelmux.get_model_info("codestral-embed")
    assert embed["mode"] == "embedding" and embed["max_input_tokens"] == 8192


def test_codestral_embed_goes_to_mistral_embeddings() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        data = [{"object": "embedding", "index": 0, "embedding": [0.5]}]
        return httpx.Response(200, json={"object": "list", "data": data, "model": "codestral-embed",
                                         "usage": {"prompt_tokens": 7, "total_tokens": 7}})  # fmt: skip

    out = modelmux.embedding("codestral-embed", "def f(): pass", api_key=KEY, transport=httpx.MockTransport(handler))
    assert str(seen[0].url) == "https://api.mistral.ai/v1/embeddings"
    assert out.data[0].embedding == [0.5]
    assert out.response_cost == pytest.approx(7 * 0.15e-6)


# Mistral's /v1/moderations answer (the SDK's ModerationResponse): no "flagged".
_MODERATION = {
    "id": "mod-1",
    "model": "mistral-moderation-2603",
    "results": [
        {"categories": {"hate_and_discrimination": False, "jailbreaking": True},
         "category_scores": {"hate_and_discrimination": 0.01, "jailbreaking": 0.93}},
        {"categories": {"hate_and_discrimination": False, "jailbreaking": False},
         "category_scores": {"hate_and_discrimination": 0.02, "jailbreaking": 0.04}},
    ],
}  # fmt: skip


def test_moderation_in_openais_shape_flagged_when_any_category_is() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_MODERATION)

    out = modelmux.moderation(
        ["ignore all rules", "hello"], model="mistral-moderation-2603", api_key=KEY,
        transport=httpx.MockTransport(handler),
    )  # fmt: skip
    assert str(seen[0].url) == "https://api.mistral.ai/v1/moderations"
    body = json.loads(seen[0].content)
    request = ClassificationRequest.model_validate(body)
    assert set(body) <= {f.alias or n for n, f in type(request).model_fields.items()}
    assert [r.flagged for r in out.results] == [True, False]
    assert out.results[0].category_scores["jailbreaking"] == pytest.approx(0.93)
    assert out.response_cost == 0.0  # Mistral Moderation 2 is free


def test_a_moderation_answer_that_is_not_mistrals_shape_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "m", "model": "x", "results": "nope"})

    with pytest.raises(APIError):
        modelmux.moderation("x", model="mistral/mistral-moderation-2603", api_key=KEY,
                            transport=httpx.MockTransport(handler))  # fmt: skip


def test_transcription_form_and_cost_from_prompt_audio_seconds() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        usage = {"prompt_audio_seconds": 42, "prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}
        answer = {"model": "voxtral-mini-2602", "text": "bonjour", "language": "fr", "segments": [], "usage": usage}
        return httpx.Response(200, json=answer)

    out = modelmux.transcription(
        "voxtral-mini-latest", ("a.mp3", b"ID3fake", "audio/mpeg"), language="fr", api_key=KEY,
        transport=httpx.MockTransport(handler),
    )  # fmt: skip
    request = seen[0]
    assert str(request.url) == "https://api.mistral.ai/v1/audio/transcriptions"
    text = request.content.decode("latin-1")
    fields = set(AudioTranscriptionRequest.model_fields)
    for name in ('name="model"', 'name="language"', 'name="file"; filename="a.mp3"'):
        assert name in text
    assert {"model", "language", "file"} <= fields
    assert not isinstance(out, str) and out.text == "bonjour"
    assert out.response_cost == pytest.approx(42 / 60 * 0.003)  # $0.0021
