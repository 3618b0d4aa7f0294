"""Multipart parsing for uploads that refuses a file name it would otherwise change.

Django strips directories and unprintable characters from an uploaded file's name, so
`../x.whl` would be published as `x.whl`: a file the uploader did not name. An index publishes
files under the exact name they were sent with, so such a name is refused with a 400 instead.
"""

import html

from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, MultiPartParser, get_encoding

from .distfiles import InvalidDistribution, check_bare_filename


class _PlainNameParser(DjangoMultiPartParser):
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
        try:
            data, files = _PlainNameParser(meta, stream, request.upload_handlers, encoding).parse()
        except MultiPartParserError as exc:
            raise ParseError(str(exc)) from exc
        return DataAndFiles(data, files)
