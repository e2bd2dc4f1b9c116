"""Recorded OpenAI traffic replayed with vcrpy through modelmux's *default* pooled client (no transport).

This covers the path real users take: no injected transport, the default endpoint, keys from the
environment. vcrpy intercepts httpx, so nothing reaches the network (``record_mode="none"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import vcr

import modelmux

from .cassette import CASSETTES_ROOT, chat_interactions
from .checks import assert_matches
from .expected import expected_for

# Plain vcrpy-v1 cassettes (crewAI, simonw/llm) with a single, successful chat interaction.
FILES = sorted(
    p
    for p in [
        *(CASSETTES_ROOT / "crewAI" / "openai-chat").glob("*.yaml"),
        *(CASSETTES_ROOT / "llm" / "openai-chat").glob("*.yaml"),
    ]
    if len(chat_interactions(p)) == 1 and chat_interactions(p)[0].status == 200
)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_default_client_replay(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-0123456789")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    it = chat_interactions(path)[0]
    body: dict[str, Any] = dict(it.request_json)
    model = "openai/" + body.pop("model")
    stream = bool(body.pop("stream", False))
    recorder = vcr.VCR(
        record_mode="none", match_on=["method", "scheme", "host", "path"], decode_compressed_response=False
    )
    with recorder.use_cassette(str(path)) as cassette:
        result = modelmux.completion(model, stream=stream, **body)
        if stream:
            result = modelmux.stream_chunk_builder(list(result))
        assert cassette.play_count == 1
    assert_matches(result, expected_for(it))


def test_there_is_something_to_replay() -> None:
    assert len(FILES) >= 3
