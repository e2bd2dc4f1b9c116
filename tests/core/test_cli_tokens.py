from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


def _cli(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "modelmux.cli", *args], capture_output=True, text=True, **kw)


def test_version_and_no_arguments_print_and_exit_zero() -> None:
    version = _cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"modelmux {modelmux.__version__}"
    bare = _cli()
    assert bare.returncode == 0 and "usage: modelmux" in bare.stdout and "chat" in bare.stdout


def test_models_into_a_reader_that_stops_early_ends_quietly() -> None:
    import fcntl
    import os

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: a one-page pipe, so the listing cannot fit in it
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelmux.cli", "models"], stdout=write_end, stderr=subprocess.PIPE, text=True
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read(100)  # like `head -c 100`, then the reader goes away
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_unknown_provider_is_a_usage_error_naming_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--provider", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "nosuch" in err and "openai" in err and "mock" in err and err.count("\n") == 1


def test_models_lists_the_mock_models_the_readme_and_the_dev_gateway_use(capsys: pytest.CaptureFixture[str]) -> None:
    from modelmux.asgi.config import dev_config

    assert main(["models", "--provider", "mock"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert set(dev_config().models) <= listed
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    used = set(re.findall(r"mock/[a-z][a-z0-9-]*", readme)) - {"mock/error-429", "mock/anything"}
    assert used and used <= listed, used - listed


def test_pace_flags_are_for_mock_models_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "-m", "openai/gpt-4o", "--tokens-per-second", "5", "hi"]) == 2
    assert "mock" in capsys.readouterr().err
    assert main(["chat", "-m", "mock/echo", "--tokens-per-second", "0", "--mock-delay", "0", "fast"]) == 0
    assert capsys.readouterr().out == "fast\n"


def test_the_first_readme_command_streams_visibly() -> None:
    # The mock's words arrive over time in the CLI (not in one write): a paced stream takes a while.
    start = time.monotonic()
    out = _cli("chat", "-m", "mock/echo", "Hello from modelmux, streamed word by word")
    assert out.returncode == 0 and out.stdout == "Hello from modelmux, streamed word by word\n"
    assert time.monotonic() - start >= 0.3  # 7 words at the default pace; generous lower bound only
