"""OpenAI content parts → Converse ``ContentBlock`` s (text, images, documents, cache points).

https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html

* ``text`` → ``{"text"}``; empty or whitespace-only text is skipped (Converse rejects blank text).
* ``image_url``: a base64 ``data:`` URL → ``{"image": {"format", "source": {"bytes"}}}`` (png, jpeg, gif,
  webp; a PDF becomes a document); an ``s3://`` URI → ``source.s3Location``. Converse cannot fetch http(s)
  URLs, and modelmux does no I/O while translating, so those are refused with a clear message.
  ``detail`` has no Converse equivalent and is ignored.
* ``file`` with ``file_data`` (a data URL or bare base64, assumed PDF) → ``{"document": {"format", "name",
  "source": {"bytes"}}}``; the name comes from ``filename`` reduced to the characters Converse allows.
* ``cache_control`` on a part (Anthropic's prompt-caching marker, which OpenAI clients pass through) →
  a ``{"cachePoint": {"type": "default"}}`` block right after it (``ttl`` kept when it is ``5m``/``1h``).

Blob fields travel base64-encoded in the JSON body, as the AWS JSON protocol sends them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._data_urls import file_part_data, split_data_url
from .errors import bad_request

__all__ = ["cache_point", "convert_parts"]

_IMAGE_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}
_IMAGE_EXTENSIONS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif", "webp": "webp"}
# DocumentFormat enum (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html).
_DOCUMENT_FORMATS = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
}
_NAME_BAD_CHARS = re.compile(r"[^A-Za-z0-9\s\-()\[\]]+")
_SPACES = re.compile(r"\s+")


def cache_point(cache_control: Any) -> dict[str, Any] | None:
    """The ``cachePoint`` block for an Anthropic-style ``cache_control`` marker (``None`` when absent)."""
    if not cache_control:
        return None
    point: dict[str, Any] = {"type": "default"}
    ttl = cache_control.get("ttl") if isinstance(cache_control, Mapping) else None
    if ttl in ("5m", "1h"):
        point["ttl"] = ttl
    return {"cachePoint": point}


def convert_parts(
    content: Any, where: str, *, allow: frozenset[str] | None = None, counter: list[int] | None = None
) -> list[dict[str, Any]]:
    """Blocks for a message's ``content`` (a string or a list of parts).

    Args:
        where: location used in error messages, e.g. ``"messages[2]"``.
        allow: the part types accepted here (``None``: text, image_url and file).
        counter: shared document counter, so default document names stay unique in one request.
    """
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content.strip() else []
    if not isinstance(content, list):
        raise bad_request(f"{where}.content must be a string or a list of content parts", "messages")
    blocks: list[dict[str, Any]] = []
    for i, part in enumerate(content):
        here = f"{where}.content[{i}]"
        if isinstance(part, str):
            part = {"type": "text", "text": part}
        if not isinstance(part, Mapping):
            raise bad_request(f"{here} must be an object", "messages")
        kind = part.get("type")
        if allow is not None and (not isinstance(kind, str) or kind not in allow):  # a list type is unhashable
            raise bad_request(
                f"{here}: content part type {str(kind)[:100]!r} is not accepted here "
                f"(expected {', '.join(sorted(allow))})",
                "messages",
            )
        block = _convert_part(part, kind, here, counter if counter is not None else [0])
        if block is not None:
            blocks.append(block)
        point = cache_point(part.get("cache_control"))
        if point is not None and blocks:
            blocks.append(point)
    return blocks


def _convert_part(part: Mapping[str, Any], kind: Any, here: str, counter: list[int]) -> dict[str, Any] | None:
    if kind == "text":
        text = part.get("text")
        if not isinstance(text, str):
            raise bad_request(f"{here}.text must be a string", "messages")
        return {"text": text} if text.strip() else None
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if not isinstance(url, str) or not url:
            raise bad_request(f"{here}.image_url.url must be a non-empty string", "messages")
        return _image(url, here, counter)
    if kind == "file":
        return _file(part.get("file"), here, counter)
    if kind == "input_audio":
        raise bad_request(f"{here}: audio input is not supported through the Converse API", "messages")
    raise bad_request(f"{here}: unsupported content part type {kind!r}", "messages")


def _image(url: str, here: str, counter: list[int]) -> dict[str, Any]:
    if url.startswith("data:"):
        media_type, data = split_data_url(url, here, bad_request)
        if media_type in _DOCUMENT_FORMATS:  # some clients send PDFs as image_url
            return _document(media_type, data, None, here, counter)
        fmt = _IMAGE_FORMATS.get(media_type)
        if fmt is None:
            raise bad_request(
                f"{here}: image media type {media_type!r} is not supported by Bedrock (png, jpeg, gif or webp)",
                "messages",
            )
        return {"image": {"format": fmt, "source": {"bytes": data}}}
    if url.startswith("s3://"):
        ext = url.rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else ""
        fmt = _IMAGE_EXTENSIONS.get(ext)
        if fmt is None:
            raise bad_request(f"{here}: cannot tell the image format of {url!r} from its extension", "messages")
        return {"image": {"format": fmt, "source": {"s3Location": {"uri": url}}}}
    if url.startswith(("http://", "https://")):
        raise bad_request(
            f"{here}: Bedrock cannot fetch image URLs; pass the image as a base64 data: URL or an s3:// URI",
            "messages",
        )
    raise bad_request(f"{here}: image URL must be a base64 data: URL or an s3:// URI", "messages")


def _file(part_file: Any, here: str, counter: list[int]) -> dict[str, Any]:
    file, media_type, data = file_part_data(part_file, here, bad_request)
    if media_type in _IMAGE_FORMATS:
        return {"image": {"format": _IMAGE_FORMATS[media_type], "source": {"bytes": data}}}
    filename = file.get("filename")
    return _document(media_type, data, filename if isinstance(filename, str) else None, here, counter)


def _document(media_type: str, data: str, filename: str | None, here: str, counter: list[int]) -> dict[str, Any]:
    fmt = _DOCUMENT_FORMATS.get(media_type)
    if fmt is None:
        raise bad_request(
            f"{here}: file media type {media_type!r} is not supported by Bedrock "
            f"(expected one of {', '.join(sorted(_DOCUMENT_FORMATS))})",
            "messages",
        )
    counter[0] += 1
    return {"document": {"format": fmt, "name": _document_name(filename, counter[0]), "source": {"bytes": data}}}


def _document_name(filename: str | None, n: int) -> str:
    """Converse allows alphanumerics, single spaces, hyphens, parentheses and square brackets."""
    stem = (filename or "").rsplit(".", 1)[0]
    name = _SPACES.sub(" ", _NAME_BAD_CHARS.sub(" ", stem)).strip()[:200]
    return name or f"document-{n}"
