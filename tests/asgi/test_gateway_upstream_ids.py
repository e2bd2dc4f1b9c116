"""Ids of objects in the gateway's upstream account (files, vector stores, containers, conversations, stored items)
are refused per client key unless the config opts in (``allow_upstream_object_ids``): every key shares that account."""

from __future__ import annotations

from typing import Any

import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import ALICE, BOB, ENV, keyed_config, raw

from modelmux.asgi import create_app, parse_config
from modelmux.asgi.config import ConfigError
from modelmux.asgi.limits import MemoryLimiter

pytestmark = pytest.mark.anyio

CODE = "upstream_object_id_not_allowed"


def _app(data: dict[str, Any] | None = None) -> tuple[Any, FakeUpstream]:
    upstream = FakeUpstream()
    config = parse_config(data if data is not None else keyed_config(), environ=ENV)
    return create_app(config, transport=upstream, limiter=MemoryLimiter()), upstream


async def _post(app: Any, path: str, body: dict[str, Any], key: str = ALICE) -> Any:
    async with raw(app) as client:
        return await client.post(path, json=body, headers={"authorization": f"Bearer {key}"})


def _chat(*parts: dict[str, Any], model: str = "up/ok") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, *parts]}]}


def _refused(answer: Any, param: str) -> None:
    assert answer.status_code == 403, answer.text
    error = answer.json()["error"]
    if answer.json().get("type") == "error":  # /v1/messages: Anthropic's shape (no code, no param)
        assert error["type"] == "permission_error" and f"({param})" in error["message"]
    else:
        assert error["code"] == CODE and error["param"] == param
    assert "allow_upstream_object_ids" in error["message"]


FILE_PART = {"type": "file", "file": {"file_id": "file-abc123"}}


async def test_chat_refuses_a_file_id_and_sends_nothing_upstream() -> None:
    app, upstream = _app()
    _refused(await _post(app, "/v1/chat/completions", _chat(FILE_PART)), "messages[0].content[1].file.file_id")
    assert upstream.bodies == []


async def test_chat_without_ids_passes_as_before() -> None:
    app, upstream = _app()
    inline = {"type": "file", "file": {"file_data": "data:application/pdf;base64,AAAA", "filename": "a.pdf"}}
    assert (await _post(app, "/v1/chat/completions", _chat(inline))).status_code == 200
    assert (await _post(app, "/v1/chat/completions", _chat())).status_code == 200
    assert len(upstream.bodies) == 2


FUNCTION_TOOL = {
    "type": "function",
    "name": "open",
    "parameters": {"type": "object", "properties": {"file_id": {"type": "string"}}},
}


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"conversation": "conv_123"}, "conversation"),
        ({"conversation": {"id": "conv_123"}}, "conversation"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].id"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file-1"}]}]},
            "input[0].content[0].file_id",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file-2"}]}]},
            "input[0].content[0].file_id",
        ),
        ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}, "tools[0].vector_store_ids"),
        ({"tools": [{"type": "code_interpreter", "container": "cntr_1"}]}, "tools[0].container"),
        (
            {"tools": [{"type": "code_interpreter", "container": {"type": "auto", "file_ids": ["file-3"]}}]},
            "tools[0].container.file_ids",
        ),
    ],
)
async def test_responses_refuses_each_kind(extra: dict[str, Any], param: str) -> None:
    app, upstream = _app()
    body = {"model": "up/ok", "input": "hi", **extra}
    _refused(await _post(app, "/v1/responses", body), param)
    assert upstream.bodies == []


async def test_responses_without_ids_are_not_refused() -> None:
    app, _ = _app()
    body = {"model": "mock/demo", "input": "hi", "tools": [FUNCTION_TOOL]}  # "file_id" is a property name here
    assert (await _post(app, "/v1/responses", body)).status_code == 200
    container = {"model": "mock/demo", "input": "hi", "tools": [{"type": "code_interpreter", "container": {}}]}
    assert (await _post(app, "/v1/responses", container)).status_code != 403


