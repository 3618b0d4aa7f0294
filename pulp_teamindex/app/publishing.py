"""Publishing a validated file into a team index, so that it is served when the call returns."""

import time
from dataclasses import asdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists
from pulpcore.plugin.constants import TASK_FINAL_STATES, TASK_STATES
from pulpcore.plugin.models import Artifact, ContentArtifact, Task
from pulpcore.plugin.tasking import aadd_and_remove, dispatch

from .domains import domain_kwargs, in_domain
from .models import FilenameReuse, PackageFile, ever_held, memberships_of_unit


class PublishFailed(Exception):
    """The file could not be added; `status` is the HTTP status that explains why."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


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
    """The artifact holding `upload`'s bytes: an existing one, or a new one (storage moves the
    uploaded temporary file into place)."""
    artifact = Artifact.init_and_validate(upload, expected_digests=expected_digests)
    existing = in_domain(Artifact.objects.filter(sha256=artifact.sha256))
    if found := existing.first():
        found.touch()
        return found
    try:
        with transaction.atomic():
            artifact.save()
    except IntegrityError:
        artifact = existing.get()
    return artifact


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
    if FilenameReuse.__name__ in description or "File already exists" in description:
        raise PublishFailed(409, f"File already exists: {package.filename}.")
    raise PublishFailed(
        503, f"The index could not be updated ({task.state}): {description}. Retry the upload."
    )


def _wait(task):
    deadline = time.monotonic() + settings.TEAMINDEX_UPLOAD_WAIT
    delay = 0.01
    while task.state not in TASK_FINAL_STATES:
        if time.monotonic() > deadline:
            raise PublishFailed(
                503,
                f"The index is busy: task {task.pk} has not finished. The file will be "
                "published when it completes; check the index before retrying.",
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
        task = Task.objects.get(pk=task.pk)
    return task
