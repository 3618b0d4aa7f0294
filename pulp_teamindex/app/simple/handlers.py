"""The content app's request handlers for team indexes.

The hot path is the middleware `serve_from_memory`, placed in front of pulpcore's middlewares:
for an index whose serving version and page are already in memory, and which is public or
whose RBAC guard recently granted these exact credentials this index, it answers without a
thread hop, an authentication pass or a database query. Everything else (first request, other
guards, unknown credentials, cache miss, change feed down) takes the full path (`simple_api`,
`pypi_alias`); concurrent first requests with the same credentials for one index take it once.
"""

import asyncio

from aiohttp import web
from asgiref.sync import sync_to_async
from pulpcore.plugin.content import Handler, PathNotResolved
from pulpcore.plugin.util import set_domain

from pulp_teamindex.app.access.login_backoff_content import login_backoff
from pulp_teamindex.app.change_feed.listening import listen
from pulp_teamindex.app.models import PACKAGES_DIR, TeamIndexDistribution
from pulp_teamindex.app.simple import answers, guard, integrity, json_answers, paths, resolve
from pulp_teamindex.app.simple.memory import Memory
from pulp_teamindex.app.web import answers as web_answers
from pulp_teamindex.app.web import deployment_answers

_core = Handler()
memory = Memory()


@web.middleware
async def serve_from_memory(request, handler):
    if request.method == "GET" and deployment_answers.is_page(request):
        if (response := await deployment_answers.from_memory(request, memory)) is not None:
            return response
        return await _checked(request, handler)
    target = paths.target(request) if request.method == "GET" else None
    if target is not None and (response := await _from_memory(request, *target)) is not None:
        return response
    authorization = request.headers.get("Authorization")
    if target is None or not authorization:
        return await _checked(request, handler)
    base = target[1]["base"]
    if (running := memory.checks.running(authorization, base)) is not None:
        await asyncio.shield(running)  # the same credentials are being checked for this index
        if (response := await _from_memory(request, *target)) is not None:
            return response
        return await _checked(request, handler)  # that check failed: never shared
    with memory.checks.first(authorization, base):
        return await _checked(request, handler)


async def _checked(request, handler):
    """The full path: pulpcore authenticates (behind the login backoff), then the guard
    decides. The backoff is called here rather than registered as a middleware: aiohttp wraps
    the handler in every middleware on every request, answers from memory included."""
    request["grant_ticket"] = memory.grants.ticket()  # before pulpcore authenticates
    return await login_backoff(request, handler)


async def _from_memory(request, kind, match):
    """The answer for a page or file of an index already resolved, when it is public or these
    credentials were recently granted reading it; else None."""
    route = memory.routes.get(match["base"])
    if route is None:
        return None
    if route.guarded:
        if (reader := guard.granted(request, route, memory.grants)) is None:
            return None
        request["reader"] = reader
    if route.domain is not None:
        set_domain(route.domain)  # a cache miss behind this runs in the index's domain
    if kind == "page":
        return await answers.page(request, route, match["project"] or None, memory)
    if kind == "json":
        return await json_answers.project(request, route, match, memory)
    if kind == "web":
        return await web_answers.page(request, route, match, memory)
    if kind == "integrity":
        return await integrity.answer(request, route, match, memory)
    return await answers.file(request, route, match["filename"], memory)


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
    ticket = memory.routes.ticket()
    try:
        key = ("lookup", request.match_info.get("pulp_domain"), path)
        distribution, route, rest = await memory.once(key, sync_to_async(resolve.lookup), path)
    except PathNotResolved:
        raise _no_index_here(request) from None
    if not isinstance(distribution, TeamIndexDistribution):
        if others is None:
            raise guard.no_index_here(request)
        return await others(request)
    if route is not None and paths.is_web(rest):
        return await _web(request, distribution, route, rest, ticket)
    parts = rest.split("/")
    kind = parts[0]
    if kind not in (paths.SIMPLE, paths.PACKAGES, paths.JSON_API, paths.INTEGRITY) or (
        kind != paths.SIMPLE and route is None
    ):
        return await _core.stream_content(request)
    await guard.permit(request, distribution, route, memory.grants)
    if kind == paths.JSON_API:
        return await _json_api(request, route, ticket)
    if kind == paths.INTEGRITY:
        return await _integrity(request, route, ticket)
    if kind == paths.PACKAGES:
        memory.routes.put(route, ticket)
        return await answers.file(request, route, rest[len(PACKAGES_DIR) :], memory)
    if route is None or len(parts) > 2:
        raise web.HTTPNotFound(text="Not a simple API page of this index.\n")
    memory.routes.put(route, ticket)
    return await answers.page(request, route, parts[1] if len(parts) == 2 else None, memory)


async def _json_api(request, route, ticket):
    """`<index>/pypi/<project>[/<version>]/json`, PyPI's JSON API (`json_answers`)."""
    target = paths.target(request)
    if target is None or target[0] != "json":
        raise web.HTTPNotFound(text="Not a JSON API path of this index.\n")
    memory.routes.put(route, ticket)
    return await json_answers.project(request, route, target[1], memory)


async def _integrity(request, route, ticket):
    """`<index>/integrity/<project>/<version>/<filename>/provenance` (`integrity`)."""
    target = paths.target(request)
    if target is None or target[0] != "integrity":
        raise web.HTTPNotFound(text="Not an Integrity API path of this index.\n")
    memory.routes.put(route, ticket)
    return await integrity.answer(request, route, target[1], memory)


async def _web(request, distribution, route, rest, ticket):
    """`<index>/` and `<index>/project/<name>/`, the index's web pages (`web/`)."""
    try:
        await guard.permit(request, distribution, route, memory.grants)
    except web.HTTPException as exc:
        raise web_answers.secured(exc) from None
    target = paths.target(request)
    if target is None or target[0] != "web" or (rest and target[1]["project"] is None):
        raise web_answers.secured(web.HTTPNotFound(text="Not a page of this index.\n"))
    memory.routes.put(route, ticket)
    return await web_answers.page(request, route, target[1], memory)


async def deployment_page(request):
    """`<prefix>[<domain>/]_indexes/`: the indexes the caller may read (`web/deployment_answers`),
    when memory could not answer."""
    return await deployment_answers.page(request, memory)


def _no_index_here(request):
    """The answer where no index may be read; a web page's carries the security headers."""
    answer = guard.no_index_here(request)
    target = paths.target(request)
    return web_answers.secured(answer) if target and target[0] == "web" else answer


async def follow_changes(_app):
    """The content app's lifetime: memory follows the change feed."""
    task = asyncio.create_task(listen(memory.changed, memory.connected, memory.lost))
    yield
    task.cancel()
