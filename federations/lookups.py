"""Reads the SuperLink asks on nearly every call, each one prepared SQL statement (``supergrid.db``).

Its constant-time questions (is this a federation, is this account a member) must answer in well
under a millisecond. Nothing is cached, so a change on the web counts on the next call. The statement
uses the same case-insensitive indexes as ``Federation.objects.by_handle``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection
from django.utils import timezone

from accounts.models import User
from supergrid.db import Rows, as_datetime, execute, fetch_all, fetch_one
from supergrid.web import Moment, Row

from .extensions import extensions
from .models import Federation, Invitation, Membership, split_handle

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
}
MEMBERSHIP_WANTED = {"id", "federation_id", "user_id", "role"}
# In the models' field order, which Model.from_db expects for a subset of the fields.
FEDERATION_FIELDS = [f.attname for f in Federation._meta.concrete_fields if f.attname in FEDERATION_WANTED]
MEMBERSHIP_FIELDS = [f.attname for f in Membership._meta.concrete_fields if f.attname in MEMBERSHIP_WANTED]

TABLES = {
    "membership": Membership._meta.db_table,
    "federation": Federation._meta.db_table,
    "user": User._meta.db_table,
    "invitation": Invitation._meta.db_table,
}
FEDERATION_COLUMNS = ", ".join(f"f.{field}" for field in FEDERATION_FIELDS) + ", o.username"
MEMBERSHIP_COLUMNS = ", ".join(f"m.{field}" for field in MEMBERSHIP_FIELDS)

FEDERATION_AND_MEMBERSHIP_SQL = (
    f"SELECT {FEDERATION_COLUMNS}, {MEMBERSHIP_COLUMNS} FROM {{federation}} f "
    "JOIN {user} o ON o.id = f.owner_id "
    "LEFT JOIN {membership} m ON m.federation_id = f.id "
    "AND m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %s AND u.is_active) "
    "WHERE LOWER(o.username) = %s AND LOWER(f.name) = %s"
).format(**TABLES)

# Every federation page: the federation, the reader's membership and how many members it has.
MEMBER_PAGE_SQL = (
    f"SELECT {FEDERATION_COLUMNS}, {MEMBERSHIP_COLUMNS}, "
    "(SELECT COUNT(*) FROM {membership} x WHERE x.federation_id = f.id) FROM {federation} f "
    "JOIN {user} o ON o.id = f.owner_id JOIN {membership} m ON m.federation_id = f.id AND m.user_id = %s "
    "WHERE LOWER(o.username) = %s AND LOWER(f.name) = %s"
).format(**TABLES)

# Every federation of an account (archived ones too) with its number of members: `flwr federation list`.
ACCOUNT_FEDERATIONS_SQL = (
    f"SELECT {FEDERATION_COLUMNS}, {MEMBERSHIP_COLUMNS}, "
    "(SELECT COUNT(*) FROM {membership} x WHERE x.federation_id = f.id) "
    "FROM {membership} m JOIN {federation} f ON f.id = m.federation_id JOIN {user} o ON o.id = f.owner_id "
    "WHERE m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %s AND u.is_active) "
    "ORDER BY o.username, f.name"
).format(**TABLES)

# A federation's members, owner first, for ShowFederation.
MEMBERS_SQL = (
    "SELECT u.flwr_aid, u.username, m.role FROM {membership} m JOIN {user} u ON u.id = m.user_id "
    "WHERE m.federation_id = %s ORDER BY m.role DESC, m.joined_at, m.id"
).format(**TABLES)


def handle_parts(federation_id: str) -> tuple[str, str] | None:
    """``(owner, name)`` lowercased for the indexes; None when no federation has this id (see ``ascii_iexact``)."""
    parts = split_handle(federation_id)
    if parts is None or not all(part.isascii() and part.isprintable() for part in parts):
        return None
    return parts[0].lower(), parts[1].lower()


def federation_from(row: Sequence) -> Federation:
    """A Federation, with its owner's username, from a row that starts with FEDERATION_COLUMNS."""
    federation = Federation.from_db(connection.alias, FEDERATION_FIELDS, row[: len(FEDERATION_FIELDS)])
    federation.created_at = as_datetime(federation.created_at)
    federation.archived_at = as_datetime(federation.archived_at)
    owner = (federation.owner_id, row[len(FEDERATION_FIELDS)])
    federation.owner = User.from_db(connection.alias, ["id", "username"], owner)
    return federation


