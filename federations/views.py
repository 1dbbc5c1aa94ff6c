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
from flwr.common.serde import user_config_from_proto

from accounts.models import User
from flower_bridge import control_client, supernodes
from flower_bridge.runs import RunRow, federation_runs
from flower_bridge.supernodes import NodeRow

from . import services
from .access import load_federation
from .forms import ArchiveForm, FederationCreateForm, FederationSettingsForm, InviteForm, LaunchForm
from .models import Federation, Invitation, Membership

DASHBOARD_PAGE_SIZE = 50
ACTIVITY_PAGE_SIZE = 25

TABS = [
    ("overview", "Overview", "federations:overview"),
    ("runs", "Runs", "federations:runs"),
    ("supernodes", "SuperNodes", "federations:federation_supernodes"),
    ("members", "Members", "federations:members"),
    ("activity", "Activity", "federations:activity"),
    ("settings", "Settings", "federations:settings"),
]


def wants_partial(request: HttpRequest) -> bool:
    """htmx swaps a section in place; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(request: HttpRequest, template: str, context: dict, partial: str, status: int = 200) -> HttpResponse:
    name = f"{template}#{partial}" if wants_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


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


def render_tab(request, federation, membership, tab: str, extra: dict | None = None, status: int = 200):
    context = {
        "federation": federation,
        "membership": membership,
        "tab": tab,
        "tabs": [
            (key, label, reverse(url_name, kwargs=federation.url_kwargs()))
            for key, label, url_name in TABS
            if key != "settings" or membership.is_owner
        ],
        "member_count": federation.memberships.count(),
        "nav_section": "federations",
        **(extra or {}),
    }
    return render_page(request, "federations/federation.html", context, "federation-body", status=status)


@login_required
@require_GET
def overview(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    return render_tab(request, federation, membership, "overview", {"live": live_counts(request.user, federation)})


def runs_context(request, federation: Federation, membership: Membership, launch_form=None) -> dict:
    can_launch = not federation.is_archived
    return {
        "runs": federation_runs(request.user, federation),
        "launch_form": (launch_form or LaunchForm()) if can_launch else None,
    }


@login_required
@require_GET
def runs(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    context = runs_context(request, federation, membership)
    if wants_partial(request) and request.htmx.target == "run-list":
        context |= {"federation": federation, "membership": membership}
        return render(request, "federations/tabs/runs.html#run-list", context)
    return render_tab(request, federation, membership, "runs", context)


@login_required
@require_POST
def launch_run(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.LAUNCH_RUN)
    form = LaunchForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            run_id = control_client.start_run(
                request.user, federation.handle, form.cleaned_data["fab_content"], form.cleaned_data["override_config"]
            )
        except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Launched run {run_id}.")
            return redirect("federations:run", run_id=run_id, **federation.url_kwargs())
    context = runs_context(request, federation, membership, launch_form=form)
    return render_tab(request, federation, membership, "runs", context, status=400)


def load_run(request, owner: str, name: str, run_id: int, action=services.Action.VIEW):
    federation, membership = load_federation(request.user, owner, name, action)
    try:
        run = control_client.get_run(request.user, federation.handle, run_id)
    except control_client.ControlError:
        run = None
    if run is None or run.federation.lower() != federation.handle.lower():
        raise Http404("No such run in this federation.")
    return federation, membership, run


def run_page_context(request, federation, membership, run) -> dict:
    names = dict(User.objects.filter(flwr_aid=run.flwr_aid).values_list("flwr_aid", "username"))
    row = RunRow.from_proto(run, names)
    try:
        services.check_can_stop_run(membership, run.flwr_aid)
        can_stop = row.is_active
    except services.NotAllowed:
        can_stop = False
    return {
        "federation": federation,
        "membership": membership,
        "run": row,
        "proto": run,
        "config": sorted(user_config_from_proto(run.override_config).items()),
        "can_stop": can_stop,
        "nav_section": "federations",
    }


@login_required
@require_GET
def run_detail(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    try:
        federation, membership, run = load_run(request, owner, name, run_id)
    except control_client.SuperLinkUnavailable as error:
        federation, membership = load_federation(request.user, owner, name)
        context = {"federation": federation, "superlink_error": error.message, "nav_section": "federations"}
        return render(request, "federations/run.html", context)
    context = run_page_context(request, federation, membership, run)
    if wants_partial(request) and request.htmx.target == "run-status":
        return render(request, "federations/run.html#run-status", context)
    try:
        context["logs"], context["logs_after"] = control_client.run_logs(request.user, run_id)
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        context["logs_error"] = error.message
    return render(request, "federations/run.html", context)


@login_required
@require_GET
def run_logs(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    """New log lines since ?after=<timestamp>, appended in place while the run is active."""
    federation, membership, run = load_run(request, owner, name, run_id)
    try:
        after = float(request.GET.get("after", "0"))
    except ValueError:
        after = 0.0
    logs, latest = control_client.run_logs(request.user, run_id, after)
    context = {"logs": logs, "logs_after": latest, "run": RunRow.from_proto(run, {}), "federation": federation}
    return render(request, "federations/run.html#log-chunk", context)


@login_required
@require_http_methods(["GET", "POST"])
def stop_run(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    federation, membership, run = load_run(request, owner, name, run_id)
    try:
        services.check_can_stop_run(membership, run.flwr_aid)
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    if request.method == "POST":
        try:
            control_client.stop_run(request.user, run_id)
        except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Stopping run {run_id}.")
        return redirect("federations:run", run_id=run_id, **federation.url_kwargs())
    context = run_page_context(request, federation, membership, run)
    return render(request, "federations/confirm_stop.html", context)


def live_counts(user, federation: Federation) -> dict:
    """SuperNodes online and runs active, from one Control API call; the page renders without it."""
    try:
        details = control_client.show_federation(user, federation.handle)
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        return {"error": error.message}
    return {
        "nodes_online": sum(1 for node in details.nodes if node.status == "online"),
        "runs_active": sum(1 for run in details.runs if run.status.status != "finished"),
        "runs_total": len(details.runs),
    }


@login_required
@require_GET
def live(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    """The dashboard's per-row live counts, fetched as each row scrolls into view (one call each)."""
    federation, membership = load_federation(request.user, owner, name)
    return render(
        request,
        "federations/_live_counts.html",
        {"federation": federation, "live": live_counts(request.user, federation)},
    )


