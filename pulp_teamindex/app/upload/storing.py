"""Storing a validated upload's bytes and unit safely, and publishing it in the same
transaction.

One transaction per upload: the artifact, the unit, its provenance unit (PEP 740, verified
before: `provenance.upload`) and the journal row (`journal.accept`) commit together or not at
all, so a refusal or a crash leaves no row behind, and the few
statements it takes keep a busy index's uploads cheap. Uploads of the same bytes take turns
(`locks.hold_bytes`), so they converge on one artifact and one unit without savepoints.
"""

import logging
from contextlib import contextmanager, suppress
from dataclasses import asdict

from django.db import IntegrityError, transaction
from pulpcore.plugin.models import Artifact, ContentArtifact
from pulpcore.plugin.util import get_domain_pk

from pulp_teamindex.app import journal, locks, rows
from pulp_teamindex.app.db_outage import retry_once
from pulp_teamindex.app.domains import domain_kwargs, in_domain
from pulp_teamindex.app.exceptions import PublishFailed, Refusal
from pulp_teamindex.app.models import PackageFile
from pulp_teamindex.app.store import deadline as store
from pulp_teamindex.app.store.breaker import is_unreachable
from pulp_teamindex.app.upload.storage_check import is_out_of_space, remove_damaged, stored_matches

RETRY_AFTER = 10
log = logging.getLogger(__name__)


def publish(repository, upload, info, uploader, provenance=None):
    """Store the validated file `upload` (described by `info`) and accept it into
    `repository`'s journal as sent by `uploader` (see `auth.uploader_of`), with its verified
    PEP 740 `provenance` object if it has one. A refusal stores nothing; the file written for
    it is removed.

    Another writer of the same content that does not take the bytes' lock (a pulpcore task)
    can win the race to insert it: the transaction then fails as a whole and runs once more,
    finding what that writer stored. A connection lost on the way (PostgreSQL restarting) runs
    it once more on a new one (`db_outage.retry_once`): it commits whole or not at all, and a
    second run of one that did commit finds the file already accepted."""
    return retry_once(lambda: _publish(repository, upload, info, uploader, provenance))


def _publish(repository, upload, info, uploader, provenance):
    artifact = Artifact.init_and_validate(upload)
    try:
        return _publish_once(repository, upload, artifact, info, uploader, provenance)
    except IntegrityError:
        return _publish_once(repository, upload, artifact, info, uploader, provenance)


def _publish_once(repository, upload, artifact, info, uploader, provenance):
    with transaction.atomic():
        locks.hold_bytes(artifact.sha256)
        domain = get_domain_pk()
        known = [artifact.sha256, domain, info.filename, artifact.sha256, domain]
        ((artifact_pk, unit_pk),) = rows.fetch(STORED, known)
        artifact, created = _keep_bytes(artifact, upload, artifact_pk)
        try:
            unit = _keep_unit(info, artifact, created, unit_pk)
            return journal.accept(repository, unit, uploader, provenance)
        except Refusal:
            if created:  # nobody else holds these bytes: the file goes with the rollback
                with suppress(Exception):  # a store gone meanwhile keeps an unnamed object
                    store.call(artifact.file.storage.delete, artifact.file.name)
            raise


def store_artifact(upload, expected_digests=None):
    """The artifact holding `upload`'s bytes, verified in storage (see `_keep_bytes`)."""
    artifact = Artifact.init_and_validate(upload, expected_digests=expected_digests)
    with transaction.atomic():
        locks.hold_bytes(artifact.sha256)
        found = _first(ARTIFACT_WITH, [artifact.sha256, get_domain_pk()])
        artifact, created = _keep_bytes(artifact, upload, found)
        if created:
            rows.insert(artifact)
        return artifact


def _keep_bytes(artifact, upload, found_pk):
    """(artifact, created): the stored artifact `found_pk` (its file repaired if damaged), or
    `artifact` with its file written and read back, its row not inserted yet. Call it holding
    the bytes' lock. The store work (check, write, read back) has one deadline (`store`)."""
    if found_pk:
        found = Artifact.objects.get(pk=found_pk)
        with _storage_failures(found, found.file.name):
            store.call(_write_if_damaged, found, upload, nbytes=2 * found.size)
        found.touch()
        return found, False
    name = artifact.storage_path(None)
    with _storage_failures(artifact, name):
        store.call(_write_new, artifact, upload, name, nbytes=2 * artifact.size)
    return artifact, True


