"""What the content app needs to serve a file of a version from memory: where its bytes lie
on local storage, and its PEP 658 metadata. Like pages, this never changes for a version."""

from dataclasses import dataclass

from pulpcore.plugin.models import RepositoryVersion

from .models import packages_in


@dataclass(frozen=True)
class ServedFile:
    path: str | None  # the artifact's local file; None when storage is not local
    metadata: bytes | None  # PEP 658 metadata (wheels only)

    @property
    def cost(self):
        return len(self.metadata or b"") + len(self.path or "") + 200


def lookup(version_pk, filename):
    """The file `filename` of a version, or None when the version does not hold it."""
    version = RepositoryVersion.objects.get(pk=version_pk)
    package = packages_in(version).filter(filename=filename).first()
    if package is None:
        return None
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
