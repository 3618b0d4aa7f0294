"""Simple repository API in pulpcore's content app.

pulpcore imports this module before it adds its catch-all route, so `<base_path>/simple/...`
and `<base_path>/packages/...` reach `simple_api` first (and `/pypi/<base_path>/...` reaches
`pypi_alias`); paths under a distribution that is not a team index go on to pulpcore's own
handler unchanged.

The hot path is the middleware `serve_from_memory`, placed in front of pulpcore's middlewares:
for an index whose serving version and page are already in memory, and which is public or
whose RBAC guard recently granted these exact credentials this index, it answers without a
thread hop, an authentication pass or a database query. Everything else (first request, other
guards, unknown credentials, cache miss, change feed down) takes the full path; concurrent
first requests with the same credentials for one index take it once."""

import asyncio
import logging
import re
import time
from functools import partial

from aiohttp import web
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from pulpcore.plugin.content import Handler, PathNotResolved, app
from pulpcore.plugin.util import set_domain

from pulp_teamindex.app import change_feed
from pulp_teamindex.app.distfiles import normalize_name, parse_filename
from pulp_teamindex.app.endpoints import PYPI_PREFIX, SIMPLE_DIR
from pulp_teamindex.app.exceptions import InvalidDistribution, PublishFailed, UpstreamError
from pulp_teamindex.app.models import METADATA_SUFFIX, PACKAGES_DIR, TeamIndexDistribution
from pulp_teamindex.app.names import upstream
from pulp_teamindex.app.nul_paths import refuse_nul_paths
from pulp_teamindex.app.simple import files as served_files
from pulp_teamindex.app.simple import object_storage, read_tokens
from pulp_teamindex.app.simple import pages as simple_pages
from pulp_teamindex.app.simple.memory.freshness import (
    Freshness,
    keeps_routes,
    new_owner,
    quarantines_in,
)
from pulp_teamindex.app.simple.memory.grants import GrantCache, SharedChecks
from pulp_teamindex.app.simple.memory.page_cache import MISSING, Cached, PageCache
from pulp_teamindex.app.simple.memory.routes import Route, RouteTable
from pulp_teamindex.app.simple.negotiation import choose_content_type

log = logging.getLogger(__name__)

_core = Handler()
_pages = PageCache()
_routes = RouteTable()
_freshness = Freshness()
_grants = GrantCache()
_checks = SharedChecks()
_in_flight = {}  # what `_once` is computing now, by key
_SIMPLE = SIMPLE_DIR.rstrip("/")
_PACKAGES = PACKAGES_DIR.rstrip("/")
_PREFIX = settings.CONTENT_PATH_PREFIX
_ALIAS = "/" + PYPI_PREFIX  # pulp_python's paths, kept for teams that come from it
_SIMPLE_PATH = re.compile(r"^(?P<base>.+?)/" + _SIMPLE + r"(?:/(?P<project>[^/]*))?/?$")
_FILE_PATH = re.compile(r"^(?P<base>.+?)/" + PACKAGES_DIR + r"(?P<filename>[^/]+)$")
_GATEWAY_ERRORS = {502: web.HTTPBadGateway, 504: web.HTTPGatewayTimeout}
RBAC_GUARD = "core.rbac"  # pulpcore's RBACContentGuard: who may read is a user's role
SOURCE_HEADER = "X-Teamindex-Source"  # local or upstream: why this answer was given
NOT_ACCEPTABLE = (
    "Ask for application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html "
    "or text/html.\n"
)


@web.middleware
async def serve_from_memory(request, handler):
    target = _target(request) if request.method == "GET" else None
    if target is not None and (response := await _from_memory(request, *target)) is not None:
        return response
    authorization = request.headers.get("Authorization")
    if target is None or not authorization:
        return await _checked(request, handler)
    base = target[1]["base"]
    if (running := _checks.running(authorization, base)) is not None:
        await asyncio.shield(running)  # the same credentials are being checked for this index
        if (response := await _from_memory(request, *target)) is not None:
            return response
        return await _checked(request, handler)  # that check failed: never shared
    with _checks.first(authorization, base):
        return await _checked(request, handler)


