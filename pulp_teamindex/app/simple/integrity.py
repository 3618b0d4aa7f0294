"""PyPI's Integrity API for an index: `<index>/integrity/<project>/<version>/<filename>/provenance`
answers the file's PEP 740 provenance object (`application/vnd.pypi.integrity.v1+json`).

It is served exactly as the file is: the same route, content guard and read tokens
(`handlers`), and the same lookup (`answers._served`, so a quarantined project's, a blocked or
a held-back file's provenance is withheld like its bytes, and an index serves only the
provenance of the files it serves). The provenance object is part of what is remembered of a
served file (`files.ServedFile`), so it costs no query once the file was asked for.
"""

from aiohttp import web
from packaging.version import InvalidVersion, Version

from pulp_teamindex.app.distfiles import normalize_name, parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.simple import answers
from pulp_teamindex.app.simple import files as served_files

CONTENT_TYPE = "application/vnd.pypi.integrity.v1+json"


async def answer(request, route, match, memory):
    """The provenance object of the file the path names; 404 when the index does not serve
    that file (or names it under another project or version), or serves it without one."""
    filename = match["filename"]
    try:
        _kind, project, version = parse_filename(filename)[:3]
    except InvalidDistribution:
        raise web.HTTPNotFound() from None
    if normalize_name(match["project"]) != project or not _same_version(match["version"], version):
        raise web.HTTPNotFound(text=f"{filename} is not a file of that project and version.\n")
    served = await answers._served(route, filename, memory)  # noqa: SLF001 (one read path)
    if isinstance(served, served_files.Withheld):
        raise web.HTTPForbidden(text=served.message + "\n")
    if getattr(served, "provenance", None) is None:
        raise web.HTTPNotFound(text=f"{filename} has no provenance in this index.\n")
    headers = {answers.SOURCE_HEADER: served.source}
    return web.Response(body=served.provenance, content_type=CONTENT_TYPE, headers=headers)


def _same_version(text, version):
    try:
        return Version(text) == version
    except InvalidVersion:
        return False
