"""Read an upstream simple index (PEP 691 JSON, or PEP 503 HTML) and fetch the files it lists.

Upstream I/O is asynchronous (aiohttp, on the content app's event loop) and never runs on the
thread Django's database work shares, so a slow upstream cannot hold up another index. Every
fetch is bounded: a total deadline (TEAMINDEX_UPSTREAM_TIMEOUT for a page or a file's core
metadata, TEAMINDEX_UPSTREAM_FILE_TIMEOUT for a file, which may also stall no longer than the
page deadline), a size cap (TEAMINDEX_UPSTREAM_MAX_PAGE_SIZE,
TEAMINDEX_UPSTREAM_MAX_METADATA_SIZE, TEAMINDEX_UPSTREAM_MAX_FILE_SIZE), and at most
TEAMINDEX_UPSTREAM_CONCURRENCY requests at once to one upstream host from one process. A
misbehaving upstream thus costs its own requests a bounded wait and a 502 or 504.

Tasks and API views, which have no event loop, call these through `asyncio.run`. An import
passes `connector` (import_connector.connector), which keeps its requests to allowed hosts.
"""

import asyncio
import hashlib
import weakref
from urllib.parse import urlsplit

import aiohttp
from django.conf import settings

from pulp_teamindex.app.exceptions import UpstreamError
from pulp_teamindex.app.names.upstream_pages import (
    Listing,
    parse_project_names,
    read_html,
    read_json,
    redact,
)

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, "
    "text/html;q=0.01"
)
CHUNK = 256 * 1024

# Per event loop (a semaphore belongs to one), per upstream host: the requests allowed at once.
_slots = weakref.WeakKeyDictionary()


def project_url(upstream, normalized_name):
    return upstream.rstrip("/") + "/" + normalized_name + "/"


async def fetch_listing(upstream, normalized_name, connector=None):
    """The valid files the upstream lists for a project ([] when it has no such project)."""
    return (await fetch_project(upstream, normalized_name, connector)).files


async def fetch_project(upstream, normalized_name, connector=None):
    """The project's `Listing`: its valid files and its status (empty for no such project)."""
    page = await _get_page(
        project_url(upstream, normalized_name), missing_ok=True, connector=connector
    )
    if page is None:
        return Listing()
    text, page_url, is_json = page
    parse = read_json if is_json else read_html
    # a page of several MB takes a while to parse: not on the event loop every index shares
    return await asyncio.to_thread(parse, text, page_url, normalized_name)


async def fetch_project_names(index_url, connector=None):
    """Every valid project name an index's root page lists."""
    text, _page_url, is_json = await _get_page(index_url, connector=connector)
    return await asyncio.to_thread(parse_project_names, text, is_json)


async def download(url, sha256, destination, connector=None):
    """Fetch `url` into `destination`, refusing anything but the listed bytes."""
    limit = settings.TEAMINDEX_UPSTREAM_MAX_FILE_SIZE
    hasher = hashlib.sha256()

    async def save(response):
        _check_status(response, url)
        with open(destination, "wb") as out:
            async for chunk in _body(response, url, limit):
                hasher.update(chunk)
                await asyncio.to_thread(out.write, chunk)

    await _bounded(url, settings.TEAMINDEX_UPSTREAM_FILE_TIMEOUT, save, connector=connector)
    if hasher.hexdigest() != sha256:
        raise UpstreamError(f"{redact(url)} does not have the sha256 the upstream listed; refused")


async def fetch_metadata(file_url, sha256):
    """The core metadata of the file at `file_url` (PEP 658: its URL with ".metadata"), which
    must have the digest the upstream listed; small and quick, or refused."""
    url = file_url + ".metadata"
    limit = settings.TEAMINDEX_UPSTREAM_MAX_METADATA_SIZE

    async def read(response):
        _check_status(response, url)
        return b"".join([chunk async for chunk in _body(response, url, limit)])

    body = await _bounded(url, settings.TEAMINDEX_UPSTREAM_TIMEOUT, read)
    if hashlib.sha256(body).hexdigest() != sha256:
        raise UpstreamError(f"{redact(url)} does not have the sha256 the upstream listed; refused")
    return body


async def _get_page(url, missing_ok=False, connector=None):
    """(text, its URL, is JSON) of the page at `url`; None for a 404 when `missing_ok`."""

    async def read(response):
        if missing_ok and response.status == 404:
            return None
        _check_status(response, url)
        body = b"".join(
            [c async for c in _body(response, url, settings.TEAMINDEX_UPSTREAM_MAX_PAGE_SIZE)]
        )
        try:
            text = body.decode(response.charset or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            text = body.decode("utf-8", errors="replace")
        # aiohttp's response.url drops credentials: keep the URL asked for, so that relative
        # file URLs reach the same upstream with them, unless the page was redirected
        page_url = str(response.url) if response.history else url
        return text, page_url, "json" in response.content_type

    return await _bounded(
        url, settings.TEAMINDEX_UPSTREAM_TIMEOUT, read, {"Accept": ACCEPT}, connector
    )


async def _bounded(url, deadline, read, headers=None, connector=None):
    """`await read(response)` for GET `url`, all of it (waiting for a slot included) within
    `deadline` seconds; any failure is an UpstreamError that names the URL without secrets.
    `connector`: makes the session's connector (None: aiohttp's own)."""
    stall = settings.TEAMINDEX_UPSTREAM_TIMEOUT
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=stall, sock_read=stall)
    headers = {**(headers or {}), "Accept-Encoding": "identity"}
    try:
        async with (
            asyncio.timeout(deadline),
            _slot(url),
            aiohttp.ClientSession(
                connector=connector() if connector else None,
                timeout=timeout,
                auto_decompress=False,
                trust_env=True,  # HTTP(S)_PROXY and NO_PROXY apply, as they did with requests
            ) as session,
            session.get(url, headers=headers, max_redirects=5) as response,
        ):
            if response.headers.get("Content-Encoding", "identity") != "identity":
                raise UpstreamError(f"{redact(url)} answered with an encoded body")
            return await read(response)
    except aiohttp.ServerTimeoutError:  # before TimeoutError, which it also is
        raise UpstreamError(
            f"the upstream stalled for over {stall:g} s ({redact(url)})", status=504
        ) from None
    except TimeoutError:
        raise UpstreamError(
            f"the upstream did not answer in time ({redact(url)}, limit {deadline:g} s)",
            status=504,
        ) from None
    except (aiohttp.ClientError, ValueError, OSError) as exc:
        raise UpstreamError(
            f"the upstream could not be read ({redact(url)}: {type(exc).__name__})"
        ) from None


def _slot(url):
    per_loop = _slots.setdefault(asyncio.get_running_loop(), {})
    parts = urlsplit(url)
    key = (parts.scheme, parts.hostname, parts.port)
    if key not in per_loop:
        per_loop[key] = asyncio.Semaphore(settings.TEAMINDEX_UPSTREAM_CONCURRENCY)
    return per_loop[key]


def _check_status(response, url):
    if response.status != 200:
        raise UpstreamError(f"the upstream answered HTTP {response.status} for {redact(url)}")


async def _body(response, url, limit):
    """The body in chunks, refused as soon as it is known to pass `limit` bytes."""
    if (response.content_length or 0) > limit:
        raise UpstreamError(f"{redact(url)} is larger than {limit} bytes; refused")
    size = 0
    async for chunk in response.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise UpstreamError(f"{redact(url)} is larger than {limit} bytes; refused")
        yield chunk
