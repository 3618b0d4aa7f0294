"""Storing a validated upload's bytes and unit safely; `journal.accept` then publishes it."""

from dataclasses import asdict

from django.db import IntegrityError, transaction
from pulpcore.plugin.models import Artifact, ContentArtifact, RepositoryContent

from pulp_teamindex.app.domains import domain_kwargs, in_domain
from pulp_teamindex.app.exceptions import PublishFailed
from pulp_teamindex.app.models import IndexUpload, PackageFile
from pulp_teamindex.app.upload.storage_check import is_out_of_space, remove_damaged, stored_matches

RETRY_AFTER = 10


def store_package(upload, info):
    """Save the artifact and content unit for a validated file; safe under concurrent uploads
    of the same bytes, which converge on one artifact and one unit."""
    artifact = store_artifact(upload)
    package = in_domain(PackageFile.objects.filter(filename=info.filename, sha256=info.sha256))
    package = package.first()
    if package is None:
        with transaction.atomic():
            package, created = create_unit(info)
            if created:
                ContentArtifact.objects.create(
                    artifact=artifact, content=package, relative_path=info.filename
                )
    return package


def create_unit(info):
    """(unit, True) for a new unit of `info`, or (unit, False) when a concurrent upload of the
    same file created it first (that upload also links its artifact)."""
    try:
        with transaction.atomic():
            return PackageFile.objects.create(**asdict(info), **domain_kwargs(PackageFile)), True
    except IntegrityError:
        same = in_domain(PackageFile.objects.filter(filename=info.filename, sha256=info.sha256))
        return same.get(), False


def store_artifact(upload, expected_digests=None):
    """The artifact holding `upload`'s bytes, verified in storage: an existing one (repaired
    if its stored file is damaged), or a new one (storage moves the uploaded file into place)."""
    artifact = Artifact.init_and_validate(upload, expected_digests=expected_digests)
    existing = in_domain(Artifact.objects.filter(sha256=artifact.sha256))
    if found := existing.first():
        _write_if_damaged(found, upload)
        found.touch()
        return found
    name = artifact.storage_path(None)
    remove_damaged(artifact.file.storage, name, artifact.size, artifact.sha256)
    try:
        with transaction.atomic():
            artifact.save()
    except IntegrityError:
        artifact = existing.get()
    except OSError as exc:
        _clean_up_failed_write(artifact, name, exc)
    _verify(artifact)
    return artifact


def _write_if_damaged(artifact, upload):
    storage, name = artifact.file.storage, artifact.file.name
    if remove_damaged(storage, name, artifact.size, artifact.sha256):
        return
    upload.seek(0)
    try:
        storage.save(name, upload)
    except OSError as exc:
        _clean_up_failed_write(artifact, name, exc)
    _verify(artifact)


def _clean_up_failed_write(artifact, name, exc):
    """Remove what a failed write left at `name`, and say why it failed."""
    remove_damaged(artifact.file.storage, name, artifact.size, artifact.sha256)
    if is_out_of_space(exc):
        raise PublishFailed(
            507,
            "The index's storage is full: nothing was stored. Retry once an admin has freed space.",
            retry_after=RETRY_AFTER,
        ) from exc
    raise exc


def _verify(artifact):
    storage, name = artifact.file.storage, artifact.file.name
    if not stored_matches(storage, name, artifact.size, artifact.sha256):
        raise PublishFailed(
            503,
            "The stored file did not read back as the uploaded bytes, so it was not published. "
            "Retry the upload.",
            retry_after=RETRY_AFTER,
        )


def discard_unpublished(package):
    """Remove a unit stored for an upload that was then refused, and its artifact, so that a
    refusal leaves nothing behind. Kept if any repository holds it: an identical upload running
    at the same moment may have published these very bytes."""
    with transaction.atomic():
        if RepositoryContent.objects.filter(content_id=package.pk).exists():
            return
        if IndexUpload.objects.filter(content_id=package.pk).exists():
            return
        artifacts = [
            link.artifact for link in package.contentartifact_set.select_related("artifact")
        ]
        package.delete()
        for artifact in artifacts:
            if not ContentArtifact.objects.filter(artifact_id=artifact.pk).exists():
                artifact.delete()