def supernodes_context(user, federation: Federation, membership: Membership) -> dict:
    if federation.is_simulation:
        return {}
    context: dict = {"nodes": [], "addable": []}
    try:
        nodes = [NodeRow.from_proto(node) for node in control_client.show_federation(user, federation.handle).nodes]
        owners = dict(federation.nodes.values_list("node_id", "owner__flwr_aid"))
        context["nodes"] = [(node, owners.get(str(node.node_id))) for node in nodes]
        if not federation.is_archived:
            present = {node.node_id for node in nodes}
            context["addable"] = [node for node in supernodes.my_nodes(user) if node.node_id not in present]
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        context["superlink_error"] = error.message
    return context


@login_required
@require_GET
def federation_supernodes(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    return render_tab(
        request, federation, membership, "supernodes", supernodes_context(request.user, federation, membership)
    )


@login_required
@require_POST
def add_supernode(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.ADD_SUPERNODE)
    try:
        node_id = int(request.POST.get("node_id", ""))
        supernodes.add_own_node(user=request.user, federation=federation, node_id=node_id)
    except ValueError:
        messages.error(request, "Choose one of your own registered SuperNodes.")
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except services.FederationError as error:
        messages.error(request, error.message)
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Added SuperNode {node_id} to {federation.handle}.")
    return redirect("federations:federation_supernodes", **federation.url_kwargs())


@login_required
@require_POST
def remove_supernode(request: HttpRequest, owner: str, name: str, node_id: int) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.REMOVE_SUPERNODE)
    try:
        services.remove_supernode(federation=federation, actor=request.user, node_id=node_id)
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except services.FederationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Removed SuperNode {node_id} from {federation.handle}.")
    return redirect("federations:federation_supernodes", **federation.url_kwargs())


RECENT_ENDED_INVITATIONS = 10


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
