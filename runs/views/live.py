"""Live counts from the SuperLink, loaded after the page: the Overview's lines, the dashboard's Live column."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from federations.access import load_federation
from federations.models import Federation, Membership
from federations.rules import Action, Permissions
from superlink import control_client

LIVE_ROWS_LIMIT = control_client.STATUS_FEDERATIONS_LIMIT


def counts(details) -> dict:
    return {
        "nodes_online": sum(1 for node in details.nodes if node.status == "online"),
        "runs_active": sum(1 for run in details.runs if run.status.status != "finished"),
        "runs_total": len(details.runs),
    }


def live_counts(user, federations: list[Federation]) -> dict[int, dict]:
    """SuperNodes online and runs active of each federation (by pk), from one Control API call."""
    if not federations:
        return {}
    try:
        status = control_client.federation_status(user, [federation.handle for federation in federations])
    except control_client.SuperLinkTrouble as error:
        return {federation.pk: {"error": error.message} for federation in federations}
    return {
        federation.pk: counts(status[federation.handle])
        if federation.handle in status
        else {"error": _("Not known to the SuperLink.")}
        for federation in federations
    }


@login_required
@require_GET
def live(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    """The Overview's SuperNodes and Runs lines, loaded after the page (they ask the SuperLink)."""
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    context = {"federation": federation, "live": live_counts(request.user, [federation])[federation.pk]}
    return render(request, "runs/_overview_live.html", context)


@login_required
@require_GET
def dashboard_live(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The dashboard's Live column for the rows on screen (``?f=<federation id>``…), from one Control API call.

    Each cell comes back as an out-of-band swap of its placeholder.
    """
    wanted = [int(value) for value in request.GET.getlist("f")[:LIVE_ROWS_LIMIT] if value.isdigit()]
    memberships = Membership.objects.filter(
        user=request.user, federation_id__in=wanted, federation__archived_at__isnull=True
    ).select_related("federation__owner")
    federations = [m.federation for m in memberships if Permissions(m.federation, m).may(Action.READ_RUNS)]
    live = live_counts(request.user, federations)
    rows = [(federation, live[federation.pk]) for federation in federations]
    return render(request, "runs/_dashboard_live.html", {"rows": rows})