async def _checked(request, handler):
    """The full path: pulpcore authenticates, then the guard decides."""
    request["grant_ticket"] = _grants.ticket()  # before pulpcore authenticates the request
    return await handler(request)


def _target(request):
    """("page" or "file", the path's match) for a page or file path of some index, else None."""
    rel = _relative(request.path)
    if page := _SIMPLE_PATH.match(rel):
        return "page", page
    if file := _FILE_PATH.match(rel):
        return "file", file
    return None


async def _from_memory(request, kind, match):
    """The answer for a page or file of an index already resolved, when it is public or these
    credentials were recently granted reading it; else None."""
    route = _routes.get(match["base"])
    if route is None or (route.guarded and not _granted(request, route)):
        return None
    if route.domain is not None:
        set_domain(route.domain)  # a cache miss behind this runs in the index's domain
    if kind == "page":
        return await _respond(request, route, match["project"] or None)
    return await _file_response(request, route, match["filename"])


def _granted(request, route):
    authorization = request.headers.get("Authorization")
    return bool(route.rbac_guard and authorization) and _grants.allows(
        authorization, route.rbac_guard, route.repository_pk
    )


def _relative(path):
    """The part of a request path after the content prefix or its `/pypi/` alias."""
    for prefix in (_PREFIX, _ALIAS):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return ""


async def simple_api(request):
    """The full path for `<index>/simple/...` and `<index>/packages/<file>`: find the
    distribution, check its content guard, remember the route. A page or file of a guarded
    index, or the first one asked of an index, is served here, its upstream read on the event
    loop; paths of other distributions go to pulpcore's handler."""
    return await _serve(request, others=_core.stream_content)


async def pypi_alias(request):
    """`/pypi/<index>/simple/` and its files, as pulp_python (and the deployment teams migrate
    from) spelled them; only team indexes answer here."""
    return await _serve(request, others=None)


async def _serve(request, others):
    path = request.match_info["path"]
    ticket = _routes.ticket()
    try:
        distribution, route, rest = await _looked_up(request, path)
    except PathNotResolved:
        raise _no_index_here(request) from None
    if not isinstance(distribution, TeamIndexDistribution):
        if others is None:
            raise _no_index_here(request)
        return await others(request)
    parts = rest.split("/")
    kind = parts[0]
    if kind not in (_SIMPLE, _PACKAGES) or (kind == _PACKAGES and route is None):
        return await _core.stream_content(request)
    await _permit(request, distribution, route)
    if kind == _PACKAGES:
        _routes.put(route, ticket)
        return await _file_response(request, route, rest[len(PACKAGES_DIR) :])
    if route is None or len(parts) > 2:
        raise web.HTTPNotFound(text="Not a simple API page of this index.\n")
    _routes.put(route, ticket)
    return await _respond(request, route, parts[1] if len(parts) == 2 else None)


async def _permit(request, distribution, route):
    """pulpcore's content guard check, with answers a client can act on (`_no_index_here`).
    Granted credentials are remembered for this index."""
    authorization = request.headers.get("Authorization")
    lifetime = None
    if route is not None and (secret := read_tokens.token_in(authorization)):
        token, why = await sync_to_async(read_tokens.read_token)(secret, route.repository_pk)
        if token is None:
            raise web.HTTPUnauthorized(text=f"{why}\n", headers=_challenge(request))
        request["drf_request"].user = request["user"] = token.user
        if token.expires_at is not None:
            lifetime = (token.expires_at - timezone.now()).total_seconds()
    try:
        guarded = await sync_to_async(Handler._permit)(request, distribution)
    except web.HTTPForbidden as exc:
        raise _refusal(request, distribution, route) or exc from None
    if guarded and route is not None and route.rbac_guard and authorization:
        ticket = request["grant_ticket"]
        _grants.grant(authorization, route.rbac_guard, route.repository_pk, ticket, lifetime)


def _refusal(request, distribution, route):
    if route is None or not route.rbac_guard:
        return None  # another kind of guard: pulpcore's own answer
    return _no_index_here(request)


