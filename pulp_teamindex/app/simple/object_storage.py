"""Serving a file kept in object storage (S3, Azure, GCS through django-storages).

Small files (most wheels and sdists, up to TEAMINDEX_OBJECT_CACHE_MAX_FILE) are read once,
checked against their digest and kept in this process's memory (TEAMINDEX_OBJECT_CACHE_SIZE in
all): objects are content-addressed and never change, so a kept copy cannot go stale, and an
install then costs neither a redirect nor a request to the store. Larger files follow the
domain's `redirect_to_object_storage`, as pulpcore does (setting REDIRECT_TO_OBJECT_STORAGE, on
by default): a redirect to a signed URL valid for TEAMINDEX_OBJECT_URL_LIFETIME seconds
(`signed_urls`), so the bytes go from the store to the client; or, when it is off (a store
clients cannot reach), the content app streams them.
A store that cannot be reached gets a 503 that says so, within the store deadline and at once
while the process's breaker is open (`store.deadline`); pages and metadata never touch the
store, so they keep working meanwhile.
"""

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from aiohttp import web
from django.conf import settings
from pulpcore.plugin.util import get_domain

from pulp_teamindex.app.simple import signed_urls
from pulp_teamindex.app.simple.memory.page_cache import PageCache
from pulp_teamindex.app.store import deadline as store

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
UNREACHABLE = "The index's object storage cannot be reached right now"


@dataclass(frozen=True)
class _Kept:
    body: bytes

    @property
    def cost(self):
        return len(self.body) + 100


_kept = PageCache(max_bytes=settings.TEAMINDEX_OBJECT_CACHE_SIZE)  # by storage name


async def respond(request, served, headers):
    """The stored bytes of `served` (a `files.ServedFile`): from memory, redirected or
    streamed. The domain and its storage are looked up off the event loop: the first lookup
    of the default domain reads the database."""
    try:
        if (kept := _kept.get(served.stored_as)) is not None:
            return _send(kept.body, headers)
        if served.size is not None and served.size <= settings.TEAMINDEX_OBJECT_CACHE_MAX_FILE:
            body = await store.acall(_read_intact, served, nbytes=served.size)
            _kept.put(served.stored_as, _Kept(body))
            return _send(body, headers)
        store.ensure_available()  # a redirect to a store known to be down helps nobody
        url = await asyncio.to_thread(_signed_url, served, request.method)
        if url is not None:
            raise web.HTTPFound(url, headers={**headers, "Cache-Control": "no-store"})
        return await _stream(request, served, headers)
    except web.HTTPException:
        raise
    except store.StoreUnavailable as exc:
        log.warning("object storage unavailable serving %s: %s", served.stored_as, exc.message)
        raise _unavailable(exc.message, exc.retry_after) from None
    except Exception:  # any backend's connection or service error  # noqa: BLE001
        log.warning("object storage failed serving %s", served.stored_as, exc_info=True)
        raise _unavailable(UNREACHABLE, store.retry_after()) from None


def _unavailable(message, retry_after):
    return web.HTTPServiceUnavailable(
        text=f"{message}; retry shortly.\n", headers={"Retry-After": str(retry_after)}
    )


def _send(body, headers):
    return web.Response(body=body, headers=headers, content_type="application/octet-stream")


def _read_intact(served):
    """The object's bytes, if they are exactly the artifact's (else the store failed us)."""
    with _open(served.stored_as) as handle:
        body = handle.read()
    if len(body) != served.size or hashlib.sha256(body).hexdigest() != served.sha256:
        raise OSError(f"{served.stored_as} did not read back as its artifact's bytes")
    return body


def _signed_url(served, method):
    """A URL of the object valid for TEAMINDEX_OBJECT_URL_LIFETIME seconds, or None when the
    domain streams instead."""
    domain = get_domain()
    if not domain.redirect_to_object_storage:
        return None
    lifetime = settings.TEAMINDEX_OBJECT_URL_LIFETIME
    options = signed_urls.url_options(domain.storage_class, method, lifetime)
    return domain.get_storage().url(served.stored_as, **options)


def _open(name):
    return get_domain().get_storage().open(name, "rb")


async def _stream(request, served, headers):
    """Stream the object; only a failure before the first byte can still become a 503. Each
    read has the store deadline: a store that hangs mid-stream cuts the download short."""
    handle = await store.acall(_open, served.stored_as)
    try:  # S3 backends fetch the whole object on the first read
        chunk = await store.acall(handle.read, CHUNK, nbytes=served.size or CHUNK)
        response = web.StreamResponse(headers=headers)
        response.content_type = "application/octet-stream"
        if served.size is not None:
            response.content_length = served.size
        await response.prepare(request)
        while chunk:
            await response.write(chunk)
            chunk = await store.acall(handle.read, CHUNK, nbytes=CHUNK)
        await response.write_eof()
        return response
    finally:
        await asyncio.to_thread(handle.close)
