"""A run's page: status, metrics and logs, downloads, and Stop."""

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from federations.access import load_federation
from federations.extensions import extensions
from federations.rules import Action, Permissions, Target
from supergrid.web import confirm_page, render_page
from superlink import control_client

from .. import charts, metrics
from ..listing import RunRow
from ..models import RunArtifacts

DOWNLOADS = ("metrics.csv", "metrics.json", "log.txt")


def load_run(request: AuthenticatedHttpRequest, owner: str, name: str, run_id: int):
    """The run, for a member of its federation; raises SuperLinkUnavailable for the caller to explain."""
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    try:
        run = control_client.get_run(request.user, federation.handle, run_id)
    except control_client.ControlError:
        run = None
    if run is None or run.federation.lower() != federation.handle.lower():
        raise Http404("No such run in this federation.")
    return federation, can, run


def run_page_context(request: AuthenticatedHttpRequest, federation, can: Permissions, run) -> dict:
    names = dict(User.objects.filter(flwr_aid=run.flwr_aid).values_list("flwr_aid", "username"))
    row = RunRow.from_proto(run, names)
    return {
        "federation": federation,
        "membership": can.membership,
        "run": row,
        "proto": run,
        "config": sorted(control_client.run_config(run).items()),
        "can_stop": row.is_active and can.may(Action.STOP_RUN, Target(flwr_aid=run.flwr_aid)),
        "artifacts": RunArtifacts.objects.filter(
            outcome__run_id=str(run.run_id), outcome__federation=federation
        ).first(),
        "artifacts_folder": f"$SUPERGRID_ARTIFACTS_DIR/{run.run_id}",
        "notes": [note for add_notes in extensions.run_notes for note in add_notes(federation, run)],
        "nav_section": "federations",
    }


@login_required
@require_GET
def run_detail(request: AuthenticatedHttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    try:
        federation, can, run = load_run(request, owner, name, run_id)
    except control_client.SuperLinkUnavailable as error:
        federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
        context: dict[str, Any] = {
            "federation": federation,
            "superlink_error": error.message,
            "nav_section": "federations",
        }
        return render(request, "runs/run.html", context)
    context = run_page_context(request, federation, can, run)
    try:
        context["logs"], context["logs_after"] = control_client.run_logs(request.user, run_id)
    except control_client.SuperLinkTrouble as error:
        context["logs_error"] = error.message
    else:
        context |= metrics_context(metrics.parse(context["logs"]))
        if context["metrics"].current_round and context["run"].status in ("pending", "starting"):
            # The log is ahead of the SuperLink's status right after launch: show what the log shows.
            context["run"] = replace(context["run"], status="running", sub_status="")
    return render_page(request, "runs/run.html", context)


def metrics_context(parsed: metrics.RunMetrics) -> dict:
    """Progress, and one chart per metric (with its numbers) for the run page."""
    return {
        "metrics": parsed,
        "charts": [
            charts.line_chart(series.label, [(series.label, list(series.points))]) for series in parsed.series()
        ],
    }


def download(content: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def run_download(request: AuthenticatedHttpRequest, owner: str, name: str, run_id: int, what: str) -> HttpResponse:
    """metrics.csv, metrics.json or log.txt of a run, for members of its federation."""
    if what not in DOWNLOADS:
        raise Http404("No such download.")
    try:
        load_run(request, owner, name, run_id)
        logs, _ = control_client.run_logs(request.user, run_id)
    except control_client.SuperLinkTrouble as error:
        return HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")
    if what == "log.txt":
        return download(logs, f"run-{run_id}.log", "text/plain")
    parsed = metrics.parse(logs)
    if what == "metrics.csv":
        return download(parsed.as_csv(), f"run-{run_id}-metrics.csv", "text/csv")
    return download(parsed.as_json(), f"run-{run_id}-metrics.json", "application/json")


@login_required
@require_GET
def run_logs(request: AuthenticatedHttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    """New log lines since ?after=<timestamp>, appended in place while the run is active."""
    try:
        after = float(request.GET.get("after", "0"))
    except ValueError:
        after = 0.0
    try:
        federation, can, run = load_run(request, owner, name, run_id)
        logs, latest = control_client.run_logs(request.user, run_id, after)
    except control_client.SuperLinkUnavailable:
        # Stop following; the page says so in the log itself.
        unreachable = _("SuperLink unreachable: reload the page to follow the logs again")
        return HttpResponse(f"\n[{unreachable}]\n")
    except control_client.ControlError as error:
        refused = _("The SuperLink refused to send more logs: %(error)s") % {"error": error.message}
        return HttpResponse(f"\n[{refused}]\n")
    context = {"logs": logs, "logs_after": latest, "run": RunRow.from_proto(run, {}), "federation": federation}
    return render(request, "runs/run.html#log-chunk", context)


@login_required
@require_http_methods(["GET", "POST"])
def stop_run(request: AuthenticatedHttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    try:
        federation, can, run = load_run(request, owner, name, run_id)
    except control_client.SuperLinkUnavailable as error:
        messages.error(request, error.message)
        return redirect("runs:run", owner=owner, name=name, run_id=run_id)
    can.check(Action.STOP_RUN, Target(flwr_aid=run.flwr_aid))
    if request.method == "POST":
        try:
            control_client.stop_run(request.user, run_id)
        except control_client.SuperLinkTrouble as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Stopping run %(run_id)s.") % {"run_id": run_id})
        return redirect("runs:run", run_id=run_id, **federation.url_kwargs())
    title = _("Stop run %(run_id)s") % {"run_id": run_id}
    return confirm_page(
        request, "runs/_stop_form.html", title, federation=federation, run=run, nav_section="federations"
    )
