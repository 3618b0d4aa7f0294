"""Publishing a validated file into a team index, so that it is served when the call returns."""

import time
from dataclasses import asdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists
from pulpcore.plugin.constants import TASK_FINAL_STATES, TASK_STATES
from pulpcore.plugin.models import Artifact, ContentArtifact, RepositoryContent, Task
from pulpcore.plugin.tasking import aadd_and_remove, cancel_task, dispatch

from pulp_teamindex.app.domains import domain_kwargs, in_domain
from pulp_teamindex.app.exceptions import PublishFailed, refusal_from_task
from pulp_teamindex.app.models import PackageFile, ever_held, memberships_of_unit
from pulp_teamindex.app.upload.storage_check import is_out_of_space, remove_damaged, stored_matches

RETRY_AFTER = 10


def find_filename(repository, filename):
    """The file ever published under `filename` in this index (or None), annotated with
    `served`: whether the latest version holds it (its membership was never closed)."""
    still_open = memberships_of_unit(repository).filter(version_removed__isnull=True)
    return (
        ever_held(repository)
        .filter(filename=filename)
        .annotate(served=Exists(still_open))
        .order_by("-served")
        .first()
    )


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
        artifacts = [
            link.artifact for link in package.contentartifact_set.select_related("artifact")
        ]
        package.delete()
        for artifact in artifacts:
            if not ContentArtifact.objects.filter(artifact_id=artifact.pk).exists():
                artifact.delete()


def add_to_index(repository, package):
    """Create the repository version holding `package` and wait until it exists.

    The task runs immediately in this process when the repository is free, otherwise a worker
    runs it; either way the caller hears back only once the file is served, so a successful
    twine upload always means an installable package.
    """
    task = dispatch(
        aadd_and_remove,
        exclusive_resources=[repository],
        kwargs={
            "repository_pk": str(repository.pk),
            "add_content_units": [str(package.pk)],
            "remove_content_units": [],
        },
        immediate=True,
    )
    task = _wait(task)
    if task.state == TASK_STATES.COMPLETED:
        return
    description = (task.error or {}).get("description", "")
    if refusal := refusal_from_task(description):
        raise refusal
    raise PublishFailed(
        503, f"The index could not be updated ({task.state}): {description}. Retry the upload."
    )


def _wait(task):
    """The finished task; past TEAMINDEX_UPLOAD_WAIT the task is canceled, so that the 503
    the client gets means "not published" and a retry is safe (the wait stays below the API
    server's request timeout, so the answer is ours and not the server's)."""
    deadline = time.monotonic() + settings.TEAMINDEX_UPLOAD_WAIT
    task = _poll(task, deadline)
    if task.state in TASK_FINAL_STATES:
        return task
    cancel_task(task.pk)
    task = _poll(task, time.monotonic() + CANCEL_GRACE)
    if task.state == TASK_STATES.COMPLETED:  # it finished before the cancel reached it
        return task
    raise PublishFailed(
        503,
        f"The index is busy: the file was not published within "
        f"{settings.TEAMINDEX_UPLOAD_WAIT} s, so the upload was withdrawn. Retry the upload.",
        retry_after=RETRY_AFTER,
    )


# How long a canceled upload may still take to reach a final state before we answer.
CANCEL_GRACE = 2.0


def _poll(task, deadline):
    delay = 0.01
    while task.state not in TASK_FINAL_STATES and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
        task = Task.objects.get(pk=task.pk)
    return task
