"""The in-memory multipart parser gives what Django's parser gives, for the bodies upload
clients send and for every other shape (which it hands to Django's parser)."""

import io

import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(DEFAULT_CHARSET="utf-8")

from django.core.files.uploadhandler import TemporaryFileUploadHandler  # noqa: E402
from django.http.multipartparser import MultiPartParser  # noqa: E402

from pulp_teamindex.app.upload.form_in_memory import (  # noqa: E402
    IN_MEMORY_LIMIT,
    InMemoryMultiPartParser,
    split_parts,
)

B = "b0undary"
WHEEL = b"PK\x03\x04 not really a zip\r\n--b0undar\r\n\x00\xff"


def part(disposition, content, *headers):
    lines = [f"Content-Disposition: {disposition}", *headers]
    return b"\r\n".join(line.encode() for line in lines) + b"\r\n\r\n" + content


def body(*parts, boundary=B, preamble=b"", epilogue=b"\r\n"):
    delimiter = b"--" + boundary.encode()
    middle = b"".join(delimiter + b"\r\n" + p + b"\r\n" for p in parts)
    return preamble + middle + delimiter + b"--" + epilogue


def field(name, value):
    return part(f'form-data; name="{name}"', value.encode())


def upload(filename="demo-1.0-py3-none-any.whl", content=WHEEL, *headers):
    headers = headers or ("Content-Type: application/octet-stream",)
    return part(f'form-data; name="content"; filename="{filename}"', content, *headers)


TWINE = body(
    field(":action", "file_upload"),
    field("protocol_version", "1"),
    field("name", "demo"),
    field("version", "1.0"),
    field("classifiers", "A :: B"),
    field("classifiers", "C :: D"),
    field("description", "Grüße, 世界\r\nsecond line"),
    field("sha256_digest", "ab" * 32),
    upload(),
)


def parser(data, parser_class=InMemoryMultiPartParser, boundary=B):
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(data)),
    }
    return parser_class(meta, io.BytesIO(data), [TemporaryFileUploadHandler()], "utf-8")


def parse(parser_class, data, boundary=B):
    post, files = parser(data, parser_class, boundary).parse()
    seen = {
        name: [(f.name, f.content_type, f.charset, f.size, f.read()) for f in found]
        for name, found in files.lists()
    }
    for found in files.values():
        found.close()
    return dict(post.lists()), seen


def same_as_django(data, boundary=B):
    ours = parse(InMemoryMultiPartParser, data, boundary)
    assert ours == parse(MultiPartParser, data, boundary)
    return ours


def test_a_twine_upload_is_read_in_memory_as_django_reads_it():
    assert split_parts(TWINE, B.encode()) is not None
    assert parser(TWINE).parse_in_memory(TWINE) is not None
    post, files = same_as_django(TWINE)
    assert post["classifiers"] == ["A :: B", "C :: D"]
    assert post["description"] == ["Grüße, 世界\r\nsecond line"]
    assert files == {
        "content": [
            ("demo-1.0-py3-none-any.whl", "application/octet-stream", None, len(WHEEL), WHEEL)
        ]
    }


PLAIN = [
    body(field("name", "demo"), upload(content=b"")),  # an empty file
    body(field("name", "demo"), upload("x.whl", WHEEL, "content-type: Application/Zip")),
    body(field("name", "demo"), upload("x.whl", WHEEL, "Content-Type: text/plain; charset=utf-8")),
    body(field("name", "demo"), part('form-data; name="content"; filename=""', b"no name")),
    body(field("name", "demo"), upload("dir/../evil.whl"), epilogue=b""),
    body(field("name", "demo"), upload("a&amp;b.whl")),
    body(part('form-data; name="a;b"', b"1"), upload()),
    body(part("form-data; name=unquoted", b"1"), upload()),
    body(part('FORM-DATA; NAME="Shouting"', b"1"), upload()),
    body(part('form-data; name="a\\"b"', b"1"), upload()),  # read by Django's header parser
    body(field("name", "demo"), field("name", "")),  # no file at all
]


@pytest.mark.parametrize("data", PLAIN)
def test_plain_variants_are_read_in_memory_as_django_reads_them(data):
    assert parser(data).parse_in_memory(data) is not None
    same_as_django(data)


OTHER = [
    body(field("name", "demo"), upload(), preamble=b"preamble\r\n"),
    body(field("name", "demo"), upload("x.whl", b"eA==", "Content-Transfer-Encoding: base64")),
    body(field("name", "demo"), part('form-data; name="x"; filename="a.whl"', b"1"), upload()),
    body(field("name", "demo"), upload())[:-8],  # cut short: no closing delimiter
    body(b"Content-Type: text/plain\r\n\r\nno disposition", upload()),
    body(part('attachment; name="x"', b"1"), upload()),
    body(field("name", "demo"), upload(), boundary="other"),
    body(*[field(f"f{i}", "v") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]),
    body(field("description", "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))),
]


@pytest.mark.parametrize("data", OTHER)
def test_other_shapes_are_left_to_django(data):
    assert parser(data).parse_in_memory(data) is None
    try:
        expected = parse(MultiPartParser, data)
    except Exception as exc:  # Django refuses it: so must we, in the same way
        with pytest.raises(type(exc)):
            parse(InMemoryMultiPartParser, data)
        return
    assert parse(InMemoryMultiPartParser, data) == expected


def test_a_body_over_the_limit_is_streamed_by_django():
    big = body(field("name", "demo"), upload(content=b"x" * IN_MEMORY_LIMIT))
    assert len(big) > IN_MEMORY_LIMIT
    assert same_as_django(big)[1]["content"][0][3] == IN_MEMORY_LIMIT
