"""The run page's metrics: the log parser (pinned against a real run in tests/flower), charts and downloads."""

import pytest
from django.urls import reverse

from runs import charts, metrics

from ..support import load_deferred

# What flwr 1.42's FedAvg writes to a run's log (the SuperLink strips the colours).
LOG = """INFO :      Starting FedAvg strategy:
INFO :      	├── Number of rounds: 2
INFO :      Initial global evaluation results: {'loss': 15.25, 'accuracy': 0.0}
INFO :
INFO :      [ROUND 1/2]
INFO :      configure_train: Sampled 3 nodes (out of 3)
INFO :      aggregate_train: Received 3 results and 0 failures
INFO :      	└──> Aggregated MetricRecord: {'train_loss': 2.5, 'num-examples': 192}
INFO :      configure_evaluate: Sampled 3 nodes (out of 3)
INFO :      aggregate_evaluate: Received 3 results and 0 failures
INFO :      	└──> Aggregated MetricRecord: {'eval_loss': 2.75, 'eval_accuracy': 0.25, 'num-examples': 192}
INFO :      Global evaluation
INFO :      	└──> MetricRecord: {'loss': 2.6, 'accuracy': 0.3}
INFO :
INFO :      [ROUND 2/2]
INFO :      configure_train: Sampled 3 nodes (out of 3)
INFO :      aggregate_train: Received 3 results and 0 failures
INFO :      	└──> Aggregated MetricRecord: {'train_loss': 0.5, 'num-examples': 192}
INFO :      configure_evaluate: Sampled 3 nodes (out of 3)
INFO :      aggregate_evaluate: Received 3 results and 0 failures
INFO :      	└──> Aggregated MetricRecord: {'eval_loss': nan, 'eval_accuracy': 0.75, 'per-node': [0.1, 0.2]}
INFO :      Global evaluation
INFO :      	└──> MetricRecord: {'loss': 0.55, 'accuracy': 0.8}
INFO :
INFO :      Strategy execution finished in 3.21s
INFO :
INFO :      Final results:
"""


def test_rounds_and_metrics_are_read_from_the_log():
    parsed = metrics.parse(LOG)
    assert (parsed.current_round, parsed.total_rounds, parsed.finished, parsed.progress_percent) == (2, 2, True, 100)
    assert parsed.rounds["train"] == {
        1: {"train_loss": 2.5, "num-examples": 192},
        2: {"train_loss": 0.5, "num-examples": 192},
    }
    assert parsed.rounds["server"][0] == {"loss": 15.25, "accuracy": 0.0}
    assert parsed.rounds["evaluate"][2]["eval_accuracy"] == 0.75
    series = {s.key: s.points for s in parsed.series()}
    assert series["evaluate.eval_loss"] == ((1, 2.75),)  # nan is no point on a chart
    assert "evaluate.per-node" not in series  # lists stay in the downloads, not on charts
    assert series["server.loss"] == ((0, 15.25), (1, 2.6), (2, 0.55))


def test_a_run_in_progress_shows_its_round():
    parsed = metrics.parse(LOG.split("INFO :      [ROUND 2/2]")[0] + "INFO :      [ROUND 2/2]\n")
    assert (parsed.current_round, parsed.total_rounds, parsed.finished, parsed.progress_percent) == (2, 2, False, 100)
    assert 2 not in parsed.rounds["train"]


@pytest.mark.parametrize(
    "log",
    [
        "",
        "hello from an app without a standard strategy\n",
        "└──> Aggregated MetricRecord: {'x': __import__('os')}\n",
        "└──> Aggregated MetricRecord: {" + "[" * 5000 + "}\n",
        "└──> Aggregated MetricRecord: [1, 2]\n",
    ],
)
def test_logs_without_metrics_or_with_garbage_report_none(log):
    parsed = metrics.parse(log)
    assert not parsed.reported
    assert parsed.series() == []


def test_downloads_have_every_value():
    parsed = metrics.parse(LOG)
    csv = parsed.as_csv().splitlines()
    assert csv[0] == "round,kind,metric,value"
    assert '2,evaluate,per-node,"[0.1, 0.2]"' in csv
    assert '"eval_loss": NaN' in parsed.as_json()


def test_charts_are_svg_geometry_with_their_numbers():
    chart = charts.line_chart("loss", [("loss", [(0, 15.25), (1, 2.6), (2, 0.55)]), ("other", [(1, 1.0)])])
    (first, second) = chart.lines
    assert len(first.dots) == 3
    assert first.points.split()[0].startswith(f"{chart.left}.0,")  # round 0 at the left edge
    assert chart.rows == ((0, ("15.25", "")), (1, ("2.6", "1")), (2, ("0.55", "")))
    assert "loss: 15.25 at round 0 to 0.55 at round 2" in chart.description
    flat = charts.line_chart("flat", [("flat", [(1, 3.0), (2, 3.0)])])
    assert flat.lines[0].dots[0][1] == flat.lines[0].dots[1][1]


