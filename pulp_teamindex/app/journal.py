"""The upload journal: an accepted upload is served at once, and becomes part of a
repository version later, together with every other upload accepted meanwhile.

pulpcore stores each repository version's whole list of content ids, so making a version costs
time and space in proportion to the index: with one version per upload, upload N cost O(N) and
an index's history O(N^2) ids. Instead, an upload that passes every check a version would make
(filename reuse and name ownership, under the index's lock) is recorded as an `IndexUpload`
row, durably, and announced to the content apps, which serve the latest version together with
the rows not yet folded into it (`models.packages_in(version, True, ...)`); the 200 follows
their confirmation. A task folds all pending rows into one version (group commit): as soon as
they reach TEAMINDEX_FOLD_RATIO of the index (so a long burst makes versions that grow
geometrically, and history stays linear in uploads), else after TEAMINDEX_FOLD_DELAY seconds
without uploads. Any other change of the index (yank, remove, rollback, promote, modify, a REST
upload) folds first, so versions stay the complete, ordered history they were.
"""

import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Func
from django.utils import timezone
from pulpcore.plugin.constants import TASK_STATES
from pulpcore.plugin.models import (
    Repository,
    RepositoryVersion,
    Task,
    TaskSchedule,
)
from pulpcore.plugin.tasking import dispatch
from pulpcore.plugin.util import get_domain, get_prn

from pulp_teamindex.app import change_feed, locks, rows
from pulp_teamindex.app.exceptions import FilenameReuse
from pulp_teamindex.app.models import IndexUpload, PackageFile, Provenance, ever_held
from pulp_teamindex.app.names.ownership import claim_for
from pulp_teamindex.app.provenance.units import unit_for
from pulp_teamindex.app.upload import checks

FOLD_TASK = "pulp_teamindex.app.tasks.fold_journal"
REQUEST_FOLD_TASK = "pulp_teamindex.app.tasks.request_fold"
RECHECK = 1.0  # seconds between an upload process's looks at an index's fold schedule
_looked = {}  # repository pk -> time.monotonic() this process last looked


def pending(repository_pk):
    """The index's uploads not folded into a version yet."""
    return IndexUpload.objects.filter(repository_id=repository_pk, folded_number__isnull=True)


def filename_clash(repository, files):
    """The first of `files` ({filename: sha256}) whose filename this index holds or once held
    with other bytes, or None. Call it holding the index's lock (`locks.hold_index`)."""
    names = list(files)
    earlier = ever_held(repository).filter(filename__in=names).values_list("filename", "sha256")
    journaled = IndexUpload.objects.filter(repository=repository, filename__in=names)
    for filename, sha256 in [*earlier, *journaled.values_list("filename", "sha256")]:
        if files[filename] != sha256:
            return filename
    return None


# The upload path's lookup, written in SQL: building it with the ORM costs its process several
# times the CPU PostgreSQL spends answering it (docs/architecture.md). Rows: the index's journal
# entries of the filename (journaled, sha256, pending with this very unit), then each unit of
# that filename the index ever held (not journaled, sha256, still a member). Each part is an
# index lookup by filename; OFFSET 0 keeps the membership lookup a nested one per unit, so no
# plan depends on the index's size or on how fresh PostgreSQL's statistics are.
STANDING = """
    SELECT true, sha256, content_id = %s AND folded_number IS NULL
      FROM teamindex_indexupload
     WHERE repository_id = %s AND filename = %s
    UNION ALL
    SELECT false, p.sha256, m.version_removed_id IS NULL
      FROM teamindex_packagefile p
     CROSS JOIN LATERAL (
           SELECT version_removed_id FROM core_repositorycontent
            WHERE repository_id = %s AND content_id = p.content_ptr_id OFFSET 0) m
     WHERE p.filename = %s"""


def _standing(repository, package):
    """(served, clash): whether the index serves `package` now (pending in its journal, or a
    membership of its latest version never closed), and whether its filename was published
    here with other bytes. One statement, under the index's lock."""
    params = [package.pk, repository.pk, package.filename, repository.pk, package.filename]
    found = rows.fetch(STANDING, params)
    clash = any(sha256 != package.sha256 for _, sha256, _ in found)
    served = any(
        still if journaled else (sha256 == package.sha256 and still)
        for journaled, sha256, still in found
    )
    return served, clash


