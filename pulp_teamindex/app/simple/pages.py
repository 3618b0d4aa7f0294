"""Build simple API documents for one repository version.

Rendering reads the database; the content app keeps what it renders (simple/memory/): a page
of a pinned version for as long as the version exists, a page of an index's latest version
until a change touches its project, so an upload costs only the pages of its own project. A
page read from an index's upstream is kept for TEAMINDEX_UPSTREAM_TTL only; while the upstream
fails, the page of its last good read stands in (`stale_upstream_detail`).
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app.blocklist import lookup as blocklist
from pulp_teamindex.app.blocklist.rules import refusal as block_refusal
from pulp_teamindex.app.cooldown import lookup as cooldown
from pulp_teamindex.app.cooldown.rules import earliest
from pulp_teamindex.app.distfiles import normalize_name, parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.models import PACKAGES_DIR, Yank, members_of, packages_in
from pulp_teamindex.app.names import upstream_records
from pulp_teamindex.app.names.ownership import owned_anywhere
from pulp_teamindex.app.project_status import lookup as project_statuses
from pulp_teamindex.app.provenance import lookup as provenance_lookup
from pulp_teamindex.app.simple import render as simple_render
from pulp_teamindex.app.simple.memory.page_cache import MISSING, Page

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


def upstream_detail(repository_pk, project, listing, content_type):
    """The page of the upstream's `listing` for `project`, linked to this index's own
    `packages/` path. Each file shows the digest, upload time and metadata digest first listed
    for it (`upstream_records`), which a download must match: an upstream cannot swap a file's
    bytes or backdate it later. Its yank, requires-python and size, and the project's status,
    are the upstream's of the moment."""
    if listing.empty:
        upstream_records.forget(repository_pk, project)
        return UPSTREAM_MISSING
    if owned_anywhere(project):  # a name may have gained an owner meanwhile
        return UPSTREAM_MISSING
    kept = upstream_records.remember(repository_pk, project, listing)
    return _upstream_page(repository_pk, project, listing, kept, content_type)


def last_good_read(repository_pk, project):
    """The project's last good upstream read, for when the upstream fails: only within
    TEAMINDEX_UPSTREAM_STALE_MAX of that read, for a name nobody owns; else None (the failure
    is answered)."""
    max_age = settings.TEAMINDEX_UPSTREAM_STALE_MAX
    if max_age <= 0 or owned_anywhere(project):
        return None
    last = upstream_records.last_read(repository_pk, project)
    if last is None or (timezone.now() - last.read_at).total_seconds() > max_age:
        return None
    return last


def stale_upstream_detail(repository_pk, project, content_type):
    """The page of the project's last good read (`last_good_read`), marked stale, or None."""
    last = last_good_read(repository_pk, project)
    if last is None:
        return None
    return _upstream_page(
        repository_pk, project, last.listing, last.kept, content_type, last.read_at
    )


def _upstream_page(repository_pk, project, listing, kept, content_type, stale_since=None):
    """The page of an upstream's files (and status), from what is kept of each file, without
    the files the index's cooldown holds back; it is remembered only until the next of those
    matures or an exception expires (`fresh_until`), so nothing appears late or stays listed."""
    entries, changes = upstream_files(repository_pk, project, listing, kept)
    if entries is None:
        return blocked_page(project)
    if content_type == simple_render.JSON_TYPE:
        text = simple_render.project_page_json(project, entries, listing.status)
    else:
        text = simple_render.project_page_html(project, entries, listing.status)
    page = _page(text)
    since = stale_since.timestamp() if stale_since else None
    until = changes.timestamp() if changes else None
    return Page(page.body, page.etag, source="upstream", stale_since=since, fresh_until=until)


