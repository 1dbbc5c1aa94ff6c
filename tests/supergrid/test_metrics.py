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


def test_the_grafana_dashboard_plots_only_series_the_portal_exports(client, settings):
    import json
    import re
    from pathlib import Path

    settings.METRICS_TOKEN = "s3cret-scraper-token"
    client.get(reverse("healthz"))
    scraped = scrape(client, Authorization="Bearer s3cret-scraper-token").content.decode()
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
