"""Simple repository API in pulpcore's content app.

pulpcore imports this module before it adds its catch-all route, so `<base_path>/simple/...`
reaches `simple_api` first; paths under a distribution that is not a team index go on to
pulpcore's own handler unchanged.

The hot path is the middleware `serve_from_memory`, placed in front of pulpcore's middlewares:
for an index without a content guard, whose serving version and page are already in memory,
it answers without a thread hop, an authentication pass or a database query. Everything else
(first request, guarded index, cache miss, change feed down) takes the full path.
"""

import asyncio
import re
from functools import partial

from aiohttp import web
from asgiref.sync import sync_to_async
from django.conf import settings
from pulpcore.plugin.content import Handler, app
from pulpcore.plugin.util import set_domain

from . import change_feed, served_files, simple_pages, upstream
from .distfiles import InvalidDistribution, normalize_name, parse_filename
from .endpoints import SIMPLE_DIR
from .freshness import Freshness, new_owner
from .models import METADATA_SUFFIX, PACKAGES_DIR, TeamIndexDistribution
from .negotiation import choose_content_type
from .nul_paths import refuse_nul_paths
from .page_cache import MISSING, Cached, PageCache
from .route_table import Route, RouteTable

_core = Handler()
_pages = PageCache()
_routes = RouteTable()
_freshness = Freshness()
_in_flight = {}  # what `_once` is computing now, by key
_SIMPLE = SIMPLE_DIR.rstrip("/")
_PREFIX = settings.CONTENT_PATH_PREFIX
_SIMPLE_PATH = re.compile(r"^(?P<base>.+?)/" + _SIMPLE + r"(?:/(?P<project>[^/]*))?/?$")
_FILE_PATH = re.compile(r"^(?P<base>.+?)/" + PACKAGES_DIR + r"(?P<filename>[^/]+)$")
SOURCE_HEADER = "X-Teamindex-Source"  # local or upstream: why this answer was given
NOT_ACCEPTABLE = (
    "Ask for application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html "
    "or text/html.\n"
)


@web.middleware
async def serve_from_memory(request, handler):
    if request.method == "GET" and (response := await _from_memory(request)) is not None:
        return response
    return await handler(request)


async def _from_memory(request):
    """The answer for a page or file of an unguarded index already resolved, or None."""
    rel = request.path[len(_PREFIX) :] if request.path.startswith(_PREFIX) else ""
    page = _SIMPLE_PATH.match(rel)
    file = None if page else _FILE_PATH.match(rel)
    route = _routes.get((page or file)["base"]) if page or file else None
    if route is None or route.guarded:
        return None
    if route.domain is not None:
        set_domain(route.domain)  # a cache miss behind this runs in the index's domain
    if page:
        return await _respond(request, route, page["project"] or None)
    return await _file_response(route, file["filename"])


async def simple_api(request):
    """The full path: find the distribution, check its content guard, remember the route."""
    path = request.match_info["path"]
    ticket = _routes.ticket()
    key = ("lookup", request.match_info.get("pulp_domain"), path)
    distribution, route, rest = await _once(key, _lookup, path)
    if not isinstance(distribution, TeamIndexDistribution):
        return await _core.stream_content(request)
    parts = rest.split("/")
    if parts[0] != _SIMPLE:
        return await _core.stream_content(request)
    await sync_to_async(Handler._permit)(request, distribution)
    if route is None or len(parts) > 2:
        raise web.HTTPNotFound(text="Not a simple API page of this index.\n")
    _routes.put(route, ticket)
    return await _respond(request, route, parts[1] if len(parts) == 2 else None)


async def _once(key, func, *args):
    """`func(*args)` in Django's sync thread, run once for all the requests that need `key` at
    the same moment: a burst of first requests (after a start, or when a remembered route
    expires) then costs one database trip, not one each in the thread's queue."""
    shared = _in_flight.get(key)
    first = shared is None
    if first:
        shared = _in_flight[key] = asyncio.ensure_future(sync_to_async(func)(*args))
        shared.add_done_callback(partial(_landed, key))
    try:
        return await asyncio.shield(shared)
    except Exception:
        if first:
            raise
        return await sync_to_async(func)(*args)  # an error answer is a response of its own


def _landed(key, future):
    if _in_flight.get(key) is future:  # not one started after a change emptied the table
        del _in_flight[key]


def _lookup(path):
    distribution = Handler._match_distribution(path)
    if not isinstance(distribution, TeamIndexDistribution):
        return distribution, None, ""
    rel_path = path.strip("/")[len(distribution.base_path) :].strip("/")
    return distribution, *_route_of(distribution, rel_path)