def upstream_files(repository_pk, project, listing, kept):
    """(the entries a page of an upstream's project lists, or None when the block list blocks
    the project; the moment that changes, or None): the cooldown and the block list applied to
    what is kept of each file. The project page and its JSON API document both ask this."""
    listed = [item for item in listing.files if item.filename in kept]  # not when changed since
    now = timezone.now()
    hold = cooldown.hold_for(repository_pk, project, now)
    times = {item.filename: kept[item.filename].upload_time for item in listed}
    entries = [
        simple_render.FileEntry(
            filename=item.filename,
            url=f"../../{PACKAGES_DIR}{item.filename}",
            sha256=kept[item.filename].sha256,
            requires_python=item.requires_python,
            size=item.size,
            upload_time=kept[item.filename].upload_time,
            version=_version_of(item.filename),
            metadata_sha256=kept[item.filename].metadata_sha256,
            yanked=item.yanked,
        )
        for item in listed
        if hold.held(item.filename, times[item.filename], now) is None
    ]
    changes = earliest(hold.changes_at(name, time, now) for name, time in times.items())
    return unblocked(project, entries), changes


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
    for blocked in blocklist.blocked_projects():
        projects.pop(blocked, None)
    if content_type == simple_render.JSON_TYPE:
        return _page(simple_render.project_list_json(projects))
    return _page(simple_render.project_list_html(projects))


def project_detail(version, files, normalized_name, content_type, latest=True):
    """The page of project `normalized_name` listing `files` (its files), or None when there
    are none (a 404); yanks are those of `version`, the status the one it shows (a view of an
    earlier version, `latest` False, also meets a quarantine of the latest)."""
    if (found := project_files(version, files, normalized_name, latest)) is None:
        return None
    display_name, files = found
    if files is None:
        return blocked_page(normalized_name)
    status = project_statuses.shown(version, normalized_name, latest)
    if content_type == simple_render.JSON_TYPE:
        return _page(simple_render.project_page_json(normalized_name, files, status))
    return _page(simple_render.project_page_html(display_name, files, status))


def project_files(version, files, normalized_name, with_journal=False, provenance=True):
    """(display name, the entries a page of the project lists: `files` with the yanks and the
    provenance of `version` (and its journal, for the latest), without what the block list
    withholds, or None when it blocks the project), or None when there are no files. The
    project page and its JSON API document (which links no provenance: `provenance` False,
    one query less) both ask this."""
    rows = list(files.values(*_FILE_FIELDS))
    if not rows:
        return None
    names = [row["filename"] for row in rows]
    yanks = dict(
        members_of(version, Yank).filter(filename__in=names).values_list("filename", "reason")
    )
    files_digests = {row["filename"]: row["sha256"] for row in rows}
    attested = (
        provenance_lookup.attested(version, with_journal, files_digests) if provenance else ()
    )
    entries = [_entry(row, yanks.get(row["filename"]), row["filename"] in attested) for row in rows]
    return rows[0]["name"], unblocked(normalized_name, entries)


def unblocked(project, entries):
    """`entries` without the files the deployment's block list names, or None when it blocks
    the whole project (its page answers 403). Pages of this index and of its upstream alike."""
    blocks = blocklist.blocks_for([project], [e.sha256 for e in entries])[project]
    if blocks.project is not None:
        return None
    return [e for e in entries if blocks.withheld(e.filename, e.sha256) is None]


def blocked_page(project):
    """The 403 a blocked project's page answers, remembered like any page."""
    reason = blocklist.blocks_for([project])[project].project
    return Page(body=b"", etag="", forbidden=block_refusal(f"Project {project!r}", reason))


def _provenance_url(row):
    return simple_render.provenance_url(
        normalize_name(row["name"]), row["version"], row["filename"]
    )


def _entry(row, yanked, attested=False):
    """File URLs are relative to the project page (`<base>/simple/<name>/`), so the index
    works behind any proxy or host name without knowing its own origin; so is the provenance
    URL of an attested file (the Integrity API, `integrity`)."""
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
        provenance=_provenance_url(row) if attested else "",
    )
