"""Reads the SuperLink asks on nearly every call, and every federation page's header: prepared SQL.

Its constant-time questions (is this a federation, is this account a member) must answer in well under
a millisecond, which the ORM cannot build a statement in (``supergrid.db``). Nothing is cached, so a
change on the web counts on the next call. The web pages' lists are in ``lists`` (the ORM).
"""

from collections.abc import Mapping
from typing import Any

from django.db import connection

from accounts.models import User
from supergrid.db import as_datetime, execute, fetch_all, fetch_one

from .models import Federation, Invitation, Membership, split_handle

# Table names from the models, for every statement written as SQL (here, ``lists`` and the apps above).
TABLES = {
    "membership": Membership._meta.db_table,
    "federation": Federation._meta.db_table,
    "user": User._meta.db_table,
    "invitation": Invitation._meta.db_table,
}
# What a check reads of a federation and a membership, in the models' field order (which Model.from_db
# expects for a subset of the fields).
FEDERATION_WANTED = {
    "id",
    "owner_id",
    "name",
    "kind",
    "description",
    "created_at",
    "archived_at",
    "num_supernodes",
    "client_resources_num_cpus",
    "client_resources_num_gpus",
    "simulation_backend",
    "simulation_verbose",
    "its_apps_only",
    "reviewers_required",
}
FEDERATION_FIELDS = [f.attname for f in Federation._meta.concrete_fields if f.attname in FEDERATION_WANTED]
MEMBERSHIP_FIELDS = [
    f.attname for f in Membership._meta.concrete_fields if f.attname in {"id", "federation_id", "user_id", "role"}
]
FEDERATION_COLUMNS = ", ".join(f"f.{field}" for field in FEDERATION_FIELDS) + ", o.username AS owner_username"
MEMBERSHIP_COLUMNS = ", ".join(f"m.{field} AS membership_{field}" for field in MEMBERSHIP_FIELDS)


def sql(statement: str) -> str:
    """A statement with the models' table names and the column lists filled in (values stay parameters)."""
    return statement.format(federation_columns=FEDERATION_COLUMNS, membership_columns=MEMBERSHIP_COLUMNS, **TABLES)


# A federation by handle and an account's membership in it (both indexes are on LOWER(...):
# accounts_user_username_ci_unique, federations_name_unique_per_owner_ci; the membership by
# federations_one_membership_per_user).
FEDERATION_AND_MEMBERSHIP_SQL = sql(
    """
    SELECT {federation_columns}, {membership_columns},
        o.limit_runs_per_federation AS owner_limit_runs_per_federation,
        (SELECT u.limit_runs FROM {user} u WHERE u.id = m.user_id) AS member_limit_runs
    FROM {federation} f
    JOIN {user} o ON o.id = f.owner_id
    LEFT JOIN {membership} m ON m.federation_id = f.id
        AND m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %(flwr_aid)s AND u.is_active)
    WHERE LOWER(o.username) = %(owner)s AND LOWER(f.name) = %(name)s
    """
)

# Every federation page: the federation, the reader's membership and how many members it has (the same
# indexes; the count over federations_member_list).
MEMBER_PAGE_SQL = sql(
    """
    SELECT {federation_columns}, {membership_columns},
        (SELECT COUNT(*) FROM {membership} x WHERE x.federation_id = f.id) AS member_count
    FROM {federation} f
    JOIN {user} o ON o.id = f.owner_id
    JOIN {membership} m ON m.federation_id = f.id AND m.user_id = %(user_id)s
    WHERE LOWER(o.username) = %(owner)s AND LOWER(f.name) = %(name)s
    """
)

# Every federation of an account (archived ones too) with its number of members, for `flwr federation
# list`, the account's own workspace first as on the dashboard (the account by its unique flwr_aid, its
# memberships in that order by federations_member_sorted).
ACCOUNT_FEDERATIONS_SQL = sql(
    """
    SELECT {federation_columns}, {membership_columns},
        (SELECT COUNT(*) FROM {membership} x WHERE x.federation_id = f.id) AS member_count
    FROM {membership} m
    JOIN {federation} f ON f.id = m.federation_id
    JOIN {user} o ON o.id = f.owner_id
    WHERE m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %(flwr_aid)s AND u.is_active)
    ORDER BY m.sort_first DESC, m.sort_owner, m.sort_name
    """
)