def test_run_downloads_need_membership(client, federation, outsider, member):
    url = reverse("runs:download", kwargs={**federation.url_kwargs(), "run_id": 5, "what": "metrics.csv"})
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 503  # no SuperLink here: said plainly
    assert "SuperLink unreachable" in response.content.decode()
    bad = reverse("runs:download", kwargs={**federation.url_kwargs(), "run_id": 5, "what": "passwd"})
    assert client.get(bad).status_code == 404


def test_all_runs_needs_sign_in_and_says_when_the_superlink_is_down(client, federation, member):
    assert client.get(reverse("runs:all")).status_code == 302
    client.force_login(member)
    filters = {"federation": "@olivia/fedavg-lab", "status": "active", "mine": "1"}
    page = client.get(reverse("runs:all"), filters).content.decode()
    assert '<option value="@olivia/fedavg-lab" selected>' in page
    assert (
        "SuperLink unreachable" in load_deferred(client, reverse("runs:all"), "run-table", **filters).content.decode()
    )
    assert ">Runs</a>" in client.get(reverse("federations:dashboard")).content.decode()  # in the header


def test_the_runs_table_asks_the_superlink_with_the_filters_and_reads_no_federations(
    client, federation, member, monkeypatch, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from superlink import control_client

    asked = []
    monkeypatch.setattr(control_client, "member_runs", lambda user, **filters: asked.append(filters) or [])
    client.force_login(member)
    placeholder_and_table = load_deferred(client, reverse("runs:all"), "run-table", status="active")
    assert "No runs match these filters" in placeholder_and_table.text
    htmx = {"HX-Request": "true", "HX-Target": "run-table"}
    with CaptureQueriesContext(connection) as queries:
        table = client.get(reverse("runs:all"), {"status": "active"}, headers=htmx).content.decode()
    assert "No runs match these filters" in table
    assert asked[-1]["status"] == "active"
    assert asked[-1]["federation"] == ""
    assert not [q["sql"] for q in queries if "federations_federation" in q["sql"]]  # the filter's options are not on it
    # A chosen federation is one of the reader's, or the filter is dropped (as the page's select would show).
    load_deferred(client, reverse("runs:all"), "run-table", federation=federation.handle)
    assert asked[-1]["federation"] == federation.handle
    load_deferred(client, reverse("runs:all"), "run-table", federation="@someone/else")
    assert asked[-1]["federation"] == ""


def test_compare_needs_two_runs_and_membership(client, federation, member, outsider):
    url = reverse("runs:compare", kwargs=federation.url_kwargs())
    client.force_login(outsider)
    assert client.get(url, {"run": [1, 2]}).status_code == 404
    client.force_login(member)
    response = client.get(url, {"run": ["1"]}, follow=True)
    assert "Choose two or more runs to compare." in response.content.decode()
    assert "SuperLink unreachable" in client.get(url, {"run": ["1", "2"]}).content.decode()


def test_a_finished_run_emails_its_launcher_once(
    settings, federation, member, mailoutbox, django_capture_on_commit_callbacks
):
    from runs import services
    from runs.models import RunOutcome

    settings.PORTAL_URL = "https://grid.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.record_run_outcome(
            run_id=42, federation_id="@OLIVIA/fedavg-lab", launched_by_aid=member.flwr_aid, sub_status="completed"
        )
        again = services.record_run_outcome(
            run_id=42, federation_id="@olivia/fedavg-lab", launched_by_aid=member.flwr_aid, sub_status="completed"
        )
    assert outcome is not None
    assert again is None
    assert RunOutcome.objects.count() == 1
    (mail,) = mailoutbox
    assert mail.to == [member.email]
    assert mail.subject == "Run 42 in @olivia/fedavg-lab completed"
    assert "https://grid.example.org/@olivia/fedavg-lab/runs/42/" in mail.body


def test_launchers_can_turn_run_emails_off(client, federation, member, mailoutbox, django_capture_on_commit_callbacks):
    from runs import services

    client.force_login(member)
    page = client.get(reverse("profile")).content.decode()
    assert 'name="notify_run_finished" checked' in page  # on until turned off
    response = client.post(reverse("runs:emails"), {}, follow=True)
    assert "No more emails when your runs finish." in response.content.decode()
    assert 'name="notify_run_finished" checked' not in response.content.decode()
    assert services.wants_run_emails(member.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        services.record_run_outcome(
            run_id=7, federation_id="@olivia/fedavg-lab", launched_by_aid=member.flwr_aid, sub_status="failed"
        )
    assert mailoutbox == []
    assert client.get(reverse("runs:emails")).status_code == 405
    client.post(reverse("runs:emails"), {"notify_run_finished": "on"})
    assert services.wants_run_emails(member.pk) is True
