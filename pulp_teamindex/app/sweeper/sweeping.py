"""One sweep of every kind of leftover, one at a time in the whole deployment (see the
package's docstring)."""

import logging

from django.conf import settings
from pulpcore.plugin.models import Domain

from pulp_teamindex.app import rows
from pulp_teamindex.app.sweeper.imports import sweep_failed_imports
from pulp_teamindex.app.sweeper.media import sweep_storage
from pulp_teamindex.app.sweeper.spool import sweep_spool, sweep_worker_dirs
from pulp_teamindex.app.sweeper.workers import release_dead_workers

SWEEPING = 0x7377656570  # "sweep": the advisory lock one sweep holds (session level)
log = logging.getLogger(__name__)


def sweep(grace=None):
    """Sweep everything once (`grace` seconds, else TEAMINDEX_SWEEP_GRACE); what was removed of
    each kind ("failed" for a kind that could not be swept this time: a store or database
    away), or None when another sweep is running."""
    grace = settings.TEAMINDEX_SWEEP_GRACE if grace is None else grace
    ((held,),) = rows.fetch("SELECT pg_try_advisory_lock(%s)", [SWEEPING])
    if not held:
        return None
    parts = {
        "dead_workers": release_dead_workers,
        "import_units": sweep_failed_imports,
        "media_files": lambda: sum(sweep_storage(storage, grace) for storage in _storages()),
        "spool_files": lambda: sweep_spool(grace),
        "worker_dirs": lambda: sweep_worker_dirs(grace),
    }
    try:
        report = {kind: _attempt(kind, part) for kind, part in parts.items()}
    finally:
        rows.fetch("SELECT pg_advisory_unlock(%s)", [SWEEPING])
    if any(report.values()):
        log.warning("swept the leftovers of crashes: %s", report)
    return report


def _attempt(kind, part):
    """One kind's sweep; a failure is logged and leaves the other kinds to be swept."""
    try:
        return part()
    except Exception:  # noqa: BLE001
        log.warning("sweeping %s failed; the next sweep tries again", kind, exc_info=True)
        return "failed"


def _storages():
    """Each distinct store the deployment's domains write to (one without domains)."""
    seen, stores = set(), []
    for domain in Domain.objects.all():
        storage = domain.get_storage()
        key = (domain.storage_class, repr(sorted((domain.storage_settings or {}).items())))
        if key not in seen:
            seen.add(key)
            stores.append(storage)
    return stores
