"""The backoff's states (`backoff.State`) in PostgreSQL, one row per account and client address,
so that every API and content process, on every node, counts the same failures.

Only failures write, each under the row's lock, so that concurrent failures from many processes
all count; expired rows are removed on the way. A login without failures on record costs one
indexed read (`load`), or none at all on twine's endpoint (`NONE_RECORDED`).
"""

from django.db import transaction

from pulp_teamindex.app.access.backoff import State, after_failure
from pulp_teamindex.app.models import LoginFailure

# For the upload path's user lookup (`upload.auth`), in the same statement: params username, client.
NONE_RECORDED = (
    f'NOT EXISTS (SELECT 1 FROM "{LoginFailure._meta.db_table}" f'  # noqa: S608 (model name)
    " WHERE f.username = %s AND f.client = %s AND f.forget_at > now())"
)


def load(username, client, now):
    """The state of `username` at `client`, or None when it has no failures on record."""
    row = LoginFailure.objects.filter(username=username, client=client, forget_at__gt=now).first()
    return None if row is None else _state(row)


def record_failure(username, client, guess, policy, now):
    """Count a wrong password (`guess` is its digest) of `username` from `client`."""
    with transaction.atomic():
        placeholder = LoginFailure(username=username, client=client, forget_at=now)
        LoginFailure.objects.bulk_create([placeholder], ignore_conflicts=True)
        row = LoginFailure.objects.select_for_update().get(username=username, client=client)
        before = _state(row)
        after = after_failure(before, guess, now, policy)
        if after != before:
            _store(row, after)
    LoginFailure.objects.filter(forget_at__lte=now).delete()


def forget(username, client):
    """A success: the failures of `username` at `client` are forgotten."""
    LoginFailure.objects.filter(username=username, client=client).delete()


def _state(row):
    return State(row.failures, tuple(row.guesses), row.blocked_until, row.forget_at)


def _store(row, state):
    row.failures = state.failures
    row.guesses = list(state.guesses)
    row.blocked_until = state.blocked_until
    row.forget_at = state.forget_at
    row.save(update_fields=["failures", "guesses", "blocked_until", "forget_at"])
