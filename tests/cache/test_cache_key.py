"""The cache key: what determines the answer is in it, credentials and call mechanics are not, and it is canonical."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from cache_fakes import MSG

from modelmux._api import _prepare
from modelmux.cache import canonical, digest
from modelmux.cache.key import call_key

TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]


def key(model: str = "openai/gpt-4o", messages: Any = MSG, stream: bool = False, **options: Any) -> str:
    options.setdefault("api_key", "sk-one")
    return call_key("chat", _prepare(model, messages, stream, options), stream=stream)


def test_dict_order_does_not_change_the_key() -> None:
    a = key(
        messages=[{"role": "user", "content": "hi", "name": "x"}], tools=TOOLS, response_format={"type": "json_object"}
    )
    reordered_tools = [
        {"function": {"parameters": {"properties": {}, "type": "object"}, "name": "f"}, "type": "function"}
    ]
    b = key(
        messages=[{"name": "x", "content": "hi", "role": "user"}],
        response_format={"type": "json_object"},
        tools=reordered_tools,
    )
    assert a == b


def test_credentials_timeouts_and_retries_are_not_in_the_key() -> None:
    base = key()
    assert key(api_key="sk-two") == base
    assert key(timeout=3) == base
    assert key(extra_headers={"Authorization": "Bearer other", "X-Api-Key": "z"}) == base


@pytest.mark.parametrize(
    "change",
    [
        {"temperature": 0.2},
        {"top_p": 0.5},
        {"seed": 7},
        {"stop": ["x"]},
        {"max_tokens": 10},
        {"n": 2},
        {"tools": TOOLS},
        {"response_format": {"type": "json_object"}},
        {"api_base": "https://proxy.example.com/v1"},
        {"extra_body": {"custom": 1}},
        {"extra_headers": {"OpenAI-Beta": "x"}},
    ],
)
def test_what_determines_the_answer_changes_the_key(change: dict[str, Any]) -> None:
    assert key(**change) != key()


def test_a_call_option_that_is_a_dict_changes_the_key() -> None:
    # text-completion's chat_template_kwargs shape the prompt (e.g. Qwen3's enable_thinking): not a scalar, still keyed
    model = "text-completion-openai/Qwen/Qwen3-8B"
    thinking = key(model=model, chat_template_kwargs={"enable_thinking": True})
    assert thinking != key(model=model, chat_template_kwargs={"enable_thinking": False})
    assert thinking != key(model=model)


def test_token_counts_are_keyed_and_tokens_are_not() -> None:
    from modelmux.cache.key import group_key

    base = group_key("rerank", "g", {"query": "q"}, {})
    assert group_key("rerank", "g", {"query": "q"}, {"max_tokens_per_doc": 100}) != base
    assert group_key("rerank", "g", {"query": "q"}, {"aws_session_token": "t", "azure_ad_token": "u"}) == base


def test_tool_choice_changes_the_key() -> None:
    assert key(tools=TOOLS, tool_choice="none") != key(tools=TOOLS)


def test_different_temperatures_different_keys_integral_floats_one_key() -> None:
    assert key(temperature=0.2) != key(temperature=0.3)
    assert key(temperature=1) == key(temperature=1.0)


def test_model_is_resolved_and_stream_model_messages_count() -> None:
    assert key(model="gpt-4o") == key(model="openai/gpt-4o")
    assert key(model="openai/gpt-4o-mini") != key()
    assert key(stream=True) != key()
    assert key(messages=[{"role": "user", "content": "hello"}]) != key()


def test_the_key_is_stable_across_processes() -> None:
    material = {"b": [1, 2.0, {"y": 1, "x": (1, 2)}], "a": "é"}
    code = "from modelmux.cache import digest; print(digest({'a': 'é', 'b': [1, 2, {'x': [1, 2], 'y': 1}]}))"
    env = {**os.environ, "PYTHONHASHSEED": "123"}  # another string-hash seed than this process's
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == digest(material)


def test_canonical_form() -> None:
    assert canonical({"b": 1, "a": (2.0, {3: "x"})}) == {"a": [2, {"3": "x"}], "b": 1}
    assert canonical(b"\x00") == {"$sha256": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"}
    with pytest.raises(TypeError):
        canonical(object())


def test_values_the_request_can_send_can_be_keyed_too() -> None:
    """A datetime or UUID in ``metadata`` or ``extra_body`` goes out as JSON without a cache: with one, the call must
    not fail on its key (the key takes what is sent)."""
    import datetime
    import uuid

    from cache_fakes import Upstream

    import modelmux

    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    assert key(metadata={"at": when}) == key(metadata={"at": "2024-01-01T00:00:00Z"})
    assert key(extra_body={"id": uuid.UUID(int=1)}) != key(extra_body={"id": uuid.UUID(int=2)})
    up, cache = Upstream(), modelmux.Cache()
    for _ in range(2):
        answer = modelmux.completion(
            "openai/gpt-4o", MSG, api_key="k", transport=up.transport, cache=cache, metadata={"at": when}
        )
    assert answer._hidden_params["cache_hit"] is True and len(up.sent) == 1
