from __future__ import annotations

import json
import subprocess
import sys

import pytest

import modelmux
from modelmux.cli import main


def test_chat_streams_the_mock(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "-m", "mock/echo", "hello cli"]) == 0
    assert capsys.readouterr().out == "hello cli\n"


def test_chat_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "-m", "mock/echo", "--json", "hi there"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["object"] == "chat.completion" and data["choices"][0]["message"]["content"] == "hi there"
    assert data["usage"]["total_tokens"] > 0


def test_errors_are_one_line_and_nonzero(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main(["chat", "-m", "openai/gpt-4o", "hi"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "OPENAI_API_KEY" in err
    assert main(["chat", "-m", "mock/error-429", "hi"]) == 1
    assert main(["chat", "-m", "nonsense-model", "hi"]) == 1


def test_models_lists_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == 0
    ids = {row["id"] for row in json.loads(capsys.readouterr().out)}
    assert {"openai/gpt-4o", "anthropic/claude-sonnet-4-20250514", "gemini/gemini-2.5-pro"} <= ids


def test_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "modelmux.cli", "chat", "-m", "mock/echo", "x y"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout == "x y\n"


def test_token_counter_offline() -> None:
    # Known counts for these encodings.
    assert modelmux.token_counter(model="gpt-4o", text="hello world") == 2
    assert modelmux.token_counter(model="gpt-4", text="hello world") == 2
    # Token ids published for these encodings (OpenAI cookbook / tiktoken docs).
    from modelmux.tokens import encoding_for_model

    assert encoding_for_model("gpt-4").encode("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]
    assert encoding_for_model("gpt-4o").encode("hello world") == [24912, 2375]
    msgs = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "hello world"}]
    # 3 priming + per message 3 + role + content
    assert modelmux.token_counter(model="gpt-4o", messages=msgs) == 3 + (3 + 1 + 4) + (3 + 1 + 2)
    assert modelmux.token_counter(model="anthropic/claude-sonnet-4-5", text="hello world") == 2
    with pytest.raises(ValueError):
        modelmux.token_counter(model="gpt-4o")
