"""Comparing selected runs of a federation, metric by metric."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from federations.access import load_federation
from federations.models import Federation
from federations.rules import Action
from superlink import control_client

from .. import charts, metrics
from ..listing import RunRow

MAX_COMPARED = 8


@login_required
@require_GET
def compare(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    """Two or more runs of a federation: one metric overlaid on one chart, their configs side by side."""
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    context = {"federation": federation, "membership": can.membership, "nav_section": "federations"}
    try:
        wanted = list(dict.fromkeys(int(value) for value in request.GET.getlist("run")))[:MAX_COMPARED]
    except ValueError:
        wanted = []
    if len(wanted) < 2:
        messages.info(request, _("Choose two or more runs to compare."))
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
        (_("Run %(run_id)s") % {"run_id": run.run_id}, list(series_by_run[run.run_id][chosen].points))
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
