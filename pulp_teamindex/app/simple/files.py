"""What the content app needs to serve a file of a version from memory: where its bytes lie
(a local path, or a name in object storage), and its PEP 658 metadata, or why it is withheld
(its project is quarantined, PEP 792, the deployment blocked it, or, for an upstream's file,
the index's cooldown holds it back). Like pages, this changes only with the versions that touch
its project, a quarantine anywhere, a block or a cooldown exception, and when a held-back
file matures."""

import asyncio
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from pulpcore.plugin.files import PulpTemporaryUploadedFile
from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app.blocklist import lookup as blocklist
from pulp_teamindex.app.blocklist.rules import refusal as block_refusal
from pulp_teamindex.app.cooldown import lookup as cooldown
from pulp_teamindex.app.distfiles import parse_filename
from pulp_teamindex.app.models import UpstreamFile, packages_in
from pulp_teamindex.app.names import upstream, upstream_records
from pulp_teamindex.app.names.ownership import owned_anywhere
from pulp_teamindex.app.project_status import lookup as project_statuses
from pulp_teamindex.app.project_status.markers import withheld_files, withheld_upstream_files
from pulp_teamindex.app.provenance import lookup as provenance_lookup
from pulp_teamindex.app.upload.storing import store_artifact


@dataclass(frozen=True)
class ServedFile:
    path: str | None  # the artifact's local file; None when storage is not local
    metadata: bytes | None  # PEP 658 metadata (wheels only)
    source: str = "local"
    stored_as: str | None = None  # the artifact's name in object storage (when `path` is None)
    size: int | None = None
    sha256: str | None = None
    fresh_until: float | None = None  # time.time() when a cooldown exception letting it expires
    provenance: bytes | None = None  # its PEP 740 provenance object (JSON), when it has one

    @property
    def cost(self):
        kept = len(self.metadata or b"") + len(self.provenance or b"")
        return kept + len(self.path or self.stored_as or "") + 200


def _served(artifact, metadata=None, source="local"):
    """How to serve `artifact`'s bytes: sendfile from local storage, else by name from object
    storage (see `object_storage`)."""
    try:
        return ServedFile(artifact.file.path, metadata, source, sha256=artifact.sha256)
    except NotImplementedError:  # object storage has no local paths
        name, size, sha256 = artifact.file.name, artifact.size, artifact.sha256
        return ServedFile(None, metadata, source, stored_as=name, size=size, sha256=sha256)


@dataclass(frozen=True)
class Withheld:
    """A file of the index that is not served, and the message that says why (a 403)."""

    message: str
    source: str = "local"  # "upstream": the upstream's status withholds it, and may change
    fresh_until: float | None = None  # time.time() when a cooldown stops holding it back

    @property
    def cost(self):
        return len(self.message) + 200


def lookup(version_pk, filename, upstream_allowed, with_journal=False, metadata=False):
    """The file `filename` of a version (with the uploads journaled after it, for the
    latest), None, `Withheld` when its project's status offers no files, or (when the index
    may serve it from its upstream and has not fetched it yet) the `ToFetch` that `fetch`
    completes; for `metadata`, an upstream file's core metadata (see `from_upstream`)."""
    version = RepositoryVersion.objects.get(pk=version_pk)
    package = packages_in(version, with_journal, filename=filename).first()
    if package is None:
        if not upstream_allowed:
            return None
        return from_upstream(version.repository_id, filename, metadata)
    project = package.normalized_name
    if blocked := _blocked(project, filename, package.sha256):
        return blocked
    if not (status := project_statuses.shown(version, project, with_journal)).offers_files:
        return Withheld(withheld_files(project, status))
    content_artifact = package.contentartifact_set.select_related("artifact").first()
    metadata = bytes(package.metadata) if package.metadata_sha256 else None
    if content_artifact is None or content_artifact.artifact is None:
        return ServedFile(None, metadata)  # listed, but its bytes are gone: 404
    document = provenance_lookup.document(version, with_journal, filename, package.sha256)
    provenance = json.dumps(document).encode() if document is not None else None
    return replace(_served(content_artifact.artifact, metadata), provenance=provenance)


