"""AWS Signature Version 4 for one HTTP request (hmac/hashlib only; no I/O).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

Follows what botocore's ``SigV4Auth`` does for non-S3 services, so both produce the same bytes:

* canonical URI: the path with dot segments and empty segments removed, then URI-encoded *again*
  (``quote(path, safe="/~")``): a model id sent as ``us.x-v1%3A0`` is signed as ``us.x-v1%253A0``;
* canonical query: the ``key=value`` pairs of the URL as sent, sorted;
* signed headers: every header of the request except hop-by-hop ones and ``user-agent`` (see
  :data:`UNSIGNED_HEADERS`), plus ``host``; values trimmed with inner runs of spaces squeezed;
* payload hash: SHA-256 of the exact body bytes.

The caller gets back the headers to add: ``X-Amz-Date``, ``X-Amz-Security-Token`` (temporary
credentials only) and ``Authorization``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import quote, urlsplit

__all__ = ["UNSIGNED_HEADERS", "SigningKey", "canonical_request", "sign_headers"]

#: Headers left out of the signature (as botocore's SIGNED_HEADERS_BLACKLIST): proxies and HTTP
#: clients may change them on the way.
UNSIGNED_HEADERS = frozenset(
    {
        "authorization",
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class SigningKey:
    """Credentials and scope for signing; ``repr`` never shows the secret or the token."""

    access_key: str
    secret_key: str
    region: str
    service: str = "bedrock"
    session_token: str | None = None

    def __repr__(self) -> str:
        return f"SigningKey(access_key={self.access_key!r}, region={self.region!r}, service={self.service!r})"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.digest(key, message.encode("utf-8"), "sha256")  # the one-shot C path: no HMAC object per step


#: Derived signing keys by (SHA-256 of the secret, day, region, service): the four HMAC steps run once a day per
#: scope, as AWS suggests (the key is valid for that day only). The secret itself is not kept; bounded; never
#: logged or shown.
_KEYS: dict[tuple[bytes, str, str, str], bytes] = {}
_MAX_KEYS = 32


def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    scope = (hashlib.sha256(secret.encode()).digest(), day, region, service)
    derived = _KEYS.get(scope)
    if derived is None:
        derived = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), region), service), "aws4_request")
        if len(_KEYS) >= _MAX_KEYS:
            _KEYS.clear()
        _KEYS[scope] = derived
    return derived


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, and empty segments dropped (AWS normalisation for non-S3 services)."""
    if not path:
        return "/"
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and out else ""
    return first + "/".join(out) + last


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = [pair.partition("=") for pair in query.split("&")]
    return "&".join(f"{k}={v}" for k, v in sorted((k, v) for k, _, v in pairs))


@lru_cache(maxsize=256)
def _url_parts(url: str) -> tuple[str, str, str]:
    """``(canonical URI, canonical query, host)`` of a URL: the same few URLs are signed call after call."""
    parts = urlsplit(url)
    return quote(_remove_dot_segments(parts.path), safe="/~"), _canonical_query(parts.query), _host(url)


def _headers_to_sign(headers: Mapping[str, str], host: str) -> dict[str, list[str]]:
    signed: dict[str, list[str]] = {}
    for name, value in headers.items():
        lname = name.lower()
        if lname not in UNSIGNED_HEADERS:
            signed.setdefault(lname, []).append(value)
    if "host" not in signed:
        signed["host"] = [host]
    return signed


def canonical_request(method: str, url: str, headers: Mapping[str, str], body: bytes) -> tuple[str, str]:
    """``(canonical request, signed header names)`` — exposed for tests and debugging."""
    path, query, host = _url_parts(url)
    signed = _headers_to_sign(headers, host)
    names = sorted(signed)
    canonical_headers = "".join(f"{n}:{','.join(' '.join(v.split()) for v in signed[n])}\n" for n in names)
    signed_names = ";".join(names)
    lines = [method.upper(), path, query, canonical_headers, signed_names, hashlib.sha256(body).hexdigest()]
    return "\n".join(lines), signed_names


def sign_headers(
    method: str, url: str, headers: Mapping[str, str], body: bytes, key: SigningKey, now: datetime | None = None
) -> dict[str, str]:
    """The headers to add to the request (``X-Amz-Date``, maybe ``X-Amz-Security-Token``, ``Authorization``).

    Args:
        headers: the request's headers as they will be sent (without ``Authorization``).
        now: the signing time (UTC); the current time when ``None``.
    """
    if now is None:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    else:
        stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    added = {"X-Amz-Date": stamp}
    if key.session_token:
        added["X-Amz-Security-Token"] = key.session_token
    to_sign = {k: v for k, v in headers.items() if k.lower() not in ("x-amz-date", "x-amz-security-token")}
    to_sign.update(added)
    request, signed_names = canonical_request(method, url, to_sign, body)
    scope = f"{day}/{key.region}/{key.service}/aws4_request"
    string_to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(request.encode('utf-8')).hexdigest()}"
    signing_key = _signing_key(key.secret_key, day, key.region, key.service)
    signature = hmac.digest(signing_key, string_to_sign.encode("utf-8"), "sha256").hex()
    added["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key.access_key}/{scope}, SignedHeaders={signed_names}, Signature={signature}"
    )
    return added
