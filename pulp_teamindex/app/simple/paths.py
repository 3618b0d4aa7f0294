"""The content app's paths of team indexes: `<prefix>[<domain>/]<index>/simple/[<project>/]`
and `<prefix>[<domain>/]<index>/packages/<file>`, under pulpcore's content prefix or
pulp_python's `/pypi/` alias. `<index>` is a base path, maybe followed by `versions/<n>`."""

import re

from django.conf import settings

from pulp_teamindex.app.endpoints import PYPI_PREFIX, SIMPLE_DIR
from pulp_teamindex.app.models import PACKAGES_DIR

SIMPLE = SIMPLE_DIR.rstrip("/")
PACKAGES = PACKAGES_DIR.rstrip("/")
PREFIX = settings.CONTENT_PATH_PREFIX
ALIAS = "/" + PYPI_PREFIX  # pulp_python's paths, kept for teams that come from it
DOMAIN = "{pulp_domain}/" if settings.DOMAIN_ENABLED else ""
_PAGE = re.compile(r"^(?P<base>.+?)/" + SIMPLE + r"(?:/(?P<project>[^/]*))?/?$")
_FILE = re.compile(r"^(?P<base>.+?)/" + PACKAGES_DIR + r"(?P<filename>[^/]+)$")


def target(request):
    """("page" or "file", the path's match: `base`, and `project` or `filename`) for a page
    or file path of some index, else None."""
    rel = _relative(request.path)
    if page := _PAGE.match(rel):
        return "page", page
    if file := _FILE.match(rel):
        return "file", file
    return None


def _relative(path):
    """The part of a request path after the content prefix or its `/pypi/` alias."""
    for prefix in (PREFIX, ALIAS):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return ""
