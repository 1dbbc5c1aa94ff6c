"""The web pages' lists: a member's federations, the inbox, and the Members tab.

Each is in the order of an index; the long ones are sliceable (``paginate`` reads one page and one row
more). Written as SQL with named parameters, read by column name, each naming its index: as querysets
they cost the dashboard 18-42% of its throughput and the Members tab of a federation of 1,000 a third
more time under load (its ten most recent ended invitations, the last one left, 0.6 ms against 0.15).
Each is written so that one plan fits a short and a long list, and prepared (``supergrid.db``): planning
them cost more than running them.

"Pending" is ``Invitation.objects.pending()``, or in SQL ``Invitation.PENDING_SQL`` beside it: an
invitation past its expiry is expired. The SuperLink's per-call checks and the page header are in
``lookups``.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from supergrid.db import Rows, as_datetime, execute
from supergrid.web import Moment

from .extensions import extensions
from .lookups import TABLES
from .models import WORKSPACE_NAME, Federation, Invitation, Membership

# A member's federations, a page at a time, their own workspace first, then by handle: one range of the
# index ``federations_member_sorted`` (each membership carries its federation's place in that order,
# ``Membership.sort_*``), each federation by primary key to tell active from archived; a page of a member
# of 1,000 reads about as many rows as a page of a member of 3 (before, every membership, federation and
# owner were read and sorted: 7.8 ms against 2.4 ms at 1,000). Counts are subqueries per row shown, around
# the page (``f`` is the row's federation), so rows an OFFSET skips are not counted; the apps above add
# theirs (``extensions.list_counts``), so the statement is built once they have. One plan fits every member
# (the member is a subquery, so PostgreSQL plans for an average one) and the statement is prepared.
MEMBER_FEDERATIONS_SQL = """
    SELECT f.id AS pk, f.owner, f.name, f.kind, f.description, f.created_at, f.archived_at, f.num_supernodes,
        f.its_apps_only, f.role, f.user_id,
        (SELECT COUNT(*) FROM {membership} x WHERE x.federation_id = f.id) AS member_count{counts}
    FROM (
        SELECT f.id, m.sort_first, m.sort_owner AS owner, f.name, f.kind, f.description, f.created_at,
            f.archived_at, f.num_supernodes, f.its_apps_only, m.role, m.user_id
        FROM {membership} m
        JOIN {federation} f ON f.id = m.federation_id
        WHERE m.user_id = (SELECT %(user_id)s) AND (f.archived_at IS NOT NULL) = %(archived)s
        ORDER BY m.sort_first DESC, m.sort_owner, m.sort_name  -- federations_member_sorted
        LIMIT %(limit)s OFFSET %(offset)s
    ) f
    ORDER BY f.sort_first DESC, f.owner, f.name
"""

# The Members tab's members, owner first, then by joining (federations_member_list).
MEMBER_ROWS_SQL = """
    SELECT m.user_id, u.username, m.role, m.joined_at
    FROM {membership} m
    JOIN {user} u ON u.id = m.user_id
    WHERE m.federation_id = %(federation_id)s
    ORDER BY m.role DESC, m.joined_at, m.id
    LIMIT %(limit)s OFFSET %(offset)s
""".format(**TABLES)

# The Members tab's pending invitations, oldest first (the invitation's federation foreign key).
PENDING_ROWS_SQL = """
    SELECT i.id, v.username AS invitee, r.username AS inviter, i.created_at, i.expires_at
    FROM {invitation} i
    JOIN {user} v ON v.id = i.invitee_id
    LEFT JOIN {user} r ON r.id = i.inviter_id
    WHERE i.federation_id = %(federation_id)s AND {pending}
    ORDER BY i.created_at, i.id
    LIMIT %(limit)s OFFSET %(offset)s
""".format(pending=Invitation.PENDING_SQL.format(table="i"), **TABLES)


# The Members tab's most recently created ended invitations: answered, revoked or past their expiry (the
# invitation's federation foreign key).
ENDED_ROWS_SQL = """
    SELECT v.username AS invitee, i.status, i.expires_at, i.responded_at, i.reason
    FROM {invitation} i
    JOIN {user} v ON v.id = i.invitee_id
    WHERE i.federation_id = %(federation_id)s AND NOT ({pending})
    ORDER BY i.created_at DESC, i.id DESC
    LIMIT %(limit)s
""".format(pending=Invitation.PENDING_SQL.format(table="i"), **TABLES)

# The invitations waiting for a user (federations_invitation_inbox: invitee, status): the newest picked
# first, so only those shown are joined to their federation and inviter (a user invited 300 times had all
# 300 joined and then sorted: 1.1 ms against 0.2 ms). One plan fits every inbox, so it is prepared.
INBOX_SQL = """
    SELECT i.id, o.username AS owner, f.name, v.username AS inviter, i.created_at, i.expires_at
    FROM (
        SELECT i.id, i.federation_id, i.inviter_id, i.created_at, i.expires_at
        FROM {invitation} i
        WHERE i.invitee_id = %(user_id)s AND {pending}
        ORDER BY i.created_at DESC, i.id DESC
        LIMIT %(limit)s
    ) i
    JOIN {federation} f ON f.id = i.federation_id
    JOIN {user} o ON o.id = f.owner_id
    LEFT JOIN {user} v ON v.id = i.inviter_id
    ORDER BY i.created_at DESC, i.id DESC
