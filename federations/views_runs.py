"""Runs of a federation: the Runs tab, launching, the run page, logs and Stop; live counts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from flwr.common.serde import user_config_from_proto

from accounts.models import User
from flower_bridge import control_client
from flower_bridge.runs import RunRow, federation_runs

from . import services
from .access import load_federation
from .forms import LaunchForm
from .models import Federation, Membership
from .rendering import render_tab, wants_partial


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


def load_run(request, owner: str, name: str, run_id: int):
    """The run, for a member of its federation; raises SuperLinkUnavailable for the caller to explain."""
    federation, membership = load_federation(request.user, owner, name)
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
    try:
        after = float(request.GET.get("after", "0"))
    except ValueError:
        after = 0.0
    try:
        federation, membership, run = load_run(request, owner, name, run_id)
        logs, latest = control_client.run_logs(request.user, run_id, after)
    except (control_client.SuperLinkUnavailable, control_client.ControlError):
        # Stop following; the page says so in the log itself.
        return HttpResponse("\n[SuperLink unreachable: reload the page to follow the logs again]\n")
    context = {"logs": logs, "logs_after": latest, "run": RunRow.from_proto(run, {}), "federation": federation}
    return render(request, "federations/run.html#log-chunk", context)


@login_required
@require_http_methods(["GET", "POST"])
def stop_run(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    try:
        federation, membership, run = load_run(request, owner, name, run_id)
    except control_client.SuperLinkUnavailable as error:
        messages.error(request, error.message)
        return redirect("federations:run", owner=owner, name=name, run_id=run_id)
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
