"""A database that went away answers 503 with Retry-After, never a 500.

When PostgreSQL restarts (a failover, an upgrade, a crash), every connection a process held
dies, and new ones are refused while it recovers. Django reports both as an OperationalError
(or an InterfaceError on a connection already closed) from wherever the request touched the
database: a view, an authentication backend, a middleware. Nothing is wrong with the request,
so the client is told to retry (`Retry-After`), and the dead connection is closed so the
process's next request connects afresh instead of failing on it again.

Django turns an exception raised in any layer into a 500 before the layers around it see it, so
this works in two halves: a `got_request_exception` receiver notes a lost connection on the
request, and `DatabaseOutageMiddleware`, the outermost layer, swaps that request's 500 for the
503. Short transactions that are safe to run again (an upload) retry once instead
(`retry_once`).
"""

import logging
import sys

import psycopg
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse

RETRY_AFTER = 5  # seconds: PostgreSQL usually accepts connections again within them
MESSAGE = (
    "The index's database cannot be reached right now (it may be restarting): nothing was "
    "changed by this request. Retry in a few seconds."
)
LOST = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
DATABASE_ERRORS = (DatabaseError, psycopg.Error)

log = logging.getLogger(__name__)


def is_lost_connection(exc):
    """Whether `exc`, or an exception it was raised from, is a database connection failing
    (refused, terminated, closed) rather than a statement the database refused: an error of
    the connection's kind, or any database error that left this thread's connection broken."""
    while exc is not None:
        if isinstance(exc, LOST):
            return True
        if isinstance(exc, DATABASE_ERRORS) and _connection_broken():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _connection_broken():
    raw = getattr(connection, "connection", None)
    return raw is not None and bool(getattr(raw, "closed", False) or getattr(raw, "broken", False))


def drop_connection():
    """Close this thread's connection, whatever state it is in, so the next use reconnects."""
    try:
        connection.close()
    except Exception:  # a dead socket may fail to close cleanly  # noqa: BLE001
        connection.connection = None


def retry_once(attempt):
    """`attempt()`, run a second time on a fresh connection if the first lost its connection.
    Only for a transaction that is safe to repeat (whether or not the first one committed),
    and never inside an outer transaction, which the lost connection has rolled back too."""
    try:
        return attempt()
    except Exception as exc:
        if not is_lost_connection(exc) or connection.in_atomic_block:
            raise
        log.warning("database connection lost (%s); retrying once", exc)
        drop_connection()
        return attempt()


def outage_response():
    response = HttpResponse(MESSAGE + "\n", status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _note_lost_connection(sender, request=None, **kwargs):
    exc = sys.exc_info()[1]
    if request is not None and is_lost_connection(exc):
        request.teamindex_database_lost = True


class DatabaseOutageMiddleware:
    """The outermost layer: a request whose database connection was lost answers 503 with
    Retry-After instead of the 500 Django made of it, and the connection is dropped."""

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_lost_connection, dispatch_uid="teamindex-db-lost")

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "teamindex_database_lost", False):
            log.warning("database unreachable during %s %s: 503", request.method, request.path)
            drop_connection()
            return outage_response()
        return response
