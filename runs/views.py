"""Runs of a federation: the Runs tab, launching, the run page, logs and Stop; live counts."""

from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from federations.access import load_federation
from federations.models import Federation, Membership, split_handle
from federations.rules import Action, Permissions, Target
from federations.views.tabs import render_tab
from supergrid.middleware import limits_own_body
from supergrid.web import confirm_page, deferred, render_page
from superlink import control_client

from . import charts, metrics
from .forms import LaunchForm
from .listing import RunRow, federation_runs
from .uploads import TOO_LARGE, limit_uploads

DOWNLOADS = ("metrics.csv", "metrics.json", "log.txt")
EXAMPLE_APP = settings.BASE_DIR / "examples" / "quickstart-numpy"
LIVE_ROWS_LIMIT = control_client.STATUS_FEDERATIONS_LIMIT


def runs_context(request, federation: Federation, can: Permissions, launch_form=None) -> dict:
    """The Runs tab; its list of runs (from the SuperLink) loads after the page (``deferred``)."""
    later = deferred(request, "run-list")
    return {
        "runs": None if later else federation_runs(request.user, federation),
        "deferred": later,
        "launch_form": (launch_form or LaunchForm()) if can.may(Action.LAUNCH_RUN) else None,
    }


@login_required
@require_GET
def runs(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    return render_tab(request, federation, can, "runs", runs_context(request, federation, can))


@limits_own_body  # over the global body cap too: FabSizeLimit stops the upload and the form says why
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
    can.check(Action.STOP_RUN, Target(flwr_aid=run.flwr_aid))
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


MAX_COMPARED = 8
ALL_RUNS_PAGE_SIZE = 25


@login_required
@require_GET
def all_runs(request: HttpRequest) -> HttpResponse:
    """Every run in every federation the user belongs to: one query for the filters, one SuperLink call."""
    federations = list(
        Federation.objects.filter(memberships__user=request.user)
        .select_related("owner")
        .order_by("owner__username", "name")
    )
    handles = {federation.handle for federation in federations}
    chosen = request.GET.get("federation", "")
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") == "1"
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    context = {
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
        rows = [(RunRow.from_proto(run, {}), split_handle(run.federation)) for run in found[:ALL_RUNS_PAGE_SIZE]]
        context |= {"rows": rows, "has_next": len(found) > ALL_RUNS_PAGE_SIZE}
    return render_page(request, "runs/all_runs.html", context)


@login_required
@require_GET
def compare(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    """Two or more runs of a federation: one metric overlaid on one chart, their configs side by side."""
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    context = {"federation": federation, "membership": can.membership, "nav_section": "federations"}
    try:
        wanted = list(dict.fromkeys(int(value) for value in request.GET.getlist("run")))[:MAX_COMPARED]
    except ValueError:
        wanted = []
    if len(wanted) < 2:
        messages.info(request, "Choose two or more runs to compare.")
        return redirect("runs:runs", **federation.url_kwargs())
    try:
        comparison = compare_runs(request.user, federation, wanted, request.GET.get("metric", ""))
    except control_client.SuperLinkTrouble as error:
        context["superlink_error"] = error.message
    else:
        context |= comparison
    return render(request, "runs/compare.html", context)


def compare_runs(user, federation: Federation, run_ids: list[int], metric: str) -> dict:
    by_id = {run.run_id: run for run in control_client.show_federation(user, federation.handle).runs}
    runs = [by_id[run_id] for run_id in run_ids if run_id in by_id]
    if len(runs) < 2:
        raise Http404("Those runs are not in this federation.")
    names = dict(User.objects.filter(flwr_aid__in={r.flwr_aid for r in runs}).values_list("flwr_aid", "username"))
    series_by_run = {
        run.run_id: {s.key: s for s in metrics.parse(control_client.run_logs(user, run.run_id)[0]).series()}
        for run in runs
    }
    choices: dict[str, str] = {}
    for series in series_by_run.values():
        choices |= {key: s.label for key, s in series.items()}
    ordered = sorted(choices.items(), key=lambda item: item[1])
    chosen = metric if metric in choices else (ordered[0][0] if ordered else "")
    lines = [
        (f"Run {run.run_id}", list(series_by_run[run.run_id][chosen].points))
        for run in runs
        if chosen in series_by_run[run.run_id]
    ]
    configs = {run.run_id: control_client.run_config(run) for run in runs}
    keys = sorted({key for config in configs.values() for key in config})
    config_rows = []
    for key in keys:
        values = [configs[run.run_id].get(key, "—") for run in runs]
        config_rows.append((key, values, len({repr(v) for v in values}) > 1))
    return {
        "runs": [RunRow.from_proto(run, names) for run in runs],
        "choices": ordered,
        "chosen": chosen,
        "chart": charts.line_chart(choices.get(chosen, ""), lines) if lines else None,
        "config_rows": config_rows,
    }


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
        else {"error": "Not known to the SuperLink."}
        for federation in federations
    }


@login_required
@require_GET
def live(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    """The Overview's SuperNodes and Runs lines, loaded after the page (they ask the SuperLink)."""
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    context = {"federation": federation, "live": live_counts(request.user, [federation])[federation.pk]}
    return render(request, "runs/_overview_live.html", context)


@login_required
@require_GET
def dashboard_live(request: HttpRequest) -> HttpResponse:
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


@login_required
@require_GET
def example_fab(request: HttpRequest) -> HttpResponse:
    """The project's example app as a FAB, built by Flower's own builder, ready to upload."""
    response = HttpResponse(control_client.build_fab(EXAMPLE_APP), content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="quickstart-numpy.fab"'
    return response
