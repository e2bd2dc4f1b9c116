"""OpenAI content parts → Anthropic content blocks (text, images, documents).

Parts (https://platform.openai.com/docs/api-reference/chat/create):

* ``{"type": "text", "text": ...}`` → text block; empty or whitespace-only text is skipped (Anthropic
  rejects text blocks without non-whitespace text).
* ``{"type": "image_url", "image_url": {"url": ...}}``: an http(s) URL → image with a ``url`` source; a
  ``data:`` URL → ``base64`` source with its media type (jpeg/png/gif/webp; ``application/pdf`` becomes a
  document block). ``detail`` has no Anthropic equivalent and is ignored.
* ``{"type": "file", "file": {"file_data": "data:application/pdf;base64,..."}}`` → document block (PDF, or
  plain text). ``file_id`` names a file in OpenAI's Files API, which Anthropic cannot read.
* ``cache_control`` on any part is kept on the block it becomes.

Anything else (``input_audio``, unknown types) is refused with a clear :class:`BadRequestError`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from .._data_urls import file_part_data, split_data_url
from .errors import bad_request

__all__ = ["convert_parts", "text_block"]

_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def text_block(text: str, part: Mapping[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": text}
    if part is not None and part.get("cache_control"):
        block["cache_control"] = part["cache_control"]
    return block


def convert_parts(content: Any, where: str, *, allow: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """Blocks for a message's ``content`` (a string or a list of parts).

    Args:
        content: the OpenAI ``content`` value.
        where: location used in error messages, e.g. ``"messages[2]"``.
        allow: the part types accepted here (``None``: all of text, image_url, file).
    """
    if content is None:
        return []
    if isinstance(content, str):
        return [text_block(content)] if content.strip() else []
    if not isinstance(content, list):
        raise bad_request(f"{where}.content must be a string or a list of content parts", "messages")
    blocks: list[dict[str, Any]] = []
    for i, part in enumerate(content):
        here = f"{where}.content[{i}]"
        if isinstance(part, str):  # tolerated shorthand
            part = {"type": "text", "text": part}
        if not isinstance(part, Mapping):
            raise bad_request(f"{here} must be an object", "messages")
        kind = part.get("type")
        if allow is not None and (not isinstance(kind, str) or kind not in allow):
            raise bad_request(
                f"{here}: content part type {str(kind)[:100]!r} is not accepted here "
                f"(expected {', '.join(sorted(allow))})",
                "messages",
            )
        block = _convert_part(part, kind, here)
        if block is not None:
            blocks.append(block)
    return blocks


def _convert_part(part: Mapping[str, Any], kind: Any, here: str) -> dict[str, Any] | None:
    if kind == "text":
        text = part.get("text")
        if not isinstance(text, str):
            raise bad_request(f"{here}.text must be a string", "messages")
        return text_block(text, part) if text.strip() else None
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if not isinstance(url, str) or not url:
            raise bad_request(f"{here}.image_url.url must be a non-empty string", "messages")
        return _with_cache_control(_image_block(url, here), part)
    if kind == "file":
        return _with_cache_control(_file_block(part.get("file"), here), part)
    if kind == "input_audio":
        raise bad_request(f"{here}: Anthropic models do not accept audio input", "messages")
    raise bad_request(f"{here}: unsupported content part type {str(kind)[:100]!r}", "messages")


def _with_cache_control(block: dict[str, Any], part: Mapping[str, Any]) -> dict[str, Any]:
    if part.get("cache_control"):
        block["cache_control"] = part["cache_control"]
    return block


def _image_block(url: str, here: str) -> dict[str, Any]:
    if url.startswith(("http://", "https://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    if url.startswith("data:"):
        media_type, data = split_data_url(url, here, bad_request)
        if media_type == "application/pdf":  # some clients send PDFs as image_url
            return {"type": "document", "source": {"type": "base64", "media_type": media_type, "data": data}}
        if media_type not in _IMAGE_TYPES:
            raise bad_request(
                f"{here}: image media type {media_type!r} is not supported by Anthropic "
                f"(expected one of {', '.join(sorted(_IMAGE_TYPES))})",
                "messages",
            )
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    raise bad_request(f"{here}: image URL must be http(s) or a base64 data: URL", "messages")


def _file_block(part_file: Any, here: str) -> dict[str, Any]:
    file, media_type, data = file_part_data(part_file, here, bad_request)
    block = _document(media_type, data, here)
    if isinstance(file.get("filename"), str) and file["filename"]:
        block["title"] = file["filename"]
    return block


def _document(media_type: str, data: str, here: str) -> dict[str, Any]:
    if media_type == "application/pdf":
        return {"type": "document", "source": {"type": "base64", "media_type": media_type, "data": data}}
    if media_type == "text/plain":
        try:
            text = base64.b64decode(data).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            raise bad_request(f"{here}: file_data is not valid base64", "messages") from None
        return {"type": "document", "source": {"type": "text", "media_type": media_type, "data": text}}
    raise bad_request(f"{here}: file media type {media_type!r} is not supported (PDF or plain text)", "messages")
