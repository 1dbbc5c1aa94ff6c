"""The Members tab: invite, revoke, remove, leave."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import ascii_iexact
from supergrid.templatetags.timing import ago
from supergrid.web import FORM_INVALID, Moment, confirm_page, paginate, wants_partial

from .. import lists, services
from ..access import load_federation
from ..forms import InviteForm
from ..models import Federation, Membership
from ..rules import Action, Permissions, Target
from ..templatetags.federation_tags import federation_url
from .tabs import render_tab

RECENT_ENDED_INVITATIONS = 10
MEMBERS_PAGE_SIZE = 25
INVITATIONS_PAGE_SIZE = 25


@dataclass(frozen=True)
class MemberRow:
    username: str
    is_owner: bool
    is_me: bool
    joined: Moment
    remove_url: str | None  # set when the reader may remove them
    can_leave: bool


@dataclass(frozen=True)
class PendingRow:
    pk: int
    username: str
    inviter: str
    created: Moment
    created_ago: str
    expires: Moment
    revoke_url: str | None  # set when the reader may revoke it


@dataclass(frozen=True)
class EndedRow:
    username: str
    status: str
    reason: str
    ended: Moment | None


def members_context(
    federation: Federation, can: Permissions, invite_form: InviteForm | None = None, pages=None
) -> dict:
    """The tab's three lists, worked out here so the template only writes them out (pages of 25)."""
    pages = pages or {}
    page = paginate(lists.member_rows(federation), pages.get("page"), MEMBERS_PAGE_SIZE)
    assert can.membership is not None  # load_federation lets members only in
    me = can.membership.user_id
    may_leave = can.may(Action.LEAVE)
    owner, name = federation.owner.username, federation.name
    rows = []
    for row in page:
        user_id, username, joined_at = row["user_id"], row["username"], row["joined_at"]
        is_owner = row["role"] == Membership.Role.OWNER
        removable = user_id != me and can.may(Action.REMOVE_MEMBER, Target(user_id=user_id, is_owner=is_owner))
        remove_url = federation_url("federations:remove_member", owner, name, username=username) if removable else None
        rows.append(
            MemberRow(username, is_owner, user_id == me, Moment.of(joined_at), remove_url, user_id == me and may_leave)
        )
    now = timezone.now()
    may_invite = can.may(Action.INVITE)

    def revoke_url(pk: int) -> str | None:
        return federation_url("federations:revoke_invitation", owner, name, invitation_id=pk) if may_invite else None

    pending_page = paginate(lists.pending_rows(federation, now), pages.get("invitations"), INVITATIONS_PAGE_SIZE)
    pending = [
        PendingRow(
            row["id"],
            row["invitee"],
            row["inviter"] or "",
            Moment.of(row["created_at"]),
            ago(row["created_at"], now),
            Moment.of(row["expires_at"]),
            revoke_url(row["id"]),
        )
        for row in pending_page
    ]
    ended = []
    if can.may(Action.SEE_INVITATION_HISTORY):
        ended = [
            EndedRow(invitee, status, reason, Moment.of(ended_at))
            for invitee, status, ended_at, reason in lists.ended_rows(federation, now, RECENT_ENDED_INVITATIONS)
        ]
    return {
        "members": rows,
        "page": page,
        "any_removable": any(row.remove_url for row in rows),
        "pending_invitations": pending,
        "pending_page": pending_page,
        "ended_invitations": ended,
        "invite_form": invite_form,
    }


def render_members(
    request: AuthenticatedHttpRequest,
    federation: Federation,
    can: Permissions[Federation],
    invite_form: InviteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = members_context(federation, can, invite_form, request.GET)
    return render_tab(request, federation, can, "members", context, status)


@login_required
@require_GET
def members(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name)
    return render_members(request, federation, can)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.INVITE)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(
                federation=federation, inviter=request.user, username=form.cleaned_data["username"]
            )
        except services.FederationError as error:
            form.add_error("username", error.message)
        else:
            messages.success(request, _("Invitation sent to %(username)s.") % {"username": invitation.invitee.username})
            if wants_partial(request):
                return render_members(request, federation, can)
            return redirect("federations:members", **federation.url_kwargs())
    status = FORM_INVALID if form.errors else 200
    return render_members(request, federation, can, invite_form=form, status=status)


def refused(
    request: AuthenticatedHttpRequest,
    federation: Federation,
    can: Permissions[Federation],
    error: services.FederationError,
) -> HttpResponse:
    """A refusal on the members tab, as a message on the tab (a missing right is a 403 of its own)."""
    messages.error(request, error.message)
    if wants_partial(request):
        return render_members(request, federation, can, status=409)
    return redirect("federations:members", **federation.url_kwargs())


@login_required
@require_POST
def revoke_invitation(request: AuthenticatedHttpRequest, owner: str, name: str, invitation_id: int) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.INVITE)
    try:
        invitation = services.revoke_invitation(federation=federation, actor=request.user, invitation_id=invitation_id)
    except services.FederationError as error:
        return refused(request, federation, can, error)
    messages.success(request, _("Revoked the invitation for %(username)s.") % {"username": invitation.invitee.username})
    if wants_partial(request):
        return render_members(request, federation, can)
    return redirect("federations:members", **federation.url_kwargs())


@login_required
@require_http_methods(["GET", "POST"])
def remove_member(request: AuthenticatedHttpRequest, owner: str, name: str, username: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.REMOVE_MEMBER)
    target = federation.memberships.select_related("user").filter(ascii_iexact("user__username", username)).first()
    if target is None:
        raise Http404("No such member.")
    if request.method == "POST":
        try:
            services.remove_member(federation=federation, actor=request.user, username=target.user.username)
        except services.FederationError as error:
            return refused(request, federation, can, error)
        messages.success(
            request,
            _("Removed %(username)s from %(federation)s.")
            % {"username": target.user.username, "federation": federation.handle},
        )
        return redirect("federations:members", **federation.url_kwargs())
    can.check(Action.REMOVE_MEMBER, Target(user_id=target.user_id, is_owner=target.is_owner))
    return confirm_page(
        request,
        "federations/_remove_form.html",
        _("Remove %(username)s") % {"username": target.user.username},
        federation=federation,
        target=target,
        nav_section="federations",
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.LEAVE)
    if request.method == "POST":
        try:
            services.leave_federation(federation=federation, user=request.user)
        except services.FederationError as error:
            return refused(request, federation, can, error)
        messages.success(request, _("You left %(federation)s.") % {"federation": federation.handle})
        return redirect("federations:dashboard")
    return confirm_page(
        request,
        "federations/_leave_form.html",
        _("Leave %(federation)s") % {"federation": federation.handle},
        federation=federation,
        nav_section="federations",
    )
