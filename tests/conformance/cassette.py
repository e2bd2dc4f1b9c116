"""Pure loader for recorded HTTP cassettes (no network access, no modelmux imports).

Understands the four on-disk formats found in ``cassettes/`` (see ``cassettes/INDEX.md``):

* VCR.py v1 (``interactions:`` ... ``version: 1``) with ``body: '...'``, ``body: {string: ...}`` and
  ``!!binary`` (raw, possibly gzip-compressed, wire bytes);
* pydantic-ai's VCR.py variant storing JSON bodies decoded under ``parsed_body:``;
* Ruby VCR 6 (``http_interactions:``), Title-Case headers, ``body: {encoding, string}`` and the Ruby-local
  ``!binary`` tag.

Every recording becomes an :class:`Interaction` whose ``response_body`` is exactly what should be put on the
wire when replaying, with ``response_headers`` consistent with it (see :func:`load_cassette`).
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

__all__ = [
    "CASSETTES_ROOT",
    "CHAT_PROVIDER_CLASSES",
    "CassetteFormatError",
    "Interaction",
    "chat_interactions",
    "decode_content",
    "is_chat_url",
    "iter_cassettes",
    "iter_interactions",
    "load_cassette",
    "provider_class_for_url",
]

#: ``<repo>/cassettes`` (this file lives in ``<repo>/tests/conformance/``).
CASSETTES_ROOT = Path(__file__).resolve().parents[2] / "cassettes"

#: Provider classes (cassette directory names) whose interactions are chat requests.
CHAT_PROVIDER_CLASSES = frozenset({"openai-chat", "anthropic", "gemini"})

# Framing headers describe how the *recorded* bytes travelled; the replayer sets its own.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})
_CASSETTE_SUFFIXES = (".yaml", ".yml")


class CassetteFormatError(ValueError):
    """A cassette file does not look like any of the supported formats."""


# libyaml's C loader is ~10x faster on the multi-megabyte corpus; same semantics as SafeLoader.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CassetteLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """Private safe loader that also understands the Ruby-local ``!binary`` tag (Ruby VCR / Psych)."""


def _construct_ruby_binary(loader: yaml.SafeLoader, node: yaml.Node) -> bytes:
    assert isinstance(node, yaml.ScalarNode)
    return base64.b64decode(loader.construct_scalar(node))


_CassetteLoader.add_constructor("!binary", _construct_ruby_binary)


# --------------------------------------------------------------------------------------------------------
# URL classification
# --------------------------------------------------------------------------------------------------------

_URL_CLASSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/chat/completions$"), "openai-chat"),
    (re.compile(r"/v1/messages$"), "anthropic"),
    (re.compile(r"/embeddings$"), "openai-embeddings"),
    (re.compile(r"/images/(?:generations|edits|variations)$"), "openai-images"),
    (re.compile(r"/moderations$"), "openai-moderations"),
    (re.compile(r"/audio/transcriptions$"), "openai-audio-transcription"),
    (re.compile(r"/responses$"), "openai-responses"),
)
_GEMINI_METHOD = re.compile(r"/models/[^/]+:(?:generateContent|streamGenerateContent)$")


def provider_class_for_url(url: str) -> str | None:
    """Wire-format family of a request URL, derived from its host and path (``None`` if unknown).

    Returns one of ``openai-chat``, ``anthropic``, ``gemini``, ``vertex-gemini``, ``openai-embeddings``,
    ``openai-images``, ``openai-moderations``, ``openai-audio-transcription``, ``openai-responses``.
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if _GEMINI_METHOD.search(path):
        return "vertex-gemini" if "aiplatform" in parts.netloc else "gemini"
    for pattern, name in _URL_CLASSES:
        if pattern.search(path):
            return name
    return None


def is_chat_url(url: str) -> bool:
    """True for ``/chat/completions``, ``/v1/messages`` (not ``count_tokens``), ``:generateContent`` and
    ``:streamGenerateContent`` URLs."""
    return provider_class_for_url(url) in {"openai-chat", "anthropic", "gemini", "vertex-gemini"}


# --------------------------------------------------------------------------------------------------------
# Interaction
# --------------------------------------------------------------------------------------------------------


