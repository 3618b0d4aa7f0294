"""Multipart parsing of a small upload body in memory, with Django's results.

Django's parser streams every body through a general-purpose machine (lazy streams, pushback,
boundary search per chunk) that costs a twine upload about half a millisecond of the API's
CPU, a tenth of what the upload costs the API in all. A body of at most IN_MEMORY_LIMIT bytes
is read at once and cut at its boundaries with `bytes.split`. Only the plain shape upload
clients send is handled here: the first delimiter at the start, every part with headers, no
transfer encoding, within Django's limits. Anything else is left to Django's parser, which
then answers as it always does (tests/unit/test_form_in_memory.py compares the two).
"""

import io
import re

from django.conf import settings
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict
from django.utils.encoding import force_str
from django.utils.http import parse_header_parameters

IN_MEMORY_LIMIT = 1024 * 1024  # bodies up to this size; a typical wheel is far smaller
MAX_HEADERS = 1024  # Django reads a part's headers from its first KiB


class InMemoryMultiPartParser(MultiPartParser):
    def parse(self):
        if 0 < self._content_length <= IN_MEMORY_LIMIT:
            body = self._input_data.read(self._content_length)
            if (parsed := self.parse_in_memory(body)) is not None:
                return parsed
            self._input_data = io.BytesIO(body)  # Django's parser reads it after all
        return super().parse()

    def parse_in_memory(self, body):
        """(POST, FILES) as Django's parser would make them, or None for another shape."""
        parts = split_parts(body, self._boundary)
        if parts is None or not _within_limits(parts):
            return None
        post, files = QueryDict(mutable=True, encoding=self._encoding), MultiValueDict()
        try:
            for headers, content in parts:
                self._add(post, files, headers, content)
        except Exception:
            for upload in files.values():
                upload.close()
            raise
        post._mutable = False
        return post, files

    def _add(self, post, files, headers, content):
        disposition = headers["content-disposition"][1]
        name = force_str(disposition["name"].strip(), self._encoding, errors="replace")
        if not disposition.get("filename"):
            post.appendlist(name, force_str(content, self._encoding, errors="replace"))
            return
        filename = force_str(disposition["filename"], self._encoding, errors="replace")
        filename = self.sanitize_file_name(filename)
        if not filename:
            return
        content_type, extra = headers.get("content-type", ("", {}))
        (handler,) = self._upload_handlers
        handler.new_file(name, filename, content_type.strip(), None, extra.get("charset"), extra)
        handler.receive_data_chunk(content, 0)
        files.appendlist(name, handler.file_complete(len(content)))


def split_parts(body, boundary):
    """[(headers, content)] of a multipart `body`, each part's headers read as Django reads
    them ({lowercased name: (value, {parameter: bytes})}); None unless every part is plain."""
    pieces = (b"\r\n" + body).split(b"\r\n--" + boundary)
    if len(pieces) < 3 or pieces[0] or pieces[-1] not in (b"--", b"--\r\n"):
        return None
    parts = []
    for piece in pieces[1:-1]:
        end = piece.find(b"\r\n\r\n")
        if not piece.startswith(b"\r\n") or not 0 <= end <= MAX_HEADERS:
            return None
        headers = _headers(piece[2:end])
        if headers is None:
            return None
        parts.append((headers, piece[end + 4 :]))
    return parts


def _headers(block):
    """A part's headers, or None when they are not only a form-data disposition and maybe a
    content type (what upload clients send)."""
    found = {}
    for line in block.split(b"\r\n"):
        if (header := _header(line)) is None:
            return None
        found[header[0]] = header[1:]
    disposition = found.get("content-disposition")
    if set(found) - {"content-disposition", "content-type"} or disposition is None:
        return None
    if disposition[0].strip() != "form-data" or "name" not in disposition[1]:
        return None
    return found


# The lines clients send, read without the general parser (same results: names and the main
# value lowercased, parameter values as bytes; no quotes or escapes inside a value).
PLAIN_DISPOSITION = re.compile(
    rb'content-disposition: form-data; name="([^"\\]*)"(?:; filename="([^"\\]*)")?', re.I
)
PLAIN_TYPE = re.compile(rb"content-type: [!#-'*+.0-9A-Z^-z|~/-]+", re.I)


def _header(line):
    """(name, value, {parameter: bytes}) of a header line as Django's parser reads it, or None
    for a line it would skip."""
    try:
        text = line.decode()
    except UnicodeDecodeError:
        return None
    if match := PLAIN_DISPOSITION.fullmatch(line):
        name, filename = match.groups()
        params = {"name": name} if filename is None else {"name": name, "filename": filename}
        return "content-disposition", " form-data", params
    if PLAIN_TYPE.fullmatch(line):
        return "content-type", text.lower()[len("content-type:") :], {}
    try:
        main, params = parse_header_parameters(text)
        name, value = main.split(":", 1)
    except ValueError:
        return None
    return name, value, {key: v.encode() for key, v in params.items()}


def _within_limits(parts):
    """Whether Django's limits on fields, field bytes and files hold (else Django's parser
    reads the body and refuses it in its own words)."""
    fields = [(h, c) for h, c in parts if not h["content-disposition"][1].get("filename")]
    size = sum(len(c) + len(h["content-disposition"][1]["name"]) + 2 for h, c in fields)
    limits = (
        (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, len(parts)),
        (settings.DATA_UPLOAD_MAX_MEMORY_SIZE, size),
        (settings.DATA_UPLOAD_MAX_NUMBER_FILES, len(parts) - len(fields)),
    )
    return len(parts) - len(fields) <= 1 and all(
        limit is None or used <= limit for limit, used in limits
    )