def membership_from(row: Sequence, federation: Federation) -> Membership | None:
    if row[0] is None:
        return None
    membership = Membership.from_db(connection.alias, MEMBERSHIP_FIELDS, row[: len(MEMBERSHIP_FIELDS)])
    membership.federation = federation
    return membership


def federation_and_membership(federation_id: str, flwr_aid: str = "") -> tuple[Federation | None, Membership | None]:
    """The federation ``@owner/name`` (with its owner's username) and the account's membership in it, if any."""
    parts = handle_parts(federation_id)
    if parts is None:
        return None, None
    row = fetch_one(FEDERATION_AND_MEMBERSHIP_SQL, [flwr_aid, *parts])
    if row is None:
        return None, None
    federation = federation_from(row)
    return federation, membership_from(row[len(FEDERATION_FIELDS) + 1 :], federation)


def member_page(federation_id: str, user_id: int) -> tuple[Federation, Membership, int] | None:
    """The federation ``@owner/name`` with the user's membership and its number of members; None for outsiders."""
    parts = handle_parts(federation_id)
    row = fetch_one(MEMBER_PAGE_SQL, [user_id, *parts]) if parts else None
    if row is None:
        return None
    federation = federation_from(row)
    return federation, membership_from(row[len(FEDERATION_FIELDS) + 1 : -1], federation), row[-1]


def account_federations(flwr_aid: str) -> list[tuple[Federation, Membership, int]]:
    """Each federation the account belongs to, its membership and its number of members, by handle."""
    found = []
    # Prepared: measured with members of 1 to 1,000 federations, its one plan fits them all.
    for row in execute(ACCOUNT_FEDERATIONS_SQL, [flwr_aid], prepare=True):
        federation = federation_from(row)
        found.append((federation, membership_from(row[len(FEDERATION_FIELDS) + 1 : -1], federation), row[-1]))
    return found


def members(federation: Federation) -> list[tuple[str, str, str]]:
    """``(flwr_aid, username, role)`` of every member, the owner first."""
    return fetch_all(MEMBERS_SQL, [federation.pk])


# The ids of every federation of an account (archived ones too), for listing their runs.
ACCOUNT_HANDLES_SQL = (
    "SELECT o.username, f.name FROM {membership} m "
    "JOIN {federation} f ON f.id = m.federation_id JOIN {user} o ON o.id = f.owner_id "
    "WHERE m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %s AND u.is_active)"
).format(**TABLES)


def account_handles(flwr_aid: str) -> list[str]:
    return [f"@{owner}/{name}" for owner, name in fetch_all(ACCOUNT_HANDLES_SQL, [flwr_aid])]


# The dashboard's list of a member's federations, one page at a time (the ORM takes longer to build this
# statement than PostgreSQL takes to answer it). Counts are subqueries per row shown: no join fan-out;
# the apps above add theirs (``extensions.list_counts``), so the statement is built once they have.
MEMBER_FEDERATIONS_SQL = (
    "SELECT f.id, o.username, f.name, f.kind, f.description, f.created_at, f.archived_at, f.num_supernodes, "
    "m.role, m.user_id, "
    "(SELECT COUNT(*) FROM {membership} x WHERE x.federation_id = f.id){counts} "
    "FROM {membership} m JOIN {federation} f ON f.id = m.federation_id JOIN {user} o ON o.id = f.owner_id "
    "WHERE m.user_id = %s AND (f.archived_at IS NOT NULL) = %s "
    "ORDER BY o.username, f.name LIMIT %s OFFSET %s"
)


@cache
def member_federations_sql() -> tuple[str, tuple[str, ...]]:
    names = tuple(extensions.list_counts)
    counts = "".join(f", ({extensions.list_counts[name]})" for name in names)
    return MEMBER_FEDERATIONS_SQL.format(counts=counts, **TABLES), names


@dataclass(frozen=True)
class MemberFederation:
    """A federation in a member's list, as read: just what the list shows and the rules ask.

    ``is_archived`` and ``is_owner``/``user_id`` are what ``Permissions`` reads of a federation and a
    membership, so one entry stands for both.
    """

    pk: int
    owner: str
    name: str
    kind: str
    description: str
    created_at: datetime
    archived_at: datetime | None
    num_supernodes: int | None
    role: str
    user_id: int
    member_count: int
    counts: dict[str, int]  # the apps' own (``extensions.list_counts``), by name

    @property
    def handle(self) -> str:
        return f"@{self.owner}/{self.name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_simulation(self) -> bool:
        return self.kind == Federation.Kind.SIMULATION

    @property
    def is_owner(self) -> bool:
        return self.role == Membership.Role.OWNER


