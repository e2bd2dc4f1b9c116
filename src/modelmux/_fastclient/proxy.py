"""The HTTP proxy the environment asks for (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``).

Read with the standard library's ``urllib.request.getproxies`` / ``proxy_bypass_environment``, the lower- and
upper-case variables both, as httpx does when ``trust_env`` is on. Only ``http://`` proxies are handled here
(absolute-form requests for ``http://`` targets, a ``CONNECT`` tunnel for ``https://`` ones);
:func:`handled` tells the caller when the environment names another kind (``socks5://``, ``https://``),
so it can use httpx's client instead.
"""

from __future__ import annotations

import base64
import urllib.parse
import urllib.request
from dataclasses import dataclass

__all__ = ["Proxy", "environment_proxies", "handled", "proxy_for"]


@dataclass(frozen=True, slots=True)
class Proxy:
    host: str
    port: int
    #: ``Proxy-Authorization`` value from credentials in the proxy URL (never shown in an error).
    authorization: bytes | None

    @property
    def origin(self) -> str:
        return f"{self.host}:{self.port}"


def environment_proxies() -> dict[str, str]:
    """The proxy variables now set: ``{"http": url, "https": url, "all": url, "no": hosts}``."""
    return urllib.request.getproxies_environment()


def handled(proxies: dict[str, str]) -> bool:
    """Whether every proxy the environment names is one this client speaks to (``http://``)."""
    return all(_scheme(url) == "http" for name, url in proxies.items() if name in ("http", "https", "all"))


def _scheme(url: str) -> str:
    return urllib.parse.urlsplit(url if "://" in url else "http://" + url).scheme.lower()


def proxy_for(proxies: dict[str, str], scheme: str, host: str, port: int) -> Proxy | None:
    """The proxy for a target, or None (none configured, or ``NO_PROXY`` exempts the host)."""
    url = proxies.get(scheme) or proxies.get("all")
    if not url:
        return None
    if "no" in proxies and urllib.request.proxy_bypass_environment(f"{host}:{port}", proxies):  # type: ignore[attr-defined]
        return None
    parts = urllib.parse.urlsplit(url if "://" in url else "http://" + url)
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise ValueError("only http:// proxies are handled by this client")
    authorization = None
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        authorization = b"Basic " + base64.b64encode(f"{user}:{password}".encode())
    return Proxy(parts.hostname, parts.port or 80, authorization)
