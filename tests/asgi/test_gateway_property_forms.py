"""Property-based, continued: any header bytes, and any ``multipart/form-data`` upload (odd fields, any text,
``filename`` and ``filename*`` with broken escapes or encoded surrogates) are a 2xx or a 4xx OpenAI-shaped error,
with ``/health`` answering after each."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from test_gateway_property import AUTH, FEW, JSON_CT, any_char, check

header_names = st.sampled_from(
    [b"authorization", b"content-type", b"content-length", b"host", b"origin", b"x-request-id", b"transfer-encoding"]
) | st.binary(min_size=1, max_size=20)


@FEW
@given(extra=st.lists(st.tuples(header_names, st.binary(max_size=80)), max_size=6), keep_auth=st.booleans())
def test_any_headers(extra: list[tuple[bytes, bytes]], keep_auth: bool) -> None:
    body = b'{"model": "mock/echo", "messages": [{"role": "user", "content": "hi"}]}'
    base = [AUTH, JSON_CT] if keep_auth else [JSON_CT]
    check("/v1/chat/completions", base + [(name.lower(), value) for name, value in extra], body)


filename_values = (
    st.text(max_size=12)
    | st.text(any_char, max_size=6).map(lambda t: "UTF-8''" + t)
    | st.lists(
        st.sampled_from(["%", "%2", "%zz", "%E2%82%AC", "%ff", "%ED%A0%80", "a", " ", "%00", '"']), max_size=6
    ).map(lambda bits: "UTF-8''" + "".join(bits))
)


def _quoted(value: str) -> bytes:
    return b'"' + value.replace("\\", "\\\\").replace('"', '\\"').encode("utf-8", "surrogatepass") + b'"'


@FEW
@given(
    fields=st.dictionaries(
        st.sampled_from(["model", "language", "prompt", "response_format", "temperature", "timestamp_granularities[]"]),
        st.text(any_char, max_size=10) | st.sampled_from(["mock/transcription", "json", "text", "0.5", "word"]),
        max_size=5,
    ),
    filename_param=st.sampled_from([b"filename", b"filename*"]),
    filename=filename_values,
    data=st.binary(max_size=64),
)
def test_any_multipart_form(fields: dict[str, str], filename_param: bytes, filename: str, data: bytes) -> None:
    boundary = b"b0undary"
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (boundary, name.encode(), value.encode("utf-8", "surrogatepass"))
        for name, value in fields.items()
    ]
    quoted = filename.encode("utf-8", "surrogatepass") if filename_param == b"filename*" else _quoted(filename)
    if b"\r" in quoted or b"\n" in quoted:
        quoted = b"x.wav"
    parts.append(
        b'--%s\r\nContent-Disposition: form-data; name="file"; %s=%s\r\nContent-Type: audio/wav\r\n\r\n%s\r\n'
        % (boundary, filename_param, quoted, data)
    )
    body = b"".join(parts) + b"--%s--\r\n" % boundary
    content_type = (b"content-type", b"multipart/form-data; boundary=" + boundary)
    check("/v1/audio/transcriptions", [AUTH, content_type], body)
