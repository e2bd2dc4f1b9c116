"""Base64 ``data:`` URLs in OpenAI content parts (``image_url``, ``file.file_data``) → media type and data.

Shared by the providers that send such data inline and refuse anything but base64 (Anthropic, Bedrock).
Errors are made by the provider's ``bad_request`` so they carry its name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import BadRequestError

__all__ = ["file_part_data", "split_data_url"]


def split_data_url(url: str, here: str, bad_request: Callable[[str, str], BadRequestError]) -> tuple[str, str]:
    """``data:<media type>;base64,<data>`` → (media type, lower-cased, and the base64 data)."""
    header, sep, data = url[5:].partition(",")
    params = header.split(";")
    if not sep or "base64" not in params[1:] or not data:
        raise bad_request(f"{here}: data URLs must be base64-encoded (data:<type>;base64,...)", "messages")
    return params[0].strip().lower() or "application/octet-stream", data


def file_part_data(
    file: Any, here: str, bad_request: Callable[[str, str], BadRequestError]
) -> tuple[Mapping[str, Any], str, str]:
    """``(file, media type, base64 data)`` of a ``file`` part's ``file`` object.

    ``file_data`` is a data URL or bare base64, which OpenAI also accepts and which is taken as a PDF.
    ``file_id`` names a file in OpenAI's Files API, which these providers cannot read.
    """
    if not isinstance(file, Mapping):
        raise bad_request(f"{here}.file must be an object", "messages")
    data_url = file.get("file_data")
    if not isinstance(data_url, str) or not data_url:
        if file.get("file_id"):
            raise bad_request(
                f"{here}: file_id refers to OpenAI's Files API; pass the content as file_data instead", "messages"
            )
        raise bad_request(f"{here}.file.file_data is required", "messages")
    if not data_url.startswith("data:"):
        data_url = "data:application/pdf;base64," + data_url
    media_type, data = split_data_url(data_url, here, bad_request)
    return file, media_type, data