# A federation's members, owner first, for ShowFederation (federations_member_list).
MEMBERS_SQL = sql(
    """
    SELECT u.flwr_aid, u.username, m.role
    FROM {membership} m
    JOIN {user} u ON u.id = m.user_id
    WHERE m.federation_id = %(federation_id)s
    ORDER BY m.role DESC, m.joined_at, m.id
    """
)

# The handles of every federation of an account (archived ones too), for listing their runs.
ACCOUNT_HANDLES_SQL = sql(
    """
    SELECT o.username AS owner, f.name
    FROM {membership} m
    JOIN {federation} f ON f.id = m.federation_id
    JOIN {user} o ON o.id = f.owner_id
    WHERE m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %(flwr_aid)s AND u.is_active)
    """
)


def handle_parts(federation_id: str) -> tuple[str, str] | None:
    """``(owner, name)`` lowercased for the indexes; None when no federation has this id (see ``ascii_iexact``)."""
    parts = split_handle(federation_id)
    if parts is None or not all(part.isascii() and part.isprintable() for part in parts):
        return None
    return parts[0].lower(), parts[1].lower()


def federation_from(row: Mapping[str, Any]) -> Federation:
    """A Federation, with its owner's username, from a row with FEDERATION_COLUMNS."""
    federation = Federation.from_db(connection.alias, FEDERATION_FIELDS, [row[field] for field in FEDERATION_FIELDS])
    federation.created_at = as_datetime(federation.created_at)
    federation.archived_at = as_datetime(federation.archived_at)
    federation.owner = User.from_db(connection.alias, ["id", "username"], [federation.owner_id, row["owner_username"]])
    return federation


def membership_from(row: Mapping[str, Any], federation: Federation) -> Membership | None:
    """The Membership in a row with MEMBERSHIP_COLUMNS, or None when the account is not a member."""
    if row["membership_id"] is None:
        return None
    values = [row[f"membership_{field}"] for field in MEMBERSHIP_FIELDS]
    membership = Membership.from_db(connection.alias, MEMBERSHIP_FIELDS, values)
    membership.federation = federation
    return membership


def federation_and_membership(federation_id: str, flwr_aid: str = "") -> tuple[Federation | None, Membership | None]:
    """The federation ``@owner/name`` (with its owner's username) and the account's membership in it, if any."""
    parts = handle_parts(federation_id)
    if parts is None:
        return None, None
    row = fetch_one(FEDERATION_AND_MEMBERSHIP_SQL, {"flwr_aid": flwr_aid, "owner": parts[0], "name": parts[1]})
    if row is None:
        return None, None
    federation = federation_from(row)
    membership = membership_from(row, federation)
    # The overrides of the limits on runs at once (federations.limits.launch_limits), read in the same
    # statement so a launch's checks cost no query of their own.
    federation.owner.limit_runs_per_federation = row["owner_limit_runs_per_federation"]
    if membership is not None:
        membership.member_limit_runs = row["member_limit_runs"]  # type: ignore[attr-defined]
    return federation, membership


def member_page(federation_id: str, user_id: int) -> tuple[Federation, Membership, int] | None:
    """The federation ``@owner/name`` with the user's membership and its number of members; None for outsiders."""
    parts = handle_parts(federation_id)
    row = fetch_one(MEMBER_PAGE_SQL, {"user_id": user_id, "owner": parts[0], "name": parts[1]}) if parts else None
    if row is None:
        return None
    federation = federation_from(row)
    membership = membership_from(row, federation)
    assert membership is not None  # the statement joins the membership
    return federation, membership, row["member_count"]


def account_federations(flwr_aid: str) -> list[tuple[Federation, Membership | None, int]]:
    """Each federation the account belongs to, its membership and its number of members, by handle."""
    found = []
    # Prepared: measured with members of 1 to 1,000 federations, its one plan fits them all.
    for row in execute(ACCOUNT_FEDERATIONS_SQL, {"flwr_aid": flwr_aid}, prepare=True):
        federation = federation_from(row)
        found.append((federation, membership_from(row, federation), row["member_count"]))
    return found


def members(federation: Federation) -> list[tuple[str, str, str]]:
    """``(flwr_aid, username, role)`` of every member, the owner first."""
    rows = fetch_all(MEMBERS_SQL, {"federation_id": federation.pk})
    return [(row["flwr_aid"], row["username"], row["role"]) for row in rows]


def account_handles(flwr_aid: str) -> list[str]:
    return [f"@{row['owner']}/{row['name']}" for row in fetch_all(ACCOUNT_HANDLES_SQL, {"flwr_aid": flwr_aid})]
