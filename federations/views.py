from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .access import load_federation
from .forms import ArchiveForm, FederationCreateForm, FederationSettingsForm, InviteForm
from .models import Federation, Invitation, Membership
from .rendering import render_tab, wants_partial
from .views_runs import live_counts

DASHBOARD_PAGE_SIZE = 50
ACTIVITY_PAGE_SIZE = 25
RECENT_ENDED_INVITATIONS = 10


def membership_list(request: HttpRequest, *, archived: bool) -> dict:
    memberships = (
        Membership.objects.filter(user=request.user, federation__archived_at__isnull=not archived)
        .select_related("federation__owner")
        .annotate(
            member_count=Count("federation__memberships", distinct=True),
            node_count=Count("federation__nodes", distinct=True),
        )
        .order_by("federation__owner__username", "federation__name")
    )
    page = Paginator(memberships, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "nav_section": "federations"}


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "federations/dashboard.html", membership_list(request, archived=False))


@login_required
@require_GET
def archived(request: HttpRequest) -> HttpResponse:
    return render(request, "federations/archived.html", membership_list(request, archived=True))


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = FederationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            federation = services.create_federation(owner=request.user, **form.cleaned_data)
        except services.FederationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Created {federation.handle}.")
            return redirect("federations:overview", **federation.url_kwargs())
    return render(request, "federations/new.html", {"form": form, "nav_section": "federations"})


