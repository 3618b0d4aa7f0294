"""What the content app needs to serve a file of a version from memory: where its bytes lie
(a local path, or a name in object storage), and its PEP 658 metadata, or why it is withheld
(its project is quarantined, PEP 792). Like pages, this changes only with the versions that
touch its project (a quarantine of the latest version reaches every view of the index)."""

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from pulpcore.plugin.files import PulpTemporaryUploadedFile
from pulpcore.plugin.models import RepositoryVersion

from pulp_teamindex.app.distfiles import parse_filename
from pulp_teamindex.app.models import UpstreamFile, packages_in
from pulp_teamindex.app.names import upstream
from pulp_teamindex.app.names.ownership import owned_anywhere
from pulp_teamindex.app.project_status import lookup as project_statuses
from pulp_teamindex.app.project_status.markers import withheld_files
from pulp_teamindex.app.upload.storing import store_artifact


@dataclass(frozen=True)
class ServedFile:
    path: str | None  # the artifact's local file; None when storage is not local
    metadata: bytes | None  # PEP 658 metadata (wheels only)
    source: str = "local"
    stored_as: str | None = None  # the artifact's name in object storage (when `path` is None)
    size: int | None = None
    sha256: str | None = None

    @property
    def cost(self):
        return len(self.metadata or b"") + len(self.path or self.stored_as or "") + 200


def _served(artifact, metadata=None, source="local"):
    """How to serve `artifact`'s bytes: sendfile from local storage, else by name from object
    storage (see `object_storage`)."""
    try:
        return ServedFile(artifact.file.path, metadata, source)
    except NotImplementedError:  # object storage has no local paths
        name, size, sha256 = artifact.file.name, artifact.size, artifact.sha256
        return ServedFile(None, metadata, source, stored_as=name, size=size, sha256=sha256)


@dataclass(frozen=True)
class Withheld:
    """A file of the index that is not served, and the message that says why (a 403)."""

    message: str

    @property
    def cost(self):
        return len(self.message) + 200


def lookup(version_pk, filename, upstream_allowed, with_journal=False):
    """The file `filename` of a version (with the uploads journaled after it, for the
    latest), None, `Withheld` when its project's status offers no files, or (when the index
    may serve it from its upstream and has not fetched it yet) the `ToFetch` that `fetch`
    completes."""
    version = RepositoryVersion.objects.get(pk=version_pk)
    package = packages_in(version, with_journal, filename=filename).first()
    if package is None:
        return from_upstream(version.repository_id, filename) if upstream_allowed else None
    project = package.normalized_name
    if not (status := project_statuses.shown(version, project, with_journal)).offers_files:
        return Withheld(withheld_files(project, status))
    content_artifact = package.contentartifact_set.select_related("artifact").first()
    metadata = bytes(package.metadata) if package.metadata_sha256 else None
    if content_artifact is None or content_artifact.artifact is None:
        return ServedFile(None, metadata)  # listed, but its bytes are gone: 404
    return _served(content_artifact.artifact, metadata)


@dataclass(frozen=True)
class ToFetch:
    """An upstream file listed but not fetched yet: the URL and digest its listing recorded."""

    record_pk: object
    filename: str
    url: str
    sha256: str


def from_upstream(repository_pk, filename):
    """A file the index's upstream listed for a project nobody here owns: served if this index
    already fetched it, else to fetch from the URL the upstream listed."""
    record = (
        UpstreamFile.objects.filter(repository_id=repository_pk, filename=filename)
        .select_related("artifact")
        .first()
    )
    if record is None or owned_anywhere(parse_filename(filename)[1]):
        return None
    if record.artifact is None:
        return ToFetch(record.pk, filename, record.url, record.sha256)
    return _served(record.artifact, source="upstream")


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
    return _served(artifact, source="upstream")
