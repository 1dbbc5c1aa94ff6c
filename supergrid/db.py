"""One row from a fixed SQL statement, for the reads the SuperLink makes on nearly every call.

Building a query with the ORM costs these machines about a millisecond, and PostgreSQL plans a
statement afresh each time (0.4 ms here) unless it is prepared. Statements read through ``fetch_one``
are prepared on the server once per connection (unless DATABASE_PREPARE_THRESHOLD is empty, for
connection poolers that cannot keep them); Django's own queries are unchanged.
"""

from collections.abc import Sequence

from django.db import connection


def fetch_one(sql: str, params: Sequence) -> tuple | None:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    # What connection.cursor() does first: check a reused connection, connect when needed.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=raw.prepare_threshold is not None)
        return cursor.fetchone()
