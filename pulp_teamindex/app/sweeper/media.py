"""Media files no artifact row names: a write whose transaction never committed (a worker or
API process killed between storing the file and committing its row).

pulpcore's orphan cleanup starts from rows, so it never finds these. The sweep lists the store
under `artifact/` only (by prefix on object storage, where a listing is a few requests per
thousand names), asks the database about a thousand names at a time, and removes an unnamed
file once it is older than the grace period, under the bytes' lock (`files`).
"""

import time

from django.utils import timezone
from pulpcore.plugin.models import Artifact

from pulp_teamindex.app.sweeper.files import discard_unnamed
from pulp_teamindex.app.sweeper.rules import artifact_names, old_enough

BATCH = 1000


def sweep_storage(storage, grace):
    """Remove the unnamed artifact files older than `grace` seconds from `storage`; how many
    went."""
    removed, batch = 0, []
    for name in artifact_names(storage.listdir):
        batch.append(name)
        if len(batch) >= BATCH:
            removed += _sweep_batch(storage, batch, grace)
            batch = []
    return removed + _sweep_batch(storage, batch, grace)


def _sweep_batch(storage, names, grace):
    if not names:
        return 0
    named = set(Artifact.objects.filter(file__in=names).values_list("file", flat=True))
    unnamed = [name for name in names if name not in named]
    return discard_unnamed(storage, [n for n in unnamed if old_enough(_age(storage, n), grace)])


def _age(storage, name):
    """Seconds since `name` was last written, or None when the store cannot tell (the file is
    then kept)."""
    try:
        modified = storage.get_modified_time(name)
    except Exception:  # gone meanwhile, or a store that cannot say  # noqa: BLE001
        return None
    if timezone.is_naive(modified):
        return time.time() - modified.timestamp()
    return (timezone.now() - modified).total_seconds()
