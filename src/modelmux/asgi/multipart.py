"""A strict ``multipart/form-data`` parser (RFC 7578 over RFC 2046), stdlib only.

The body is already bounded by the key's limit, so it is parsed in memory. Anything malformed, truncated or
ambiguous raises :class:`MultipartError` (the app answers 400): a missing closing delimiter, a part without
``Content-Disposition: form-data; name=...``, folded or non-UTF-8 headers, too many parts, oversized part headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["FormPart", "MultipartError", "boundary_of", "parse_form"]

MAX_PARTS = 64
MAX_PART_HEADER_BYTES = 8 * 1024

# RFC 2046 section 5.1.1: 1 to 70 of these, not ending with a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 8187 section 3.2.1: value-chars are attr-chars or "%" HEXDIG HEXDIG.
_EXT_VALUE = re.compile(r"(?:[!#$&+\-.^_`|~0-9A-Za-z]|%[0-9A-Fa-f]{2})*")


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True, slots=True)
class FormPart:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise MultipartError(f"form field {self.name!r} is not UTF-8 text") from None


def _params(value: str) -> tuple[str, dict[str, str]]:
    """``type; a=b; c="d"`` → ``("type", {"a": "b", "c": "d"})`` with quoted-string escapes undone."""
    head, _, rest = value.partition(";")
    params: dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t;":
            i += 1
        if i >= n:
            break
        m = _TOKEN.match(rest, i)
        if m is None or m.end() >= n or rest[m.end()] != "=":
            raise MultipartError(f"malformed header parameters: {value[:80]!r}")
        key = m.group().lower()
        if key in params:
            raise MultipartError(f"duplicate parameter {key!r} in {value[:80]!r}")
        i = m.end() + 1
        if i < n and rest[i] == '"':
            out: list[str] = []
            i += 1
            while i < n and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(rest[i])
                i += 1
            if i >= n:
                raise MultipartError(f"unterminated quoted string in {value[:80]!r}")
            i += 1
            params[key] = "".join(out)
        else:
            m = _TOKEN.match(rest, i)
            if m is None:
                raise MultipartError(f"malformed header parameters: {value[:80]!r}")
            params[key] = m.group()
            i = m.end()
        while i < n and rest[i] in " \t":
            i += 1
        if i < n and rest[i] != ";":
            raise MultipartError(f"malformed header parameters: {value[:80]!r}")
    return head.strip().lower(), params


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` content type."""
    kind, params = _params(content_type)
    if kind != "multipart/form-data":
        raise MultipartError("expected Content-Type: multipart/form-data")
    boundary = params.get("boundary")
    if not boundary or not _BOUNDARY.fullmatch(boundary):
        raise MultipartError("multipart/form-data needs a boundary of 1 to 70 allowed characters")
    return boundary.encode("ascii")


def _part_headers(block: bytes) -> dict[str, str]:
    if len(block) > MAX_PART_HEADER_BYTES:
        raise MultipartError(f"part headers over {MAX_PART_HEADER_BYTES} bytes")
    headers: dict[str, str] = {}
    for line in block.split(b"\r\n") if block else ():
        name, sep, value = line.partition(b":")
        if not sep or not _HEADER_NAME.fullmatch(name):
            raise MultipartError("malformed part header line")
        key = name.decode("ascii").lower()
        if key in headers:
            raise MultipartError(f"duplicate part header {key!r}")
        try:
            headers[key] = value.decode("utf-8").strip(" \t")
        except UnicodeDecodeError:
            raise MultipartError("part headers are not UTF-8") from None
    return headers


def _part(headers: dict[str, str], data: bytes) -> FormPart:
    disposition = headers.get("content-disposition")
    if disposition is None:
        raise MultipartError("a part has no Content-Disposition header")
    kind, params = _params(disposition)
    if kind != "form-data" or "name" not in params:
        raise MultipartError('each part needs Content-Disposition: form-data; name="..."')
    filename = params.get("filename")
    extended = params.get("filename*")
    if extended is not None:
        filename = _extended_value(extended)
    return FormPart(params["name"], data, filename, headers.get("content-type"))


def _extended_value(value: str) -> str:
    """An RFC 8187 ``ext-value``: ``UTF-8'<language>'<percent-encoded UTF-8>``; strict about every byte."""
    charset, sep, rest = value.partition("'")
    _, sep2, encoded = rest.partition("'")
    if not (sep and sep2) or charset.lower() != "utf-8":
        raise MultipartError("filename* must be UTF-8''<percent-encoded name>")
    if not _EXT_VALUE.fullmatch(encoded):
        raise MultipartError("filename* has an invalid percent-escape or a character that must be escaped")
    try:
        return unquote(encoded, errors="strict")  # strict UTF-8: no invalid bytes, no encoded surrogates
    except UnicodeDecodeError:
        raise MultipartError("filename* is not percent-encoded UTF-8") from None


def parse_form(body: bytes, boundary: bytes) -> list[FormPart]:
    """Every part of ``body``, in order."""
    delimiter = b"--" + boundary
    next_delimiter = b"\r\n" + delimiter
    if body.startswith(delimiter):
        pos = len(delimiter)
    else:  # a preamble (RFC 2046 lets senders put text before the first delimiter)
        found = body.find(next_delimiter)
        if found < 0:
            raise MultipartError("the body does not contain the boundary")
        pos = found + len(next_delimiter)
    parts: list[FormPart] = []
    while True:
        if body.startswith(b"--", pos):
            return parts  # the close delimiter; what follows is the epilogue
        while pos < len(body) and body[pos] in b" \t":
            pos += 1
        if not body.startswith(b"\r\n", pos):
            raise MultipartError("truncated or malformed multipart body (no line break after a boundary)")
        pos += 2
        if len(parts) >= MAX_PARTS:
            raise MultipartError(f"more than {MAX_PARTS} parts")
        if body.startswith(b"\r\n", pos):
            header_end, block = pos, b""
        else:
            header_end = body.find(b"\r\n\r\n", pos)
            if header_end < 0:
                raise MultipartError("truncated multipart body (part headers never end)")
            block = body[pos:header_end]
        start = header_end + 4 if block else header_end + 2
        end = body.find(next_delimiter, start)
        if end < 0:
            raise MultipartError("truncated multipart body (no closing boundary)")
        parts.append(_part(_part_headers(block), body[start:end]))
        pos = end + len(next_delimiter)
