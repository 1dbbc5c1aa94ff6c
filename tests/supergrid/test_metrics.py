"""/metrics: Prometheus's text format, for a scraper with the token or from an allowed address only."""

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from federations import services

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def scrape(client, **headers):
    return client.get(reverse("metrics"), headers=headers)


def test_never_public(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert scrape(client).status_code == 404
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    assert scrape(client).status_code == 404
    assert scrape(client, Authorization="Bearer wrong").status_code == 404
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    assert scrape(client).status_code == 404  # signing in is not enough
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["127.0.0.1"]
    assert scrape(client).status_code == 200  # the test client's address


def test_counts_and_request_latencies_by_view(client, settings, owner, member):
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    FederationFactory(owner=owner, name="old", kind="deployment", archived=True)
    UserFactory(username="ivy")
    services.invite(federation=federation, inviter=owner, username="ivy")
    client.force_login(member)
    client.get(reverse("federations:overview", kwargs=federation.url_kwargs()))
    client.logout()
    response = scrape(client, Authorization="Bearer s3cret-scraper-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }
    assert samples[("supergrid_accounts", ())] == 3  # olivia, max and ivy
    assert samples[("supergrid_federations", (("kind", "simulation"), ("state", "active")))] == 4  # 3 workspaces
    assert samples[("supergrid_federations", (("kind", "deployment"), ("state", "archived")))] == 1
    assert samples[("supergrid_pending_invitations", ())] == 1
    overview = ("supergrid_request_duration_seconds_count", (("method", "GET"), ("view", "federations:overview")))
    assert samples[overview] >= 1
    assert not any(dict(labels).get("view") == "metrics" for _, labels in samples)


def test_the_grafana_dashboard_plots_only_series_the_portal_and_the_superlink_export(client, settings):
    import json
    import re
    from pathlib import Path

    from prometheus_client import CollectorRegistry, generate_latest

    from superlink import metrics as superlink_metrics

    settings.METRICS_TOKEN = "s3cret-scraper-token"
    client.get(reverse("healthz"))
    scraped = scrape(client, Authorization="Bearer s3cret-scraper-token").content.decode()
    # What the SuperLink's own endpoint serves: its registry, and its runs and SuperNodes (any counts).
    superlink_metrics.CONTROL_SECONDS.labels(method="start_run", outcome="ok").observe(0.1)
    superlink_metrics.MANAGER_CALLS.labels(method="can_execute", outcome="ok").inc()
    superlink_metrics.MESSAGES.labels(api="fleet", direction="pulled").inc()
    superlink_metrics.SQL_STATEMENTS.labels(api="other").inc()
    state = CollectorRegistry()
    counts = superlink_metrics.Counts(runs={("running", "simulation"): 1}, nodes={"online": 1})
    state.register(superlink_metrics.StateCounts(lambda: counts))
    scraped += generate_latest(superlink_metrics.REGISTRY).decode() + generate_latest(state).decode()
    families = list(text_string_to_metric_families(scraped))
    exported = {family.name for family in families} | {sample.name for family in families for sample in family.samples}
    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "deploy/grafana/supergrid-dashboard.json").read_text()
    )
    plotted = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"supergrid_[a-z_]+", target["expr"])
    }
    assert plotted
    assert plotted <= exported, plotted - exported


def samples_of(client) -> dict:
    response = scrape(client, Authorization="Bearer s3cret-scraper-token")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_sign_ins_and_refused_sign_ins_are_counted(client, settings, owner, password):
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    ok, refused = (
        ("supergrid_sign_ins_total", (("result", "ok"),)),
        ("supergrid_sign_ins_total", (("result", "refused"),)),
    )
    before = samples_of(client)
    client.post(reverse("account_login"), {"login": owner.username, "password": "wrong"})
    client.post(reverse("account_login"), {"login": owner.username, "password": password})
    after = samples_of(client)
    assert after[ok] - before[ok] == 1
    assert after[refused] - before[refused] == 1


def test_emails_sent_failed_and_queued_are_counted(
    client, settings, owner, member, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from federations import notifications

    settings.METRICS_TOKEN = "s3cret-scraper-token"
    sent, failed = (
        ("supergrid_emails_total", (("status", "sent"),)),
        ("supergrid_emails_total", (("status", "failed"),)),
    )
    federation = FederationFactory(owner=owner, name="lab")
    before = samples_of(client)
    with django_capture_on_commit_callbacks(execute=True):  # development's queue: sent once it commits
        services.invite(federation=federation, inviter=owner, username=member.username)
    assert len(mailoutbox) == 1

    def refuse(*args, **kwargs):
        raise OSError("the mail server is down")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    UserFactory(username="ivy")
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(federation=federation, inviter=owner, username="ivy")
    after = samples_of(client)
    assert after[sent] - before[sent] == 1
    assert after[failed] - before[failed] == 1
    assert after[("supergrid_emails_queued", ())] == 0  # development's queue keeps nothing waiting


def test_superlink_reachability(client, settings):
    import socket

    from supergrid import metrics

    settings.METRICS_TOKEN = "s3cret-scraper-token"
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        settings.SUPERLINK_ADDRESS = f"127.0.0.1:{listening.getsockname()[1]}"
        metrics._superlink_checked[:] = [float("-inf"), 0.0]
        assert samples_of(client)[("supergrid_superlink_up", ())] == 1
        metrics._superlink_checked[:] = [float("-inf"), 0.0]
    assert samples_of(client)[("supergrid_superlink_up", ())] == 0  # closed: down at the next check
    assert samples_of(client)[("supergrid_superlink_up", ())] == 0  # and remembered for 15 s


def test_runs_finished_by_outcome(client, settings, owner):
    from runs.services import record_run_outcome

    settings.METRICS_TOKEN = "s3cret-scraper-token"
    federation = FederationFactory(owner=owner, name="lab")
    before = samples_of(client)
    for run_id, status in [(1, "completed"), (2, "completed"), (3, "failed"), (2, "completed")]:  # 2 told twice
        record_run_outcome(
            run_id=run_id, federation_id=federation.handle, launched_by_aid=owner.flwr_aid, sub_status=status
        )
    after = samples_of(client)
    moved = {
        outcome: after[("supergrid_runs_finished_total", (("outcome", outcome),))]
        - before[("supergrid_runs_finished_total", (("outcome", outcome),))]
        for outcome in ("completed", "failed", "stopped")
    }
    assert moved == {"completed": 2, "failed": 1, "stopped": 0}