async def test_an_opted_in_item_reference_on_a_translated_model_is_the_translation_s_400() -> None:
    # (this case moved here from test_gateway_responses: without the opt-in it is now refused first, with a 403)
    app, _ = _app(keyed_config(limits={"allow_upstream_object_ids": True}))
    answer = await _post(app, "/v1/responses", {"model": "mock/demo", "input": [{"type": "item_reference", "id": "x"}]})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_value"


async def test_an_unknown_previous_response_id_is_never_passed_upstream() -> None:
    app, upstream = _app()
    answer = await _post(app, "/v1/responses", {"model": "up/ok", "input": "hi", "previous_response_id": "resp_x"})
    assert answer.status_code == 404 and upstream.bodies == []


def _message(*blocks: dict[str, Any], **more: Any) -> dict[str, Any]:
    content = [{"type": "text", "text": "hi"}, *blocks]
    return {"model": "mock/demo", "max_tokens": 10, "messages": [{"role": "user", "content": content}], **more}


DOCUMENT = {"type": "document", "source": {"type": "file", "file_id": "file_011"}}


async def test_messages_refuses_file_ids_and_containers() -> None:
    app, _ = _app()
    _refused(await _post(app, "/v1/messages", _message(DOCUMENT)), "messages[0].content[1].source.file_id")
    _refused(await _post(app, "/v1/messages", _message(container="container_1")), "container")
    result = {"type": "tool_result", "tool_use_id": "t1", "content": [DOCUMENT]}
    answer = await _post(app, "/v1/messages", _message(result))
    _refused(answer, "messages[0].content[1].content[0].source.file_id")
    _refused(await _post(app, "/v1/messages/count_tokens", _message(DOCUMENT)), "messages[0].content[1].source.file_id")


async def test_messages_with_a_file_id_as_a_tool_argument_are_not_refused() -> None:
    app, _ = _app()
    call = {"type": "tool_use", "id": "t1", "name": "open", "input": {"file_id": "mine"}}
    body = {
        "model": "mock/demo",
        "max_tokens": 10,
        "messages": [
            {"role": "user", "content": "open it"},
            {"role": "assistant", "content": [call]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "done"}]},
        ],
    }
    assert (await _post(app, "/v1/messages", body)).status_code == 200


async def test_a_key_that_opts_in_may_use_them_and_the_others_may_not() -> None:
    app, _ = _app(keyed_config(allow_upstream_object_ids=True))  # bob opts in; alice does not
    assert (await _post(app, "/v1/chat/completions", _chat(FILE_PART, model="mock/demo"), key=BOB)).status_code == 200
    assert (await _post(app, "/v1/messages", _message(DOCUMENT), key=BOB)).status_code != 403
    _refused(await _post(app, "/v1/chat/completions", _chat(FILE_PART)), "messages[0].content[1].file.file_id")


async def test_the_limits_table_opts_every_key_in() -> None:
    app, upstream = _app(keyed_config(limits={"allow_upstream_object_ids": True}))
    assert (await _post(app, "/v1/chat/completions", _chat(FILE_PART))).status_code == 200
    assert upstream.bodies[0]["messages"][0]["content"][1] == FILE_PART  # passed on as given
    app, _ = _app(keyed_config(limits={"allow_upstream_object_ids": True}, allow_upstream_object_ids=False))
    _refused(
        await _post(app, "/v1/chat/completions", _chat(FILE_PART, model="mock/demo"), key=BOB),
        "messages[0].content[1].file.file_id",
    )


async def test_without_client_keys_there_is_one_tenant_and_they_pass() -> None:
    data = keyed_config()
    del data["keys"]
    data["server"] = {"allowed_hosts": ["gw"]}
    app, _ = _app(data)
    async with raw(app) as client:
        answer = await client.post("/v1/chat/completions", json=_chat(FILE_PART))
    assert answer.status_code == 200


def test_the_setting_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match="allow_upstream_object_ids"):
        parse_config(keyed_config(limits={"allow_upstream_object_ids": "yes"}), environ=ENV)
    with pytest.raises(ConfigError, match="allow_upstream_object_ids"):
        parse_config(keyed_config(allow_upstream_object_ids=1), environ=ENV)
