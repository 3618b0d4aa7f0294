"""Build simple API documents for one repository version, and keep them.

A repository version never changes once complete, so a page rendered for it is valid for as
long as the version exists: pages are cached by (version, project, format) and an upload, which
makes a new version, costs only the pages that are asked for afterwards.
"""

import hashlib

from pulpcore.plugin.models import RepositoryVersion

from . import simple_render
from .models import PACKAGES_DIR, Yank, members_of, packages_in
from .page_cache import MISSING, Page

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


def render(version_pk, project, content_type):
    """The page for `project` (the project list when None) of a version, or MISSING."""
    version = RepositoryVersion.objects.get(pk=version_pk)
    if project is None:
        return project_list(version, content_type)
    return project_detail(version, project, content_type) or MISSING


def _page(text):
    body = text.encode("utf-8")
    return Page(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def project_list(version, content_type):
    """The index root: every project with at least one file in `version`."""
    projects = {}
    rows = packages_in(version).order_by("normalized_name", "pulp_created")
    for normalized, name in rows.values_list("normalized_name", "name"):
        projects.setdefault(normalized, name)
    if content_type == simple_render.JSON_TYPE:
        return _page(simple_render.project_list_json(projects))
    return _page(simple_render.project_list_html(projects))


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
    if content_type == simple_render.JSON_TYPE:
        return _page(simple_render.project_page_json(normalized_name, files))
    return _page(simple_render.project_page_html(display_name, files))


def _entry(row, yanked):
    """File URLs are relative to the project page (`<base>/simple/<name>/`), so the index
    works behind any proxy or host name without knowing its own origin."""
    return simple_render.FileEntry(
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