@login_required
@require_GET
def overview(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    return render_tab(request, federation, membership, "overview", {"live": live_counts(request.user, federation)})


def members_context(federation: Federation, membership: Membership, invite_form: InviteForm | None = None) -> dict:
    member_rows = (
        federation.memberships.select_related("user")
        .annotate(owner_first=Case(When(role="owner", then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("owner_first", "joined_at", "user__username")
    )
    invitations = federation.invitations.select_related("invitee", "inviter")
    return {
        "members": member_rows,
        "pending_invitations": invitations.pending().order_by("created_at"),
        "ended_invitations": invitations.ended()[:RECENT_ENDED_INVITATIONS] if membership.is_owner else [],
        "invite_form": invite_form,
    }


def render_members(request, federation, membership, invite_form=None, status=200) -> HttpResponse:
    extra = members_context(federation, membership, invite_form)
    if wants_partial(request) and request.htmx.target == "members-section":
        context = {"federation": federation, "membership": membership, **extra}
        response = render(request, "federations/tabs/members.html#members-section", context, status=status)
        patch_vary_headers(response, ["HX-Request"])
        return response
    return render_tab(request, federation, membership, "members", extra, status=status)


@login_required
@require_GET
def members(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    return render_members(request, federation, membership)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.INVITE)
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
                return render_members(request, federation, membership)
            return redirect("federations:members", **federation.url_kwargs())
    status = 400 if form.errors else 200
    return render_members(request, federation, membership, invite_form=form, status=status)


def refused(request, federation, membership, error: services.FederationError) -> HttpResponse:
    """A refusal on the members tab: 403 for a missing right, otherwise a message on the tab."""
    if isinstance(error, services.NotAllowed):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    if wants_partial(request):
        return render_members(request, federation, membership, status=409)
    return redirect("federations:members", **federation.url_kwargs())


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, owner: str, name: str, invitation_id: int) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.INVITE)
    try:
        invitation = services.revoke_invitation(federation=federation, actor=request.user, invitation_id=invitation_id)
    except services.InvitationNotFound:
        raise Http404("No such invitation.") from None
    except services.FederationError as error:
        return refused(request, federation, membership, error)
    messages.success(request, f"Revoked the invitation for {invitation.invitee.username}.")
    if wants_partial(request):
        return render_members(request, federation, membership)
    return redirect("federations:members", **federation.url_kwargs())


@login_required
@require_http_methods(["GET", "POST"])
def remove_member(request: HttpRequest, owner: str, name: str, username: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.REMOVE_MEMBER)
    target = federation.memberships.select_related("user").filter(user__username__iexact=username).first()
    if target is None:
        raise Http404("No such member.")
    if request.method == "POST":
        try:
            services.remove_member(federation=federation, actor=request.user, username=target.user.username)
        except services.FederationError as error:
            return refused(request, federation, membership, error)
        messages.success(request, f"Removed {target.user.username} from {federation.handle}.")
        return redirect("federations:members", **federation.url_kwargs())
    if target.is_owner:
        raise PermissionDenied("The owner cannot be removed.")
    context = {"federation": federation, "target": target, "nav_section": "federations"}
    return render(request, "federations/confirm_remove.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.LEAVE)
    if request.method == "POST":
        try:
            services.leave_federation(federation=federation, user=request.user)
        except services.FederationError as error:
            return refused(request, federation, membership, error)
        messages.success(request, f"You left {federation.handle}.")
        return redirect("federations:dashboard")
    context = {"federation": federation, "nav_section": "federations"}
    return render(request, "federations/confirm_leave.html", context)


def answer_invitation(request: HttpRequest, invitation_id: int, accept: bool) -> HttpResponse:
    service = services.accept_invitation if accept else services.decline_invitation
    try:
        invitation = service(user=request.user, invitation_id=invitation_id)
    except services.InvitationNotFound:
        raise Http404("No such invitation.") from None
    except services.FederationError as error:
        messages.error(request, error.message)
        status = 409
    else:
        handle = invitation.federation.handle
        messages.success(request, f"You joined {handle}." if accept else f"You declined the invitation to {handle}.")
        status = 200
    if wants_partial(request):
        context = {"invitations": Invitation.objects.inbox(request.user), "oob": True}
        response = render(request, "accounts/profile.html#invitation-inbox", context, status=status)
        patch_vary_headers(response, ["HX-Request"])
        return response
    return redirect("profile")


@login_required
@require_POST
def accept_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return answer_invitation(request, invitation_id, accept=True)


@login_required
@require_POST
def decline_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return answer_invitation(request, invitation_id, accept=False)


@login_required
@require_GET
def activity(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    events = federation.activities.select_related("actor")
    page = Paginator(events, ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_tab(request, federation, membership, "activity", {"page": page})


def settings_context(federation: Federation, settings_form=None, archive_form=None) -> dict:
    initial = {"num_supernodes": federation.num_supernodes, "description": federation.description}
    return {
        "settings_form": settings_form or FederationSettingsForm(initial=initial, federation=federation),
        "archive_form": archive_form or ArchiveForm(federation=federation),
    }


@login_required
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    action = services.Action.CHANGE_SETTINGS if request.method == "POST" else services.Action.ARCHIVE
    federation, membership = load_federation(request.user, owner, name, action)
    form = FederationSettingsForm(request.POST or None, federation=federation)
    if request.method == "POST" and form.is_valid():
        try:
            if federation.is_simulation:
                services.set_simulation_config(
                    federation=federation, actor=request.user, num_supernodes=form.cleaned_data["num_supernodes"]
                )
            services.set_description(
                federation=federation, actor=request.user, description=form.cleaned_data["description"]
            )
        except services.FederationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Settings saved.")
            return redirect("federations:settings", **federation.url_kwargs())
    context = settings_context(federation, settings_form=form if request.method == "POST" else None)
    return render_tab(request, federation, membership, "settings", context)


@login_required
@require_POST
def archive(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.ARCHIVE)
    if federation.is_archived:
        messages.info(request, f"{federation.handle} is already archived.")
        return redirect("federations:overview", **federation.url_kwargs())
    form = ArchiveForm(request.POST, federation=federation)
    if not form.is_valid():
        context = settings_context(federation, archive_form=form)
        return render_tab(request, federation, membership, "settings", context, status=400)
    services.archive_federation(federation=federation, actor=request.user)
    messages.success(request, f"Archived {federation.handle}. It is now read-only.")
    return redirect(reverse("federations:archived"))
