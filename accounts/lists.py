"""The profile's lists: a person's CLI sessions and signing keys.

Written as SQL with named parameters, read by column name, each naming its index, and prepared
(``supergrid.db``): as querysets, building them cost the profile more than running them (CLI sessions
0.56 ms against 0.15 with their rows, signing keys 0.32 against 0.04). Both lists are one person's, a
few hundred rows at most, so one plan fits every size.

"Active" is ``cli_login.active_cli_sessions`` (not revoked, its refresh token not expired).
"""

from datetime import datetime

from django.db import connection

from supergrid.db import Row, Rows, as_datetime, execute

from .models import CliSession, SigningKey

TABLES = {"cli_session": CliSession._meta.db_table, "signing_key": SigningKey._meta.db_table}

# Most recently used first, then the newest (accounts_cli_session_owner: the user's, not revoked).
CLI_SESSIONS_SQL = """
    SELECT s.id, s.created_at, s.last_used_at, s.refresh_expires_at
    FROM {cli_session} s
    WHERE s.user_id = %(user_id)s AND s.revoked_at IS NULL AND s.refresh_expires_at > %(now)s
    ORDER BY s.last_used_at DESC NULLS LAST, s.created_at DESC
    LIMIT %(limit)s OFFSET %(offset)s
""".format(**TABLES)

# Keys in use, oldest first (the user foreign key's index).
SIGNING_KEYS_SQL = """
    SELECT k.id AS pk, k.name, k.key_id, k.created_at
    FROM {signing_key} k
    WHERE k.user_id = %(user_id)s AND k.removed_at IS NULL
    ORDER BY k.created_at, k.id
""".format(**TABLES)


def cli_sessions(user_id: int, now: datetime) -> Rows:
    """``id, created_at, last_used_at, refresh_expires_at`` of the active CLI sessions, for ``paginate``."""
    params = {"user_id": user_id, "now": connection.ops.adapt_datetimefield_value(now)}
    return Rows(CLI_SESSIONS_SQL, params, timestamps=("created_at", "last_used_at", "refresh_expires_at"), prepare=True)


def signing_keys(user_id: int) -> list[Row]:
    """``pk, name, key_id, created_at`` of the keys in use (at most MAX_SIGNING_KEYS)."""
    rows = execute(SIGNING_KEYS_SQL, {"user_id": user_id}, prepare=True)
    for row in rows:
        row["created_at"] = as_datetime(row["created_at"])
    return rows
