"""The units a failed import left behind.

An import commits its files batch by batch and publishes them all in one version at its end
(`tasks.importing`). Each batch records the units it created (`ImportStaging`), and the
version's commit drops those rows; rows that remain belong to an import that failed, was
canceled or whose worker was killed. Its units are in no version and nobody asked for them,
so they go at once with the bytes no other unit shares, rather than after pulpcore's orphan
protection time (a day by default). A unit that something holds meanwhile (a version, an
upload's journal row) is kept.
"""

import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from pulpcore.plugin.constants import TASK_FINAL_STATES
from pulpcore.plugin.models import Artifact, ContentArtifact, RepositoryContent, Task

from pulp_teamindex.app import locks
from pulp_teamindex.app.models import ImportStaging, IndexUpload, PackageFile
from pulp_teamindex.app.sweeper.files import discard_unnamed

IMPORT_TASKS = (
    "pulp_teamindex.app.tasks.importing.import_directory",
    "pulp_teamindex.app.tasks.importing.import_index",
)
BATCH = 500
log = logging.getLogger(__name__)


def sweep_failed_imports():
    """Remove what every finished import left staged; how many units went. Nothing is done
    while an import runs: it may have found one of those units and be about to publish it."""
    if Task.objects.filter(name__in=IMPORT_TASKS).exclude(state__in=TASK_FINAL_STATES).exists():
        return 0
    staged = set(ImportStaging.objects.values_list("task_id", flat=True).distinct())
    running = Task.objects.filter(pk__in=staged).exclude(state__in=TASK_FINAL_STATES)
    finished = staged - set(running.values_list("pk", flat=True))
    return sum(discard_staged(task_id) for task_id in finished)


def discard_staged(task_id, storage=None):
    """Remove the units import `task_id` staged and nothing holds, their links, the artifacts
    no other unit uses and those artifacts' files; then its staging rows. How many units went."""
    removed = 0
    while batch := list(_staged(task_id)[:BATCH]):
        removed += _discard_units(batch, storage)
        ImportStaging.objects.filter(task_id=task_id, unit_id__in=[u.pk for u in batch]).delete()
    return removed


def discard_staged_quietly(task_id):
    """`discard_staged` for a failing import: a second failure is logged and left to the
    periodic sweep, which finds the same rows."""
    try:
        return discard_staged(task_id)
    except Exception:  # noqa: BLE001
        log.warning("could not remove what import %s stored yet", task_id, exc_info=True)
        return 0


def _staged(task_id):
    units = ImportStaging.objects.filter(task_id=task_id).values("unit_id")
    return PackageFile.objects.filter(pk__in=units).only("pk", "sha256").order_by("sha256")


def _discard_units(units, storage):
    """Delete `units` but those held, in one transaction holding their bytes' locks, then the
    files of the artifacts that went."""
    with transaction.atomic():
        locks.hold_all_bytes(unit.sha256 for unit in units)
        free = PackageFile.objects.filter(pk__in=[u.pk for u in units]).exclude(_held())
        links = ContentArtifact.objects.filter(content__in=free, artifact__isnull=False)
        artifact_pks = set(links.values_list("artifact_id", flat=True))
        count = free.count()
        free.delete()
        unused = Artifact.objects.filter(pk__in=artifact_pks, content_memberships__isnull=True)
        files = [(artifact.file.storage, artifact.file.name) for artifact in unused]
        unused.delete()  # the rows only: the files go below, under the lock again
    for file_storage, name in files:
        discard_unnamed(storage or file_storage, [name])
    return count


def _held():
    """Units some repository version or upload journal row holds."""
    return Q(
        Exists(RepositoryContent.objects.filter(content_id=OuterRef("pk")))
        | Exists(IndexUpload.objects.filter(content_id=OuterRef("pk")))
    )
