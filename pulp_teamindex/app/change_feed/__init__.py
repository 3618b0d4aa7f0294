"""Tell every content app, at once, that what a team index serves has changed.

The content app keeps which repository version each team index serves in memory, so that a
page request needs no database query. Whatever changes that answer (a new repository version,
a distribution created, repointed or removed) sends a PostgreSQL NOTIFY on one channel; it is
delivered when the change commits, and each content app clears its table when it hears it.

A change sent with `confirm=True` names a reply channel, one per database connection of the
sender and listened to for the connection's lifetime; each content app acknowledges the message
there (a NOTIFY from its listening connection), and the sender waits, right after its commit and
for at most TEAMINDEX_CHANGE_CONFIRM_TIMEOUT, until every content app that was listening has
acknowledged it: the task that made a version finishes (and twine gets its 200) only once every
content process will serve that version on its very next request. The notification and the
census of listeners are one statement, so a confirmed change costs a single round trip before
its commit (docs/architecture.md, "One transaction per upload").
"""

import logging
import threading
import time
from functools import partial

from django.conf import settings
from django.db import connection, transaction

from pulp_teamindex.app import rows
from pulp_teamindex.app.change_feed.messages import (
    ACCESS,
    BLOCK,
    FLUSH,
    REPLY_SEPARATOR,
    ack_key,
    journal_message,
    owner_message,
    unique_change,
    version_message,
)

CHANNEL = "pulp_teamindex_changed"
REPLY_PREFIX = "pulp_teamindex_applied_"  # + the sender's backend pid: where acks go
LISTENER = "pulp_teamindex change feed"  # the application_name of every listening connection
NOTIFY = "SELECT pg_notify(%s, %s)"
NOTIFY_AND_LISTENERS = """
    SELECT pg_notify(%s, %s),
           ARRAY(SELECT pid FROM pg_stat_activity WHERE application_name = %s)"""

log = logging.getLogger(__name__)


def notify_changed(payload, confirm=False):
    """Queue the notification in the current transaction (sent on commit, dropped on
    rollback), or send it now in autocommit mode. A new version sends `freshness.message(...)`,
    a distribution change `unique_change()`. With `confirm`, the payload must be unique, and
    the caller's commit waits for the content apps listening now to apply it."""
    if not confirm:
        rows.fetch(NOTIFY, [CHANNEL, payload])
        return
    reply = _reply_channel()
    message = f"{reply}{REPLY_SEPARATOR}{payload}"
    ((_, listeners),) = rows.fetch(NOTIFY_AND_LISTENERS, [CHANNEL, message, LISTENER])
    _confirm_on_commit(payload, reply, set(listeners))


def _reply_channel():
    """This connection's reply channel, listened to from its first confirmed change on. A
    LISTEN takes effect when its transaction commits, so the connection counts as listening
    only then (a rolled-back one listens again next time)."""
    raw = connection.connection
    if (channel := getattr(raw, "teamindex_reply_channel", None)) is not None:
        return channel
    channel = f"{REPLY_PREFIX}{raw.info.backend_pid}"
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {channel}")
    transaction.on_commit(partial(setattr, raw, "teamindex_reply_channel", channel))
    return channel


_waits = threading.local()


def _confirm_on_commit(payload, reply, listeners):
    """Wait for `payload` to be applied right after the commit (at once in autocommit mode, as
    pulpcore calls on_new_version). Several confirmed changes in one transaction wait once, for
    the last: each content app applies and acknowledges a transaction's messages in order."""
    change = {"payload": payload, "reply": reply, "listeners": listeners}
    pending = getattr(_waits, "pending", None)
    if pending is not None and any(f is pending["wait"] for _s, f, _r in connection.run_on_commit):
        pending.update(change)
        return
    pending = change
    pending["wait"] = partial(_await_applied, pending)
    _waits.pending = pending
    transaction.on_commit(pending["wait"])


def version_created(repository_pk, number, projects, quarantines=()):
    """Report a new version of a repository, the projects it touched and those whose quarantine
    it set or lifted; confirmed."""
    payload = version_message(repository_pk, number, projects, quarantines)
    notify_changed(payload, confirm=True)


def upload_accepted(repository_pk, project, upload_pk):
    """Report a file accepted into a repository's journal (served with its latest version);
    confirmed, so that the upload is answered once every content app serves it."""
    notify_changed(journal_message(repository_pk, project, upload_pk), confirm=True)


def name_claimed(normalized_name):
    """Report that a project name gained an owner: its pages must go in every index."""
    notify_changed(owner_message(normalized_name))


def _await_applied(pending):
    """Wait until every listening content app acknowledged the pending payload, within the
    timeout; a content app that stays silent is logged (it stops trusting memory once its feed
    fails)."""
    try:
        waiting = _unconfirmed(pending["payload"], pending["reply"], pending["listeners"])
    except Exception:  # the change is committed: never fail it for want of a confirmation  # noqa: BLE001
        log.warning("could not wait for content apps to confirm a change", exc_info=True)
        return
    if waiting:
        log.warning("content apps %s did not confirm a change in time", sorted(waiting))


def _unconfirmed(payload, reply, listeners):
    """Those of the `listeners` (backend pids) that did not acknowledge `payload` on `reply`
    before the deadline. An acknowledgement of an earlier change that came too late is read
    and ignored here."""
    key = ack_key(payload)
    deadline = time.monotonic() + settings.TEAMINDEX_CHANGE_CONFIRM_TIMEOUT
    waiting = set(listeners)
    while waiting and (left := deadline - time.monotonic()) > 0:
        for note in connection.connection.notifies(timeout=left, stop_after=1):
            if note.channel == reply and note.payload == key:
                waiting.discard(note.pid)
    return waiting


__all__ = ["ACCESS", "BLOCK", "FLUSH", "unique_change"]  # the kinds signals and serializers send
