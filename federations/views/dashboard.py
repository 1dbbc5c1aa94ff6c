"""The dashboard, the archived list and creating a federation."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from supergrid.web import paginate

from .. import services
from ..forms import FederationCreateForm
from ..models import FederationNode, Invitation, Membership

DASHBOARD_PAGE_SIZE = 50


def count_of(model, **filters) -> Coalesce:
    """How many rows of ``model`` belong to the row's federation: a subquery per row shown, no join fan-out."""
    rows = model.objects.filter(**filters).order_by().values("federation").annotate(total=Count("*")).values("total")
    return Coalesce(Subquery(rows), 0)


def membership_list(request: HttpRequest, *, archived: bool) -> dict:
    memberships = (
        Membership.objects.filter(user=request.user, federation__archived_at__isnull=not archived)
        .select_related("federation__owner")
        .annotate(
            member_count=count_of(Membership, federation=OuterRef("federation")),
            node_count=count_of(FederationNode, federation=OuterRef("federation")),
        )
        .order_by("federation__owner__username", "federation__name")
    )
    # Counting (past the first page) leaves the subqueries out: Django drops unused annotations in count().
    page = paginate(memberships, request.GET.get("page"), DASHBOARD_PAGE_SIZE)
    return {"page": page, "nav_section": "federations", "archive_dialog": not archived}


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    invitations = list(Invitation.objects.inbox(request.user))
    context = membership_list(request, archived=False) | {
        "invitations": invitations,
        "pending_invitation_count": len(invitations),  # the header's count, without asking again
    }
    shown = [("f", membership.federation_id) for membership in context["page"]]
    if shown:
        context["live_url"] = f"{reverse('runs:dashboard_live')}?{urlencode(shown)}"
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
