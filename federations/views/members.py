"""The Members tab: invite, revoke, remove, leave."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import ascii_iexact
from supergrid.web import FORM_INVALID, confirm_page, paginate, wants_partial

from .. import services
from ..access import load_federation
from ..forms import InviteForm
from ..models import Federation, Membership
from ..rules import Action, Permissions, Target
from .tabs import render_tab

RECENT_ENDED_INVITATIONS = 10
MEMBERS_PAGE_SIZE = 50


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    can_remove: bool
    can_leave: bool


def members_context(
    federation: Federation, can: Permissions, invite_form: InviteForm | None = None, page_number=None
) -> dict:
    member_rows = (
        federation.memberships.select_related("user")
        .annotate(owner_first=Case(When(role="owner", then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("owner_first", "joined_at", "user__username")
    )
    page = paginate(member_rows, page_number, MEMBERS_PAGE_SIZE)
    me = can.membership.user_id
    rows = [
        MemberRow(
            membership=row,
            can_remove=row.user_id != me
            and can.may(Action.REMOVE_MEMBER, Target(user_id=row.user_id, is_owner=row.is_owner)),
            can_leave=row.user_id == me and can.may(Action.LEAVE),
        )
        for row in page
    ]
    invitations = federation.invitations.select_related("invitee", "inviter")
    history = can.may(Action.SEE_INVITATION_HISTORY)
    return {
        "members": rows,
        "page": page,
        "any_removable": any(row.can_remove for row in rows),
        "pending_invitations": invitations.pending().order_by("created_at"),
        "ended_invitations": invitations.ended()[:RECENT_ENDED_INVITATIONS] if history else [],
        "invite_form": invite_form,
    }


def render_members(request, federation, can, invite_form=None, status=200) -> HttpResponse:
    context = members_context(federation, can, invite_form, request.GET.get("page"))
    return render_tab(request, federation, can, "members", context, status)


@login_required
@require_GET
def members(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name)
    return render_members(request, federation, can)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, owner: str, name: str) -> HttpResponse:
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
            messages.success(request, f"Invitation sent to {invitation.invitee.username}.")
            if wants_partial(request):
                return render_members(request, federation, can)
            return redirect("federations:members", **federation.url_kwargs())
    status = FORM_INVALID if form.errors else 200
    return render_members(request, federation, can, invite_form=form, status=status)


def refused(request, federation, can, error: services.FederationError) -> HttpResponse:
    """A refusal on the members tab: 403 for a missing right, otherwise a message on the tab."""
    if isinstance(error, services.NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    if wants_partial(request):
        return render_members(request, federation, can, status=409)
    return redirect("federations:members", **federation.url_kwargs())


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, owner: str, name: str, invitation_id: int) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.INVITE)
    try:
        invitation = services.revoke_invitation(federation=federation, actor=request.user, invitation_id=invitation_id)
    except services.InvitationNotFound:
        raise Http404("No such invitation.") from None
    except services.FederationError as error:
        return refused(request, federation, can, error)
    messages.success(request, f"Revoked the invitation for {invitation.invitee.username}.")
    if wants_partial(request):
        return render_members(request, federation, can)
    return redirect("federations:members", **federation.url_kwargs())


@login_required
@require_http_methods(["GET", "POST"])
def remove_member(request: HttpRequest, owner: str, name: str, username: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.REMOVE_MEMBER)
    target = federation.memberships.select_related("user").filter(ascii_iexact("user__username", username)).first()
    if target is None:
        raise Http404("No such member.")
    if request.method == "POST":
        try:
            services.remove_member(federation=federation, actor=request.user, username=target.user.username)
        except services.FederationError as error:
            return refused(request, federation, can, error)
        messages.success(request, f"Removed {target.user.username} from {federation.handle}.")
        return redirect("federations:members", **federation.url_kwargs())
    try:
        can.check(Action.REMOVE_MEMBER, Target(user_id=target.user_id, is_owner=target.is_owner))
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    return confirm_page(
        request,
        "federations/_remove_form.html",
        f"Remove {target.user.username}",
        federation=federation,
        target=target,
        nav_section="federations",
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.LEAVE)
    if request.method == "POST":
        try:
            services.leave_federation(federation=federation, user=request.user)
        except services.FederationError as error:
            return refused(request, federation, can, error)
        messages.success(request, f"You left {federation.handle}.")
        return redirect("federations:dashboard")
    return confirm_page(
        request,
        "federations/_leave_form.html",
        f"Leave {federation.handle}",
        federation=federation,
        nav_section="federations",
    )
