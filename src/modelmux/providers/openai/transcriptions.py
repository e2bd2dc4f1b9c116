"""``POST /audio/transcriptions``: a multipart form out, JSON or plain text back.

Fields are encoded as OpenAI's own client does (API reference, "Create transcription"): lists as
repeated ``name[]`` fields (``timestamp_granularities[]``, ``include[]``), objects as ``name[key]``
(``chunking_strategy[type]``), booleans as ``true``/``false``.
"""

from __future__ import annotations

from typing import Any

from ...types import TranscriptionResponse
from .._base import TEXT_TRANSCRIPT_FORMATS, CallContext

__all__ = ["convert_transcription_form", "parse_transcription_response"]


def _add_field(data: dict[str, str | list[str]], name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _add_field(data, f"{name}[{key}]", item)
    elif isinstance(value, (list, tuple)):
        data[f"{name}[]"] = [_scalar(item) for item in value]
    else:
        data[name] = _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def convert_transcription_form(
    params: dict[str, Any], ctx: CallContext
) -> tuple[dict[str, tuple[str, bytes, str]], dict[str, str | list[str]]]:
    """The form's ``files`` (the audio) and ``data`` (every other field, caller extras last)."""
    data: dict[str, str | list[str]] = {"model": ctx.model}
    for name, value in params.items():
        if name != "file":
            _add_field(data, name, value)
    for name, value in ctx.extra_body.items():
        _add_field(data, name, value)
    return {"file": params["file"]}, data


def parse_transcription_response(body: bytes, params: dict[str, Any]) -> TranscriptionResponse | str:
    """``text``/``srt``/``vtt`` come back as the text itself; the JSON formats as a ``TranscriptionResponse``."""
    if params.get("response_format") in TEXT_TRANSCRIPT_FORMATS:
        return body.decode("utf-8")
    return TranscriptionResponse.model_validate_json(body)
