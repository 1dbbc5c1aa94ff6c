"""Reads the SuperLink asks on nearly every call, each one prepared SQL statement (``supergrid.db``).

Its constant-time questions (is this a federation, is this account a member) must answer in well
under a millisecond. Nothing is cached, so a change on the web counts on the next call. The statement
uses the same case-insensitive indexes as ``Federation.objects.by_handle``.
"""

from django.db import connection

from accounts.models import User
from supergrid.db import fetch_one

from .models import Federation, Membership, split_handle

FEDERATION_WANTED = {
    "id",
    "owner_id",
    "name",
    "kind",
    "archived_at",
    "num_supernodes",
    "client_resources_num_cpus",
    "client_resources_num_gpus",
    "simulation_backend",
    "simulation_verbose",
}
MEMBERSHIP_WANTED = {"id", "federation_id", "user_id", "role"}
# In the models' field order, which Model.from_db expects for a subset of the fields.
FEDERATION_FIELDS = [f.attname for f in Federation._meta.concrete_fields if f.attname in FEDERATION_WANTED]
MEMBERSHIP_FIELDS = [f.attname for f in Membership._meta.concrete_fields if f.attname in MEMBERSHIP_WANTED]

FEDERATION_AND_MEMBERSHIP_SQL = (  # noqa: S608 (table and column names from the models; values as parameters)
    "SELECT {federation_columns}, {membership_columns} FROM {federation} f "
    "JOIN {user} o ON o.id = f.owner_id "
    "LEFT JOIN {membership} m ON m.federation_id = f.id "
    "AND m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %s AND u.is_active) "
    "WHERE LOWER(o.username) = %s AND LOWER(f.name) = %s"
).format(
    federation_columns=", ".join(f"f.{field}" for field in FEDERATION_FIELDS),
    membership_columns=", ".join(f"m.{field}" for field in MEMBERSHIP_FIELDS),
    federation=Federation._meta.db_table,
    membership=Membership._meta.db_table,
    user=User._meta.db_table,
)


def handle_parts(federation_id: str) -> tuple[str, str] | None:
    """``(owner, name)`` lowercased for the indexes; None when no federation has this id (see ``ascii_iexact``)."""
    parts = split_handle(federation_id)
    if parts is None or not all(part.isascii() and part.isprintable() for part in parts):
        return None
    return parts[0].lower(), parts[1].lower()


def federation_and_membership(federation_id: str, flwr_aid: str = "") -> tuple[Federation | None, Membership | None]:
    """The federation ``@owner/name`` (without its owner loaded) and the account's membership in it, if any."""
    parts = handle_parts(federation_id)
    if parts is None:
        return None, None
    row = fetch_one(FEDERATION_AND_MEMBERSHIP_SQL, [flwr_aid, *parts])
    if row is None:
        return None, None
    federation = Federation.from_db(connection.alias, FEDERATION_FIELDS, row[: len(FEDERATION_FIELDS)])
    membership_row = row[len(FEDERATION_FIELDS) :]
    if membership_row[0] is None:
        return federation, None
    membership = Membership.from_db(connection.alias, MEMBERSHIP_FIELDS, membership_row)
    membership.federation = federation
    return federation, membership
