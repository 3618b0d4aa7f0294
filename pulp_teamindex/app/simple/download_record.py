"""The content app's part of the download record (`downloads`): each file it serves is counted
in this process's book, and a background task writes the book every few seconds."""

import asyncio
import contextlib
import functools
import time

from django.conf import settings

from pulp_teamindex.app.access.clients import client_address
from pulp_teamindex.app.downloads import keeping
from pulp_teamindex.app.downloads.book import ANONYMOUS, DownloadBook

book = DownloadBook(settings.TEAMINDEX_DOWNLOAD_RECORD_MAX_PENDING)


def note(request, route, filename, sha256):
    """Count a file served to the request's reader (see `guard`: anonymous on a public index,
    whatever credentials are sent, since they were not checked there)."""
    if settings.TEAMINDEX_DOWNLOAD_RECORD_DAYS <= 0:
        return
    client = _client(request.remote, request.headers.get("X-Forwarded-For"))
    reader = request.get("reader", ANONYMOUS)
    book.note(route.repository_pk, filename, sha256, reader, client, time.time())


@functools.lru_cache(maxsize=4096)
def _client(peer, forwarded_for):
    """The client's address, parsed once per peer (a few microseconds each time otherwise)."""
    return client_address(peer, forwarded_for, settings.TEAMINDEX_CLIENT_PROXIES)


async def keep_record(_app):
    """The content app's lifetime: the book is written every TEAMINDEX_DOWNLOAD_RECORD_FLUSH
    seconds, and once more at shutdown."""
    every = settings.TEAMINDEX_DOWNLOAD_RECORD_FLUSH
    task = asyncio.create_task(keeping.keep(book, every, settings.TEAMINDEX_DOWNLOAD_RECORD_DAYS))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
