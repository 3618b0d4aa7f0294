"""Validate and store many distribution files at once, for imports of whole indexes.

An upload stores one file with a handful of queries and commits; at 100,000 files that would
take most of an hour. Here each step is one query per batch (existing filenames, name claims,
existing artifacts, existing units) inside one transaction per batch, and every file is still
validated exactly as an upload is.

A batch is whole or nothing: its artifacts, units, links and staging rows commit together, and
when the transaction rolls back the files it wrote to storage are removed (those no row names:
an upload of the same bytes may have named one meanwhile). A kill leaves such files for the
sweeper (`sweeper.media`); the units of batches that did commit are staged under the task
(`ImportStaging`) until the import's version commits, so a failed import's are removed too.
"""

import shutil
from pathlib import Path

from django.db import transaction
from pulpcore.plugin.models import Artifact, ContentArtifact, Task

from pulp_teamindex.app import locks
from pulp_teamindex.app.distfiles import inspect_distribution
from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.models import ImportStaging, PackageFile, ever_held
from pulp_teamindex.app.sweeper.files import discard_quietly
from pulp_teamindex.app.upload import checks
from pulp_teamindex.app.upload.storing import create_unit


class BulkImport:
    """One import, fed a batch at a time. It remembers what earlier batches accepted, so a
    filename that appears twice with different bytes is refused the second time."""

    def __init__(self, repository):
        self.repository = repository
        self.accepted = []  # unit pks
        self.refused = []  # {"file", "reason"}
        self._digest_of = {}  # filename -> sha256 accepted in this import

    def add(self, sources):
        """Validate and store `sources`, a list of (path, name shown in the report)."""
        valid = self._inspect(sources)
        written = []  # (storage, name) of the files this batch stores
        try:
            with transaction.atomic():
                valid = self._refuse_reuse(valid)
                refused = checks.refusals(self.repository, [info for info, *_ in valid])
                valid = self._refuse_files(valid, refused)
                units = _store_units(valid, written)
        except BaseException:
            for storage, name in written:
                discard_quietly(storage, [name])
            raise
        for (info, _path, _shown), unit in zip(valid, units, strict=True):
            self._digest_of[info.filename] = info.sha256
            self.accepted.append(unit)

    def refuse(self, shown, reason):
        self.refused.append({"file": shown, "reason": str(reason)})

    def _inspect(self, sources):
        valid = []
        for path, shown in sources:
            try:
                valid.append((inspect_distribution(path, path.name, new_upload=False), path, shown))
            except InvalidDistribution as exc:
                self.refuse(shown, exc)
        return valid

    def _refuse_reuse(self, valid):
        """A filename keeps its bytes: against the index's history and this import."""
        known = dict(self._digest_of)
        known.update(_held_digests(self.repository, [info.filename for info, *_ in valid]))
        kept, names = [], set()
        for info, path, shown in valid:
            if known.setdefault(info.filename, info.sha256) != info.sha256:
                reason = f"File already exists: {info.filename} is in this index with other bytes."
                self.refuse(shown, reason)
            elif info.filename not in names:
                names.add(info.filename)
                kept.append((info, path, shown))
        return kept

    def _refuse_files(self, valid, refusals):
        """`valid` without the files `refusals` names ({filename: why}), each refused as an
        upload would be (`upload.checks`)."""
        kept = []
        for info, path, shown in valid:
            if (reason := refusals.get(info.filename)) is not None:
                self.refuse(shown, reason)
            else:
                kept.append((info, path, shown))
        return kept


def _held_digests(repository, filenames):
    """sha256 of every file this index ever held under one of `filenames`."""
    held = ever_held(repository).filter(filename__in=filenames)
    return dict(held.values_list("filename", "sha256"))


def _store_units(valid, written):
    """The unit pk of every (info, path, shown), creating artifacts and units as needed; the
    units created are staged under the running task."""
    artifacts = _store_artifacts([path for _info, path, _shown in valid], written)
    filenames = [info.filename for info, *_ in valid]
    existing = {
        (unit.filename, unit.sha256): unit.pk
        for unit in in_domain(PackageFile.objects.filter(filename__in=filenames)).only(
            "filename", "sha256"
        )
    }
    links, staged, pks = [], [], []
    for info, *_ in valid:
        pk = existing.get((info.filename, info.sha256))
        if pk is None:
            unit, created = create_unit(info)
            if created:
                artifact = artifacts[info.sha256]
                links.append(
                    ContentArtifact(content=unit, artifact=artifact, relative_path=info.filename)
                )
                staged.append(ImportStaging(task_id=Task.current().pk, unit=unit))
            pk = unit.pk
        pks.append(pk)
    ContentArtifact.objects.bulk_get_or_create(links)
    ImportStaging.objects.bulk_create(staged)
    return pks


def _store_artifacts(paths, written):
    """{sha256: Artifact} for `paths`: existing artifacts are reused (and touched so orphan
    cleanup spares them); the others are created from scratch copies that storage takes over,
    leaving the sources untouched. The (storage, name) of every file it may write is added to
    `written` before the write."""
    fresh = {}
    scratches = [Path.cwd() / f".import-{n}" for n in range(len(paths))]
    try:
        for path, scratch in zip(paths, scratches, strict=True):
            artifact = Artifact.init_and_validate(str(shutil.copy(path, scratch)))
            fresh.setdefault(artifact.sha256, artifact)
        found = in_domain(Artifact.objects.filter(sha256__in=list(fresh)))
        found.touch()
        stored = {artifact.sha256: artifact for artifact in found}
        new = sorted((a for d, a in fresh.items() if d not in stored), key=lambda a: a.sha256)
        locks.hold_all_bytes(a.sha256 for a in new)  # no sweep removes them before the commit
        written += [(a.file.storage, a.storage_path(None)) for a in new]
        stored.update((a.sha256, a) for a in Artifact.objects.bulk_get_or_create(new))
    finally:
        for scratch in scratches:
            scratch.unlink(missing_ok=True)
    return stored
