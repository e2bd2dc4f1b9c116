"""The strict multipart/form-data parser, object in, object out."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelmux.asgi.multipart import MAX_PARTS, FormPart, MultipartError, boundary_of, parse_form


def encode(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """What httpx (and so the openai SDK) sends."""
    request = httpx.Request("POST", "http://x", data=fields, files=files)
    return request.read(), request.headers["content-type"]


def test_what_httpx_sends_parses_back() -> None:
    body, content_type = encode(
        {"model": "whisper", "language": "en"}, {"file": ("a b.wav", b"\x00\r\n--x", "audio/wav")}
    )
    parts = parse_form(body, boundary_of(content_type))
    assert [p.name for p in parts] == ["model", "language", "file"]
    assert parts[0] == FormPart("model", b"whisper")
    assert parts[2].filename == "a b.wav" and parts[2].data == b"\x00\r\n--x" and parts[2].content_type == "audio/wav"


def test_boundary_parsing() -> None:
    assert boundary_of('multipart/form-data; boundary="a b:c"') == b"a b:c"
    assert boundary_of("Multipart/Form-Data;boundary=xyz") == b"xyz"
    for bad in (
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/mixed; boundary=x",
        "multipart/form-data; boundary=" + "x" * 71,
        'multipart/form-data; boundary="ends with space "',
        "multipart/form-data; boundary=a; boundary=b",
        'multipart/form-data; boundary="open',
        "multipart/form-data; boundary=a b",
    ):
        with pytest.raises(MultipartError):
            boundary_of(bad)


def _part(headers: str, data: bytes = b"v") -> bytes:
    return b"--B\r\n" + headers.encode() + b"\r\n\r\n" + data + b"\r\n"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"--B",
        b"--B\r\n",
        _part('Content-Disposition: form-data; name="a"'),  # no close delimiter
        _part('Content-Disposition: form-data; name="a"') + b"--B",  # close delimiter cut short
        _part("Content-Type: text/plain") + b"--B--",  # no disposition
        _part('Content-Disposition: attachment; name="a"') + b"--B--",
        _part("Content-Disposition: form-data") + b"--B--",  # no name
        _part('Content-Disposition: form-data; name="a"\r\n folded') + b"--B--",
        _part('Content-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="b"') + b"--B--",
        _part('Content-Disposition: form-data; name="a"; name="b"') + b"--B--",
        b'--B\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nv\r\n--B--',  # not UTF-8
        b'--B\r\nContent-Disposition: form-data; name="a"',  # headers never end
        b"--Bx\r\n\r\nv\r\n--B--",  # junk after a delimiter
        b"no boundary here at all",
        _part("Content-Disposition: form-data; name=\"f\"; filename*=latin-1''x") + b"--B--",
    ],
)
def test_malformed_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(MultipartError):
        parse_form(body, b"B")


def test_preamble_epilogue_padding_and_empty_headers() -> None:
    body = (
        b"preamble\r\n--B  \r\n\r\nraw\r\n" + _part('content-disposition: form-data; name="a"') + b"--B--\r\nepilogue"
    )
    with pytest.raises(MultipartError):  # the first part has no headers, so no name
        parse_form(body, b"B")
    body = b"preamble\r\n" + _part('content-disposition: form-data; name="a"', b"1") + b"--B--\r\nepilogue"
    assert parse_form(body, b"B") == [FormPart("a", b"1")]


def test_extended_and_escaped_filenames() -> None:
    body = _part("Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E2%82%AC.wav") + b"--B--"
    assert parse_form(body, b"B")[0].filename == "€.wav"
    body = _part('Content-Disposition: form-data; name="f"; filename="a\\"b.wav"') + b"--B--"
    assert parse_form(body, b"B")[0].filename == 'a"b.wav'


def test_limits_on_parts_and_header_size() -> None:
    many = b"".join(_part(f'Content-Disposition: form-data; name="p{i}"') for i in range(MAX_PARTS + 1)) + b"--B--"
    with pytest.raises(MultipartError):
        parse_form(many, b"B")
    big = _part('Content-Disposition: form-data; name="a"\r\nX-Pad: ' + "p" * 9000) + b"--B--"
    with pytest.raises(MultipartError):
        parse_form(big, b"B")


def test_text_fields_must_be_utf8() -> None:
    part = parse_form(_part('Content-Disposition: form-data; name="a"', b"\xff") + b"--B--", b"B")[0]
    with pytest.raises(MultipartError):
        part.text()


@given(
    fields=st.dictionaries(st.text("abcdefgh_", min_size=1, max_size=8), st.text(max_size=30), max_size=5),
    data=st.binary(max_size=300),
    filename=st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s),
)
def test_round_trip(fields: dict[str, str], data: bytes, filename: str) -> None:
    body, content_type = encode(fields, {"file": (filename, data, "application/octet-stream")})
    parts = parse_form(body, boundary_of(content_type))
    assert {p.name: p.text() for p in parts if p.name != "file"} == fields
    upload = next(p for p in parts if p.name == "file")
    assert upload.data == data


@given(data=st.binary(max_size=200), cut=st.integers(min_value=0))
def test_any_truncation_before_the_close_delimiter_is_refused(data: bytes, cut: int) -> None:
    body, content_type = encode({"model": "m"}, {"file": ("a.wav", data, "audio/wav")})
    boundary = boundary_of(content_type)
    end = body.rindex(b"--" + boundary + b"--") + len(boundary) + 4
    truncated = body[: cut % end]
    with pytest.raises(MultipartError):
        parse_form(truncated, boundary)