def accept(repository, package, uploader, provenance=None):
    """Publish `package` into `repository`, within the caller's transaction if there is one:
    False when the index already serves it. `provenance`, the file's verified PEP 740
    provenance object, is kept as a unit that the fold adds beside the file; a file already
    served keeps the provenance (or none) it was first published with.

    Refused by the `upload.checks` every entering file passes (FileBlocked, ProjectClosed,
    NameTaken), and (FilenameReuse) as a version adding it would be. The commit returns once
    every content app confirmed it serves the file; then a fold is scheduled."""
    with transaction.atomic(savepoint=False):
        locks.hold_index(repository.pk)
        checks.refuse(repository, [package])
        served, clash = _standing(repository, package)
        if clash:
            raise FilenameReuse(
                f"File already exists: {package.filename} is already in this index with "
                "different content. A published filename can never change; release a new "
                "version."
            )
        if served:
            return False
        claim_for(repository, package)
        kept = unit_for(package.filename, package.sha256, provenance) if provenance else None
        upload = rows.insert(
            IndexUpload(
                repository=repository,
                content=package,
                provenance=kept,
                filename=package.filename,
                normalized_name=package.normalized_name,
                sha256=package.sha256,
                uploader=uploader,
            )
        )
        change_feed.upload_accepted(repository.pk, package.normalized_name, upload.pk)
        # robust: the upload is committed by then; a fold missed here comes with the next upload
        transaction.on_commit(partial(schedule_fold, repository), robust=True)
    return True


def fold(repository):
    """Fold every pending upload into a new version (or mark it held by the latest, which may
    already hold it after a crash between the two steps). Called only by tasks holding the
    repository, so versions are made one at a time."""
    rows = list(pending(repository.pk).values_list("pk", "content_id", "provenance_id"))
    if not rows:
        return
    with Repository.new_version(repository) as version:  # the unfolding original
        version.folds_journal = True  # nothing readers see changes: see versions.announce
        version.add_content(PackageFile.objects.filter(pk__in=[c for _, c, _ in rows if c]))
        version.add_content(Provenance.objects.filter(pk__in=[p for _, _, p in rows if p]))
    number = version.number if version.complete else repository.latest_version().number
    IndexUpload.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(folded_number=number)


def schedule_fold(repository, throttle=True):
    """Fold now when the pending uploads are a sizeable part of the index; in any case once
    uploads pause for TEAMINDEX_FOLD_DELAY seconds (at the latest TEAMINDEX_FOLD_MAX_DELAY
    after the oldest pending one). Uploads look at this once a second per process and index:
    one arriving sooner is taken by the fold its predecessor scheduled, which starts at least
    two seconds after that look."""
    if throttle:
        if time.monotonic() - _looked.get(repository.pk, -RECHECK) < RECHECK:
            return
        _looked[repository.pk] = time.monotonic()
    waiting = pending(repository.pk)
    count = waiting.count()
    if not count:
        return
    if count >= max(
        settings.TEAMINDEX_FOLD_BATCH, settings.TEAMINDEX_FOLD_RATIO * _size(repository)
    ):
        request_fold(repository)
    oldest = waiting.order_by("pulp_created").values_list("pulp_created", flat=True).first()
    now = timezone.now()
    when = min(
        now + timedelta(seconds=settings.TEAMINDEX_FOLD_DELAY),
        oldest + timedelta(seconds=settings.TEAMINDEX_FOLD_MAX_DELAY),
    )
    TaskSchedule.objects.update_or_create(
        name=_schedule_name(repository),
        pulp_domain=get_domain(),
        defaults={
            "next_dispatch": max(when, now + timedelta(seconds=2 * RECHECK)),
            "task_name": REQUEST_FOLD_TASK,
            "task_kwargs": {"repository_pk": str(repository.pk)},
        },
    )


def request_fold(repository):
    """Queue a fold of the index unless one is already waiting to start (it will take every
    pending upload, this one's too)."""
    resource = get_prn(repository)
    queued = Task.objects.filter(
        name=FOLD_TASK, state=TASK_STATES.WAITING, reserved_resources_record__contains=[resource]
    )
    if queued.exists():
        return None
    return dispatch_fold(repository)


def dispatch_fold(repository):
    return dispatch(
        FOLD_TASK, exclusive_resources=[repository], kwargs={"repository_pk": str(repository.pk)}
    )


def forget_schedule(repository):
    TaskSchedule.objects.filter(name=_schedule_name(repository)).delete()


def _schedule_name(repository):
    return f"teamindex-fold-{repository.pk}"


def _size(repository):
    """How many units the latest version holds, read without shipping its id list."""
    latest = RepositoryVersion.objects.filter(pk=repository.latest_version().pk)
    size = latest.annotate(n=Func(F("content_ids"), function="cardinality"))
    return size.values_list("n", flat=True).first() or 0
