from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .access import load_federation
from .forms import ArchiveForm, FederationCreateForm, FederationSettingsForm
from .models import Federation, Membership

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
        .annotate(member_count=Count("federation__memberships"))
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
def supernodes(request: HttpRequest) -> HttpResponse:
    return render(request, "federations/supernodes.html", {"nav_section": "supernodes"})


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
    return render_tab(request, federation, membership, "overview")


@login_required
@require_GET
def runs(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    return render_tab(request, federation, membership, "runs")


@login_required
@require_GET
def federation_supernodes(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    return render_tab(request, federation, membership, "supernodes")


@login_required
@require_GET
def members(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    member_rows = (
        federation.memberships.select_related("user")
        .annotate(owner_first=Case(When(role="owner", then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("owner_first", "joined_at", "user__username")
    )
    return render_tab(request, federation, membership, "members", {"members": member_rows})


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
