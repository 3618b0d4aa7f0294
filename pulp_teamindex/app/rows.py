"""The upload path's SQL: fixed statements, prepared once per connection, and single rows read
and inserted without the ORM's query building.

Eight twine processes uploading at once keep both cores busy, so each statement of an upload
counts twice: building it with the ORM costs the API process three to five times what
PostgreSQL spends executing it, and PostgreSQL spends most of that planning it again. Here the
statements are written once (per model, from Django's own field metadata, so they follow
pulpcore's schema and field conversions) and run prepared: psycopg binds the parameters on the
server and PostgreSQL plans each statement once per connection (docs/architecture.md, "One
transaction per upload"). Django's own cursors keep binding on the client, which pulpcore's bulk
statements need (a server-side statement takes at most 65,535 parameters).

`insert` runs no save hooks and sends no signals, like `bulk_create`: models whose hooks matter
must not be inserted this way.
"""

from functools import cache

import psycopg
from django.db import connection

PREPARE_AFTER = 1  # runs of a statement on a connection before psycopg prepares it


def fetch(sql, params):
    """The rows of `sql` (all of them; none for a statement that returns none), run prepared
    in the current transaction of Django's connection."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django turns preparing off; it binds on the client
        raw.prepare_threshold = PREPARE_AFTER  # so only cursors like this one ever prepare
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if cursor.description else []


def first(model, where, params, joined=None):
    """The first instance of `model` WHERE `where` (columns unqualified where unambiguous; the
    tables of a multi-table model are joined), or None. `joined` names a foreign key whose row
    is read in the same statement and set on the instance (an inner join: no row without it)."""
    select, converters, width = _select(model, joined)
    rows = fetch(f"{select} WHERE {where} LIMIT 1", params)  # noqa: S608 (no input)
    if not rows:
        return None
    values = list(rows[0])
    for index, convert in converters:
        values[index] = convert(values[index])
    obj = model.from_db(connection.alias, None, values[:width])
    if joined:
        related = model._meta.get_field(joined).related_model
        setattr(obj, joined, related.from_db(connection.alias, None, values[width:]))
    return obj


def exists(model, where, params):
    """Whether a row of `model`'s own table matches `where`."""
    return bool(fetch(f'SELECT 1 FROM "{model._meta.db_table}" WHERE {where} LIMIT 1', params))  # noqa: S608


@cache
def _select(model, joined=None):
    """SELECT of `model`'s concrete fields (then those of the `joined` foreign key's model), in
    the order `Model.from_db` takes, FROM their tables; the conversions the ORM would apply to
    each value read (`from_db_value`); and how many of the values are `model`'s."""
    fields, tables = _fields_and_tables(model)
    if joined:
        key = model._meta.get_field(joined)
        related_fields, related_tables = _fields_and_tables(key.related_model)
        target = f'"{key.related_model._meta.db_table}"."{key.target_field.column}"'
        tables += f' JOIN {related_tables} ON {target} = "{model._meta.db_table}"."{key.column}"'
        fields = [*fields, *related_fields]
    columns = ", ".join(f'"{f.model._meta.db_table}"."{f.column}"' for f in fields)
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f))]
    width = len(model._meta.concrete_fields)
    return f"SELECT {columns} FROM {tables}", converters, width  # noqa: S608 (names from models)


def _fields_and_tables(model):
    """`model`'s concrete fields, and its table joined with those of its ancestors (every
    ancestor row shares the pk's value)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    tables = f'"{table}"'
    for parent in model._meta.get_parent_list():
        name = parent._meta.db_table
        tables += f' JOIN "{name}" ON "{name}"."{parent._meta.pk.column}" = "{table}"."{pk}"'
    return list(model._meta.concrete_fields), tables


def _converter(field):
    col = field.get_col(field.model._meta.db_table)
    steps = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
    if not steps:
        return None

    def convert(value):
        for step in steps:
            value = step(value, col, connection)
        return value

    return convert


def insert(*objs):
    """INSERT `objs` (each table of a multi-table model, parents first) in one statement, in
    the order given, mark them saved and return the last. Foreign keys are checked at the
    statement's end, so an object may refer to one inserted with it."""
    tables = [(table, obj) for obj in objs for table in _tables(type(obj))]
    params = [_value(obj, field) for table, obj in tables for field in table.fields]
    fetch(_statement(tuple(table for table, _ in tables)), params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs[-1]


@cache
def _statement(tables):
    """One INSERT per table; several are chained as data-modifying CTEs of one statement."""
    *first, last = [table.sql for table in tables]
    chained = ", ".join(f"i{n} AS ({sql})" for n, sql in enumerate(first))
    return f"WITH {chained} {last}" if first else last


class _Table:
    def __init__(self, model):
        self.fields = [f for f in model._meta.local_concrete_fields if not f.generated]
        # names from the model's metadata, values always bound
        self.sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(  # noqa: S608
            model._meta.db_table,
            ", ".join(f'"{field.column}"' for field in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )


@cache
def _tables(model):
    return [_Table(m) for m in reversed([model, *model._meta.get_parent_list()]) if m._meta.fields]


def _value(obj, field):
    if field.remote_field and field.remote_field.parent_link:  # a child table's link to its parent
        setattr(obj, field.attname, getattr(obj, field.target_field.attname))
    return field.get_db_prep_save(field.pre_save(obj, add=True), connection)
