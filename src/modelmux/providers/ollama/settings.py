"""Where Ollama listens: the default address, ``OLLAMA_HOST`` read as Ollama reads it, and endpoint URLs.

Ollama's clients accept a host with or without scheme, port and path (``0.0.0.0``, ``:11435``,
``example.com/ollama``, ``https://ollama.com``); without a scheme they use ``http`` and port 11434
(github.com/ollama/ollama-python ``_client._parse_host``; the Go client's ``envconfig.Host`` does the same).
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["DEFAULT_API_BASE", "DEFAULT_PORT", "display_base", "is_openai_route", "native_url", "normalize_base"]

DEFAULT_PORT = 11434
DEFAULT_API_BASE = f"http://localhost:{DEFAULT_PORT}"


def normalize_base(value: str) -> str:
    """An ``api_base`` / ``OLLAMA_HOST`` value as a URL: ``http://`` and port 11434 when no scheme is given,
    ``127.0.0.1`` when no host is given; an explicit scheme keeps its own default port. No trailing slash."""
    value = value.strip()
    if "://" in value:
        return value.rstrip("/")
    split = urlsplit(f"http://{value}")
    host = split.hostname or "127.0.0.1"
    if ":" in host:  # an IPv6 literal: urlsplit drops its brackets
        host = f"[{host}]"
    try:
        port = split.port or DEFAULT_PORT
    except ValueError:  # not a number: Ollama falls back to its default port too
        port = DEFAULT_PORT
    path = split.path.strip("/")
    return f"http://{host}:{port}" + (f"/{path}" if path else "")


def is_openai_route(api_base: str) -> bool:
    """Whether the base points at Ollama's OpenAI-compatible route (``…/v1``) rather than its own API."""
    return normalize_base(api_base).endswith("/v1")


def native_url(api_base: str, path: str) -> str:
    """``{base}/api/{path}``; a base that already ends in ``/api`` (or in the whole path) is not doubled."""
    base = normalize_base(api_base)
    if base.endswith(f"/api/{path}"):
        return base
    base = base.removesuffix("/api")
    return f"{base}/api/{path}"


def display_base(api_base: str) -> str:
    """The base as an error may show it: scheme, host, port and path; no credentials, no query."""
    split = urlsplit(normalize_base(api_base))
    host = split.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{split.port}" if split.port else ""
    return f"{split.scheme}://{host}{port}{split.path}"
