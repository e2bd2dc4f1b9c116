"""No silent typos: every keyword argument is a parameter, a provider's documented native field, or an error."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

import modelmux
from modelmux._checks import check_tools
from modelmux._options import LITELLM_ONLY, CompletionOptions
from modelmux._registry import PROVIDERS, get_provider
from modelmux.providers._base import OPENAI_PARAMS

MSG = [{"role": "user", "content": "x"}]
SRC = Path(__file__).resolve().parents[2] / "src"


def never(request: httpx.Request) -> httpx.Response:
    raise AssertionError("nothing may be sent")


NEVER = httpx.MockTransport(never)


class Recorder:
    """An OpenAI-format upstream that keeps the JSON bodies it was sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        message = {"role": "assistant", "content": "ok"}
        return httpx.Response(200, json={"id": "1", "choices": [{"index": 0, "message": message}]})


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("temprature", "temperature"),
        ("max_token", "max_tokens"),
        ("api_keys", "api_key"),
        ("request_timeout", "timeout"),
        ("tool_choise", None),
    ],
)
def test_a_misspelt_keyword_is_a_type_error_naming_it(typo: str, suggestion: str | None) -> None:
    with pytest.raises(TypeError) as info:
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=NEVER, **{typo: 0.2})
    err = info.value
    assert isinstance(err, modelmux.UnknownParameterError) and isinstance(err, modelmux.BadRequestError)
    assert typo in str(err) and err.param == typo
    if suggestion is not None:
        assert f"did you mean {suggestion!r}" in str(err)


def test_a_misspelt_keyword_fails_before_anything_is_sent_async() -> None:
    import asyncio

    async def go() -> None:
        await modelmux.acompletion("openai/gpt-4o", MSG, api_key="k", temprature=0.2)  # type: ignore[call-overload]

    with pytest.raises(modelmux.UnknownParameterError, match="temprature"):
        asyncio.run(go())


def test_the_mock_answers_also_refuse_typos() -> None:
    with pytest.raises(modelmux.UnknownParameterError, match="temprature"):
        modelmux.completion("mock/x", MSG, temprature=1)  # type: ignore[call-overload]
    with pytest.raises(modelmux.UnknownParameterError, match="mock_dealy"):
        modelmux.completion("anthropic/claude-sonnet-4-5", MSG, mock_response="hi", mock_dealy=1)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("function", "kwargs"),
    [
        (modelmux.embedding, {"input": "x", "dimension": 3}),
        (modelmux.image_generation, {"prompt": "x", "sizes": "1024x1024"}),
        (modelmux.moderation, {"input": "x", "modle": "y"}),
    ],
)
def test_other_functions_refuse_unknown_keywords(function: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(modelmux.UnknownParameterError) as info:
        function(model="openai/some-model", api_key="k", transport=NEVER, **kwargs)
    assert info.value.param in kwargs and function.__name__ in str(info.value)


def test_native_fields_of_the_provider_are_sent_and_others_refused() -> None:
    rec = Recorder()
    modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=rec.transport, top_k=3, min_p=0.1)  # type: ignore[call-overload]
    assert rec.bodies[-1]["top_k"] == 3 and rec.bodies[-1]["min_p"] == 0.1
    # Gemini's safety settings are not an OpenAI field: refused for OpenAI, with the escape hatch named.
    with pytest.raises(modelmux.UnknownParameterError, match="extra_body"):
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=NEVER, safety_settings=[])  # type: ignore[call-overload]
    modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=rec.transport, extra_body={"safety_settings": []})
    assert rec.bodies[-1]["safety_settings"] == []


def test_each_provider_declares_its_native_fields() -> None:
    for name in ("anthropic", "gemini", "openai", "mock"):
        native = get_provider(name).native_params  # type: ignore[attr-defined]
        assert native, name
        assert not native & OPENAI_PARAMS, name  # an OpenAI parameter is never a native alias (taken first)
    assert {"top_k", "thinking"} <= get_provider("anthropic").native_params  # type: ignore[attr-defined]
    assert {"top_k", "safety_settings", "safetySettings"} <= get_provider("gemini").native_params  # type: ignore[attr-defined]


# num_retries / fallbacks are implemented by completion() now (tests/reliability); they stay "never sent" in
# extra_body, and refused by the functions that do not retry (e.g. embedding), as the next tests check.
@pytest.mark.parametrize("option", ["retry_policy", "mock_testing_fallbacks", "caching", "logger_fn"])
def test_litellm_only_options_are_never_sent(option: str) -> None:
    with pytest.raises(modelmux.UnsupportedParamsError) as info:
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=NEVER, **{option: 3})
    assert info.value.param == option and "drop_params" in str(info.value)
    rec = Recorder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=rec.transport, drop_params=True, **{option: 3})
        # ...nor when they come inside extra_body (a LiteLLM proxy client's JSON body, through the gateway).
        modelmux.completion(
            "openai/gpt-4o", MSG, api_key="k", transport=rec.transport, drop_params=True, extra_body={option: 3}
        )
    assert all(option not in body for body in rec.bodies)
    assert sum(issubclass(w.category, modelmux.DroppedParamWarning) for w in caught) == 2


