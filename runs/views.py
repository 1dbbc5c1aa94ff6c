"""Runs of a federation: the Runs tab, launching, the run page, logs and Stop; live counts."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from federations.access import load_federation
from federations.models import Federation
from federations.rules import Action, NotAllowed, Permissions, Target
from federations.views.tabs import render_tab
from supergrid.web import confirm_page, render_page
from superlink import control_client

from . import charts, metrics
from .forms import LaunchForm
from .listing import RunRow, federation_runs
from .uploads import TOO_LARGE, limit_uploads

DOWNLOADS = ("metrics.csv", "metrics.json", "log.txt")
EXAMPLE_APP = settings.BASE_DIR / "examples" / "quickstart-numpy"


def runs_context(request, federation: Federation, can: Permissions, launch_form=None) -> dict:
    return {
        "runs": federation_runs(request.user, federation),
        "launch_form": (launch_form or LaunchForm()) if can.may(Action.LAUNCH_RUN) else None,
    }


@login_required
@require_GET
def runs(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    return render_tab(request, federation, can, "runs", runs_context(request, federation, can))


@csrf_exempt  # checked below, once the upload limit is in place (Django reads the body for the token)
@login_required
@require_POST
def launch_run(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    uploads = limit_uploads(request)
    return launch_checked(request, owner, name, uploads)


@csrf_protect
def launch_checked(request: HttpRequest, owner: str, name: str, uploads) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.LAUNCH_RUN)
    form = LaunchForm(request.POST, request.FILES, upload_error=TOO_LARGE if uploads.too_large else "")
    if form.is_valid():
        try:
            run_id = control_client.start_run(
                request.user, federation.handle, form.cleaned_data["fab_content"], form.cleaned_data["override_config"]
            )
        except control_client.SuperLinkTrouble as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Launched run {run_id}.")
            return redirect("runs:run", run_id=run_id, **federation.url_kwargs())
    context = runs_context(request, federation, can, launch_form=form)
    return render_tab(request, federation, can, "runs", context, status=400)


def load_run(request, owner: str, name: str, run_id: int):
    """The run, for a member of its federation; raises SuperLinkUnavailable for the caller to explain."""
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    try:
        run = control_client.get_run(request.user, federation.handle, run_id)
    except control_client.ControlError:
        run = None
    if run is None or run.federation.lower() != federation.handle.lower():
        raise Http404("No such run in this federation.")
    return federation, can, run


def run_page_context(request, federation, can: Permissions, run) -> dict:
    names = dict(User.objects.filter(flwr_aid=run.flwr_aid).values_list("flwr_aid", "username"))
    row = RunRow.from_proto(run, names)
    return {
        "federation": federation,
        "membership": can.membership,
        "run": row,
        "proto": run,
        "config": sorted(control_client.run_config(run).items()),
        "can_stop": row.is_active and can.may(Action.STOP_RUN, Target(flwr_aid=run.flwr_aid)),
        "nav_section": "federations",
    }


@login_required
@require_GET
def run_detail(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    try:
        federation, can, run = load_run(request, owner, name, run_id)
    except control_client.SuperLinkUnavailable as error:
        federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
        context = {"federation": federation, "superlink_error": error.message, "nav_section": "federations"}
        return render(request, "runs/run.html", context)
    context = run_page_context(request, federation, can, run)
    try:
        context["logs"], context["logs_after"] = control_client.run_logs(request.user, run_id)
    except control_client.SuperLinkTrouble as error:
        context["logs_error"] = error.message
    else:
        context |= metrics_context(metrics.parse(context["logs"]))
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
def run_download(request: HttpRequest, owner: str, name: str, run_id: int, what: str) -> HttpResponse:
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
def run_logs(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
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
        return HttpResponse("\n[SuperLink unreachable: reload the page to follow the logs again]\n")
    except control_client.ControlError as error:
        return HttpResponse(f"\n[The SuperLink refused to send more logs: {error.message}]\n")
    context = {"logs": logs, "logs_after": latest, "run": RunRow.from_proto(run, {}), "federation": federation}
    return render(request, "runs/run.html#log-chunk", context)


@login_required
@require_http_methods(["GET", "POST"])
def stop_run(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse:
    try:
        federation, can, run = load_run(request, owner, name, run_id)
    except control_client.SuperLinkUnavailable as error:
        messages.error(request, error.message)
        return redirect("runs:run", owner=owner, name=name, run_id=run_id)
    try:
        can.check(Action.STOP_RUN, Target(flwr_aid=run.flwr_aid))
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    if request.method == "POST":
        try:
            control_client.stop_run(request.user, run_id)
        except control_client.SuperLinkTrouble as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Stopping run {run_id}.")
        return redirect("runs:run", run_id=run_id, **federation.url_kwargs())
    return confirm_page(
        request, "runs/_stop_form.html", f"Stop run {run_id}", federation=federation, run=run, nav_section="federations"
    )


def live_counts(user, federation: Federation) -> dict:
    """SuperNodes online and runs active, from one Control API call; the page renders without it."""
    try:
        details = control_client.show_federation(user, federation.handle)
    except control_client.SuperLinkTrouble as error:
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
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    return render(
        request, "runs/_live_counts.html", {"federation": federation, "live": live_counts(request.user, federation)}
    )


@login_required
@require_GET
def example_fab(request: HttpRequest) -> HttpResponse:
    """The project's example app as a FAB, built by Flower's own builder, ready to upload."""
    response = HttpResponse(control_client.build_fab(EXAMPLE_APP), content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="quickstart-numpy.fab"'
    return response
