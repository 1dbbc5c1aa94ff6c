"""Raw SQL for the few reads the ORM is too slow to build: the SuperLink's per-call checks, long lists.

Statements are written as SQL (triple-quoted, a comment naming the index they use) with named
parameters (``%(name)s``), and their rows are read by column name.

Building a query with the ORM costs these machines about a millisecond, and PostgreSQL plans a
statement afresh each time (up to 2 ms here) unless it is prepared. ``fetch_one`` prepares its
statement on the server once per connection (unless DATABASE_PREPARE_THRESHOLD is empty, for
connection poolers that cannot keep them); use it for lookups by unique keys, whose one generic plan
fits every value. ``fetch_all`` is planned for its values each time: a member of 1,000 federations
and a member of 3 can need different plans (``execute(..., prepare=True)`` where one plan was measured
to fit all). Both show up in Django's query log like any other query.
"""

import functools
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

Row = dict[str, Any]  # a row by column name


def fetch_one(sql: str, params: Mapping[str, Any]) -> Row | None:
    rows = execute(sql, params, prepare=True, one=True)
    return rows[0] if rows else None


def fetch_all(sql: str, params: Mapping[str, Any]) -> list[Row]:
    return execute(sql, params, prepare=False)


def execute(sql: str, params: Mapping[str, Any], *, prepare: bool, one: bool = False) -> list[Row]:
    """Run a statement with named parameters (``%(name)s``); rows come back by column name."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [row for row in [cursor.fetchone()] if row is not None] if one else cursor.fetchall()
            names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in rows]
    import psycopg
    from psycopg.rows import dict_row

    # What connection.cursor() does first: check a reused connection, connect when needed.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(raw, row_factory=dict_row) as prepared:

        def run(sql: str, params: Mapping[str, Any], many: bool, context: dict[str, Any]) -> None:
            prepared.execute(sql, params, prepare=prepare and raw.prepare_threshold is not None)

        # Through the connection's execute wrappers, as Django's own cursors are (what counts statements).
        for wrapper in reversed(connection.execute_wrappers):
            run = functools.partial(wrapper, run)
        run(sql, params, False, {"connection": connection, "cursor": prepared})
        rows = [row for row in [prepared.fetchone()] if row is not None] if one else prepared.fetchall()
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {dict(params)}", "time": f"{time.monotonic() - started:.3f}"})
    return rows


def as_datetime(value):
    """A timestamp read with raw SQL, aware, on every database (SQLite gives naive UTC, or text)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


class Rows:
    """The rows of a statement that ends in ``LIMIT %(limit)s OFFSET %(offset)s``, sliceable like a queryset
    (``paginate``). ``timestamps`` names the columns to read as aware datetimes (see ``as_datetime``);
    ``prepare`` where one plan was measured to fit every size of the list (see ``execute``)."""

    def __init__(self, sql: str, params: Mapping[str, Any], timestamps: tuple[str, ...] = (), *, prepare: bool = False):
        self.sql, self.params, self.timestamps, self.prepare = sql, dict(params), timestamps, prepare

    def __getitem__(self, window: slice) -> list[Row]:
        start = window.start or 0
        params = {**self.params, "limit": window.stop - start, "offset": start}
        rows = execute(self.sql, params, prepare=self.prepare)
        for row in rows:
            for name in self.timestamps:
                row[name] = as_datetime(row[name])
        return rows
