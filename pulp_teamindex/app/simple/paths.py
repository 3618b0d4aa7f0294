"""The content app's paths of team indexes: `<prefix>[<domain>/]<index>/simple/[<project>/]`,
`<prefix>[<domain>/]<index>/packages/<file>` and PyPI's JSON API,
`<prefix>[<domain>/]<index>/pypi/<project>[/<version>]/json`, and the web pages `<index>/` and
`<index>/project/<project>/`, under pulpcore's content prefix
or pulp_python's `/pypi/` alias. `<index>` is a base path, maybe followed by `versions/<n>`."""

import re

from django.conf import settings

from pulp_teamindex.app.endpoints import PYPI_PREFIX, SIMPLE_DIR
from pulp_teamindex.app.models import PACKAGES_DIR

SIMPLE = SIMPLE_DIR.rstrip("/")
PACKAGES = PACKAGES_DIR.rstrip("/")
JSON_API = "pypi"  # PyPI's JSON API under an index: `<index>/pypi/<project>/json`
PREFIX = settings.CONTENT_PATH_PREFIX
ALIAS = "/" + PYPI_PREFIX  # pulp_python's paths, kept for teams that come from it
DOMAIN = "{pulp_domain}/" if settings.DOMAIN_ENABLED else ""
_PAGE = re.compile(r"^(?P<base>.+?)/" + SIMPLE + r"(?:/(?P<project>[^/]*))?/?$")
_JSON = re.compile(
    r"^(?P<base>.+?)/" + JSON_API + r"/(?P<project>[^/]+)/(?:(?P<version>[^/]+)/)?json/?$"
)
_FILE = re.compile(r"^(?P<base>.+?)/" + PACKAGES_DIR + r"(?P<filename>[^/]+)$")
INTEGRITY = "integrity"  # PyPI's Integrity API: `<index>/integrity/<p>/<v>/<file>/provenance`
INTEGRITY_PATH = INTEGRITY + r"/[^/]+/[^/]+/[^/]+/provenance"
_INTEGRITY = re.compile(
    r"^(?P<base>.+?)/" + INTEGRITY + r"/(?P<project>[^/]+)/(?P<version>[^/]+)/"
    r"(?P<filename>[^/]+)/provenance$"
)
WEB_PROJECT = "project"  # the web pages (`web/`): `<index>/` and `<index>/project/<name>/`
_WEB = re.compile(r"^(?P<base>.+?)(?:/" + WEB_PROJECT + r"/(?P<project>[^/]+)/?|/)$")


def target(request):
    """("page", "file", "json", "integrity" or "web", the path's match: `base`, and `project`
    or `filename`, and for "json" `version`, for "integrity" all three) for a path of some
    index, else None. The JSON API
    is matched first: `<a>/pypi/simple/json` is its document of project `simple` (base paths
    never nest)."""
    rel = _relative(request.path)
    if document := _JSON.match(rel):
        return "json", document
    if provenance := _INTEGRITY.match(rel):
        return "integrity", provenance
    if page := _PAGE.match(rel):
        return "page", page
    if file := _FILE.match(rel):
        return "file", file
    if web_page := _WEB.match(rel):
        return "web", web_page
    return None


def is_web(rest):
    """Whether `rest`, a path inside an index, is one of its web pages (or a misspelling of
    one, which that page's answer corrects or refuses)."""
    return rest == "" or rest.split("/", 1)[0] == WEB_PROJECT


def index_path(request, match):
    """The path of the index a request's `match` names, as the request spelled it (with the
    content prefix or the `/pypi/` alias): `<prefix>[<domain>/]<index>/`."""
    return request.path[: len(request.path) - len(match.string) + match.end("base")] + "/"


def _relative(path):
    """The part of a request path after the content prefix or its `/pypi/` alias."""
    for prefix in (PREFIX, ALIAS):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return ""
