"""The answer to a JSON API request (`<index>/pypi/<project>[/<version>]/json`) of an index
whose route is known and whose reader is permitted: from memory when it still holds, else
built once for every request waiting on it, and remembered like the project's pages (a change
to the project, a quarantine, a block or the end of a cooldown forgets it)."""

import logging

from aiohttp import web
from asgiref.sync import sync_to_async
from django.conf import settings

from pulp_teamindex.app.distfiles import normalize_name
from pulp_teamindex.app.exceptions import UpstreamError
from pulp_teamindex.app.names import upstream
from pulp_teamindex.app.simple import answers, paths, project_json
from pulp_teamindex.app.simple import pages as simple_pages

log = logging.getLogger(__name__)

KIND = "json"
CONTENT_TYPE = "application/json"


async def project(request, route, match, memory):
    """PyPI's JSON document of a project, or of one of its releases; 404 for none."""
    name, wanted = match["project"], match["version"]
    if name != normalize_name(name):
        raise web.HTTPMovedPermanently(_normalized_path(request, match))
    index_url = _origin() + paths.index_path(request, match)
    key = (wanted, index_url)  # file URLs name the path the index was asked by
    found = memory.cached(route, KIND, key, name)
    if found is None or answers.too_stale(found):
        ticket = memory.ticket()
        work = memory.once(
            (KIND, route.version_pk, route.upstream, name, *key),
            _build,
            route,
            name,
            wanted,
            index_url,
        )
        found = await answers._from_upstream_or_not(work)
        memory.remember(route, KIND, key, name, found, ticket)
    if found.missing:
        what = f"release {wanted!r} of project {name!r}" if wanted else f"project {name!r}"
        raise web.HTTPNotFound(text=f"No {what} in this index.\n")
    if found.forbidden:
        raise web.HTTPForbidden(text=found.forbidden + "\n")
    headers = {
        "ETag": found.etag,
        "Cache-Control": "max-age=0, must-revalidate",
        answers.SOURCE_HEADER: found.source,
        **answers.stale_header(found),
    }
    if found.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=found.body, headers=headers, content_type=CONTENT_TYPE)


async def _build(route, name, wanted, index_url):
    built = await sync_to_async(project_json.render)(
        route.version_pk, name, wanted, index_url, route.upstream, not route.pinned
    )
    if not isinstance(built, simple_pages.AskUpstream):
        return built
    args = (built.repository_pk, name, wanted, index_url, route.version_number)
    try:
        listing = await upstream.fetch_project(built.url, name)
    except UpstreamError as exc:
        stale = await sync_to_async(project_json.stale_upstream_document)(*args)
        if stale is None:
            raise  # answered 502 or 504
        log.warning("pulp_teamindex serves the last good upstream JSON of %r: %s", name, exc)
        return stale
    return await sync_to_async(project_json.upstream_document)(
        built.repository_pk, name, listing, wanted, index_url, route.version_number
    )


def _origin():
    return (settings.CONTENT_ORIGIN or "").rstrip("/")


def _normalized_path(request, match):
    rel = match.string
    prefix = request.path[: len(request.path) - len(rel)]
    normalized = normalize_name(match["project"])
    return prefix + rel[: match.start("project")] + normalized + rel[match.end("project") :]
