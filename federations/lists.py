"""The web pages' lists: a member's federations, the inbox, and the Members tab, with the ORM.

Each is a queryset (sliceable, so ``paginate`` reads one page and one row more) of plain values, in the
order of an index. "Pending" is ``Invitation.objects.pending()`` everywhere: an invitation past its
expiry is expired. The SuperLink's per-call checks and the federation page header are in ``lookups``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from supergrid.web import Moment, Row

from .extensions import extensions
from .models import Federation, Invitation, Membership


def count_of(queryset: QuerySet) -> Coalesce:
    """``COUNT(*)`` of a queryset correlated with the row's ``OuterRef("federation")``, as a subquery per
    row shown (no join fan-out)."""
    counted = queryset.order_by().values("federation").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


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
    """A member's federations (active or archived), ordered by handle, sliced in SQL (``paginate``).

    Index: the membership's user foreign key, then each federation by primary key; the counts are
    subqueries over each table's federation foreign key.
    """

    def __init__(self, user_id: int, *, archived: bool):
        counts = {name: count_of(rows()) for name, rows in extensions.list_counts.items()}
        self.names = list(counts)
        # Rows by column name; the apps' counts (``count_<name>``) make the columns known only here.
        self.rows: QuerySet[Membership, Mapping[str, Any]] = (
            Membership.objects.filter(user_id=user_id, federation__archived_at__isnull=not archived)
            .order_by("federation__owner__username", "federation__name")
            .values(
                "role",
                "user_id",
                pk=F("federation_id"),
                owner=F("federation__owner__username"),
                name=F("federation__name"),
                kind=F("federation__kind"),
                description=F("federation__description"),
                created_at=F("federation__created_at"),
                archived_at=F("federation__archived_at"),
                num_supernodes=F("federation__num_supernodes"),
                member_count=count_of(Membership.objects.filter(federation=OuterRef("federation"))),
                **{f"count_{name}": expression for name, expression in counts.items()},
            )
        )

    def __getitem__(self, window: slice) -> list[MemberFederation]:
        return [
            MemberFederation(
                **{key: value for key, value in row.items() if not key.startswith("count_")},
                counts={name: row[f"count_{name}"] for name in self.names},
            )
            for row in self.rows[window]
        ]


@dataclass(frozen=True)
class InboxEntry(Row):
    pk: int
    handle: str
    inviter: str  # empty once the inviter's account is gone
    created: Moment
    expires: Moment


def inbox(user_id: int) -> list[InboxEntry]:
    """The invitations waiting for a user (dashboard, profile, header), newest first.

    Index: ``federations_invitation_inbox`` (invitee, status).
    """
    rows = (
        Invitation.objects.pending()
        .filter(invitee_id=user_id)
        .order_by("-created_at", "-id")
        .values_list(
            "pk", "federation__owner__username", "federation__name", "inviter__username", "created_at", "expires_at"
        )
    )
    return [
        InboxEntry(pk, f"@{owner}/{name}", inviter or "", Moment.of(created), Moment.of(expires))
        for pk, owner, name, inviter, created, expires in rows
    ]


def member_rows(federation: Federation) -> QuerySet:
    """``(user_id, username, role, joined_at)`` of the members, owner first, then by joining.

    Index: ``federations_member_list`` (federation, -role, joined_at, id).
    """
    return (
        Membership.objects.filter(federation=federation)
        .order_by("-role", "joined_at", "id")
        .values_list("user_id", "user__username", "role", "joined_at")
    )


def pending_rows(federation: Federation, now: datetime) -> QuerySet:
    """``(id, invitee, inviter or None, created_at, expires_at)`` of pending invitations, oldest first.

    Index: ``federations_one_pending_invitation`` (federation, invitee) where pending.
    """
    return (
        federation.invitations.pending(now)
        .order_by("created_at", "id")
        .values_list("pk", "invitee__username", "inviter__username", "created_at", "expires_at")
    )


def ended_rows(federation: Federation, now: datetime, limit: int) -> list[tuple[str, str, datetime | None, str]]:
    """``(invitee, status as shown, ended at, reason)`` of the most recently created ended invitations.

    Index: the invitation's federation foreign key.
    """
    rows = (
        federation.invitations.ended(now)
        .order_by("-created_at", "-id")
        .values_list("invitee__username", "status", "expires_at", "responded_at", "reason")[:limit]
    )
    ended = []
    for invitee, stored, expires_at, responded_at, reason in rows:
        shown = Invitation.status_at(stored, expires_at, now)
        ended_at = expires_at if shown != stored else responded_at  # past its expiry: it ended then
        ended.append((invitee, Invitation.Status(shown).label, ended_at, reason))
    return ended