@pytest.mark.parametrize("option", ["num_retries", "fallbacks", "disable_fallbacks"])
def test_reliability_options_in_extra_body_are_never_sent(option: str) -> None:
    with pytest.raises(modelmux.UnsupportedParamsError) as info:
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=NEVER, extra_body={option: 2})
    assert info.value.param == option
    # embedding() takes num_retries/fallbacks itself now (tests/reliability/test_operation_retries.py); inside
    # extra_body they are still never sent.
    with pytest.raises(modelmux.UnsupportedParamsError):
        modelmux.embedding("openai/text-embedding-3-small", "hi", api_key="k", transport=NEVER, extra_body={option: 2})


def test_the_litellm_list_and_the_native_lists_do_not_overlap() -> None:
    for name in PROVIDERS:
        provider = get_provider(name)
        assert not LITELLM_ONLY & getattr(provider, "native_params", frozenset()), name


def test_the_static_options_match_the_implementation() -> None:
    """``CompletionOptions`` (what type checkers see) lists every named parameter of completion(),
    and every OpenAI parameter the runtime accepts."""
    for function in (modelmux.completion, modelmux.acompletion):
        named = {
            p.name
            for p in inspect.signature(function).parameters.values()
            if p.kind is p.KEYWORD_ONLY and p.name != "stream"
        }
        assert named <= set(CompletionOptions.__annotations__), named - set(CompletionOptions.__annotations__)
    assert set(OPENAI_PARAMS) <= set(CompletionOptions.__annotations__)


def test_the_static_options_list_every_providers_call_options() -> None:
    """Typed code can pass ``aws_region_name=``, ``vertex_project=``…: a provider adding a call option adds it to
    ``_options._CallOptions`` too."""
    typed = set(CompletionOptions.__annotations__)
    for name in PROVIDERS:
        missing = set(getattr(get_provider(name), "call_options", ())) - typed
        assert not missing, (name, missing)


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "function", "function": {"name": "f", "parameters": {}}},
        {"type": "function", "function": {"name": "f"}},
        {"function": {"name": "f"}},
        {"type": "custom", "custom": {"name": "grammar"}},
        {"type": "web_search_20250305", "name": "web_search"},
    ],
)
def test_tools_of_any_documented_shape_pass_the_core(tool: dict[str, Any]) -> None:
    assert check_tools([tool]) == [tool]  # the provider validates the rest (e.g. a server tool's fields)


def test_function_tools_without_parameters_reach_the_provider() -> None:
    rec = Recorder()
    tools = [
        {"type": "function", "function": {"name": "f"}},
        {"type": "function", "function": {"name": "g", "parameters": {}}},
    ]
    modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=rec.transport, tools=tools)
    assert [t["function"]["name"] for t in rec.bodies[-1]["tools"]] == ["f", "g"]


@pytest.mark.parametrize(
    "tools",
    [
        "f",
        [None],
        [{"type": 3}],
        [{}],
        [{"type": "function"}],
        [{"type": "function", "function": {"name": ""}}],
        [{"type": "function", "function": {"name": "f", "parameters": "nope"}}],
        [{"type": "custom", "custom": {}}],
    ],
)
def test_malformed_tools_are_bad_requests(tools: Any) -> None:
    with pytest.raises(modelmux.BadRequestError) as info:
        modelmux.completion("openai/gpt-4o", MSG, api_key="k", transport=NEVER, tools=tools)
    assert info.value.param == "tools"


def test_the_mock_answers_forced_tool_choice_with_non_function_tools() -> None:
    tools = [{"type": "custom", "custom": {"name": "grammar"}}, {"type": "function", "function": {"name": "f"}}]
    out = modelmux.completion("mock/x", MSG, tools=tools, tool_choice="required")
    assert out.choices[0].message.tool_calls and out.choices[0].message.tool_calls[0].function.name == "f"


USER_CODE = """
import modelmux

MSG = [{"role": "user", "content": "x"}]
ok = modelmux.completion("openai/gpt-4o", MSG, temperature=0.2, max_tokens=5, extra_body={"top_k": 3})
modelmux.completion("bedrock/amazon.nova-lite-v1:0", MSG, aws_region_name="us-east-1", drop_params=True)
print(ok.choices[0].message.content)
for chunk in modelmux.completion("openai/gpt-4o", MSG, stream=True, stream_options={"include_usage": True}):
    print(chunk.choices)
"""


def test_mypy_strict_catches_a_typo_in_user_code(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(USER_CODE)
    (tmp_path / "bad.py").write_text(USER_CODE.replace("temperature=0.2", "temprature=0.2"))
    env = {**os.environ, "MYPYPATH": str(SRC)}
    cmd = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".cache")]
    good = subprocess.run([*cmd, "good.py"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout
    bad = subprocess.run([*cmd, "bad.py"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "temprature" in bad.stdout, bad.stdout