# A private index and a missing one get the same answers, so that a caller who may not read an
# index cannot learn that it exists: 401 with a challenge (pip's and uv's keyrings answer only
# that) without accepted credentials, 404 with them.
NO_INDEX = (
    "No index that you may read is served here: it does not exist, or it is private and your "
    "account has no role to read it (ask its admins for the downloader role on its content "
    "guard).\n"
)
NO_CREDENTIALS = "This index is private or does not exist: send credentials (a user name and "
WRONG_CREDENTIALS = read_tokens.NOT_ACCEPTED + "\n"


def _no_index_here(request):
    user = request.get("user")
    if user is not None and user.is_authenticated:
        return web.HTTPNotFound(text=NO_INDEX)
    wrong = "Authorization" in request.headers
    text = WRONG_CREDENTIALS if wrong else NO_CREDENTIALS + "password or token).\n"
    return web.HTTPUnauthorized(text=text, headers=_challenge(request))


def _challenge(request):
    """Named after the index as the URL spells it, whether or not it exists (keyrings key
    credentials by URL, not by realm)."""
    target = _target(request)
    realm = target[1]["base"] if target else "pulp_teamindex"
    return {"WWW-Authenticate": f'Basic realm="{realm}"'}


async def _looked_up(request, path):
    key = ("lookup", request.match_info.get("pulp_domain"), path)
    return await _once(key, sync_to_async(_lookup), path)


async def _once(key, func, *args):
    """`await func(*args)`, run once for all the requests that need `key` at the same moment: a
    burst of first requests (after a start, or when a remembered route expires) then costs one
    database trip or upstream read, not one each."""
    shared = _in_flight.get(key)
    first = shared is None
    if first:
        shared = _in_flight[key] = asyncio.ensure_future(func(*args))
        shared.add_done_callback(partial(_landed, key))
    try:
        return await asyncio.shield(shared)
    except UpstreamError:
        raise  # the upstream failed just now, for everyone waiting: asking again would wait again
    except Exception:
        if first:
            raise
        return await func(*args)  # an error answer is a response of its own


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
        rbac_guard=_rbac_guard(distribution),
        upstream=not prefix and bool(repository.upstream),
        domain=domain,
    )
    return route, rest


def _rbac_guard(distribution):
    guard = distribution.content_guard
    return str(guard.pk) if guard is not None and guard.pulp_type == RBAC_GUARD else None


def _cached(route, kind, name, project):
    """A remembered value for `route`, if still exact: a pinned version never changes; the
    latest version's values hold until a change touches their project; what an upstream said
    holds until it expires."""
    owner = route.version_pk if route.pinned else route.repository_pk
    entry = _pages.get((kind, owner, project, name))
    if entry is None or (entry.expires is not None and entry.expires <= time.monotonic()):
        return None
    if route.pinned or _freshness.valid(
        route.repository_pk, project, entry.rendered_at, route.version_number, entry.tick
    ):
        return entry.value
    return None


def _ticket():
    """Taken before reading the database for a value, handed to `_remember`."""
    return _pages.ticket(), _freshness.now()


def _remember(route, kind, name, project, value, ticket):
    """Keep `value`, unless a change was reported since `ticket` was taken, or the change feed
    is down (changes made meanwhile are never reported). What an upstream said is kept for
    TEAMINDEX_UPSTREAM_TTL seconds only."""
    if not _routes.trusted:
        return
    owner = route.version_pk if route.pinned else route.repository_pk
    expires = None
    if kind == "page" and value.source == "upstream":
        expires = time.monotonic() + settings.TEAMINDEX_UPSTREAM_TTL
    generation, tick = ticket
    cached = Cached(value, route.version_number, expires, tick)
    _pages.put((kind, owner, project, name), cached, generation)


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


