"""Credentials a URL carries: the password of its ``user:password@`` (a proxy's basic auth; a lone user name may be a
token) and the values of its credential-named query parameters (``?key=`` for Gemini-style proxies, ``?api-key=``,
``?sig=``). They are redacted wherever a URL is shown (callbacks' ``kwargs``) and from errors that echo it."""

from __future__ import annotations

import re

__all__ = ["scrub_url", "url_secrets"]

_URL_SECRETS = re.compile(
    r"(?<=://)(?P<user>[^/?#@]*)@"  # user:password@
    r"|(?<=[?&])(?P<name>[^&=#]*(?:key|secret|token|credential|password|sig)[^&=#]*)=(?P<value>[^&#]*)",
    re.IGNORECASE,
)


def scrub_url(url: str, mask: str = "[REDACTED]") -> str:
    """``url`` with its credentials replaced by ``mask``."""
    return _URL_SECRETS.sub(lambda m: f"{m['name']}={mask}" if m["name"] else f"{mask}@", url)


def url_secrets(url: str) -> list[str]:
    """The credential values in ``url`` (empty ones left out)."""
    found = (m["value"] if m["name"] else m["user"].partition(":")[2] or m["user"] for m in _URL_SECRETS.finditer(url))
    return [value for value in found if value]
