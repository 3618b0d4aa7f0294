"""Build simple API documents for one repository version, and keep them.

A repository version never changes once complete, so a page rendered for it is valid for as
long as the version exists: pages are cached by (version, project, format) and an upload, which
makes a new version, costs only the pages that are asked for afterwards.
"""

import hashlib
import time
from datetime import UTC, datetime

from pulpcore.plugin.models import RepositoryVersion

from . import simple_render, upstream
from .distfiles import InvalidDistribution, parse_filename
from .models import PACKAGES_DIR, UpstreamFile, Yank, members_of, packages_in
from .ownership import owned_anywhere
from .page_cache import MISSING, Page

UPSTREAM_TIME = datetime.fromtimestamp(0, UTC)  # upstream pages do not all say; epoch marks it
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


UPSTREAM_TTL = 300.0


def render(version_pk, project, content_type, upstream_allowed=True):
    """The page for `project` (the project list when None) of a version, or MISSING. A project
    with no file here, that no index owns, comes from the index's upstream if it has one."""
    version = RepositoryVersion.objects.select_related("repository").get(pk=version_pk)
    if project is None:
        return project_list(version, content_type)
    page = project_detail(version, project, content_type)
    if page is None:
        repository = version.repository.cast()
        if upstream_allowed and repository.upstream and not owned_anywhere(project):
            return upstream_detail(repository, project, content_type)
    return page or MISSING


def upstream_detail(repository, project, content_type):
    """The upstream's files for `project`, linked to this index's own `packages/` path and
    remembered with the digest the upstream listed."""
    expires = time.monotonic() + UPSTREAM_TTL
    listed = upstream.fetch_listing(repository.upstream, project)
    if not listed:
        return Page(body=b"", etag="", missing=True, expires=expires)
    entries = []
    for item in listed:
        record, _ = UpstreamFile.objects.get_or_create(
            repository=repository,
            filename=item.filename,
            defaults={"url": item.url, "sha256": item.sha256},
        )  # a filename keeps the digest first seen: an upstream cannot swap its bytes
        entries.append(
            simple_render.FileEntry(
                filename=item.filename,
                url=f"../../{PACKAGES_DIR}{item.filename}",
                sha256=record.sha256,
                requires_python=item.requires_python,
                size=item.size,
                upload_time=UPSTREAM_TIME,
                version=_version_of(item.filename),
                yanked=item.yanked,
            )
        )
    if content_type == simple_render.JSON_TYPE:
        text = simple_render.project_page_json(project, entries)
    else:
        text = simple_render.project_page_html(project, entries)
    page = _page(text)
    return Page(body=page.body, etag=page.etag, expires=expires, source="upstream")


def _version_of(filename):
    try:
        return str(parse_filename(filename)[2])
    except InvalidDistribution:
        return "0"


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
