"""Reading and inserting single rows on the upload path without the ORM's query building.

Eight twine processes uploading at once keep both cores busy, and building a query or an
INSERT with the ORM costs the API process three to five times the CPU PostgreSQL spends
executing it (docs/architecture.md, "One transaction per upload"). The statements here are
written once per model from Django's own field metadata, so they follow pulpcore's schema and
its field conversions; only the query building is skipped. Models with save hooks that matter
must not be inserted this way: `insert` runs no hooks and no signals, like `bulk_create`.
"""

from functools import cache

from django.db import connection


def first(model, where, params):
    """The first instance of `model` WHERE `where` (columns unqualified where unambiguous; the
    tables of a multi-table model are joined), or None."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_select(model)} WHERE {where} LIMIT 1", params)  # noqa: S608 (no input)
        row = cursor.fetchone()
    return row and model.from_db(connection.alias, None, row)


def exists(model, where, params):
    """Whether a row of `model`'s own table matches `where`."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT 1 FROM "{model._meta.db_table}" WHERE {where} LIMIT 1', params)  # noqa: S608
        return cursor.fetchone() is not None


@cache
def _select(model):
    """SELECT of `model`'s concrete fields, in the order `Model.from_db` takes, FROM its tables."""
    fields = ", ".join(
        f'"{field.model._meta.db_table}"."{field.column}"' for field in model._meta.concrete_fields
    )
    table, pk = model._meta.db_table, model._meta.pk.column
    tables = f'"{table}"'
    for parent in model._meta.get_parent_list():  # every ancestor row shares the pk's value
        name = parent._meta.db_table
        tables += f' JOIN "{name}" ON "{name}"."{parent._meta.pk.column}" = "{table}"."{pk}"'
    return f"SELECT {fields} FROM {tables}"  # noqa: S608 (names from the model)


def insert(obj):
    """INSERT `obj` (each table of a multi-table model, parents first) and mark it saved."""
    with connection.cursor() as cursor:
        for table in _tables(type(obj)):
            cursor.execute(table.sql, [_value(obj, field) for field in table.fields])
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


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
