"""The answers to a page or file request of an index whose route is known and whose reader is
permitted: from memory when it still holds, else computed once (database, upstream) for every
request waiting on it, and remembered."""

import logging
import time

from aiohttp import web
from asgiref.sync import sync_to_async
from django.conf import settings

from pulp_teamindex.app.distfiles import normalize_name, parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution, PublishFailed, UpstreamError
from pulp_teamindex.app.models import METADATA_SUFFIX
from pulp_teamindex.app.names import upstream
from pulp_teamindex.app.simple import download_record, object_storage
from pulp_teamindex.app.simple import files as served_files
from pulp_teamindex.app.simple import pages as simple_pages
from pulp_teamindex.app.simple.memory.page_cache import MISSING
from pulp_teamindex.app.simple.negotiation import choose_content_type

log = logging.getLogger(__name__)

_GATEWAY_ERRORS = {502: web.HTTPBadGateway, 504: web.HTTPGatewayTimeout}
SOURCE_HEADER = "X-Teamindex-Source"  # local or upstream: why this answer was given
STALE_HEADER = "X-Teamindex-Stale"  # seconds since the upstream's last good read
NOT_ACCEPTABLE = (
    "Ask for application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html "
    "or text/html.\n"
)


async def page(request, route, project, memory):
    """The project list (`project` None) or a project's page, negotiated (PEP 691)."""
    if not request.path.endswith("/"):
        raise web.HTTPMovedPermanently(request.path + "/")
    if project is not None and project != normalize_name(project):
        prefix = request.path[: -len(project) - 1]
        raise web.HTTPMovedPermanently(f"{prefix}{normalize_name(project)}/")
    content_type = choose_content_type(request.headers.get("Accept"))
    if content_type is None:
        raise web.HTTPNotAcceptable(text=NOT_ACCEPTABLE)
    found = await _page_for(route, project, content_type, memory)
    headers = {
        "Vary": "Accept",
        "ETag": found.etag,
        "Cache-Control": "max-age=0, must-revalidate",
        SOURCE_HEADER: found.source,
    }
    headers.update(stale_header(found))
    if found.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=found.body, headers=headers, content_type=content_type, charset="utf-8"
    )


def stale_header(found):
    """Says how old a page served while the upstream fails is (nothing for a fresh one)."""
    if found.stale_since is None:
        return {}
    return {STALE_HEADER: str(int(max(0, time.time() - found.stale_since)))}


async def file(request, route, name, memory):
    """A wheel or sdist (sendfile from local storage; from object storage, see
    `object_storage`) or its PEP 658 metadata."""
    want_metadata = name.endswith(METADATA_SUFFIX)
    filename = name[: -len(METADATA_SUFFIX)] if want_metadata else name
    served = await _served(route, filename, memory, want_metadata)
    if isinstance(served, served_files.Withheld):  # its project is quarantined (PEP 792)
        raise web.HTTPForbidden(text=served.message + "\n")
    headers = {SOURCE_HEADER: served.source}
    if want_metadata:
        if served.metadata is None:
            raise web.HTTPNotFound()
        return web.Response(body=served.metadata, content_type="text/plain", headers=headers)
    if served.path is None and served.stored_as is None:
        raise web.HTTPNotFound()
    if served.path is not None:
        headers["Content-Type"] = "application/octet-stream"
        response = web.FileResponse(served.path, headers=headers)
    else:
        response = await object_storage.respond(request, served, headers)
    download_record.note(request, route, filename, served.sha256)
    return response


async def _served(route, filename, memory, want_metadata=False):
    """What the route serves as `filename` (a file, or why it is withheld); 404 for none. The
    metadata of an upstream's file is a value of its own: it is fetched without the file."""
    try:
        project = parse_filename(filename)[1]
    except InvalidDistribution:
        raise web.HTTPNotFound() from None
    name = filename
    served = memory.cached(route, "file", filename, project)
    if want_metadata and (served is None or served.source == "upstream"):
        name = filename + METADATA_SUFFIX
        served = memory.cached(route, "file", name, project)
    if served is None:
        ticket = memory.ticket()
        key = ("file", route.version_pk, route.upstream, name)
        work = memory.once(key, _find_file, route, filename, want_metadata)
        served = await _from_upstream_or_not(work)
        if served is None and route.upstream:
            raise web.HTTPNotFound()  # the upstream may list it later: remember nothing
        served = served or MISSING
        kept_as = name if served.source == "upstream" else filename
        memory.remember(route, "file", kept_as, project, served, ticket)
    if served is MISSING:
        raise web.HTTPNotFound()
    return served


async def _find_file(route, filename, want_metadata):
    served = await sync_to_async(served_files.lookup)(
        route.version_pk, filename, route.upstream, not route.pinned, want_metadata
    )
    if isinstance(served, served_files.ToFetch):
        return await served_files.fetch(served)
    if isinstance(served, served_files.MetadataToFetch):
        return await served_files.fetch_metadata(served)
    return served


async def _page_for(route, project, content_type, memory):
    name = (project, content_type)
    found = memory.cached(route, "page", name, project)
    if found is None or too_stale(found):
        ticket = memory.ticket()
        key = ("page", route.version_pk, route.upstream, *name)
        work = memory.once(key, _render, route, project, content_type)
        found = await _from_upstream_or_not(work)
        memory.remember(route, "page", name, project, found, ticket)
    if found.missing:
        raise web.HTTPNotFound(text=f"No project named {project!r} in this index.\n")
    if found.forbidden:
        raise web.HTTPForbidden(text=found.forbidden + "\n")
    return found


async def _render(route, project, content_type):
    rendered = await sync_to_async(simple_pages.render)(
        route.version_pk, project, content_type, route.upstream, not route.pinned
    )
    if isinstance(rendered, simple_pages.AskUpstream):
        rendered = await _from_upstream(rendered, project, content_type)
    return rendered


async def _from_upstream(asked, project, content_type):
    """The upstream's page of `project`; while the upstream fails, the page of its last good
    read (`stale_upstream_detail`), else the failure."""
    try:
        listing = await upstream.fetch_project(asked.url, project)
    except UpstreamError as exc:
        stale = await sync_to_async(simple_pages.stale_upstream_detail)(
            asked.repository_pk, project, content_type
        )
        if stale is None:
            raise
        log.warning("pulp_teamindex serves the last good upstream page of %r: %s", project, exc)
        return stale
    return await sync_to_async(simple_pages.upstream_detail)(
        asked.repository_pk, project, listing, content_type
    )


def too_stale(found):
    """A stale page remembered while it was young enough, now past TEAMINDEX_UPSTREAM_STALE_MAX."""
    if found.stale_since is None:
        return False
    return time.time() - found.stale_since > settings.TEAMINDEX_UPSTREAM_STALE_MAX


async def _from_upstream_or_not(work):
    """`await work`, an upstream's failure answered as a 502 or 504 that says what failed."""
    try:
        return await work
    except UpstreamError as exc:
        log.warning("pulp_teamindex upstream failure: %s", exc)
        raise _GATEWAY_ERRORS[exc.status](text=f"Upstream index failed: {exc}\n") from None
    except PublishFailed as exc:  # a fetched file could not be stored
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
        raise web.HTTPServiceUnavailable(text=f"{exc}\n", headers=headers) from None