def _blocked(project, filename, sha256):
    """Withheld when the deployment's block list names the file (`blocklist`), else None."""
    blocks = blocklist.blocks_for([project], [sha256])[project]
    if (reason := blocks.withheld(filename, sha256)) is not None:
        return Withheld(block_refusal(filename, reason))
    return None


@dataclass(frozen=True)
class ToFetch:
    """An upstream file listed but not fetched yet: the URL and digest its listing recorded."""

    record_pk: object
    filename: str
    url: str
    sha256: str
    fresh_until: float | None = None  # what the served file must carry (`ServedFile`)


@dataclass(frozen=True)
class MetadataToFetch:
    """An upstream file's core metadata, advertised but not fetched yet."""

    record_pk: object
    url: str  # the file's URL: the metadata's is it with ".metadata" (PEP 658)
    sha256: str  # the metadata's digest, as first listed
    fresh_until: float | None = None


def from_upstream(repository_pk, filename, metadata=False):
    """A file the index's upstream listed for a project nobody here owns: served if this index
    already fetched it, else to fetch from the URL the upstream listed; withheld while the
    upstream's last good read of the project said it is quarantined, or while the index's
    cooldown holds it back (unless an exception lets it through). For `metadata`, its core
    metadata instead, without the file: kept, to fetch (`MetadataToFetch`), or none (a 404)
    when the upstream advertised none."""
    records = UpstreamFile.objects.filter(repository_id=repository_pk, filename=filename)
    if not metadata:
        records = records.defer("metadata")
    record = records.select_related("artifact").first()
    project = parse_filename(filename)[1]
    if record is None or owned_anywhere(project):
        return None
    if blocked := _blocked(project, filename, record.sha256):
        return blocked
    status = upstream_records.status_of(repository_pk, project)
    if status is not None and not status.offers_files:
        return Withheld(withheld_upstream_files(project, status), source="upstream")
    shown = record.upload_time or record.pulp_created  # never earlier than the truth
    why, until = cooldown.withheld_file(repository_pk, project, filename, shown)
    if why is not None:
        return Withheld(why, source="upstream", fresh_until=until)
    if metadata:
        return _upstream_metadata(record, until)
    if record.artifact is None:
        return ToFetch(record.pk, filename, record.url, record.sha256, until)
    return replace(_served(record.artifact, source="upstream"), fresh_until=until)


def _upstream_metadata(record, until):
    if not record.metadata_sha256:
        return ServedFile(None, None, "upstream", fresh_until=until)
    if record.metadata is None:
        return MetadataToFetch(record.pk, record.url, record.metadata_sha256, until)
    return ServedFile(None, bytes(record.metadata), "upstream", fresh_until=until)


async def fetch_metadata(wanted):
    """Read `wanted` from the upstream (bounded; refused unless it has the listed digest) and
    keep it, so that no content process asks the upstream for it again."""
    body = await upstream.fetch_metadata(wanted.url, wanted.sha256)
    await sync_to_async(upstream_records.keep_metadata)(wanted.record_pk, body)
    return ServedFile(None, body, "upstream", fresh_until=wanted.fresh_until)


async def fetch(wanted):
    """Download `wanted` from its upstream and keep it; only the last step, saving the artifact,
    runs on the database thread.

    The bytes always come from the upstream and must match the listed digest: an existing
    artifact with that digest (say, another index's private file) is never served in their
    place, since a digest is no proof that the upstream has the bytes. Once they are proven,
    storage may share the artifact holding the same bytes.
    """
    with tempfile.TemporaryDirectory(dir=settings.WORKING_DIRECTORY) as scratch:
        path = Path(scratch) / wanted.filename
        await upstream.download(wanted.url, wanted.sha256, path)
        with open(path, "rb") as handle:
            upload = await asyncio.to_thread(PulpTemporaryUploadedFile.from_file, handle)
            return await sync_to_async(_keep)(wanted, upload)


def _keep(wanted, upload):
    artifact = store_artifact(upload, expected_digests={"sha256": wanted.sha256})
    UpstreamFile.objects.filter(pk=wanted.record_pk).update(artifact=artifact)
    return replace(_served(artifact, source="upstream"), fresh_until=wanted.fresh_until)
