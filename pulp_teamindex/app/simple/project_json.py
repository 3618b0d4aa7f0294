"""The JSON API document of a project of one repository version, read from the database (run
in a thread), or from what an index keeps of its upstream's listing.

The files shown are exactly those of the project's simple page (`pages.project_files`,
`pages.upstream_files`: yanks, the block list, the cooldown; the status from the same
lookup); only the shape differs (`json_api`). `info` is read from the core metadata of one
file of the release it describes, a wheel's first (an sdist's may leave fields dynamic).
"""

import hashlib
from dataclasses import replace

from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app.models import PACKAGES_DIR, UpstreamFile, packages_in
from pulp_teamindex.app.names import upstream_records
from pulp_teamindex.app.names.ownership import owned_anywhere
from pulp_teamindex.app.project_status import lookup as project_statuses
from pulp_teamindex.app.simple import json_api
from pulp_teamindex.app.simple import pages as simple_pages
from pulp_teamindex.app.simple.memory.page_cache import MISSING, Page

MISSING_RELEASE = Page(body=b"", etag="", missing=True)


def render(version_pk, project, wanted, index_url, upstream_allowed=True, with_journal=False):
    """The document of `project` (one release when `wanted`), MISSING, a blocked project's
    403, or `pages.AskUpstream` for a name with no file here that no index owns."""
    version = RepositoryVersion.objects.select_related("repository").get(pk=version_pk)
    files = packages_in(version, with_journal, normalized_name=project)
    found = simple_pages.project_files(version, files, project, provenance=False)
    if found is None:
        repository = version.repository.cast()
        if upstream_allowed and repository.upstream and not owned_anywhere(project):
            return simple_pages.AskUpstream(repository.pk, repository.upstream)
        return MISSING
    name, entries = found
    if entries is None:
        return simple_pages.blocked_page(project)
    status = project_statuses.shown(version, project, with_journal)
    entries = _linked(entries, index_url)
    release = json_api.chosen_release(entries, wanted)
    metadata = _local_metadata(files, entries, release)
    doc = json_api.project_document(
        name,
        entries,
        metadata,
        serial=version.number,
        links=_links(index_url, project),
        wanted=wanted,
        status=status,
    )
    return _page(doc) if doc is not None else MISSING_RELEASE


def upstream_document(repository_pk, project, listing, wanted, index_url, serial):
    """The document of an upstream's `listing` of `project`, with the files its page shows.
    `info` comes from a file's core metadata once this index keeps it (fetched when a client
    asks the index for the file's PEP 658 `.metadata`, as pip and uv do while resolving, from
    an upstream that offers it); until then it holds name, version and requires-python only:
    the JSON API never makes the index fetch from its upstream more than the page does."""
    if listing.empty or owned_anywhere(project):
        return simple_pages.UPSTREAM_MISSING
    kept = upstream_records.remember(repository_pk, project, listing)
    return _upstream_document(repository_pk, project, listing, kept, wanted, index_url, serial)


def stale_upstream_document(repository_pk, project, wanted, index_url, serial):
    """The document of the project's last good upstream read, marked stale, for when the
    upstream fails (`pages.last_good_read`), or None."""
    last = simple_pages.last_good_read(repository_pk, project)
    if last is None:
        return None
    found = _upstream_document(
        repository_pk, project, last.listing, last.kept, wanted, index_url, serial
    )
    return replace(found, stale_since=last.read_at.timestamp())


def _upstream_document(repository_pk, project, listing, kept, wanted, index_url, serial):
    entries, changes = simple_pages.upstream_files(repository_pk, project, listing, kept)
    if entries is None:
        return replace(simple_pages.blocked_page(project), source="upstream")
    entries = _linked(entries, index_url)
    release = json_api.chosen_release(entries, wanted)
    metadata = _upstream_metadata(repository_pk, entries, release)
    doc = json_api.project_document(
        project,  # the upstream's display name is not kept
        entries,
        metadata,
        serial=serial,
        links=_links(index_url, project),
        wanted=wanted,
        status=listing.status,
    )
    until = changes.timestamp() if changes else None
    if doc is None:
        return replace(simple_pages.UPSTREAM_MISSING, fresh_until=until)
    return replace(_page(doc), source="upstream", fresh_until=until)


def _linked(entries, index_url):
    """File URLs as the JSON API gives them: absolute (from the index's URL)."""
    return [replace(e, url=f"{index_url}{PACKAGES_DIR}{e.filename}") for e in entries]


def _links(index_url, project):
    return {
        "project_url": f"{index_url}simple/{project}/",
        "release_url": f"{index_url}pypi/{project}/{{version}}/json",
    }


def _release_files(entries, release):
    """The filenames of `release`, wheels first."""
    names = [e.filename for e in entries if e.version == release]
    return sorted(names, key=lambda name: not name.endswith(".whl"))


def _local_metadata(files, entries, release):
    names = _release_files(entries, release)
    stored = dict(files.filter(filename__in=names).values_list("filename", "metadata"))
    return next((bytes(stored[n]) for n in names if stored.get(n)), None)


def _upstream_metadata(repository_pk, entries, release):
    names = _release_files(entries, release)
    stored = dict(
        UpstreamFile.objects.filter(
            repository_id=repository_pk, filename__in=names, metadata__isnull=False
        ).values_list("filename", "metadata")
    )
    return next((bytes(stored[n]) for n in names if stored.get(n)), None)


def _page(doc):
    body = json_api.encode(doc)
    return Page(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')
