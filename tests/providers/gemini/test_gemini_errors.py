from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import modelmux
from modelmux.errors import (
    APIError,
    APITimeoutError,
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
from modelmux.providers._base import CallContext
from modelmux.providers.gemini import provider

MakeCtx = Callable[..., CallContext]


def google_error(code: int, status: str, message: str, details: list[dict[str, Any]] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}).encode()


def mapped(status: int, body: bytes, ctx: CallContext, headers: dict[str, str] | None = None) -> APIError:
    return provider.map_error(status, headers or {}, body, ctx)


@pytest.mark.parametrize(
    ("http", "status", "cls"),
    [
        (400, "INVALID_ARGUMENT", BadRequestError),
        (400, "FAILED_PRECONDITION", BadRequestError),
        (401, "UNAUTHENTICATED", AuthenticationError),
        (403, "PERMISSION_DENIED", PermissionDeniedError),
        (404, "NOT_FOUND", NotFoundError),
        (429, "RESOURCE_EXHAUSTED", RateLimitError),
        (500, "INTERNAL", InternalServerError),
        (503, "UNAVAILABLE", ServiceUnavailableError),
        (504, "DEADLINE_EXCEEDED", APITimeoutError),
        (409, "ABORTED", BadRequestError),  # unknown to the table: by HTTP status
        (502, "", UpstreamError),
    ],
)
def test_status_table(http: int, status: str, cls: type[APIError], ctx: CallContext) -> None:
    err = mapped(http, google_error(http, status, f"{status} happened"), ctx)
    assert type(err) is cls
    assert err.status_code == http
    assert err.message == f"{status} happened"
    assert err.provider == "gemini" and err.model == ctx.model
    assert err.native_type == (status or None)


def test_invalid_api_key_is_authentication_with_the_real_status(ctx: CallContext) -> None:
    body = google_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
    )
    err = mapped(400, body, ctx)
    assert isinstance(err, AuthenticationError) and isinstance(err, modelmux.BadRequestError)
    assert err.status_code == 400
    assert err.code == "invalid_api_key"
    assert err.message == "API key not valid. Please pass a valid API key."


def test_context_window(ctx: CallContext) -> None:
    message = "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
    err = mapped(400, google_error(400, "INVALID_ARGUMENT", message), ctx)
    assert isinstance(err, ContextWindowExceededError)
    assert err.code == "context_length_exceeded"
    assert err.message == message


def test_token_quota_is_still_a_rate_limit(ctx: CallContext) -> None:
    message = "You exceeded your current quota. Quota exceeded for metric: input_token_count, limit: 1000000"
    details = [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "48.5s"},
    ]
    err = mapped(429, google_error(429, "RESOURCE_EXHAUSTED", message, details), ctx)
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 48.5


def test_retry_after_from_headers_when_no_retry_info(ctx: CallContext) -> None:
    err = mapped(429, google_error(429, "RESOURCE_EXHAUSTED", "slow down"), ctx, {"retry-after": "13"})
    assert isinstance(err, RateLimitError) and err.retry_after == 13.0
    err = mapped(429, google_error(429, "RESOURCE_EXHAUSTED", "slow down"), ctx)
    assert isinstance(err, RateLimitError) and err.retry_after is None


def test_list_wrapped_body(ctx: CallContext) -> None:
    body = json.dumps([json.loads(google_error(404, "NOT_FOUND", "models/x is not found"))]).encode()
    err = mapped(404, body, ctx)
    assert isinstance(err, NotFoundError) and err.message == "models/x is not found"


def test_non_json_body_falls_back_to_the_http_status(ctx: CallContext) -> None:
    err = mapped(502, b"<html>Bad Gateway</html>", ctx, {"x-goog-request-id": "rid"})
    assert isinstance(err, UpstreamError)
    assert err.message == "<html>Bad Gateway</html>" and err.request_id == "rid"
    assert mapped(500, b"", ctx).message == "HTTP 500"


def test_key_never_in_the_message(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(api_key="my-plain-test-key-123")
    body = google_error(400, "INVALID_ARGUMENT", "bad key my-plain-test-key-123 or AIzaSyA1234567890123456789012345")
    err = mapped(400, body, ctx)
    assert "my-plain-test-key-123" not in str(err)
    assert "AIzaSy" not in str(err)
    fallback = mapped(500, b"oops my-plain-test-key-123", ctx)
    assert "my-plain-test-key-123" not in str(fallback)
