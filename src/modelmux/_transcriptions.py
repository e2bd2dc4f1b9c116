"""``transcription()`` and ``atranscription()``: audio in, OpenAI's ``Transcription`` (or plain text) out."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Literal, overload

import httpx

from . import _call
from ._attempts import Cacheable, arun_operation, run_operation
from ._checks import check_choice, check_range, check_text
from ._registry import resolve
from .cost.audio_length import audio_length
from .cost.billing import stamp_billing
from .errors import BadRequestError
from .providers._base import TRANSCRIPTION
from .types import TranscriptionResponse

__all__ = ["FileInput", "atranscription", "transcription"]

#: Audio as bytes, a binary file object, a path, or ``(filename, bytes or file[, content_type])``
#: (a None filename is named after the format sniffed from the bytes).
FileInput = bytes | IO[bytes] | os.PathLike[str] | tuple[str | None, Any] | tuple[str | None, Any, str]
TextFormat = Literal["text", "srt", "vtt"]
JsonFormat = Literal["json", "verbose_json", "diarized_json"]

#: This operation's entries in a ``modelmux.Cache`` (``cache.entries``; a text answer is stored as ``text``).
_cache_kind = "transcription"

_FORMATS = ("json", "text", "srt", "verbose_json", "vtt", "diarized_json")
_FILE_SHAPES = "bytes, a binary file object, a path, or (filename, bytes[, content_type])"
#: Magic numbers of the formats OpenAI accepts, to name a nameless upload (the API goes by the extension).
_SIGNATURES = ((b"RIFF", "wav"), (b"ID3", "mp3"), (b"\xff\xfb", "mp3"), (b"fLaC", "flac"), (b"OggS", "ogg"))
_WEBM = b"\x1a\x45\xdf\xa3"
#: Content types of those formats (the system's ``mimetypes`` tables differ: audio/x-wav, video/webm…).
_AUDIO_TYPES = {
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "mp3": "audio/mpeg",
    "mp4": "audio/mp4",
    "mpeg": "audio/mpeg",
    "mpga": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "webm": "audio/webm",
}


def _sniff_name(content: bytes) -> str:
    ext = next((e for magic, e in _SIGNATURES if content.startswith(magic)), None)
    if ext is None and content.startswith(_WEBM):
        ext = "webm"
    if ext is None and content[4:8] == b"ftyp":
        ext = "m4a"
    return f"audio.{ext or 'wav'}"


def read_file(file: Any) -> tuple[str, bytes, str]:
    """The upload as ``(filename, bytes, content_type)``; a missing name is guessed from the bytes."""
    name: str | None = None
    content_type: str | None = None
    content = file
    if isinstance(file, tuple):
        if len(file) not in (2, 3) or not isinstance(file[0], (str, type(None))):
            raise BadRequestError(f"file must be {_FILE_SHAPES}", param="file")
        name, content = file[0], file[1]
        content_type = file[2] if len(file) == 3 else None
    if isinstance(content, os.PathLike):
        path = Path(content)
        name = name or path.name
        content = path.read_bytes()
    elif hasattr(content, "read"):
        name = name or os.path.basename(str(getattr(content, "name", "") or ""))
        content = content.read()
    if isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    if not isinstance(content, bytes):
        raise BadRequestError(f"file must be {_FILE_SHAPES}; got {type(content).__name__}", param="file")
    if not content:
        raise BadRequestError("file is empty", param="file")
    name = name or _sniff_name(content)
    if not content_type:
        ext = name.rpartition(".")[2].lower()
        content_type = _AUDIO_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, content, content_type


def _prepare(model: str, file: Any, options: dict[str, Any]) -> _call.Call:
    resolved = resolve(model)
    if options.pop("stream", None):
        raise BadRequestError("streamed transcriptions are not supported; call without stream", param="stream")
    params: dict[str, Any] = {"file": read_file(file)}
    for name in ("language", "prompt", "response_format", "temperature", "timestamp_granularities"):
        value = options.pop(name)
        if value is not None:
            params[name] = value
    check_text(params, "language")
    if "prompt" in params and not isinstance(params["prompt"], str):
        raise BadRequestError("prompt must be a string", param="prompt")
    check_choice(params, "response_format", _FORMATS)
    check_range(params, "temperature", 0, 1)
    granularities = params.get("timestamp_granularities")
    if granularities is not None:
        if not isinstance(granularities, list) or not set(granularities) <= {"word", "segment"}:
            raise BadRequestError(
                "timestamp_granularities must be a list of 'word' and/or 'segment'", param="timestamp_granularities"
            )
        if params.get("response_format") != "verbose_json":
            raise BadRequestError(
                "timestamp_granularities needs response_format='verbose_json'", param="timestamp_granularities"
            )
    return _call.open_call(
        resolved,
        params,
        options,
        operation=TRANSCRIPTION,
        known=("language", "prompt", "response_format", "temperature", "timestamp_granularities"),
    )


def _transcribe(model: str, upload: Any, options: dict[str, Any]) -> TranscriptionResponse | str:
    """One attempt, its result stamped with the provider and model that answered and the audio's length when
    its header states it (a text answer cannot be stamped)."""
    call = _prepare(model, upload, options)
    result: TranscriptionResponse | str = _call.execute(call, TRANSCRIPTION)
    return stamp_billing(result, call.ctx.provider, call.ctx.model, seconds=audio_length(upload[1]))


async def _atranscribe(model: str, upload: Any, options: dict[str, Any]) -> TranscriptionResponse | str:
    call = _prepare(model, upload, options)
    result: TranscriptionResponse | str = await _call.aexecute(call, TRANSCRIPTION)
    return stamp_billing(result, call.ctx.provider, call.ctx.model, seconds=audio_length(upload[1]))


@overload
def transcription(model: str, file: FileInput, *, response_format: TextFormat, **kwargs: Any) -> str: ...
@overload
def transcription(
    model: str, file: FileInput, *, response_format: JsonFormat | None = None, **kwargs: Any
) -> TranscriptionResponse: ...
def transcription(
    model: str,
    file: FileInput,
    *,
    language: str | None = None,
    prompt: str | None = None,
    response_format: TextFormat | JsonFormat | None = None,
    temperature: float | None = None,
    timestamp_granularities: list[Literal["word", "segment"]] | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.BaseTransport | None = None,
    **provider_options: Any,
) -> TranscriptionResponse | str:
    """Transcribe audio, in the OpenAI format.

    Args:
        model: ``"openai/whisper-1"``, ``"openai/gpt-4o-transcribe"``, ``"mock/any"``, or a catalogued bare id.
        file: the audio: bytes, a binary file object, a path, or ``(filename, bytes, content_type)``.
        response_format: ``json`` (default), ``verbose_json`` and ``diarized_json`` return a
            :class:`TranscriptionResponse`; ``text``, ``srt`` and ``vtt`` return the text itself.
        timestamp_granularities: ``["word"]`` and/or ``["segment"]``, with ``verbose_json``.
        **provider_options: sent as form fields (e.g. ``include=["logprobs"]``, ``chunking_strategy="auto"``);
            also ``num_retries=`` and ``fallbacks=`` (as for ``completion()``; the file is read once), and
            ``cache=`` (a :class:`modelmux.Cache`: the same audio bytes, name and options to the same model answer
            from it; the key holds the audio's SHA-256, not the audio).

    Raises:
        modelmux.errors.APIError: a subclass per failure; ``BadRequestError`` for a provider without transcription.
    """
    options = _call.gather(locals(), "model", "file")
    upload = read_file(file)  # once: a retry sends the same bytes (a file object would read empty the second time)
    result: TranscriptionResponse | str = run_operation(
        "transcription",
        model,
        options,
        lambda m, o: _transcribe(m, upload, o),
        arguments={"file": upload},
        cacheable=Cacheable(_cache_kind, lambda m, o: _prepare(m, upload, o)),
    )
    return result


@overload
async def atranscription(model: str, file: FileInput, *, response_format: TextFormat, **kwargs: Any) -> str: ...
@overload
async def atranscription(
    model: str, file: FileInput, *, response_format: JsonFormat | None = None, **kwargs: Any
) -> TranscriptionResponse: ...
async def atranscription(
    model: str,
    file: FileInput,
    *,
    language: str | None = None,
    prompt: str | None = None,
    response_format: TextFormat | JsonFormat | None = None,
    temperature: float | None = None,
    timestamp_granularities: list[Literal["word", "segment"]] | None = None,
    api_key: str | None = None,
    api_base: str | None = None,
    timeout: float | httpx.Timeout | None = None,
    extra_headers: Mapping[str, str] | None = None,
    drop_params: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    **provider_options: Any,
) -> TranscriptionResponse | str:
    """The async twin of :func:`transcription`. Same arguments."""
    options = _call.gather(locals(), "model", "file")
    upload = read_file(file)

    async def once(m: str, o: dict[str, Any]) -> TranscriptionResponse | str:
        return await _atranscribe(m, upload, o)

    return await arun_operation(
        "transcription",
        model,
        options,
        once,
        arguments={"file": upload},
        cacheable=Cacheable(_cache_kind, lambda m, o: _prepare(m, upload, o)),
    )