def _route_of(distribution, rel_path):
    """The route serving `rel_path` (the index now, or `versions/<n>/`), and the rest of it."""
    version, rest = distribution.resolve(rel_path)
    if version is None:
        return None, rest
    prefix = rel_path[: len(rel_path) - len(rest)].strip("/")
    repository = version.repository.cast()
    domain = distribution.pulp_domain if settings.DOMAIN_ENABLED else None
    key = (domain and domain.name, distribution.base_path, prefix)  # as the URL spells it
    route = Route(
        path="/".join(part for part in key if part),
        repository_pk=str(version.repository_id),
        version_pk=version.pk,
        version_number=version.number,
        pinned=bool(prefix) or distribution.repository_id is None,
        guarded=distribution.content_guard_id is not None,
        upstream=not prefix and bool(repository.upstream),
        domain=domain,
    )
    return route, rest


def _cached(route, kind, name, project):
    """A remembered value for `route`, if still exact: a pinned version never changes; the
    latest version's values hold until a change touches their project."""
    if route.pinned:
        entry = _pages.get((kind, route.version_pk, project, name))
        return entry.value if entry else None
    entry = _pages.get((kind, route.repository_pk, project, name))
    if entry and _freshness.valid(
        route.repository_pk, project, entry.rendered_at, route.version_number
    ):
        return entry.value
    return None


def _remember(route, kind, name, project, value):
    owner = route.version_pk if route.pinned else route.repository_pk
    _pages.put((kind, owner, project, name), Cached(value, route.version_number))


async def _respond(request, route, project):
    if not request.path.endswith("/"):
        raise web.HTTPMovedPermanently(request.path + "/")
    if project is not None and project != normalize_name(project):
        prefix = request.path[: -len(project) - 1]
        raise web.HTTPMovedPermanently(f"{prefix}{normalize_name(project)}/")
    content_type = choose_content_type(request.headers.get("Accept"))
    if content_type is None:
        raise web.HTTPNotAcceptable(text=NOT_ACCEPTABLE)
    page = await _page_for(route, project, content_type)
    headers = {
        "Vary": "Accept",
        "ETag": page.etag,
        "Cache-Control": "max-age=0, must-revalidate",
        SOURCE_HEADER: page.source,
    }
    if page.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=page.body, headers=headers, content_type=content_type, charset="utf-8")


async def _file_response(route, name):
    """A wheel or sdist (sendfile from local storage) or its PEP 658 metadata; None hands the
    request to pulpcore (first request for an index, or non-local storage)."""
    want_metadata = name.endswith(METADATA_SUFFIX)
    filename = name[: -len(METADATA_SUFFIX)] if want_metadata else name
    try:
        project = parse_filename(filename)[1]
    except InvalidDistribution:
        raise web.HTTPNotFound() from None
    served = _cached(route, "file", filename, project)
    if served is None:
        try:
            served = await sync_to_async(served_files.lookup)(route.version_pk, filename)
        except upstream.UpstreamError as exc:
            raise web.HTTPBadGateway(text=f"{exc}\n") from exc
        if served is None and route.upstream:
            raise web.HTTPNotFound()  # the upstream may list it later: remember nothing
        served = served or MISSING
        _remember(route, "file", filename, project, served)
    if served is MISSING:
        raise web.HTTPNotFound()
    if want_metadata:
        if served.metadata is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=served.metadata, content_type="text/plain", headers={SOURCE_HEADER: served.source}
        )
    if served.path is None:
        return None
    return web.FileResponse(
        served.path,
        headers={"Content-Type": "application/octet-stream", SOURCE_HEADER: served.source},
    )


async def _page_for(route, project, content_type):
    name = (project, content_type)
    page = _cached(route, "page", name, project)
    if page is None:
        try:
            page = await _once(
                ("page", route.version_pk, route.upstream, *name),
                simple_pages.render,
                route.version_pk,
                project,
                content_type,
                route.upstream,
            )
        except upstream.UpstreamError as exc:
            raise web.HTTPBadGateway(text=f"{exc}\n") from exc
        _remember(route, "page", name, project, page)
    if page.missing:
        raise web.HTTPNotFound(text=f"No project named {project!r} in this index.\n")
    return page


def _changed(payload):
    if payload == change_feed.FLUSH:
        _pages.clear()
    elif project := new_owner(payload):
        _pages.drop_project(project)
    _freshness.record(payload)
    _routes.clear()
    _in_flight.clear()  # later requests must not share a lookup that read the old state


def _feed_lost():
    _routes.lost()
    _in_flight.clear()
    _pages.clear()
    _freshness.forget()


async def _follow_changes(_app):
    task = asyncio.create_task(change_feed.listen(_changed, _routes.connected, _feed_lost))
    yield
    task.cancel()


_DOMAIN = "{pulp_domain}/" if settings.DOMAIN_ENABLED else ""
app.add_routes(
    [web.get(_PREFIX + _DOMAIN + r"{path:.+/" + _SIMPLE + r"(?:/[^/]*)?/?}", simple_api)]
)
app.middlewares.insert(0, serve_from_memory)
app.middlewares.insert(0, refuse_nul_paths)
app.cleanup_ctx.append(_follow_changes)