def _write_new(artifact, upload, name):
    if remove_damaged(artifact.file.storage, name, artifact.size, artifact.sha256):
        artifact.file = name  # intact already: a run cut short by a lost connection wrote it
        return
    artifact.file.save(name, upload, save=False)  # storage moves or copies the upload
    _verify(artifact)


def _keep_unit(info, artifact, new_artifact, found_pk):
    """The unit of the file `info`: `found_pk`'s, or a new one linked to `artifact`. The rows
    that are new (the artifact's too when `new_artifact`) go in one statement, with no
    savepoint and no save hooks (as bulk_create). Call it holding the bytes' lock."""
    new = [artifact] if new_artifact else []
    if found_pk:
        if new:  # new bytes of a known unit (one served on demand, say)
            rows.insert(*new)
        return PackageFile.objects.get(pk=found_pk)
    unit = PackageFile(**asdict(info), **domain_kwargs(PackageFile))
    link = ContentArtifact(artifact=artifact, content=unit, relative_path=info.filename)
    rows.insert(*new, unit, link)
    return unit


# Whether the bytes and the unit exist already, asked in SQL: the answer is almost always "no",
# and building these lookups with the ORM costs more CPU than PostgreSQL spends on them.
ARTIFACT_WITH = "SELECT pulp_id FROM core_artifact WHERE sha256 = %s AND pulp_domain_id = %s"
STORED = """
    SELECT (SELECT pulp_id FROM core_artifact WHERE sha256 = %s AND pulp_domain_id = %s),
           (SELECT content_ptr_id FROM teamindex_packagefile
             WHERE filename = %s AND sha256 = %s AND _pulp_domain_id = %s)"""


def _first(sql, params):
    found = rows.fetch(sql, params)
    return found[0][0] if found else None


def create_unit(info):
    """(unit, True) for a new unit of `info`, or (unit, False) when a concurrent upload of the
    same file created it first (that upload also links its artifact)."""
    try:
        with transaction.atomic():
            return PackageFile.objects.create(**asdict(info), **domain_kwargs(PackageFile)), True
    except IntegrityError:
        same = in_domain(PackageFile.objects.filter(filename=info.filename, sha256=info.sha256))
        return same.get(), False


def _write_if_damaged(artifact, upload):
    storage, name = artifact.file.storage, artifact.file.name
    if remove_damaged(storage, name, artifact.size, artifact.sha256):
        return
    upload.seek(0)
    storage.save(name, upload)
    _verify(artifact)


@contextmanager
def _storage_failures(artifact, name):
    """Turn a failed write or read-back into a refusal that says why (507 for a full disk,
    503 for a store that failed or cannot be reached), leaving nothing damaged at `name`."""
    try:
        yield
    except PublishFailed:
        raise
    except store.StoreUnavailable as exc:  # no answer: nothing to clean up, and no time to
        raise PublishFailed(
            503,
            f"{exc.message}: nothing was stored. Retry the upload.",
            retry_after=exc.retry_after,
        ) from exc
    except Exception as exc:  # any storage backend's error  # noqa: BLE001
        if not is_unreachable(exc):  # an unreachable store cannot be cleaned up either
            with suppress(Exception):
                store.call(
                    remove_damaged, artifact.file.storage, name, artifact.size, artifact.sha256
                )
        if is_out_of_space(exc):
            raise PublishFailed(
                507,
                "The index's storage is full: nothing was stored. "
                "Retry once an admin has freed space.",
                retry_after=RETRY_AFTER,
            ) from exc
        log.warning("storing %s failed", name, exc_info=True)
        raise PublishFailed(
            503,
            "The index's storage failed or cannot be reached: nothing was stored. "
            "Retry the upload.",
            retry_after=RETRY_AFTER,
        ) from exc


def _verify(artifact):
    storage, name = artifact.file.storage, artifact.file.name
    if not stored_matches(storage, name, artifact.size, artifact.sha256):
        raise PublishFailed(
            503,
            "The stored file did not read back as the uploaded bytes, so it was not published. "
            "Retry the upload.",
            retry_after=RETRY_AFTER,
        )
