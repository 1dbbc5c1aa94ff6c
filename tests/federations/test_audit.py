"""The activity log as an audit export: members download their federation's, operators every federation's
for a date range; every row says where the change came from (web, cli, admin, system)."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from flwr.proto.federation_config_pb2 import SimulationConfig

from federations import services
from federations.models import Activity
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def export(client, federation, fmt):
    url = reverse(f"federations:activity_{fmt}", kwargs=federation.url_kwargs())
    response = client.get(url)
    return response, b"".join(response.streaming_content).decode() if response.status_code == 200 else ""


def test_every_change_says_where_it_came_from(client, federation, owner, member):
    client.force_login(owner)
    client.post(
        reverse("federations:invite", kwargs=federation.url_kwargs()),
        {"username": UserFactory(username="ivy").username},
    )
    PortalFederationManager(directory=NodeDirectory(interval=60)).set_simulation_config(
        owner.flwr_aid, federation.handle, SimulationConfig(num_supernodes=7)
    )
    services.update_settings(federation=federation, actor=owner, description="changed by a command")
    operator = UserFactory(username="op", is_staff=True, is_superuser=True)
    services.archive_federation(federation=federation, actor=owner)
    client.force_login(operator)
    client.post(
        reverse("admin:federations_federation_changelist"), {"action": "unarchive", "_selected_action": [federation.pk]}
    )
    sources = dict(Activity.objects.filter(federation=federation).values_list("verb", "source"))
    assert sources["invited"] == "web"
    assert sources["simulation_config_changed"] == "cli"
    assert sources["description_changed"] == "system"
    assert sources["unarchived"] == "admin"


def test_members_download_the_log_as_csv_and_json_lines(client, federation, owner, member, outsider):
    services.update_settings(federation=federation, actor=owner, description="x")
    Activity.objects.create(federation=federation, actor=member, verb="invited", target="=HYPERLINK(1)")
    client.force_login(member)
    response, body = export(client, federation, "csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="activity-olivia-fedavg-lab.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["action"] for row in rows] == ["created", "description_changed", "invited"]  # oldest first
    assert rows[0]["federation"] == "@olivia/fedavg-lab"
    assert rows[0]["actor"] == "olivia"
    assert rows[0]["event"] == "created the federation"
    assert datetime.fromisoformat(rows[0]["time"]).tzinfo == UTC
    assert rows[0]["time"].endswith("Z")
    assert rows[2]["target"] == "'=HYPERLINK(1)"  # never run as a formula by a spreadsheet
    response, body = export(client, federation, "jsonl")
    lines = [json.loads(line) for line in body.splitlines()]
    assert [line["action"] for line in lines] == ["created", "description_changed", "invited"]
    assert lines[2]["target"] == "=HYPERLINK(1)"
    assert set(lines[0]) == {"time", "federation", "actor", "action", "target", "source", "event"}
    client.force_login(outsider)
    assert export(client, federation, "csv")[0].status_code == 404
    client.logout()
    assert export(client, federation, "jsonl")[0].status_code == 302


def test_operators_export_every_federation_for_a_date_range(client, owner):
    first = FederationFactory(owner=owner, name="first")
    second = FederationFactory(owner=owner, name="second")
    Activity.objects.filter(federation=first).update(created_at=datetime(2026, 11, 1, 23, 59, tzinfo=UTC))
    Activity.objects.filter(federation=second).update(created_at=datetime(2026, 11, 3, tzinfo=UTC))
    url = reverse("admin:federations_activity_export")
    client.force_login(UserFactory(username="member-only"))
    assert client.get(url).status_code == 302  # to the admin's sign-in
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    assert "Export a date range" in client.get(reverse("admin:federations_activity_changelist")).content.decode()
    refused = client.get(url, {"since": "2026-11-03", "until": "2026-11-01", "format": "csv"})
    assert "The first day comes after the last." in refused.content.decode()
    response = client.get(url, {"since": "2026-11-01", "until": "2026-11-02", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["federation"] for row in rows} == {"@olivia/first"}
    assert 'filename="activity-2026-11-01-to-2026-11-02.csv"' in response["Content-Disposition"]
