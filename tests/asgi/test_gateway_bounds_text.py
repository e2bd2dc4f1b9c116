"""Text and bytes: lone surrogates (escaped or raw CESU-8), invalid UTF-8, numbers that do not fit, malformed
messages and parts, bad ``filename*``, and JSON inside strings (tool-call arguments, tool results) are a 400
``invalid_request_error`` naming the problem, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from gateway_fakes import FakeUpstream
from gateway_helpers import keyed_config, make_app, raw
from test_gateway_bounds import USER, post, refused

from modelmux.asgi import Gateway
from modelmux.asgi.bounds import MAX_JSON_DEPTH

pytestmark = pytest.mark.anyio


@pytest.fixture
def gateway(upstream: FakeUpstream) -> Gateway:
    config = keyed_config()
    for name in ("embedding", "image", "moderation"):
        config["models"][f"mock/{name}"] = {"model": f"mock/{name}"}
    return make_app(config, transport=upstream)


# ---------------------------------------------------------------- text and bytes

BAD_TEXT = [
    b'"\\ud800"',  # a lone high surrogate, escaped
    b'"\\udfff"',  # a lone low surrogate
    b'"a\\ud83d"',  # a high surrogate at the end of a string
    b'"\\ude00\\ud83d"',  # a pair in the wrong order
    b'"\xed\xa0\x80"',  # a surrogate as raw CESU-8 bytes
    b'"\xed\xa0\xbd\xed\xb8\x80"',  # an emoji in CESU-8 (two encoded surrogates)
    b'"\xff"',  # not UTF-8 at all
    b'"\xc0\x80"',  # an overlong NUL
    b'"\xe2\x82"',  # a truncated sequence
]


@pytest.mark.parametrize("text", BAD_TEXT)
@pytest.mark.parametrize(
    "template",
    [
        b'{"model": "mock/echo", "messages": [{"role": "user", "content": %s}]}',
        b'{"model": "up/ok", "messages": [{"role": "user", "content": [{"type": "text", "text": %s}]}]}',
        b'{"model": "up/ok", "messages": [{"role": "user", "content": "x"}], %s: 1}',
        b'{"model": "up/ok", "messages": [{"role": "user", "content": "x"}], "metadata": {"k": %s}}',
        b'{"model": %s, "messages": []}',
        b'{"model": "mock/embedding", "input": [%s]}',
        b'{"model": "mock/moderation", "input": %s}',
        b'{"model": "mock/image", "prompt": %s}',
    ],
)
async def test_lone_surrogates_and_invalid_utf8_are_400(gateway: Gateway, template: bytes, text: bytes) -> None:
    path = {b"mock/emb": "/v1/embeddings", b"mock/mod": "/v1/moderations", b"mock/ima": "/v1/images/generations"}
    body = template % text
    response = await post(gateway, path.get(body[11:19], "/v1/chat/completions"), None, body)
    refused(response, None, "invalid_json")  # type: ignore[arg-type]
    assert "Unicode" in response.json()["error"]["message"]


async def test_good_unicode_and_a_bom_pass(gateway: Gateway, upstream: FakeUpstream) -> None:
    body = '{"model": "up/ok", "messages": [{"role": "user", "content": "\\ud83d\\ude00 é 😀 \\u0000"}]}'
    assert (await post(gateway, "/v1/chat/completions", None, b"\xef\xbb\xbf" + body.encode())).status_code == 200
    assert upstream.bodies[-1]["messages"][0]["content"] == "😀 é 😀 \x00"


@pytest.mark.parametrize("number", [b"1e400", b"-1E+309", b"1" + b"0" * 400 + b".0", b"9" * 4301, b"NaN", b"Infinity"])
async def test_numbers_that_do_not_fit_are_400(gateway: Gateway, number: bytes) -> None:
    body = b'{"model": "up/ok", "messages": [{"role": "user", "content": "x"}], "x": %s}' % number
    refused(await post(gateway, "/v1/chat/completions", None, body), None, "invalid_json")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        (["hi"], "messages[0]"),
        ([None], "messages[0]"),
        ([[USER]], "messages[0]"),
        ([{"role": "user", "content": ["hi"]}], "messages[0].content[0]"),
        ([{"role": "user", "content": [7]}], "messages[0].content[0]"),
        ([{"role": "user", "content": [{"type": "text", "text": 5}]}], "messages[0].content[0].text"),
        ([{"role": "user", "content": [{"type": "text", "text": ["a"]}]}], "messages[0].content[0].text"),
        ([{"role": "user", "content": [{"type": "text"}]}], "messages[0].content[0].text"),
        (
            [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}],
            "messages[0].content[0].image_url.url",
        ),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": 3}]}], "messages[0].content[0].image_url"),
        (
            [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": 1}}]}],
            "messages[0].content[0].input_audio.data",
        ),
        ([{"role": "user", "content": [{"type": "file", "file": "x"}]}], "messages[0].content[0].file"),
        ([{"role": "assistant", "content": [{"type": "refusal", "refusal": None}]}], "messages[0].content[0].refusal"),
        (
            [{"role": "assistant", "tool_calls": [{"type": "custom", "custom": {"name": 1}}]}],
            "messages[0].tool_calls[0].custom.name",
        ),
    ],
)
async def test_malformed_messages_and_parts_are_400(gateway: Gateway, messages: list[Any], param: str) -> None:
    for model in ("mock/echo", "up/ok"):
        response = await post(gateway, "/v1/chat/completions", {"model": model, "messages": messages})
        refused(response, param, "invalid_type")


def test_other_tool_kinds_pass_the_shape_checks() -> None:
    from modelmux.asgi.routes.check_chat import check_chat

    check_chat(
        {
            "messages": [
                USER,
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c", "type": "custom", "custom": {"name": "sh", "input": "ls"}}],
                },
            ],
            "tools": [
                {"type": "custom", "custom": {"name": "sh", "description": "a shell"}},
                {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
                {"type": "function", "function": {"name": "f"}},
            ],
            "tool_choice": {"type": "custom", "custom": {"name": "sh"}},
        }
    )


async def test_invalid_filename_star_is_400(gateway: Gateway) -> None:
    from gateway_helpers import ALICE

    config = keyed_config()
    config["models"]["mock/transcription"] = {"model": "mock/transcription"}
    app = make_app(config)
    for value in (b"UTF-8''%zz.wav", b"UTF-8''%e", b"UTF-8''%ff.wav", b"UTF-8''%ED%A0%80.wav", b"UTF-8''a b.wav"):
        body = (
            b'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nmock/transcription\r\n'
            b'--B\r\nContent-Disposition: form-data; name="file"; filename*=' + value + b"\r\n\r\nRIFF\r\n--B--\r\n"
        )
        headers = {"authorization": f"Bearer {ALICE}", "content-type": "multipart/form-data; boundary=B"}
        async with raw(app) as client:
            response = await client.post("/v1/audio/transcriptions", content=body, headers=headers)
        refused(response, None, "invalid_multipart")  # type: ignore[arg-type]
    body = body.replace(b"UTF-8''a b.wav", b"UTF-8''%E2%82%AC.wav")
    async with raw(app) as client:
        assert (await client.post("/v1/audio/transcriptions", content=body, headers=headers)).status_code == 200


# ---------------------------------------------------------------- JSON inside strings


def _native_app() -> tuple[Gateway, Any]:
    from test_gateway_property import NativeUpstreams

    config = keyed_config()
    config["models"]["an/claude"] = {"model": "anthropic/claude-sonnet-4-5", "api_key_env": "UPSTREAM_KEY"}
    config["models"]["ge/gemini"] = {"model": "gemini/gemini-2.5-flash", "api_key_env": "UPSTREAM_KEY"}
    upstreams = NativeUpstreams()
    return make_app(config, transport=upstreams), upstreams


def _deep_text(depth: int) -> str:
    """A value inside ``depth`` arrays."""
    return "[" * depth + "0" + "]" * depth


def _turn(arguments: str, result: Any = "ok") -> list[dict[str, Any]]:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}
    return [
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": result},
        USER,
    ]


@pytest.mark.parametrize("model", ["an/claude", "ge/gemini", "up/ok", "mock/echo"])
async def test_json_inside_tool_calls_and_results_is_bounded_like_the_body(model: str) -> None:
    """Providers parse arguments and results and nest them in the native body: what the body parser refuses is a 400
    there too (never a RecursionError or an unencodable surrogate, a 500 when the body is sent)."""
    app, _ = _native_app()
    ok = '{"a": ' + _deep_text(MAX_JSON_DEPTH - 1) + "}"
    response = await post(app, "/v1/chat/completions", {"model": model, "messages": _turn(ok)})
    assert response.status_code == 200, response.text
    for bad in ('{"a": ' + _deep_text(MAX_JSON_DEPTH) + "}", '{"a": ' + _deep_text(5000) + "}", '{"a": "\\ud800"}'):
        response = await post(app, "/v1/chat/completions", {"model": model, "messages": _turn(bad)})
        refused(response, "messages[1].tool_calls[0].function.arguments", "invalid_json")
        response = await post(app, "/v1/chat/completions", {"model": model, "messages": _turn("{}", bad)})
        refused(response, "messages[2].content", "invalid_json")
        parts = [{"type": "text", "text": bad[:3]}, {"type": "text", "text": bad[3:]}]
        response = await post(app, "/v1/chat/completions", {"model": model, "messages": _turn("{}", parts)})
        refused(response, "messages[2].content", "invalid_json")
    plain = await post(app, "/v1/chat/completions", {"model": model, "messages": _turn("{}", "not JSON [ \\ud800")})
    assert plain.status_code == 200, plain.text
