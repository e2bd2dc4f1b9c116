"""``mock_response`` for every operation, and mock errors that carry provider and model."""

from __future__ import annotations

import base64

import pytest

import modelmux

AUDIO = ("talk.mp3", b"ID3 fake audio", "audio/mpeg")


def test_embedding_mock_response_one_vector_or_one_per_input() -> None:
    out = modelmux.embedding("mock/embedding", ["a", "b"], mock_response=[0.5, 0.25])
    assert [d.embedding for d in out.data] == [[0.5, 0.25], [0.5, 0.25]]
    each = modelmux.embedding("mock/embedding", ["a", "b"], mock_response=[[1.0], [2.0]])
    assert [d.embedding for d in each.data] == [[1.0], [2.0]]
    with pytest.raises(modelmux.BadRequestError):
        modelmux.embedding("mock/embedding", ["a", "b"], mock_response=[[1.0]])


def test_image_mock_response_url_base64_or_bytes() -> None:
    assert modelmux.image_generation("mock/image", "x", mock_response="https://img.example/1.png").data[0].url == (
        "https://img.example/1.png"
    )
    raw = modelmux.image_generation("mock/image", "x", mock_response=b"\x89PNG fake").data[0].b64_json
    assert base64.b64decode(raw or "") == b"\x89PNG fake"


def test_transcription_and_moderation_mock_response() -> None:
    text = modelmux.transcription("mock/transcription", AUDIO, mock_response="Scripted words.", response_format="text")
    assert text == "Scripted words."
    srt = modelmux.transcription("mock/transcription", AUDIO, mock_response="Hi there.", response_format="srt")
    assert isinstance(srt, str) and "Hi there." in srt
    verdict = modelmux.moderation("a kind sentence", model="mock/moderation", mock_response=["violence"])
    assert verdict.results[0].flagged and verdict.results[0].categories["violence"]


def test_a_whole_response_dict_is_returned_as_given() -> None:
    body = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [1.0]}], "model": "m"}
    body["usage"] = {"prompt_tokens": 1, "total_tokens": 1}
    assert modelmux.embedding("mock/embedding", "x", mock_response=body).model == "m"


@pytest.mark.parametrize(
    "call",
    [
        lambda **kw: modelmux.embedding("mock/error-503", "x", **kw),
        lambda **kw: modelmux.image_generation("mock/error-503", "x", **kw),
        lambda **kw: modelmux.moderation("x", model="mock/error-503", **kw),
        lambda **kw: modelmux.transcription("mock/error-503", AUDIO, **kw),
        lambda **kw: modelmux.completion("mock/error-503", [{"role": "user", "content": "x"}], **kw),
    ],
)
def test_errors_carry_provider_model_and_status_on_every_operation(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(modelmux.ServiceUnavailableError) as info:
        call()
    assert (info.value.provider, info.value.model, info.value.status_code) == ("mock", "error-503", 503)
    with pytest.raises(modelmux.RateLimitError) as given:
        call(mock_response=modelmux.RateLimitError("slow down"))
    assert (given.value.provider, given.value.model) == ("mock", "error-503")


def test_mock_response_answers_offline_on_any_model_for_every_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # no key, no network: the mock answers
    vector = modelmux.embedding("openai/text-embedding-3-small", "x", mock_response=[0.5]).data[0].embedding
    assert vector == [0.5]
    image = modelmux.image_generation("openai/gpt-image-1", "x", mock_response="https://i.example/a.png")
    assert image.data[0].url == "https://i.example/a.png"
    text = modelmux.transcription("openai/whisper-1", AUDIO, response_format="text", mock_response="words")
    assert text == "words"
    assert modelmux.moderation("x", model="openai/omni-moderation-latest", mock_response="hate").results[0].flagged


@pytest.mark.parametrize("calls", [[{"arguments": {}}], ["f"], {"name": "f"}])
def test_malformed_mock_tool_calls_are_bad_requests(calls: object) -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.completion("mock/x", [{"role": "user", "content": "x"}], mock_tool_calls=calls)  # type: ignore[arg-type]
    assert info.value.param == "mock_tool_calls"


def test_mock_rerank_orders_by_shared_words_and_takes_mock_response() -> None:
    docs = ["Paris is the capital of France", "Bananas are yellow", {"title": "France", "text": "capital city Paris"}]
    out = modelmux.rerank("mock/rerank", "capital of France", docs, top_n=2)
    assert [r.index for r in out.results] == [0, 2]
    assert out.results[0].relevance_score >= out.results[1].relevance_score and out.results[0].document
    assert out.results[1].document == {"text": "capital city Paris"}
    again = modelmux.rerank("mock/rerank", "capital of France", docs, top_n=2)
    assert again.results == out.results  # deterministic
    given = modelmux.rerank("cohere/rerank-v3.5", "q", ["a", "b"], mock_response=[0.1, 0.9], return_documents=False)
    assert [(r.index, r.relevance_score, r.document) for r in given.results] == [(1, 0.9, None), (0, 0.1, None)]
    with pytest.raises(modelmux.BadRequestError):
        modelmux.rerank("mock/rerank", "q", ["a", "b"], mock_response=[0.1])
    with pytest.raises(modelmux.RateLimitError) as info:
        modelmux.rerank("mock/error-429", "q", ["a"])
    assert (info.value.provider, info.value.model) == ("mock", "error-429")
