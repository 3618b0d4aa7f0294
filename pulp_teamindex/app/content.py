"""Simple repository API routes added to pulpcore's content app.

pulpcore imports this module before it adds its catch-all route, so `<base_path>/simple/...`
reaches these handlers first. Paths under a distribution that is not a team index go on to
pulpcore's own handler unchanged.
"""

from aiohttp import web
from asgiref.sync import sync_to_async
from django.conf import settings
from pulpcore.plugin.content import Handler, app

from . import simple_pages
from .distfiles import normalize_name
from .endpoints import SIMPLE_DIR
from .models import TeamIndexDistribution
from .negotiation import choose_content_type

_core = Handler()
_pages = simple_pages.PageCache()
_SIMPLE = SIMPLE_DIR.rstrip("/")


async def simple_api(request):
    path = request.match_info["path"]
    distribution = await sync_to_async(Handler._match_distribution)(path)
    rel_path = path.strip("/")[len(distribution.base_path) :].strip("/")
    parts = rel_path.split("/")
    if not isinstance(distribution, TeamIndexDistribution) or parts[0] != _SIMPLE:
        return await _core.stream_content(request)
    await sync_to_async(Handler._permit)(request, distribution)
    if len(parts) > 2:
        raise web.HTTPNotFound(text="Not a simple API page.\n")
    if not request.path.endswith("/"):
        raise web.HTTPMovedPermanently(request.path + "/")
    project = parts[1] if len(parts) == 2 else None
    if project is not None and project != normalize_name(project):
        prefix = request.path[: -len(project) - 1]
        raise web.HTTPMovedPermanently(f"{prefix}{normalize_name(project)}/")
    content_type = choose_content_type(request.headers.get("Accept"))
    if content_type is None:
        raise web.HTTPNotAcceptable(
            text="Ask for application/vnd.pypi.simple.v1+json, "
            "application/vnd.pypi.simple.v1+html or text/html.\n"
        )
    page = await _page_for(distribution, project, content_type)
    headers = {"Vary": "Accept", "ETag": page.etag, "Cache-Control": "max-age=0, must-revalidate"}
    if page.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=page.body, headers=headers, content_type=content_type.split(";")[0], charset="utf-8"
    )


async def _page_for(distribution, project, content_type):
    version = await sync_to_async(distribution.serving_version)()
    if version is None:
        raise web.HTTPNotFound(text="This index has no content yet.\n")
    key = (version.pk, project, content_type)
    page = _pages.get(key)
    if page is None:
        if project is None:
            page = await sync_to_async(simple_pages.project_list)(version, content_type)
        else:
            page = await sync_to_async(simple_pages.project_detail)(version, project, content_type)
        if page is None:
            raise web.HTTPNotFound(text=f"No project named {project!r} in this index.\n")
        _pages.put(key, page)
    return page


_PREFIX = settings.CONTENT_PATH_PREFIX + ("{pulp_domain}/" if settings.DOMAIN_ENABLED else "")
app.add_routes([web.get(_PREFIX + r"{path:.+/" + _SIMPLE + r"(?:/[^/]*)?/?}", simple_api)])