async def _file_response(request, route, name):
    """A wheel or sdist (sendfile from local storage; from object storage, see
    `object_storage`) or its PEP 658 metadata."""
    want_metadata = name.endswith(METADATA_SUFFIX)
    filename = name[: -len(METADATA_SUFFIX)] if want_metadata else name
    try:
        project = parse_filename(filename)[1]
    except InvalidDistribution:
        raise web.HTTPNotFound() from None
    served = _cached(route, "file", filename, project)
    if served is None:
        ticket = _ticket()
        key = ("file", route.version_pk, route.upstream, filename)
        served = await _from_upstream_or_not(_once(key, _find_file, route, filename))
        if served is None and route.upstream:
            raise web.HTTPNotFound()  # the upstream may list it later: remember nothing
        served = served or MISSING
        _remember(route, "file", filename, project, served, ticket)
    if served is MISSING:
        raise web.HTTPNotFound()
    if isinstance(served, served_files.Withheld):  # its project is quarantined (PEP 792)
        raise web.HTTPForbidden(text=served.message + "\n")
    if want_metadata:
        if served.metadata is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=served.metadata, content_type="text/plain", headers={SOURCE_HEADER: served.source}
        )
    headers = {SOURCE_HEADER: served.source}
    if served.path is not None:
        return web.FileResponse(
            served.path, headers={**headers, "Content-Type": "application/octet-stream"}
        )
    if served.stored_as is None:
        raise web.HTTPNotFound()
    return await object_storage.respond(request, served, headers)


async def _find_file(route, filename):
    served = await sync_to_async(served_files.lookup)(
        route.version_pk, filename, route.upstream, not route.pinned
    )
    if isinstance(served, served_files.ToFetch):
        return await served_files.fetch(served)
    return served


async def _page_for(route, project, content_type):
    name = (project, content_type)
    page = _cached(route, "page", name, project)
    if page is None:
        ticket = _ticket()
        key = ("page", route.version_pk, route.upstream, *name)
        page = await _from_upstream_or_not(_once(key, _render, route, project, content_type))
        _remember(route, "page", name, project, page, ticket)
    if page.missing:
        raise web.HTTPNotFound(text=f"No project named {project!r} in this index.\n")
    return page


async def _render(route, project, content_type):
    page = await sync_to_async(simple_pages.render)(
        route.version_pk, project, content_type, route.upstream, not route.pinned
    )
    if isinstance(page, simple_pages.AskUpstream):
        listed = await upstream.fetch_listing(page.url, project)
        page = await sync_to_async(simple_pages.upstream_detail)(
            page.repository_pk, project, listed, content_type
        )
    return page


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


def _changed(payload):
    if change_feed.may_change_access(payload):
        _grants.clear()
    claimed = new_owner(payload)
    if payload == change_feed.FLUSH:
        _pages.clear()
    elif claimed:
        _pages.drop_project(claimed)
    _forget_quarantined(payload)
    _freshness.record(payload)
    if not keeps_routes(payload):
        _routes.clear()
    _in_flight.clear()  # later requests must not share a lookup that read the old state


def _forget_quarantined(payload):
    """Pages and files of pinned versions are kept for as long as the version exists, but
    show the latest version's quarantines too: a version that sets or lifts one drops its
    project's values of every version."""
    projects = quarantines_in(payload)
    if projects is None:
        _pages.clear()
    for project in projects or ():
        _pages.drop_project(project)


def _feed_lost():
    _routes.lost()
    _forget_everything()


def _feed_connected():
    """Versions created while the feed was down were never reported: nothing remembered from
    before this moment may be trusted."""
    _forget_everything()
    _routes.connected()


def _forget_everything():
    _grants.clear()
    _in_flight.clear()
    _pages.clear()
    _freshness.forget()


async def _follow_changes(_app):
    task = asyncio.create_task(change_feed.listen(_changed, _feed_connected, _feed_lost))
    yield
    task.cancel()


_DOMAIN = "{pulp_domain}/" if settings.DOMAIN_ENABLED else ""
app.add_routes(
    [
        web.get(_PREFIX + _DOMAIN + r"{path:.+/" + _SIMPLE + r"(?:/[^/]*)?/?}", simple_api),
        web.get(_ALIAS + _DOMAIN + "{path:.+}", pypi_alias),
        web.get(_PREFIX + _DOMAIN + r"{path:.+/" + PACKAGES_DIR + r"[^/]+}", simple_api),
    ]
)
app.middlewares.insert(0, serve_from_memory)
app.middlewares.insert(0, refuse_nul_paths)
app.cleanup_ctx.append(_follow_changes)
