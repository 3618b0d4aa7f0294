"""Removing artifact files that no row names, without racing an upload that is about to name
one.

An upload takes the bytes' lock (`locks.hold_bytes`) before it looks for the artifact and its
file, and keeps it until it commits the row naming the file. Taking the same lock before
looking for that row means the sweeper sees either the committed row or no upload at all, so
it can never remove a file an upload has just checked and is about to name.
"""

import logging
from contextlib import suppress

from django.db import transaction
from pulpcore.plugin.models import Artifact

from pulp_teamindex.app import locks
from pulp_teamindex.app.sweeper.rules import artifact_sha256

log = logging.getLogger(__name__)


def discard_unnamed(storage, names):
    """Remove each of `names` from `storage` that no artifact row names; how many went. Names
    that are not artifacts' are left alone."""
    removed = 0
    for name in names:
        if (sha256 := artifact_sha256(name)) is None:
            continue
        with transaction.atomic():
            locks.hold_bytes(sha256)
            if Artifact.objects.filter(file=name).exists():
                continue
            with suppress(FileNotFoundError):
                storage.delete(name)
                removed += 1
    return removed


def discard_quietly(storage, names):
    """`discard_unnamed`, for a cleanup after a failure: a second failure (the database or the
    store still away) is logged, and the periodic sweep removes the files later."""
    try:
        return discard_unnamed(storage, names)
    except Exception:  # noqa: BLE001
        log.warning("could not remove %d unnamed artifact files yet", len(names), exc_info=True)
        return 0
