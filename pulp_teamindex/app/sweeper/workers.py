"""A killed worker's task is failed, and its repository released, within seconds of the
worker's restart, not minutes later.

pulpcore holds a running task by its worker's status row (`app_lock`). Only once that row is
deleted does another worker take the task up and mark it failed ("Worker has gone missing"),
releasing what it reserved. pulpcore deletes the rows of silent workers only every 100
heartbeats (a heartbeat is WORKER_TTL / 3: 10 s by default), the first time after a random
10 to 100 of them, so a dead worker held its task for 100 to 1,000 s (the 314 s measured in
issue #26). So every worker watches the others: a worker silent for longer than WORKER_TTL,
or a process of this host that no longer exists and has missed a heartbeat, loses its row, and
the workers are woken to fail its task at once. A starting worker looks every 2 s during its
first two WORKER_TTLs (a supervisor restarts a killed worker within seconds, so its task is
failed within seconds), then once a heartbeat, so a worker that is not restarted has its task
failed within WORKER_TTL and a heartbeat. Each look is one query, on a connection closed again
after it.
"""

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.functions import TransactionNow
from django.db import connection
from django.db.models import F
from django.db.models.signals import post_save
from pulpcore.plugin.models import TaskSchedule

from pulp_teamindex.app import rows
from pulp_teamindex.app.sweeper.rules import worker_is_dead

POLL = 2.0  # seconds between two looks during a worker's first two WORKER_TTLs; then a heartbeat
SCHEDULE = "teamindex-sweep"
SWEEP_TASK = "pulp_teamindex.app.tasks.sweep_leftovers"
WAKE_WORKERS = "SELECT pg_notify('pulp_worker_wakeup', 'handle')"  # pulpcore's: take up tasks

log = logging.getLogger(__name__)


def connect():
    post_save.connect(_app_started, sender="core.AppStatus", dispatch_uid="teamindex-worker-up")


def _app_started(sender, instance, created, **kwargs):
    if created and instance.app_type == "worker":
        watch = threading.Thread(
            target=_watch, args=(instance.pk,), name="teamindex-dead-workers", daemon=True
        )
        watch.start()


def _watch(own_pk):
    """Run in a worker for its lifetime: schedule the sweep, then release dead workers, often
    at first, then once a heartbeat. A failed look (the database away) is retried at the next."""
    started = time.monotonic()
    scheduled = False
    while True:
        try:
            if not scheduled:
                schedule_sweep()
                scheduled = True
            release_dead_workers(own_pk)
        except Exception:  # noqa: BLE001
            log.warning("looking for dead workers failed; looking again later", exc_info=True)
        finally:
            connection.close()
        time.sleep(_pause(time.monotonic() - started))


def _pause(running_for):
    ttl = settings.WORKER_TTL
    return POLL if running_for < 2 * ttl else ttl / 3


def schedule_sweep():
    """Keep the sweep's task schedule as TEAMINDEX_SWEEP_INTERVAL says (0: none)."""
    interval = settings.TEAMINDEX_SWEEP_INTERVAL
    if not interval:
        TaskSchedule.objects.filter(name=SCHEDULE).delete()
        return
    TaskSchedule.objects.update_or_create(
        name=SCHEDULE,
        defaults={"task_name": SWEEP_TASK, "dispatch_interval": timedelta(seconds=interval)},
    )


def release_dead_workers(own_pk=None):
    """Delete the status rows of dead workers (not `own_pk`, this worker's), which frees
    their tasks, and wake the workers to fail them; the names of the dead."""
    statuses = apps.get_model("core", "AppStatus").objects.filter(app_type="worker")
    ages = statuses.exclude(pk=own_pk).annotate(age=TransactionNow() - F("last_heartbeat"))
    host, ttl = socket.gethostname(), settings.WORKER_TTL
    dead = {
        pk: name
        for pk, name, age in ages.values_list("pk", "name", "age")
        if worker_is_dead(name, age.total_seconds(), ttl, host, _pid_alive)
    }
    if dead:
        statuses.filter(pk__in=list(dead)).delete()  # their tasks' app_lock becomes null
        rows.fetch(WAKE_WORKERS, [])
        log.warning("released the tasks of dead workers %s", sorted(dead.values()))
    return sorted(dead.values())


def _pid_alive(pid):
    """Whether process `pid` exists here. This very process's pid on another row than its
    own is an earlier incarnation's (a restarted container keeps pids)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
