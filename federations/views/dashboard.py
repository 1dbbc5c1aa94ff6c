"""The dashboard, the archived list and creating a federation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import services
from ..forms import FederationCreateForm
from ..models import Invitation, Membership

DASHBOARD_PAGE_SIZE = 50


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
    context = membership_list(request, archived=False) | {"invitations": Invitation.objects.inbox(request.user)}
    return render(request, "federations/dashboard.html", context)


@login_required
@require_GET
def archived(request: HttpRequest) -> HttpResponse:
    return render(request, "federations/archived.html", membership_list(request, archived=True))


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = FederationCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            federation = services.create_federation(owner=request.user, **form.cleaned_data)
        except services.FederationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Created {federation.handle}.")
            return redirect("federations:overview", **federation.url_kwargs())
    return render(request, "federations/new.html", {"form": form, "nav_section": "federations"})
