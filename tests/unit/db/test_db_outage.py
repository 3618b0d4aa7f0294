import psycopg
import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(DEFAULT_CHARSET="utf-8")

from django.core.signals import got_request_exception  # noqa: E402
from django.db import IntegrityError, OperationalError  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from pulp_teamindex.app import db_outage  # noqa: E402


class FakeConnection:
    def __init__(self, in_atomic_block=False):
        self.in_atomic_block = in_atomic_block
        self.closed = 0

    def close(self):
        self.closed += 1


@pytest.fixture
def conn(monkeypatch):
    fake = FakeConnection()
    monkeypatch.setattr(db_outage, "connection", fake)
    return fake


def _lost():
    try:
        raise psycopg.OperationalError("terminating connection due to administrator command")
    except psycopg.OperationalError as exc:
        return OperationalError(str(exc)).with_traceback(None)


def test_a_lost_connection_is_told_from_a_refused_statement():
    assert db_outage.is_lost_connection(OperationalError("server closed the connection"))
    assert db_outage.is_lost_connection(psycopg.InterfaceError("the connection is closed"))
    wrapped = RuntimeError("storing failed")
    wrapped.__cause__ = psycopg.OperationalError("connection refused")
    assert db_outage.is_lost_connection(wrapped)
    assert not db_outage.is_lost_connection(IntegrityError("duplicate key"))
    assert not db_outage.is_lost_connection(None)


def test_an_attempt_that_lost_its_connection_runs_once_more_on_a_new_one(conn):
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) == 1:
            raise _lost()
        return "accepted"

    assert db_outage.retry_once(attempt) == "accepted"
    assert len(calls) == 2 and conn.closed == 1


def test_only_once_and_only_for_a_lost_connection(conn):
    def always_lost():
        raise _lost()

    with pytest.raises(OperationalError):
        db_outage.retry_once(always_lost)
    assert conn.closed == 1

    def refused():
        raise IntegrityError("duplicate key")

    with pytest.raises(IntegrityError):
        db_outage.retry_once(refused)
    assert conn.closed == 1


def test_never_inside_an_outer_transaction(conn):
    conn.in_atomic_block = True
    calls = []

    def attempt():
        calls.append(1)
        raise _lost()

    with pytest.raises(OperationalError):
        db_outage.retry_once(attempt)
    assert len(calls) == 1


def _answer(request, error):
    """What Django does with an exception a layer raised: signal, then a 500."""
    try:
        raise error
    except Exception:
        got_request_exception.send(sender=None, request=request)
    return HttpResponse(status=500)


def test_the_500_of_a_lost_connection_becomes_a_503_with_retry_after(conn):
    request = RequestFactory().post("/pulp/teamindex/team/legacy/")
    middleware = db_outage.DatabaseOutageMiddleware(lambda r: _answer(r, _lost()))
    response = middleware(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(db_outage.RETRY_AFTER)
    assert b"Retry" in response.content
    assert conn.closed == 1


def test_other_500s_and_other_answers_are_left_alone(conn):
    request = RequestFactory().get("/pulp/api/v3/status/")
    middleware = db_outage.DatabaseOutageMiddleware(lambda r: _answer(r, ValueError("bug")))
    assert middleware(request).status_code == 500
    ok = db_outage.DatabaseOutageMiddleware(lambda r: HttpResponse(status=200))
    assert ok(RequestFactory().get("/")).status_code == 200
    assert conn.closed == 0


class RawConnection:
    def __init__(self, broken):
        self.closed, self.broken = False, broken


def test_any_database_error_that_broke_the_connection_is_a_lost_connection(conn):
    from django.db import DatabaseError

    conn.connection = RawConnection(broken=True)
    assert db_outage.is_lost_connection(DatabaseError("error with status PGRES_TUPLES_OK"))
    conn.connection = RawConnection(broken=False)
    assert not db_outage.is_lost_connection(DatabaseError("division by zero"))
