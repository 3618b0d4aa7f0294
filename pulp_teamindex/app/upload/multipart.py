"""Multipart parsing for uploads that refuses a file name it would otherwise change.

Django strips directories and unprintable characters from an uploaded file's name, so
`../x.whl` would be published as `x.whl`: a file the uploader did not name. An index publishes
files under the exact name they were sent with, so such a name is refused with a 400 instead.
"""

import html

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParserError
from pulpcore.plugin.files import PulpTemporaryUploadedFile
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import DataAndFiles, MultiPartParser, get_encoding

from pulp_teamindex.app.distfiles import check_bare_filename
from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.upload.form import claimable_hashers
from pulp_teamindex.app.upload.form_in_memory import InMemoryMultiPartParser
from pulp_teamindex.app.upload.storage_check import is_out_of_space


class UploadSpaceFull(APIException):
    """The server's upload temporary directory is full (507 Insufficient Storage)."""

    status_code = 507
    default_detail = (
        "The server has no room to receive the upload (its temporary directory is full); "
        "nothing was stored. Retry later."
    )
    default_code = "insufficient_storage"


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Receives the file into a temporary file and hashes it as it arrives: pulpcore's digests
    (for the artifact) and those twine may claim (`upload.claimed_against`), in this thread.
    pulpcore's own handler starts a thread pool per file, which costs more than hashing a
    typical wheel."""

    def new_file(self, field_name, file_name, content_type, *args, **kwargs):
        super(TemporaryFileUploadHandler, self).new_file(
            field_name, file_name, content_type, *args, **kwargs
        )
        self.file = PulpTemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
        claimed = claimable_hashers(self.file.hashers["sha256"])
        self.file.claimed_against = claimed
        self.hashers = [*self.file.hashers.values(), claimed["md5"], claimed["blake2_256"]]

    def receive_data_chunk(self, raw_data, start):
        for hasher in self.hashers:
            hasher.update(raw_data)
        self.file.write(raw_data)


class _PlainNameParser(InMemoryMultiPartParser):
    def sanitize_file_name(self, file_name):
        try:
            check_bare_filename(html.unescape(file_name))
        except InvalidDistribution as exc:
            raise MultiPartParserError(str(exc)) from exc
        return super().sanitize_file_name(file_name)


class PlainFilenameMultiPartParser(MultiPartParser):
    """DRF's multipart parser with `_PlainNameParser` underneath; a refused name is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        meta = {**request.META, "CONTENT_TYPE": media_type}
        encoding = get_encoding(parser_context)
        handlers = [HashingUploadHandler(request)]
        try:
            data, files = _PlainNameParser(meta, stream, handlers, encoding).parse()
        except MultiPartParserError as exc:
            raise ParseError(str(exc)) from exc
        except OSError as exc:
            _discard_partial_files(handlers)
            if is_out_of_space(exc):
                raise UploadSpaceFull() from exc
            raise
        return DataAndFiles(data, files)


def _discard_partial_files(handlers):
    """Close (and so delete) the temporary file a failed parse was writing."""
    for handler in handlers:
        if (partial := getattr(handler, "file", None)) is not None:
            partial.close()
