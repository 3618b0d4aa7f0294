"""What an index keeps of its upstream's answers, so that they hold across reads, content
processes and outages.

- Each file's facts as first listed (`UpstreamFile`): the digest, the upload time and the core
  metadata's digest. A later listing never changes them: an upstream cannot swap a file's bytes
  or metadata, nor make a known file look older, after the fact. A metadata digest first
  advertised later (an upstream that adds metadata to old files) is taken once.
- A file's core metadata, once fetched and checked against that digest, so that no content
  process asks the upstream for it again.
- Each project's last good read (`UpstreamRead`): what may change from read to read (a file's
  yank, requires-python and size; the project's status), and when, for the stale page served
  while the upstream fails.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from pulp_teamindex.app.models import UpstreamFile, UpstreamRead
from pulp_teamindex.app.names.upstream_pages import Listed, Listing
from pulp_teamindex.app.project_status.markers import Marker


@dataclass(frozen=True)
class Kept:
    """A file's facts as first listed; `upload_time` is the one shown (the upstream's, or when
    this index first saw the file)."""

    url: str
    sha256: str
    upload_time: datetime
    metadata_sha256: str


@dataclass(frozen=True)
class LastRead:
    """A project's last good read: when, what it listed (as a `Listing` whose files carry the
    kept facts) and the kept facts by filename."""

    read_at: datetime
    listing: Listing
    kept: dict


def remember(repository_pk, project, listing):
    """{filename: Kept} for the listing's files, recording the files not seen before and this
    read as the project's last good one (three queries when every file is known)."""
    names = [item.filename for item in listing.files]
    kept = _kept(repository_pk, names)
    if any(name not in kept for name in names):
        UpstreamFile.objects.bulk_create(
            [_record(repository_pk, item) for item in listing.files if item.filename not in kept],
            ignore_conflicts=True,  # a concurrent reader recorded it first: its facts stand
        )
        kept = _kept(repository_pk, names)
    if _take_new_metadata_digests(repository_pk, listing.files, kept):
        kept = _kept(repository_pk, names)
    _record_read(repository_pk, project, listing)
    return kept


def forget(repository_pk, project):
    """The upstream has no such project now: no stale page of it may be served."""
    UpstreamRead.objects.filter(repository_id=repository_pk, normalized_name=project).delete()


def last_read(repository_pk, project):
    """The project's `LastRead`, or None; only files whose rows still exist are in it."""
    read = UpstreamRead.objects.filter(repository_id=repository_pk, normalized_name=project).first()
    if read is None:
        return None
    kept = _kept(repository_pk, [facts[0] for facts in read.files])
    files = [
        Listed(name, kept[name].url, kept[name].sha256, requires_python, yanked, size)
        for name, requires_python, yanked, size in read.files
        if name in kept
    ]
    listing = Listing(files, _marker(read.status, read.status_reason))
    return LastRead(read.read_at, listing, kept)


def status_of(repository_pk, project):
    """The status the project's last good read stated (a `Marker`), or None."""
    found = (
        UpstreamRead.objects.filter(repository_id=repository_pk, normalized_name=project)
        .values_list("status", "status_reason")
        .first()
    )
    return _marker(*found) if found else None


def keep_metadata(record_pk, metadata):
    """Keep a file's checked core metadata (the first kept stays)."""
    UpstreamFile.objects.filter(pk=record_pk, metadata__isnull=True).update(metadata=metadata)


def _kept(repository_pk, names):
    rows = UpstreamFile.objects.filter(repository_id=repository_pk, filename__in=names).values_list(
        "filename", "url", "sha256", "upload_time", "pulp_created", "metadata_sha256"
    )
    return {
        name: Kept(url, sha256, upload_time or first_seen, metadata_sha256)
        for name, url, sha256, upload_time, first_seen, metadata_sha256 in rows
    }


def _record(repository_pk, item):
    """A new row; its `pulp_created` is when this index first saw the file."""
    return UpstreamFile(
        repository_id=repository_pk,
        filename=item.filename,
        url=item.url,
        sha256=item.sha256,
        upload_time=item.upload_time,
        metadata_sha256=item.metadata_sha256,
    )


def _take_new_metadata_digests(repository_pk, listed, kept):
    """Record a metadata digest advertised for a file that had none; True if any was."""
    taken = False
    for item in listed:
        known = kept.get(item.filename)
        if item.metadata_sha256 and known is not None and not known.metadata_sha256:
            taken |= bool(
                UpstreamFile.objects.filter(
                    repository_id=repository_pk, filename=item.filename, metadata_sha256=""
                ).update(metadata_sha256=item.metadata_sha256)
            )
    return taken


def _record_read(repository_pk, project, listing):
    status = listing.status
    read = UpstreamRead(
        repository_id=repository_pk,
        normalized_name=project,
        read_at=timezone.now(),
        status=status.status if status else None,
        status_reason=status.reason if status else "",
        files=[[i.filename, i.requires_python, i.yanked, i.size] for i in listing.files],
    )
    UpstreamRead.objects.bulk_create(
        [read],
        update_conflicts=True,
        unique_fields=["repository", "normalized_name"],
        update_fields=["read_at", "status", "status_reason", "files", "pulp_last_updated"],
    )


def _marker(status, reason):
    return None if status is None else Marker(status, reason)
