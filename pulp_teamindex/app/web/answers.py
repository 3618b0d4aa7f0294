"""The answers to a web page request of an index whose route is known and whose reader is
permitted (`simple/handlers` checks the guard first): from memory when it still holds, else
built once for every request waiting on it and remembered like the simple pages (a change to
the project, a quarantine, a block or the end of a cooldown forgets a project's page; any
change to the index forgets its list). Every answer, errors included, carries the security
headers (`markup.SECURITY_HEADERS`)."""

import asyncio
import hashlib
import json
import re

from aiohttp import web
from asgiref.sync import sync_to_async
from django.conf import settings

from pulp_teamindex.app.distfiles import normalize_name
from pulp_teamindex.app.endpoints import content_url, upload_prefix
from pulp_teamindex.app.names import upstream
from pulp_teamindex.app.simple import answers, project_json
from pulp_teamindex.app.simple import pages as simple_pages
from pulp_teamindex.app.simple.memory.page_cache import Page
from pulp_teamindex.app.web import index_page, listing, markup, project_page

PAGE = "web"  # kinds of values in the content app's memory
LISTING = "web-listing"
CONTENT_TYPE = "text/html"
_VERSIONS = re.compile(r"/versions/\d+$")


async def page(request, route, match, memory):
    """The index's page (`match["project"]` None) or a project's page."""
    try:
        if match["project"] is None:
            return await _index(request, route, memory)
        return await _project(request, route, match, memory)
    except web.HTTPException as exc:
        raise secured(exc) from None


def secured(answer):
    """`answer` (a response or HTTP exception) with the security headers."""
    answer.headers.update(markup.SECURITY_HEADERS)
    return answer


def urls(route):
    """The URLs a person configures for the index the route serves: the simple API it reads
    (its pinned view's, for `versions/<n>/`) and the upload URL of the index itself."""
    base = _VERSIONS.sub("", route.path)
    origin = (settings.TEAMINDEX_API_ORIGIN or settings.CONTENT_ORIGIN or "").rstrip("/")
    return {
        "base_url": content_url(f"{route.path}/"),
        "index_url": content_url(f"{route.path}/simple/"),
        "upload_url": f"{origin}/{upload_prefix()}{base}/legacy/",
    }


async def _index(request, route, memory):
    query = request.query.get("q") or None
    key = ("index", query)
    found = memory.cached(route, PAGE, key, None)
    if found is None:
        ticket = memory.ticket()
        projects = await _listing(route, memory)
        status, html = index_page.render(projects.projects, route.path, urls(route), query)
        found = _page(html)
        if status != 200:  # a query to fix: rendered each time, never remembered
            return _response(request, route, found, status)
        memory.remember(route, PAGE, key, None, found, ticket)
    return _response(request, route, found)


async def _listing(route, memory):
    found = memory.cached(route, LISTING, "", None)
    if found is None:
        ticket = memory.ticket()
        key = (LISTING, route.version_pk, route.pinned)
        build = sync_to_async(listing.index_listing)
        found = await memory.once(key, build, route.version_pk, not route.pinned)
        memory.remember(route, LISTING, "", None, found, ticket)
    return found


async def _project(request, route, match, memory):
    name = match["project"]
    if name != normalize_name(name) or not request.path.endswith("/"):
        start = len(request.path) - len(match.string) + match.start("project")
        prefix = request.path[:start]
        raise web.HTTPMovedPermanently(f"{prefix}{normalize_name(name)}/")
    found = memory.cached(route, PAGE, "project", name)
    if found is None:
        ticket = memory.ticket()
        key = (PAGE, route.version_pk, route.pinned, route.upstream, name)
        found = await answers._from_upstream_or_not(memory.once(key, _build, route, name))
        memory.remember(route, PAGE, "project", name, found, ticket)
    if found.missing:
        raise web.HTTPNotFound(text=f"No project named {name!r} in this index.\n")
    if found.forbidden:
        raise web.HTTPForbidden(text=found.forbidden + "\n")
    return _response(request, route, found)


async def _build(route, name):
    """The project's page, from its JSON API document (read from its upstream when it is not
    here and nobody owns the name, as its simple page is)."""
    index_url = urls(route)["base_url"]  # the JSON API's file URLs: <index>/packages/<file>
    built = await sync_to_async(project_json.render)(
        route.version_pk, name, None, index_url, route.upstream, not route.pinned
    )
    if isinstance(built, simple_pages.AskUpstream):
        fetched = await upstream.fetch_project(built.url, name)  # failures answer 502 or 504
        built = await sync_to_async(project_json.upstream_document)(
            built.repository_pk, name, fetched, None, index_url, route.version_number
        )
    if built.missing or built.forbidden:
        return built
    doc = json.loads(built.body)
    html = await asyncio.to_thread(project_page.render, doc, route.path, urls(route), name)
    rendered = _page(html)
    return Page(
        body=rendered.body,
        etag=rendered.etag,
        source=built.source,
        fresh_until=built.fresh_until,
    )


def _page(html):
    body = html.encode("utf-8")
    return Page(body=body, etag='"w' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _response(request, route, found, status=200):
    headers = {
        **markup.SECURITY_HEADERS,
        "ETag": found.etag,
        "Cache-Control": ("private, " if route.guarded else "") + "max-age=0, must-revalidate",
        answers.SOURCE_HEADER: found.source,
    }
    if status == 200 and found.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=found.body, status=status, headers=headers, content_type=CONTENT_TYPE, charset="utf-8"
    )
