"""Anthropic error bodies → modelmux exceptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic_helpers import make_ctx

from modelmux.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UpstreamError,
)
from modelmux.providers.anthropic import provider

KEY = "sk-ant-api03-secretsecretsecret"


def error_body(kind: str, message: str, request_id: str | None = "req_body") -> bytes:
    payload: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}}
    if request_id:
        payload["request_id"] = request_id
    return json.dumps(payload).encode()


def mapped(status: int, body: bytes, headers: dict[str, str] | None = None) -> APIStatusError:
    err = provider.map_error(status, headers or {}, body, make_ctx(api_key=KEY))
    assert isinstance(err, APIStatusError)
    assert KEY not in str(err) + repr(err)
    return err


@pytest.mark.parametrize(
    ("status", "kind", "cls"),
    [
        (400, "invalid_request_error", BadRequestError),
        (401, "authentication_error", AuthenticationError),
        (402, "billing_error", PermissionDeniedError),
        (403, "permission_error", PermissionDeniedError),
        (404, "not_found_error", NotFoundError),
        (413, "request_too_large", BadRequestError),
        (429, "rate_limit_error", RateLimitError),
        (500, "api_error", InternalServerError),
        (529, "overloaded_error", ServiceUnavailableError),
        (504, "timeout_error", APIStatusError),
        (409, "conflict_error", BadRequestError),
    ],
)
def test_native_types(status: int, kind: str, cls: type[APIStatusError]) -> None:
    err = mapped(status, error_body(kind, "something went wrong"))
    assert type(err) is cls
    assert err.status_code == status
    assert err.message == "something went wrong"
    assert err.native_type == kind
    assert err.provider == "anthropic" and err.model == "claude-sonnet-4-5"
    assert err.request_id == "req_body"


@pytest.mark.parametrize(
    "message",
    [
        "prompt is too long: 208310 tokens > 200000 maximum",
        "input length and `max_tokens` exceed context limit: 199000 + 8192 > 200000",
        "The request exceeds the model's context window.",
    ],
)
def test_context_window_errors(message: str) -> None:
    err = mapped(400, error_body("invalid_request_error", message))
    assert type(err) is ContextWindowExceededError
    assert err.code == "context_length_exceeded"
    assert err.status_code == 400


def test_other_invalid_requests_stay_bad_requests() -> None:
    assert type(mapped(400, error_body("invalid_request_error", "max_tokens: Field required"))) is BadRequestError


def test_rate_limit_retry_after_from_headers() -> None:
    err = mapped(
        429, error_body("rate_limit_error", "Number of requests has exceeded your rate limit"), {"retry-after": "17"}
    )
    assert isinstance(err, RateLimitError) and err.retry_after == 17.0
    err = mapped(429, error_body("rate_limit_error", "slow"))
    assert isinstance(err, RateLimitError) and err.retry_after is None


def test_request_id_from_header_when_the_body_has_none() -> None:
    err = mapped(500, error_body("api_error", "Internal server error", request_id=None), {"request-id": "req_hdr"})
    assert err.request_id == "req_hdr"


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (502, b"<html>Bad Gateway</html>", UpstreamError),
        (503, b"", ServiceUnavailableError),
        (429, b"Too Many Requests", RateLimitError),
        (401, b'{"message": "no error key"}', AuthenticationError),
    ],
)
def test_non_json_bodies_fall_back_on_status(status: int, body: bytes, cls: type[APIStatusError]) -> None:
    err = mapped(status, body, {"request-id": "req_x"})
    assert type(err) is cls
    assert err.status_code == status
    assert err.request_id == "req_x"
    assert err.message


def test_proxy_style_string_error() -> None:
    err = mapped(403, json.dumps({"error": "forbidden by gateway"}).encode())
    assert type(err) is PermissionDeniedError and err.message == "forbidden by gateway"


def test_secrets_in_messages_are_redacted() -> None:
    err = mapped(401, error_body("authentication_error", f"invalid x-api-key {KEY}"))
    assert KEY not in err.message
