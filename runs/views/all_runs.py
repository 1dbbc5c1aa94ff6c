"""/runs/: every run in every federation the user belongs to."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from federations.models import Federation, split_handle
from supergrid.web import deferred, render_page, wants_partial
from superlink import control_client

from ..listing import RunRow, with_artifacts

ALL_RUNS_PAGE_SIZE = 25


@login_required
@require_GET
def all_runs(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every run in every federation the user belongs to: one query for the filters, one SuperLink call.

    The runs' own request (htmx, the table alone) reads no federations unless one is chosen: the SuperLink
    answers only for the caller's federations anyway, and the filter's options are not on it."""
    chosen = request.GET.get("federation", "")
    table_only = wants_partial(request) and request.htmx.target == "run-table"
    federations = (
        []
        if table_only and not chosen
        else list(
            Federation.objects.filter(memberships__user=request.user)
            .select_related("owner")
            .order_by("owner__username", "name")
        )
    )
    handles = {federation.handle for federation in federations}
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") == "1"
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    context: dict[str, Any] = {
        "federations": federations,
        "filters": {"federation": chosen if chosen in handles else "", "status": status, "mine": mine},
        "page": page,
        "nav_section": "runs",
    }
    if deferred(request, "run-table"):  # the runs (from the SuperLink) load after the page
        return render_page(request, "runs/all_runs.html", context | {"deferred": True})
    try:
        found = control_client.member_runs(
            request.user,
            federation=context["filters"]["federation"],
            status=status if status in ("active", "finished") else "",
            mine=mine,
            limit=ALL_RUNS_PAGE_SIZE + 1,
            skip=(page - 1) * ALL_RUNS_PAGE_SIZE,
        )
    except control_client.SuperLinkTrouble as error:
        context["superlink_error"] = error.message
    else:
        shown = found[:ALL_RUNS_PAGE_SIZE]
        marked = with_artifacts([RunRow.from_proto(run, {}) for run in shown])
        rows = [(row, split_handle(run.federation)) for row, run in zip(marked, shown, strict=True)]
        context |= {"rows": rows, "has_next": len(found) > ALL_RUNS_PAGE_SIZE}
    return render_page(request, "runs/all_runs.html", context)
