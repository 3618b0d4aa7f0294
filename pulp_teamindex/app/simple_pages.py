"""Build simple API documents for one repository version, and keep them.

A repository version never changes once complete, so a page rendered for it is valid for as
long as the version exists: pages are cached by (version, project, format) and an upload, which
makes a new version, costs only the pages that are asked for afterwards.
"""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from . import simple_render as render
from .models import PACKAGES_DIR, Yank, members_of, packages_in

MAX_CACHED_PAGES = 4096

_FILE_FIELDS = (
    "filename",
    "name",
    "version",
    "sha256",
    "requires_python",
    "size",
    "upload_time",
    "metadata_sha256",
)


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str


class PageCache:
    """A bounded LRU of rendered pages; used from the event loop only."""

    def __init__(self, limit=MAX_CACHED_PAGES):
        self._pages = OrderedDict()
        self._limit = limit

    def get(self, key):
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key, page):
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self._limit:
            self._pages.popitem(last=False)


def _page(text):
    body = text.encode("utf-8")
    return Page(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def project_list(version, content_type):
    """The index root: every project with at least one file in `version`."""
    projects = {}
    rows = packages_in(version).order_by("normalized_name", "pulp_created")
    for normalized, name in rows.values_list("normalized_name", "name"):
        projects.setdefault(normalized, name)
    if content_type == render.JSON_TYPE:
        return _page(render.project_list_json(projects))
    return _page(render.project_list_html(projects))


def project_detail(version, normalized_name, content_type):
    """One project's page, or None when the project has no file in `version` (a 404)."""
    rows = list(packages_in(version).filter(normalized_name=normalized_name).values(*_FILE_FIELDS))
    if not rows:
        return None
    display_name = rows[0]["name"]
    yanks = dict(
        members_of(version, Yank)
        .filter(filename__in=[row["filename"] for row in rows])
        .values_list("filename", "reason")
    )
    files = [_entry(row, yanks.get(row["filename"])) for row in rows]
    if content_type == render.JSON_TYPE:
        return _page(render.project_page_json(normalized_name, files))
    return _page(render.project_page_html(display_name, files))


def _entry(row, yanked):
    """File URLs are relative to the project page (`<base>/simple/<name>/`), so the index
    works behind any proxy or host name without knowing its own origin."""
    return render.FileEntry(
        filename=row["filename"],
        url=f"../../{PACKAGES_DIR}{row['filename']}",
        sha256=row["sha256"],
        requires_python=row["requires_python"],
        size=row["size"],
        upload_time=row["upload_time"],
        version=row["version"],
        metadata_sha256=row["metadata_sha256"],
        yanked=yanked,
    )
