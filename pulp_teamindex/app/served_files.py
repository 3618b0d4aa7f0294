"""What the content app needs to serve a file of a version from memory: where its bytes lie
on local storage, and its PEP 658 metadata. Like pages, this never changes for a version."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from pulpcore.plugin.files import PulpTemporaryUploadedFile
from pulpcore.plugin.models import Artifact, RepositoryVersion
from pulpcore.plugin.util import get_domain_pk

from . import upstream
from .distfiles import parse_filename
from .models import UpstreamFile, packages_in
from .ownership import owned_anywhere
from .publishing import store_artifact


@dataclass(frozen=True)
class ServedFile:
    path: str | None  # the artifact's local file; None when storage is not local
    metadata: bytes | None  # PEP 658 metadata (wheels only)
    source: str = "local"

    @property
    def cost(self):
        return len(self.metadata or b"") + len(self.path or "") + 200


def lookup(version_pk, filename):
    """The file `filename` of a version (or fetched from its index's upstream), or None."""
    version = RepositoryVersion.objects.get(pk=version_pk)
    package = packages_in(version).filter(filename=filename).first()
    if package is None:
        return from_upstream(version.repository_id, filename)
    content_artifact = package.contentartifact_set.select_related("artifact").first()
    path = None
    if content_artifact is not None and content_artifact.artifact is not None:
        try:
            path = content_artifact.artifact.file.path
        except NotImplementedError:  # object storage: pulpcore's handler redirects or streams
            path = None
    return ServedFile(
        path=path, metadata=bytes(package.metadata) if package.metadata_sha256 else None
    )


def from_upstream(repository_pk, filename):
    """A file an upstream listed for a project nobody here owns: fetched once from the URL the
    upstream listed, checked against the digest it listed, then kept as an artifact."""
    record = (
        UpstreamFile.objects.filter(repository_id=repository_pk, filename=filename)
        .select_related("artifact")
        .first()
    )
    if record is None or owned_anywhere(parse_filename(filename)[1]):
        return None
    if record.artifact is None:
        record.artifact = _fetch(record)
        record.save(update_fields=["artifact"])
    return ServedFile(path=record.artifact.file.path, metadata=None, source="upstream")


def _fetch(record):
    existing = Artifact.objects.filter(sha256=record.sha256, pulp_domain_id=get_domain_pk())
    if found := existing.first():
        return found
    with tempfile.TemporaryDirectory(dir=settings.WORKING_DIRECTORY) as scratch:
        path = Path(scratch) / record.filename
        upstream.download(record.url, record.sha256, path)
        with open(path, "rb") as handle:
            return store_artifact(
                PulpTemporaryUploadedFile.from_file(handle),
                expected_digests={"sha256": record.sha256},
            )
