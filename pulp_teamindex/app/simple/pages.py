"""Build simple API documents for one repository version.

Rendering reads the database; the content app keeps what it renders (simple/memory/): a page
of a pinned version for as long as the version exists, a page of an index's latest version
until a change touches its project, so an upload costs only the pages of its own project. A
page read from an index's upstream is kept for TEAMINDEX_UPSTREAM_TTL only.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app.distfiles import parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.models import PACKAGES_DIR, UpstreamFile, Yank, members_of, packages_in
from pulp_teamindex.app.names.ownership import owned_anywhere
from pulp_teamindex.app.project_status import lookup as project_statuses
from pulp_teamindex.app.simple import render as simple_render
from pulp_teamindex.app.simple.memory.page_cache import MISSING, Page

UPSTREAM_TIME = datetime.fromtimestamp(0, UTC)  # upstream pages do not all say; epoch marks it
UPSTREAM_MISSING = Page(body=b"", etag="", missing=True, source="upstream")
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
class AskUpstream:
    """`render`'s answer when the page must come from the index's upstream: the caller reads
    the upstream (asynchronously, off the database thread) and calls `upstream_detail`."""

    repository_pk: object
    url: str


def render(version_pk, project, content_type, upstream_allowed=True, with_journal=False):
    """The page for `project` (the project list when None) of a version (with the uploads
    journaled after it, for the latest), MISSING, or AskUpstream for a project with no file
    here, that no index owns, when the index has an upstream."""
    version = RepositoryVersion.objects.select_related("repository").get(pk=version_pk)
    if project is None:
        return project_list(packages_in(version, with_journal), content_type)
    files = packages_in(version, with_journal, normalized_name=project)
    page = project_detail(version, files, project, content_type, latest=with_journal)
    if page is None:
        repository = version.repository.cast()
        if upstream_allowed and repository.upstream and not owned_anywhere(project):
            return AskUpstream(repository.pk, repository.upstream)
    return page or MISSING


def upstream_detail(repository_pk, project, listed, content_type):
    """The page of the upstream's files for `project`, linked to this index's own `packages/`
    path. Each filename is remembered with the digest first listed for it, which the page
    shows and a download must match: an upstream cannot swap a file's bytes later."""
    if not listed or owned_anywhere(project):  # a name may have gained an owner meanwhile
        return UPSTREAM_MISSING
    digests = _remember_digests(repository_pk, listed)
    entries = [
        simple_render.FileEntry(
            filename=item.filename,
            url=f"../../{PACKAGES_DIR}{item.filename}",
            sha256=digests[item.filename],
            requires_python=item.requires_python,
            size=item.size,
            upload_time=UPSTREAM_TIME,
            version=_version_of(item.filename),
            yanked=item.yanked,
        )
        for item in listed
    ]
    if content_type == simple_render.JSON_TYPE:
        text = simple_render.project_page_json(project, entries)
    else:
        text = simple_render.project_page_html(project, entries)
    page = _page(text)
    return Page(body=page.body, etag=page.etag, source="upstream")


def _remember_digests(repository_pk, listed):
    """{filename: digest} for the listed files, recording the ones not seen before (three
    queries, whatever the number of files)."""
    names = [item.filename for item in listed]
    known = UpstreamFile.objects.filter(repository_id=repository_pk, filename__in=names)
    seen = set(known.values_list("filename", flat=True))
    UpstreamFile.objects.bulk_create(
        [
            UpstreamFile(
                repository_id=repository_pk, filename=i.filename, url=i.url, sha256=i.sha256
            )
            for i in listed
            if i.filename not in seen
        ],
        ignore_conflicts=True,  # a concurrent reader recorded it first: its digest stands
    )
    return dict(known.values_list("filename", "sha256"))


def _version_of(filename):
    try:
        return str(parse_filename(filename)[2])
    except InvalidDistribution:
        return "0"


def _page(text):
    body = text.encode("utf-8")
    return Page(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def project_list(files, content_type):
    """The index root: every project with at least one of `files`."""
    projects = {}
    rows = files.order_by("normalized_name", "pulp_created")
    for normalized, name in rows.values_list("normalized_name", "name"):
        projects.setdefault(normalized, name)
    if content_type == simple_render.JSON_TYPE:
        return _page(simple_render.project_list_json(projects))
    return _page(simple_render.project_list_html(projects))


def project_detail(version, files, normalized_name, content_type, latest=True):
    """The page of project `normalized_name` listing `files` (its files), or None when there
    are none (a 404); yanks are those of `version`, the status the one it shows (a view of an
    earlier version, `latest` False, also meets a quarantine of the latest)."""
    rows = list(files.values(*_FILE_FIELDS))
    if not rows:
        return None
    display_name = rows[0]["name"]
    yanks = dict(
        members_of(version, Yank)
        .filter(filename__in=[row["filename"] for row in rows])
        .values_list("filename", "reason")
    )
    files = [_entry(row, yanks.get(row["filename"])) for row in rows]
    status = project_statuses.shown(version, normalized_name, latest)
    if content_type == simple_render.JSON_TYPE:
        return _page(simple_render.project_page_json(normalized_name, files, status))
    return _page(simple_render.project_page_html(display_name, files, status))


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