""".format(pending=Invitation.PENDING_SQL.format(table="i"), **TABLES)
INBOX_SHOWN = 10  # the newest; a page never lists more (a user can be invited by many)


@cache
def member_federations_sql() -> str:
    counts = "".join(f",\n        ({sql}) AS count_{name}" for name, sql in extensions.list_counts.items())
    return MEMBER_FEDERATIONS_SQL.format(counts=counts, **TABLES)


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
    its_apps_only: bool
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
    def is_workspace(self) -> bool:
        return self.name.lower() == WORKSPACE_NAME

    @property
    def only_its_apps(self) -> bool:
        return self.its_apps_only

    @property
    def is_owner(self) -> bool:
        return self.role == Membership.Role.OWNER


class MemberFederations:
    """A member's federations (active or archived), ordered by handle, sliced in SQL (``paginate``)."""

    def __init__(self, user_id: int, *, archived: bool):
        self.rows = Rows(member_federations_sql(), {"user_id": user_id, "archived": archived}, prepare=True)

    def __getitem__(self, window: slice) -> list[MemberFederation]:
        entries = []
        for row in self.rows[window]:
            counts = {name: row.pop(f"count_{name}") for name in extensions.list_counts}
            row["created_at"], row["archived_at"] = as_datetime(row["created_at"]), as_datetime(row["archived_at"])
            entries.append(MemberFederation(**row, counts=counts))
        return entries


@dataclass(frozen=True)
class InboxEntry:
    pk: int
    handle: str
    inviter: str  # empty once the inviter's account is gone
    created: Moment
    expires: Moment

    @property
    def accept_url(self) -> str:
        return invitation_url("federations:accept_invitation", self.pk)

    @property
    def decline_url(self) -> str:
        return invitation_url("federations:decline_invitation", self.pk)


@cache
def invitation_url_pattern(view_name: str) -> str:
    return reverse(view_name, kwargs={"invitation_id": 0}).replace("/0/", "/{}/")


def invitation_url(view_name: str, pk: int) -> str:
    """An invitation's Accept or Decline URL, reversed once per view rather than once per row."""
    return invitation_url_pattern(view_name).format(pk)


def inbox(user_id: int) -> "Inbox":
    """The invitations waiting for a user (dashboard, profile), newest first: at most INBOX_SHOWN, read with
    one more so the page knows whether older ones wait (without counting them)."""
    now = timezone.now()
    params = {"user_id": user_id, "limit": INBOX_SHOWN + 1, **Invitation.pending_sql_params(now, connection)}
    entries = [
        InboxEntry(
            row["id"],
            f"@{row['owner']}/{row['name']}",
            row["inviter"] or "",
            Moment.of(as_datetime(row["created_at"])),
            Moment.of(as_datetime(row["expires_at"])),
        )
        for row in execute(INBOX_SQL, params, prepare=True)
    ]
    return Inbox(entries[:INBOX_SHOWN], more=len(entries) > INBOX_SHOWN)


class Inbox(list):
    """The invitations shown (a list), and ``more``: whether older ones wait (the header counts them all)."""

    def __init__(self, entries: list, more: bool):
        super().__init__(entries)
        self.more = more


def member_rows(federation: Federation) -> Rows:
    """``user_id, username, role, joined_at`` of the members, for ``paginate``."""
    return Rows(MEMBER_ROWS_SQL, {"federation_id": federation.pk}, timestamps=("joined_at",), prepare=True)


def pending_rows(federation: Federation, now: datetime) -> Rows:
    """``id, invitee, inviter`` (None once that account is gone) ``, created_at, expires_at`` of pending
    invitations, for ``paginate``."""
    params = {"federation_id": federation.pk, **Invitation.pending_sql_params(now, connection)}
    return Rows(PENDING_ROWS_SQL, params, timestamps=("created_at", "expires_at"), prepare=True)


def ended_rows(federation: Federation, now: datetime, limit: int) -> list[tuple[str, str, datetime | None, str]]:
    """``(invitee, status as shown, ended at, reason)`` of the most recently created ended invitations."""
    params = {"federation_id": federation.pk, "limit": limit, **Invitation.pending_sql_params(now, connection)}
    ended = []
    for row in execute(ENDED_ROWS_SQL, params, prepare=True):
        expires_at, responded_at = as_datetime(row["expires_at"]), as_datetime(row["responded_at"])
        shown = Invitation.status_at(row["status"], expires_at, now)
        ended_at = expires_at if shown != row["status"] else responded_at  # past its expiry: it ended then
        # Both in the reader's language: the status's label, and a reason stored in English (the portal's own,
        # models.ARCHIVED_INVITATION_REASON; any other stays as written).
        reason = row["reason"]
        ended.append((row["invitee"], str(Invitation.Status(shown).label), ended_at, gettext(reason) if reason else ""))
    return ended
