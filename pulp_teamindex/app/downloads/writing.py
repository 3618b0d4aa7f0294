"""Writing the download record: a batch of counts in one statement, and the retention.

Counts are added to the row of their hour, index, filename, reader and client, so that every
content process can write the same rows without coordination. The names of the index and its
project and version are looked up here, once per batch, rather than on the request path; the
counts of an index deleted since are dropped with it."""

from datetime import UTC, datetime, timedelta

from django.db import close_old_connections, connection
from packaging.utils import canonicalize_version

from pulp_teamindex.app.distfiles import parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.models import Download, TeamIndexRepository

COLUMNS = (
    'repository_id, index_name, project, version, filename, sha256, "user", token, client, '
    "hour, count, first_at, last_at, pulp_domain_id"
)
ROW = "(gen_random_uuid(), now(), now(), " + ", ".join(["%s"] * 14) + ")"
CHUNK = 500  # rows per statement: 14 parameters each, far below PostgreSQL's 65,535


def write(rows):
    """Add `rows` (`book.Counted`) to the record; returns how many rows were written."""
    close_old_connections()  # one that died with a database restart is replaced
    names = dict(_indexes({row.index for row in rows}))
    values = [_values(row, *names[row.index]) for row in rows if row.index in names]
    for start in range(0, len(values), CHUNK):
        _upsert(values[start : start + CHUNK])
    return len(values)


def prune(days, now=None):
    """Delete the rows of hours older than `days` days; returns how many were deleted."""
    now = now or datetime.now(UTC)
    close_old_connections()
    with connection.cursor() as cursor:
        table = Download._meta.db_table  # the model's own name: no input reaches the SQL text
        cursor.execute(f"DELETE FROM {table} WHERE hour < %s", [now - timedelta(days=days)])  # noqa: S608
        return cursor.rowcount


def _indexes(pks):
    found = TeamIndexRepository.objects.filter(pk__in=pks)
    for pk, name, domain in found.values_list("pk", "name", "pulp_domain_id"):
        yield str(pk), (name, domain)


def _values(row, index_name, domain):
    try:
        _kind, project, parsed = parse_filename(row.filename)
        version = canonicalize_version(parsed)  # as a block names a release (`radius`)
    except InvalidDistribution:  # served files have valid names; keep the row regardless
        project, version = "", ""
    return (
        row.index,
        index_name,
        project,
        version,
        row.filename,
        row.sha256,
        row.user,
        row.token,
        row.client,
        _moment(row.hour),
        row.count,
        _moment(row.first),
        _moment(row.last),
        domain,
    )


def _moment(seconds):
    return datetime.fromtimestamp(seconds, UTC)


def _upsert(values):
    table = Download._meta.db_table  # values go as parameters; only placeholders are repeated
    sql = (
        f"INSERT INTO {table} AS d (pulp_id, pulp_created, pulp_last_updated, {COLUMNS}) "  # noqa: S608
        f"VALUES {', '.join([ROW] * len(values))} "
        'ON CONFLICT (hour, repository_id, filename, "user", token, client) DO UPDATE SET '
        "count = d.count + EXCLUDED.count, first_at = LEAST(d.first_at, EXCLUDED.first_at), "
        "last_at = GREATEST(d.last_at, EXCLUDED.last_at), pulp_last_updated = now()"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in values for value in row])
