"""fallbacks=, context_window_fallbacks=, content_policy_fallbacks=, disable_fallbacks= on completion()."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from reliability_fakes import MSG, Upstream, error, fake_clock

import modelmux
from modelmux._fallbacks import MAX_FALLBACKS
from modelmux.errors import (
    AuthenticationError,
    BadRequestError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
    InternalServerError,
)

GPT = "openai/gpt-4o"


def test_falls_back_after_the_retries_of_the_first_model() -> None:
    up = Upstream().script("gpt-4o", error(500), error(500))
    with fake_clock() as clock:
        answer = modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, num_retries=1, fallbacks=["openai/gpt-4o-mini"]
        )
    assert up.models == ["gpt-4o", "gpt-4o", "gpt-4o-mini"]
    assert answer.choices[0].message.content == "hello gpt-4o-mini"
    hidden = answer._hidden_params  # type: ignore[attr-defined]
    assert hidden["model"] == "openai/gpt-4o-mini" and hidden["attempts"] == 3
    assert clock.sleeps == [0.5]  # a retry waits, a fallback does not


def test_fallback_dicts_carry_per_model_overrides() -> None:
    up = Upstream().script("gpt-4o", error(503))
    fallback = {"model": "openai/gpt-4o", "api_key": "k2", "api_base": "https://backup.example/v1"}
    with fake_clock():
        modelmux.completion(GPT, MSG, api_key="k1", transport=up.transport, fallbacks=[fallback])
    assert [(s.host, s.key) for s in up.sent] == [("api.openai.com", "Bearer k1"), ("backup.example", "Bearer k2")]


def test_a_fallback_on_another_provider_does_not_inherit_the_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    up = Upstream().script("gpt-4o", error(500), error(500))
    with fake_clock(), pytest.raises(AuthenticationError, match="no API key for anthropic"):
        modelmux.completion(
            GPT, MSG, api_key="sk-openai-secret", transport=up.transport, fallbacks=["anthropic/claude-x"]
        )
    assert up.models == ["gpt-4o"]
    up = Upstream().script("gpt-4o", error(500))
    with fake_clock():
        answer = modelmux.completion(
            GPT,
            MSG,
            api_key="sk-openai-secret",
            extra_headers={"x-openai-only": "1"},
            temperature=0.2,
            transport=up.transport,
            fallbacks=[{"model": "anthropic/claude-x", "api_key": "ant-key"}],
        )
    claude = up.sent[1]
    assert claude.model == "claude-x" and claude.key == "ant-key" and claude.body["temperature"] == 0.2
    assert "sk-openai-secret" not in repr(claude)
    assert answer._hidden_params["model"] == "anthropic/claude-x"  # type: ignore[attr-defined]


def test_each_model_is_tried_once_and_fallbacks_are_capped() -> None:
    up = Upstream()
    for i in range(10):
        up.script(f"m{i}", error(500))
    up.script("gpt-4o", error(500))
    fallbacks = [GPT, "openai/m1", "openai/m1", "openai/m2", *[f"openai/m{i}" for i in range(3, 10)]]
    with fake_clock(), pytest.raises(InternalServerError):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, fallbacks=fallbacks)
    assert up.models == ["gpt-4o", "m1", "m2", "m3", "m4", "m5"]
    assert len(up.models) == 1 + MAX_FALLBACKS


def test_disable_fallbacks() -> None:
    up = Upstream().script("gpt-4o", error(500))
    with fake_clock(), pytest.raises(InternalServerError):
        modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, fallbacks=["openai/b"], disable_fallbacks=True
        )
    assert up.models == ["gpt-4o"]


def test_a_bad_request_never_falls_back() -> None:
    up = Upstream().script("gpt-4o", error(400, "messages[0] is wrong"))
    with fake_clock(), pytest.raises(BadRequestError):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, num_retries=3, fallbacks=["openai/b"])
    assert up.models == ["gpt-4o"]


def test_an_auth_failure_falls_back_to_another_deployment() -> None:
    up = Upstream().script("gpt-4o", error(401, "bad key"))
    with fake_clock():
        answer = modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, num_retries=3, fallbacks=["openai/b"]
        )
    assert up.models == ["gpt-4o", "b"] and answer._hidden_params["attempts"] == 2  # type: ignore[attr-defined]


def test_context_window_overflow_goes_to_the_context_window_fallbacks_first() -> None:
    overflow = error(400, "maximum context length is 8192 tokens", code="context_length_exceeded")
    up = Upstream().script("gpt-4o", overflow)
    with fake_clock():
        answer = modelmux.completion(
            GPT,
            MSG,
            api_key="k",
            transport=up.transport,
            num_retries=2,
            fallbacks=["openai/general"],
            context_window_fallbacks=["openai/big"],
        )
    assert up.models == ["gpt-4o", "big"]  # not retried, straight to the larger model
    assert answer._hidden_params["failures"][0]["error"] == "ContextWindowExceededError"  # type: ignore[attr-defined]


def test_content_policy_goes_to_the_content_policy_fallbacks_then_the_general_ones() -> None:
    refusal = error(400, "refused", code="content_policy_violation")
    up = Upstream().script("gpt-4o", refusal).script("lenient", refusal)
    with fake_clock():
        modelmux.completion(
            GPT,
            MSG,
            api_key="k",
            transport=up.transport,
            fallbacks=["openai/general"],
            content_policy_fallbacks=["openai/lenient"],
            context_window_fallbacks=["openai/big"],
        )
    assert up.models == ["gpt-4o", "lenient", "general"]


def test_without_a_matching_list_special_errors_raise() -> None:
    up = Upstream().script("gpt-4o", error(400, "too long", code="context_length_exceeded"))
    with fake_clock(), pytest.raises(ContextWindowExceededError):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, content_policy_fallbacks=["openai/x"])
    up = Upstream().script("gpt-4o", error(400, "no", code="content_policy_violation"))
    with fake_clock(), pytest.raises(ContentPolicyViolationError):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, context_window_fallbacks=["openai/x"])
    assert up.models == ["gpt-4o"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("openai/x", "must be a list"),
        ([42], r"fallbacks\[0\]"),
        ([{"api_key": "k"}], r"fallbacks\[0\]"),
        ([{"model": "openai/x", "timeout": 3}], "one deadline"),
        ([{"model": "openai/x", "num_retries": 3}], "one retry loop"),  # not a loop nested in the call's
        ([{"model": "openai/x", "fallbacks": ["openai/y"]}], "one retry loop"),
        (["nosuchprovider/x"], "nosuchprovider"),
    ],
)
def test_invalid_fallbacks_fail_before_anything_is_sent(value: object, message: str) -> None:
    up = Upstream()
    with pytest.raises(BadRequestError, match=message):
        modelmux.completion(GPT, MSG, api_key="k", transport=up.transport, fallbacks=value)  # type: ignore[call-overload]
    assert up.sent == []


def test_async_fallbacks() -> None:
    up = Upstream().script("gpt-4o", error(529))

    async def main() -> modelmux.ChatCompletion:
        return await modelmux.acompletion(GPT, MSG, api_key="k", transport=up.atransport, fallbacks=["openai/b"])

    with fake_clock():
        answer = asyncio.run(main())
    assert up.models == ["gpt-4o", "b"] and answer._hidden_params["model"] == "openai/b"  # type: ignore[attr-defined]


def test_a_context_window_overflow_is_predicted_and_goes_straight_to_a_larger_model() -> None:
    long = [{"role": "user", "content": "word " * 9000}]  # ~9,000 tokens: over gpt-4's 8,192, under gpt-4.1's window
    up = Upstream()
    with fake_clock():
        answer = modelmux.completion(
            "openai/gpt-4", long, api_key="k", transport=up.transport, context_window_fallbacks=["openai/gpt-4.1"]
        )
    assert up.models == ["gpt-4.1"]  # gpt-4 was never sent the prompt
    hidden = answer._hidden_params  # type: ignore[attr-defined]
    assert hidden["failures"] == [{"model": "openai/gpt-4", "error": "ContextWindowExceededError", "status": 400}]
    assert hidden["attempts"] == 1  # attempts count requests sent: the predicted overflow sent none


def test_no_prediction_without_a_fallback_left_or_under_the_window() -> None:
    long = [{"role": "user", "content": "word " * 9000}]
    up = Upstream()
    with fake_clock():
        modelmux.completion("openai/gpt-4", long, api_key="k", transport=up.transport)  # the provider decides
        modelmux.completion(
            "openai/gpt-4", MSG, api_key="k", transport=up.transport, context_window_fallbacks=["openai/gpt-4.1"]
        )
    assert up.models == ["gpt-4", "gpt-4"]


def test_an_approximate_count_must_clearly_exceed_the_window() -> None:
    from modelmux._fallbacks import Fallbacks, Target

    plan = Fallbacks(Target("anthropic/claude-x"), {}, context_window=[Target("anthropic/claude-sonnet-4-20250514")])
    window = 200_000
    near = [{"role": "user", "content": "word " * int(window * 1.05)}]  # over by 5%: within the approximation
    far = [{"role": "user", "content": "word " * int(window * 1.3)}]
    target = Target("anthropic/claude-sonnet-4-20250514")
    plan.context_window = [Target("openai/gpt-4.1")]
    assert plan.predicted_overflow(target, near) is None
    err = plan.predicted_overflow(target, far)
    assert isinstance(err, ContextWindowExceededError) and "200000-token" in str(err)


def test_fallbacks_share_the_one_deadline() -> None:
    up = Upstream().script("gpt-4o", error(429, headers={"retry-after": "7"}), error(429, headers={"retry-after": "1"}))
    with fake_clock() as clock:
        modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, num_retries=1, timeout=10, fallbacks=["openai/b"]
        )
    assert clock.sleeps == [7.0] and up.models == ["gpt-4o", "gpt-4o", "b"]
    assert [s.timeout["read"] for s in up.sent] == [10.0, 3.0, 3.0]  # the fallback gets what is left, not 10 s


def test_no_fallback_once_the_deadline_has_passed() -> None:
    hosts: list[str] = []
    with fake_clock() as clock:

        def slow_failure(request: httpx.Request) -> httpx.Response:
            hosts.append(request.url.path)
            clock.now += 11  # this attempt took 11 s of the 10 s
            return error(503)

        with pytest.raises(modelmux.ServiceUnavailableError):
            modelmux.completion(
                GPT,
                MSG,
                api_key="k",
                transport=httpx.MockTransport(slow_failure),
                num_retries=3,
                timeout=10,
                fallbacks=["openai/b"],
            )
        assert clock.sleeps == [] and len(hosts) == 1  # neither a retry nor the fallback


def test_a_retry_wait_that_would_pass_the_deadline_goes_to_the_fallback_at_once() -> None:
    up = Upstream().script("gpt-4o", error(429, headers={"retry-after": "30"}))
    with fake_clock() as clock:
        answer = modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, num_retries=2, timeout=10, fallbacks=["openai/b"]
        )
    assert clock.sleeps == [] and up.models == ["gpt-4o", "b"]  # the 30 s wait cannot fit: the fallback answers
    assert answer._hidden_params["model"] == "openai/b"  # type: ignore[attr-defined]
    assert [s.timeout["read"] for s in up.sent] == [10.0, 10.0]


@pytest.mark.parametrize(
    ("primary", "fallback"),
    [("gpt-4o", "openai/gpt-4o"), ("openai/gpt-4o", "gpt-4o"), ("claude/claude-x", "anthropic/claude-x")],
)
def test_an_alias_of_a_model_already_tried_is_not_tried_again(primary: str, fallback: str) -> None:
    up = Upstream().script("gpt-4o", error(500), error(500)).script("claude-x", error(500), error(500))
    with fake_clock(), pytest.raises(InternalServerError):
        modelmux.completion(primary, MSG, api_key="k", transport=up.transport, fallbacks=[fallback])
    assert len(up.sent) == 1  # the same model under another name: the call has already failed there


def test_a_fallback_to_the_same_endpoint_spelled_with_a_trailing_slash_is_not_tried_again() -> None:
    up = Upstream().script("gpt-4o", error(500), error(500))
    with fake_clock(), pytest.raises(InternalServerError):
        modelmux.completion(
            GPT,
            MSG,
            api_key="k",
            api_base="https://x.example/v1",
            transport=up.transport,
            fallbacks=[{"model": "gpt-4o", "api_base": "https://x.example/v1/"}],
        )
    assert len(up.sent) == 1


@pytest.mark.parametrize("status", [408, 409])
def test_a_retried_4xx_falls_back_once_its_retries_are_spent(status: int) -> None:
    up = Upstream().script("gpt-4o", error(status), error(status))
    with fake_clock():
        answer = modelmux.completion(
            GPT, MSG, api_key="k", transport=up.transport, num_retries=1, fallbacks=["openai/b"]
        )
    assert up.models == ["gpt-4o", "gpt-4o", "b"]  # a request timeout is no fault of the request itself
    assert answer._hidden_params["model"] == "openai/b"  # type: ignore[attr-defined]