class MemberFederations:
    """A member's federations (active or archived), ordered by handle, sliced in SQL (``paginate``)."""

    def __init__(self, user_id: int, *, archived: bool):
        self.params = [user_id, archived]

    def __getitem__(self, window: slice) -> list[MemberFederation]:
        start = window.start or 0
        sql, names = member_federations_sql()
        rows = fetch_all(sql, [*self.params, window.stop - start, start])
        return [
            MemberFederation(
                *row[:5], as_datetime(row[5]), as_datetime(row[6]), *row[7:11], dict(zip(names, row[11:], strict=True))
            )
            for row in rows
        ]


# The invitations waiting for a user (dashboard, profile, header), newest first.
INBOX_SQL = (
    "SELECT i.id, o.username, f.name, v.username, i.created_at, i.expires_at FROM {invitation} i "
    "JOIN {federation} f ON f.id = i.federation_id JOIN {user} o ON o.id = f.owner_id "
    "LEFT JOIN {user} v ON v.id = i.inviter_id "
    "WHERE i.invitee_id = %s AND i.status = %s AND i.expires_at > %s ORDER BY i.created_at DESC, i.id DESC"
).format(**TABLES)


@dataclass(frozen=True)
class InboxEntry(Row):
    pk: int
    handle: str
    inviter: str  # empty once the inviter's account is gone
    created: Moment
    expires: Moment


def inbox(user_id: int) -> list[InboxEntry]:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = fetch_all(INBOX_SQL, [user_id, Invitation.Status.PENDING, now])
    return [
        InboxEntry(
            pk, f"@{owner}/{name}", inviter or "", Moment.of(as_datetime(created)), Moment.of(as_datetime(expires))
        )
        for pk, owner, name, inviter, created, expires in rows
    ]


# The Members tab: members a page at a time (owner first, then by joining; the order of an index),
# pending invitations a page at a time, and the most recent ended ones.
MEMBER_ROWS_SQL = (
    "SELECT m.user_id, u.username, m.role, m.joined_at FROM {membership} m JOIN {user} u ON u.id = m.user_id "
    "WHERE m.federation_id = %s ORDER BY m.role DESC, m.joined_at, m.id LIMIT %s OFFSET %s"
).format(**TABLES)
PENDING_ROWS_SQL = (
    "SELECT i.id, v.username, r.username, i.created_at, i.expires_at FROM {invitation} i "
    "JOIN {user} v ON v.id = i.invitee_id LEFT JOIN {user} r ON r.id = i.inviter_id "
    "WHERE i.federation_id = %s AND i.status = %s AND i.expires_at > %s "
    "ORDER BY i.created_at, i.id LIMIT %s OFFSET %s"
).format(**TABLES)
ENDED_ROWS_SQL = (
    "SELECT v.username, i.status, i.expires_at, i.responded_at, i.reason FROM {invitation} i "
    "JOIN {user} v ON v.id = i.invitee_id "
    "WHERE i.federation_id = %s AND NOT (i.status = %s AND i.expires_at > %s) "
    "ORDER BY i.created_at DESC, i.id DESC LIMIT %s"
).format(**TABLES)


def member_rows(federation: Federation) -> Rows:
    """``(user_id, username, role, joined_at)`` of the members, for ``paginate``."""
    return Rows(MEMBER_ROWS_SQL, [federation.pk], timestamps=[3])


def pending_rows(federation: Federation, now: datetime) -> Rows:
    """``(id, invitee, inviter or None, created_at, expires_at)`` of pending invitations, oldest first."""
    moment = connection.ops.adapt_datetimefield_value(now)
    return Rows(PENDING_ROWS_SQL, [federation.pk, Invitation.Status.PENDING, moment], timestamps=[3, 4])


def ended_rows(federation: Federation, now: datetime, limit: int) -> list[tuple[str, str, datetime | None, str]]:
    """``(invitee, status as shown, ended at, reason)`` of the most recently created ended invitations."""
    ended = []
    params = [federation.pk, Invitation.Status.PENDING, connection.ops.adapt_datetimefield_value(now), limit]
    for invitee, status, expires_at, responded_at, reason in fetch_all(ENDED_ROWS_SQL, params):
        expires_at, responded_at = as_datetime(expires_at), as_datetime(responded_at)
        if status == Invitation.Status.PENDING:  # past its expiry: expired in every respect but the column
            status, ended_at = Invitation.Status.EXPIRED, expires_at
        else:
            ended_at = responded_at
        ended.append((invitee, Invitation.Status(status).label, ended_at, reason))
    return ended
