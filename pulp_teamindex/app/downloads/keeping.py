"""The content app's writer of the download record: every TEAMINDEX_DOWNLOAD_RECORD_FLUSH
seconds it takes what the book counted and writes it on a thread, so that no request waits on
the database for it; once an hour it deletes what is older than TEAMINDEX_DOWNLOAD_RECORD_DAYS.
A failed write (the database restarting) keeps the counts for the next one."""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from django.db import DatabaseError

from pulp_teamindex.app.downloads import writing

log = logging.getLogger(__name__)
PRUNE_EVERY = 3600.0


async def keep(book, every, days):
    """Write `book` every `every` seconds until cancelled, then once more."""
    pruned = 0.0
    try:
        while True:
            await asyncio.sleep(every)
            await flush(book)
            if time.monotonic() - pruned > PRUNE_EVERY:
                pruned = time.monotonic()
                await _prune(days)
    finally:
        await asyncio.shield(flush(book))


async def flush(book):
    rows, dropped = book.take()
    if dropped:
        log.warning(
            "pulp_teamindex did not record %d downloads: more distinct downloaders than "
            "TEAMINDEX_DOWNLOAD_RECORD_MAX_PENDING between two writes",
            dropped,
        )
    if not rows:
        return
    try:
        await sync_to_async(writing.write)(rows)
    except DatabaseError as exc:
        log.warning("pulp_teamindex could not write the download record (kept for later): %s", exc)
        book.give_back(rows)


async def _prune(days):
    try:
        await sync_to_async(writing.prune)(days)
    except DatabaseError as exc:
        log.warning("pulp_teamindex could not prune the download record: %s", exc)
