"""Serving a file kept in object storage (S3, Azure, GCS through django-storages).

As pulpcore does, the domain's `redirect_to_object_storage` (setting REDIRECT_TO_OBJECT_STORAGE,
on by default) decides: a redirect to a short-lived signed URL, so the bytes go from the store
to the client; or, when it is off (a store clients cannot reach), the content app streams them.
A store that cannot be reached gets a 503 that says so; pages and metadata never touch the
store, so they keep working meanwhile.
"""

import asyncio
import logging

from aiohttp import web
from pulpcore.plugin.util import get_domain

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
RETRY_AFTER = "10"
S3_BACKENDS = ("storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage")
UNREACHABLE = "The index's object storage cannot be reached right now; retry shortly.\n"


async def respond(request, served, headers):
    """A redirect to, or a stream of, the stored bytes of `served` (a `files.ServedFile`).
    The domain and its storage are looked up off the event loop: the first lookup of the
    default domain reads the database."""
    try:
        url = await asyncio.to_thread(_signed_url, served, request.method)
        if url is not None:
            raise web.HTTPFound(url, headers={**headers, "Cache-Control": "no-store"})
        return await _stream(request, served, headers)
    except web.HTTPException:
        raise
    except Exception:  # any backend's connection or service error  # noqa: BLE001
        log.warning("object storage failed serving %s", served.stored_as, exc_info=True)
        raise web.HTTPServiceUnavailable(
            text=UNREACHABLE, headers={"Retry-After": RETRY_AFTER}
        ) from None


def _signed_url(served, method):
    """A short-lived URL of the object, or None when the domain streams instead."""
    domain = get_domain()
    if not domain.redirect_to_object_storage:
        return None
    extra = {"http_method": method} if domain.storage_class in S3_BACKENDS else {}
    return domain.get_storage().url(served.stored_as, **extra)


def _open(name):
    return get_domain().get_storage().open(name, "rb")


async def _stream(request, served, headers):
    """Stream the object; only a failure before the first byte can still become a 503."""
    handle = await asyncio.to_thread(_open, served.stored_as)
    try:
        chunk = await asyncio.to_thread(handle.read, CHUNK)
        response = web.StreamResponse(headers=headers)
        response.content_type = "application/octet-stream"
        if served.size is not None:
            response.content_length = served.size
        await response.prepare(request)
        while chunk:
            await response.write(chunk)
            chunk = await asyncio.to_thread(handle.read, CHUNK)
        await response.write_eof()
        return response
    finally:
        await asyncio.to_thread(handle.close)
