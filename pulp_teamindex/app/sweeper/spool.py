"""Local leftovers of killed processes on this node: the spool file of an upload whose API
process died while receiving or storing it (FILE_UPLOAD_TEMP_DIR), and the working directory
of a worker that was killed (WORKING_DIRECTORY/<pid>@<host>, with the task's scratch copies
and downloads in it). A process removes its own on the way out; a killed one never does.

Both directories are per node: each node's sweep clears its own (docs/admin-guide.md).
"""

import shutil
import time
from contextlib import suppress
from pathlib import Path

from django.apps import apps
from django.conf import settings

from pulp_teamindex.app.sweeper.rules import is_spool, old_enough, worker_of


def sweep_spool(grace, now=None):
    """Remove upload spool files not written for `grace` seconds; how many went. A live
    upload writes its spool file as the bytes arrive and is stored within moments after."""
    now = time.time() if now is None else now
    removed = 0
    for path in _entries(settings.FILE_UPLOAD_TEMP_DIR):
        if is_spool(path.name) and path.is_file() and old_enough(_age(path, now), grace):
            with suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed


def sweep_worker_dirs(grace, now=None):
    """Remove the working directories of workers that pulpcore no longer lists and that were
    not touched for `grace` seconds; how many went."""
    now = time.time() if now is None else now
    listed = set(apps.get_model("core", "AppStatus").objects.values_list("name", flat=True))
    removed = 0
    for path in _entries(settings.WORKING_DIRECTORY):
        if worker_of(path.name) is None or path.name in listed or not path.is_dir():
            continue
        if old_enough(_age(path, now), grace):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def _entries(directory):
    try:
        return list(Path(directory).iterdir())
    except FileNotFoundError:
        return []


def _age(path, now):
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return None
