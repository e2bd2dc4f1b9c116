"""SigV4 signing, byte for byte against botocore's ``SigV4Auth`` (the oracle)."""

from __future__ import annotations

from datetime import datetime, timezone
from unittest import mock
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmux.providers.bedrock.provider import model_path
from modelmux.providers.bedrock.sigv4 import SigningKey, canonical_request, sign_headers

NOW = datetime(2026, 12, 2, 17, 4, 5, tzinfo=timezone.utc)


def botocore_sign(
    method: str, url: str, headers: dict[str, str], body: bytes, key: SigningKey, now: datetime
) -> dict[str, str]:
    request = AWSRequest(method, url, headers=dict(headers), data=body)
    credentials = Credentials(key.access_key, key.secret_key, key.session_token)
    with mock.patch(
        "botocore.auth.get_current_datetime", return_value=now.astimezone(timezone.utc).replace(tzinfo=None)
    ):
        SigV4Auth(credentials, key.service, key.region).add_auth(request)
    return dict(request.headers)


def assert_same(
    method: str, url: str, headers: dict[str, str], body: bytes, key: SigningKey, now: datetime = NOW
) -> None:
    ours = sign_headers(method, url, headers, body, key, now)
    theirs = botocore_sign(method, url, headers, body, key, now)
    assert ours["Authorization"] == theirs["Authorization"]
    assert ours["X-Amz-Date"] == theirs["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == theirs.get("X-Amz-Security-Token")


MODEL_IDS = [
    "amazon.nova-micro-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0",
    "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/a1b2c3d4e5",
    "zai.glm-4.7-flash",
]


@pytest.mark.parametrize("model", MODEL_IDS)
@pytest.mark.parametrize("action", ["converse", "converse-stream", "invoke"])
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEBYaDH+token/with+slashes=="])
def test_model_paths_sign_like_botocore(model: str, action: str, token: str | None) -> None:
    url = "https://bedrock-runtime.us-east-1.amazonaws.com" + model_path(model, action)
    headers = {"content-type": "application/json", "accept": "application/json"}
    key = SigningKey("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "bedrock", token)
    assert_same("POST", url, headers, b'{"messages":[]}', key)


def test_arn_path_is_encoded_once_in_the_url_and_twice_in_the_signature() -> None:
    model = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x-v1:0"
    path = model_path(model, "converse")
    assert path == "/model/" + quote(model, safe="") + "/converse"
    assert "%3A" in path and "%2F" in path and ":" not in path
    request, _ = canonical_request("POST", "https://h" + path, {}, b"")
    assert request.splitlines()[1] == "/model/" + quote(quote(model, safe=""), safe="/~") + "/converse"
    assert model_path(quote(model, safe=""), "converse") == path  # an already-encoded id is not encoded twice


_TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%:", min_size=1, max_size=12
)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    host=st.sampled_from(["bedrock-runtime.us-west-2.amazonaws.com", "127.0.0.1:8080", "localhost", "example.com:443"]),
    scheme=st.sampled_from(["https", "http"]),
    segments=st.lists(st.one_of(_TOKEN, st.sampled_from([".", "..", ""])), max_size=6),
    query=st.lists(st.tuples(_TOKEN, st.text(alphabet="abcXYZ019-_.~%", max_size=8)), max_size=4),
    headers=st.dictionaries(
        st.sampled_from(
            ["content-type", "Accept", "X-Custom", "x-amz-meta-a", "User-Agent", "Connection", "X-Amzn-Trace-Id"]
        ),
        st.text(alphabet="abc DEF,;=/+", min_size=1, max_size=20).filter(lambda v: v.strip()),
        max_size=5,
    ),
    body=st.binary(max_size=300),
    token=st.one_of(st.none(), st.text(alphabet="ABCdef123+/=", min_size=8, max_size=40)),
    region=st.sampled_from(["us-east-1", "eu-central-1", "ap-southeast-2"]),
    now=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(timezone.utc)),
)
def test_random_requests_sign_like_botocore(
    method: str,
    host: str,
    scheme: str,
    segments: list[str],
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    token: str | None,
    region: str,
    now: datetime,
) -> None:
    path = "/" + "/".join(segments)
    url = f"{scheme}://{host}{path}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query)
    key = SigningKey("AKID", "secret/key+", region, "bedrock", token)
    assert_same(method, url, headers, body, key, now)


def test_signing_key_repr_hides_secrets() -> None:
    key = SigningKey("AKID", "the-secret", "us-east-1", "bedrock", "the-token")
    assert "the-secret" not in repr(key) and "the-token" not in repr(key)


def test_an_old_date_header_is_replaced() -> None:
    key = SigningKey("AKID", "secret", "us-east-1")
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"
    headers = {"x-amz-date": "20000101T000000Z", "content-type": "application/json"}
    signed = sign_headers("POST", url, headers, b"{}", key, NOW)
    assert signed["X-Amz-Date"] == "20261202T170405Z"
    assert (
        signed["Authorization"]
        == botocore_sign("POST", url, {"content-type": "application/json"}, b"{}", key, NOW)["Authorization"]
    )


def test_cached_signing_keys_follow_a_rotated_secret_and_do_not_keep_it() -> None:
    from modelmux.providers.bedrock import sigv4

    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"
    headers = {"content-type": "application/json"}
    for secret in ("first-secret-value", "rotated-secret-value", "first-secret-value"):
        key = SigningKey("AKID", secret, "us-east-1")  # same access key, day and scope: only the secret differs
        assert_same("POST", url, headers, b"{}", key)
    assert sigv4._KEYS and not any("secret-value" in repr(scope) for scope in sigv4._KEYS)