def decode_content(body: bytes, content_encoding: str | None) -> bytes:
    """Undo a ``Content-Encoding`` (``gzip``, ``deflate``, ``identity``; comma lists applied in reverse).

    Independent of httpx on purpose, so tests can compare the two.
    """
    if not content_encoding:
        return body
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        if coding in {"gzip", "x-gzip"}:
            body = zlib.decompress(body, wbits=16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # raw deflate without zlib header
                body = zlib.decompress(body, wbits=-zlib.MAX_WBITS)
        elif coding != "identity":
            raise ValueError(f"unsupported content-encoding {coding!r}")
    return body


@dataclass(frozen=True)
class Interaction:
    """One recorded request/response pair, normalised for replay."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    request_json: Any | None
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes
    #: Cassette file this came from (``None`` if built by hand) and position within it.
    cassette: Path | None = None
    index: int = 0

    # -- headers ------------------------------------------------------------------------------------
    def response_header(self, name: str) -> str | None:
        """All values of a response header joined with ``", "`` (``None`` if absent)."""
        name = name.lower()
        values = [v for k, v in self.response_headers if k == name]
        return ", ".join(values) if values else None

    @property
    def content_type(self) -> str:
        """Response media type, lower-case, without parameters (``""`` if absent)."""
        value = self.response_header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    @property
    def content_encoding(self) -> str | None:
        return self.response_header("content-encoding")

    # -- URL ----------------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query)

    @property
    def provider_class(self) -> str | None:
        """Wire-format family derived from the request URL (see :func:`provider_class_for_url`).

        May differ from :attr:`cassette_class`: e.g. a ``gemini`` cassette can also hold an OpenAI call.
        """
        return provider_class_for_url(self.url)

    @property
    def cassette_class(self) -> str | None:
        """The ``<provider-class>`` directory of the cassette file (``<source>/<class>/<file>``)."""
        return self.cassette.parent.name if self.cassette is not None else None

    @property
    def source(self) -> str | None:
        """The ``<source>`` directory of the cassette file (``pydantic-ai``, ``ruby_llm``, ...)."""
        return self.cassette.parent.parent.name if self.cassette is not None else None

    @property
    def is_chat(self) -> bool:
        return is_chat_url(self.url)

    @property
    def is_stream(self) -> bool:
        """Streamed response: SSE content type, ``"stream": true`` in the request, ``alt=sse``, or Gemini's
        ``:streamGenerateContent`` (which without ``alt=sse`` streams a JSON array)."""
        if self.content_type == "text/event-stream":
            return True
        if isinstance(self.request_json, dict) and self.request_json.get("stream") is True:
            return True
        return "alt=sse" in self.url or ":streamGenerateContent" in self.path

    @property
    def stream_format(self) -> str | None:
        """``"sse"``, ``"json-array"`` (Gemini without ``alt=sse``) or ``None`` for non-streams/errors."""
        if not self.is_stream or self.status >= 400:
            return None
        if self.content_type == "text/event-stream":
            return "sse"
        head = self.decoded_body().lstrip()[:1]
        if head == b"[":
            return "json-array"
        if head in {b"d", b"e", b":"}:  # "data:", "event:", ": comment"
            return "sse"
        return None

    # -- body ---------------------------------------------------------------------------------------
    def decoded_body(self) -> bytes:
        """Response body with any ``Content-Encoding`` removed (decoded without httpx)."""
        return decode_content(self.response_body, self.content_encoding)

    @property
    def text(self) -> str:
        return self.decoded_body().decode("utf-8")

    def json(self) -> Any:
        """Decoded response body parsed as JSON (raises for SSE / non-JSON bodies)."""
        return json.loads(self.decoded_body())

    def __repr__(self) -> str:
        where = f"{self.cassette.name}#{self.index}" if self.cassette else f"#{self.index}"
        return f"<Interaction {where} {self.method} {self.url} -> {self.status}>"


# --------------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------------


def _header_items(raw: Any) -> list[tuple[str, str]]:
    """Recorded headers (``{Name: [values]}`` or ``{Name: value}``) as lower-cased (name, value) pairs."""
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        raise CassetteFormatError(f"headers must be a mapping, got {type(raw).__name__}")
    items: list[tuple[str, str]] = []
    for name, values in raw.items():
        seq = values if isinstance(values, list) else [values]
        items.extend((str(name).lower(), _scalar_to_str(v)) for v in seq)
    return items


def _scalar_to_str(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


def _raw_body(side: Mapping[str, Any]) -> tuple[bytes | None, bool, Any | None]:
    """Return (body bytes, whether they are raw wire bytes, parsed JSON if stored as ``parsed_body``)."""
    if "parsed_body" in side:
        parsed = side["parsed_body"]
        return json.dumps(parsed).encode("utf-8"), False, parsed
    body = side.get("body")
    if isinstance(body, Mapping):  # VCR.py ``{string: ...}`` or Ruby ``{encoding: ..., string: ...}``
        body = body.get("string")
    if body is None:
        return None, False, None
    if isinstance(body, bytes):  # ``!!binary`` / Ruby ``!binary``: exact recorded bytes
        return body, True, None
    if isinstance(body, str):
        return body.encode("utf-8"), False, None
    raise CassetteFormatError(f"unsupported body type {type(body).__name__}")


def _maybe_json(body: bytes | None, content_type: str) -> Any | None:
    if not body:
        return None
    looks_json = "json" in content_type or body.lstrip()[:1] in {b"{", b"["}
    if not looks_json:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _status(raw: Any) -> int:
    if isinstance(raw, Mapping):
        raw = raw.get("code")
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise CassetteFormatError(f"bad status {raw!r}")
    return int(raw)


def _interaction(raw: Mapping[str, Any], cassette: Path | None, index: int) -> Interaction:
    request = raw["request"]
    response = raw["response"]

    req_items = _header_items(request.get("headers"))
    req_headers: dict[str, list[str]] = {}
    for name, value in req_items:
        req_headers.setdefault(name, []).append(value)
    request_headers = {name: ", ".join(values) for name, values in req_headers.items()}

    req_body, _, req_parsed = _raw_body(request)
    if req_body == b"":
        req_body = None
    request_json = (
        req_parsed if "parsed_body" in request else _maybe_json(req_body, request_headers.get("content-type", ""))
    )

    resp_body, is_wire_bytes, _ = _raw_body(response)
    resp_items = _header_items(response.get("headers"))
    drop = set(_FRAMING_HEADERS)
    if not is_wire_bytes:  # body was stored decoded: it must not be labelled as compressed
        drop.add("content-encoding")
    response_headers = [(k, v) for k, v in resp_items if k not in drop]

    return Interaction(
        method=str(request["method"]).upper(),
        url=str(request["uri"]),
        request_headers=request_headers,
        request_body=req_body,
        request_json=request_json,
        status=_status(response.get("status")),
        response_headers=response_headers,
        response_body=resp_body if resp_body is not None else b"",
        cassette=cassette,
        index=index,
    )


def load_cassette(path: str | Path) -> list[Interaction]:
    """Load every interaction of a cassette file, in recorded order.

    Response normalisation: ``content-length`` and ``transfer-encoding`` are always dropped (the replayer
    frames the body itself). A body recorded as raw bytes (``!!binary``/``!binary``) is kept byte-for-byte
    together with its ``content-encoding`` header, so an HTTP client decodes it; a body recorded decoded
    (plain string or ``parsed_body``) is UTF-8 encoded / ``json.dumps``-ed and ``content-encoding`` is
    dropped. Other headers keep their order and duplicates, with lower-cased names.
    """
    path = Path(path)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CassetteLoader)
    if not isinstance(data, Mapping):
        raise CassetteFormatError(f"{path}: top level is not a mapping")
    if "interactions" in data:  # VCR.py (incl. pydantic-ai's parsed_body variant)
        raw = data["interactions"]
    elif "http_interactions" in data:  # Ruby VCR
        raw = data["http_interactions"]
    else:
        raise CassetteFormatError(f"{path}: neither 'interactions' nor 'http_interactions' found")
    if not isinstance(raw, list):
        raise CassetteFormatError(f"{path}: interactions is not a list")
    return [_interaction(item, path, i) for i, item in enumerate(raw)]


def iter_cassettes(root: str | Path = CASSETTES_ROOT, provider_classes: Collection[str] | None = None) -> list[Path]:
    """Cassette files laid out as ``root/<source>/<provider-class>/<file>``, sorted.

    ``provider_classes`` filters on the ``<provider-class>`` directory; ``None`` means all.
    """
    root = Path(root)
    wanted = None if provider_classes is None else set(provider_classes)
    found = [
        p
        for p in root.glob("*/*/*")
        if p.is_file() and p.suffix in _CASSETTE_SUFFIXES and (wanted is None or p.parent.name in wanted)
    ]
    return sorted(found)


def chat_interactions(path: str | Path) -> list[Interaction]:
    """The interactions of a cassette whose URL is a chat endpoint (see :func:`is_chat_url`)."""
    return [i for i in load_cassette(path) if i.is_chat]


def iter_interactions(paths: Iterable[str | Path]) -> list[Interaction]:
    """All interactions of several cassettes, in order."""
    return [i for p in paths for i in load_cassette(p)]
