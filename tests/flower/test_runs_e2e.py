"""Runs end to end with real processes: the portal, its SuperLink, stock SuperNodes and the flwr CLI."""

import json
import re
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from federations import services as federation_services
from runs import metrics
from runs.models import RunOutcome
from superlink import control_client
from supernodes.models import FederationNode

from ..factories import FederationFactory, UserFactory
from ..i18n.prose import english_left
from ..support import load_deferred

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]


def make_key(directory: Path, name: str) -> tuple[Path, str]:
    """A SuperNode key pair as ssh-keygen would write it; returns the private key path and the .pub text."""
    key = ec.generate_private_key(ec.SECP384R1())
    private = directory / name
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    )
    private.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, public.decode()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def launch(client, federation, fab: bytes, overrides: str = "") -> int:
    url = reverse("runs:launch_run", kwargs=federation.url_kwargs())
    response = client.post(url, {"fab": SimpleUploadedFile("app.fab", fab), "overrides": overrides})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return int(re.search(r"/runs/(\d+)/$", response["Location"]).group(1))


def wait_for_run(user, federation, run_id: int, statuses: set[str], timeout: float = 180):
    deadline = time.monotonic() + timeout
    run = None
    while time.monotonic() < deadline:
        run = control_client.get_run(user, federation.handle, run_id)
        if run is not None and f"{run.status.status}:{run.status.sub_status}".rstrip(":") in statuses:
            return run
        time.sleep(1)
    raise AssertionError(f"run {run_id} ended as {run and run.status} instead of {statuses}")


def wait_online(user, node_ids: set[int], logs: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        online = {n.node_id for n in control_client.list_nodes(user) if n.status == "online"}
        if node_ids <= online:
            return
        time.sleep(0.5)
    raise AssertionError("SuperNodes did not come online:\n" + "\n".join(p.read_text()[-2000:] for p in logs))


def test_simulation_federation_runs_the_example_app_to_completion(portal, quickstart_fab):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    federation = FederationFactory(owner=alice, name="sim", num_supernodes=3, members=[bob])
    run_id = launch(signed_in(alice), federation, quickstart_fab, "num-server-rounds=2")

    run = wait_for_run(alice, federation, run_id, {"finished:completed", "finished:failed"})
    assert f"{run.status.status}:{run.status.sub_status}" == "finished:completed", run.status.details
    page = signed_in(alice).get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": run_id}))
    body = page.content.decode()
    assert "finished:completed" in body
    assert "Final model" in body
    assert "(3 simulated SuperNodes)" in body
    runs_tab = (
        signed_in(bob).get(reverse("runs:runs", kwargs=federation.url_kwargs()), {"show": "all"}).content.decode()
    )
    assert str(run_id) in runs_tab
    assert 'hx-trigger="every 3s"' not in runs_tab  # nothing active: the list stops polling
    overview_lines = signed_in(bob).get(reverse("runs:live", kwargs=federation.url_kwargs())).content.decode()
    assert "0 active, 1 in all" in overview_lines

    # Contract with flwr 1.42's log lines: what the parser reads equals what the strategy returned,
    # which the example app prints exactly as its last line.
    logs, _ = control_client.run_logs(alice, run_id)
    recorded = json.loads(re.search(r"SuperGrid result: (\{.*\})", logs).group(1))
    parsed = metrics.parse(logs)
    for kind in ("train", "evaluate", "server"):
        assert parsed.rounds[kind] == {int(n): values for n, values in recorded[kind].items()}, kind
    assert set(recorded["train"]) == {"1", "2"}
    assert set(recorded["server"]) == {"0", "1", "2"}
    assert (parsed.current_round, parsed.total_rounds, parsed.finished) == (2, 2, True)
    assert "Round 2 of 2, done" in body
    assert body.count("<svg") >= 5  # train_loss, eval_loss, eval_accuracy, server loss and accuracy
    assert 'aria-labelledby="chart-1-title' in body

    # A second run with other settings: compared with the first, and both on /runs/.
    second = launch(signed_in(bob), federation, quickstart_fab, "num-server-rounds=1\nlearning-rate=0.05")
    wait_for_run(alice, federation, second, {"finished:completed", "finished:failed"})
    compare = reverse("runs:compare", kwargs=federation.url_kwargs())
    page = signed_in(alice).get(compare, {"run": [run_id, second], "metric": "server.loss"}).content.decode()
    assert f"<title>Run {run_id}, round 2:" in page
    assert f"<title>Run {second}, round 1:" in page
    assert re.search(r'class="compare-differs"><th scope="row" class="mono">learning-rate', page)
    assert re.search(r'class="compare-differs"><th scope="row" class="mono">num-server-rounds', page)
    carol, as_bob = UserFactory(username="carol"), signed_in(bob)
    with CaptureQueriesContext(connection) as queries:
        everything = as_bob.get(reverse("runs:all"), {"show": "all"}).content.decode()
    assert everything.index(f">{second}</a>") < everything.index(f">{run_id}</a>")  # newest first
    assert len(queries) <= 5, [q["sql"] for q in queries]  # session, user, federations, header count
    mine = signed_in(bob).get(reverse("runs:all"), {"mine": "1", "show": "all"}).content.decode()
    assert f">{second}</a>" in mine
    assert f">{run_id}</a>" not in mine
    assert "No runs yet" in signed_in(carol).get(reverse("runs:all"), {"show": "all"}).content.decode()

    # The same pages for a Korean reader, with what the SuperLink said about real runs: nothing left in
    # English outside Flower's terms, names, code and the names of the app's metrics.
    bob.language = "ko"
    bob.save()
    run_url = reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": run_id})
    for url, query in [
        (run_url, {}),
        (reverse("runs:runs", kwargs=federation.url_kwargs()), {"show": "all"}),
        (compare, {"run": [run_id, second], "metric": "server.loss"}),
        (reverse("runs:all"), {"show": "all"}),
        (reverse("federations:overview", kwargs=federation.url_kwargs()), {}),
    ]:
        korean = as_bob.get(url, query).content.decode()
        assert '<html lang="ko"' in korean
        assert english_left(korean, {"alice", "bob", "sim", "loss", "accuracy"}) == [], url  # the app's metrics

    # The SuperLink recorded how both runs ended and emailed their launchers (the console in development).
    outcomes = dict(RunOutcome.objects.values_list("run_id", "sub_status"))
    assert outcomes == {str(run_id): "completed", str(second): "completed"}
    assert f"Subject: Run {second} in @alice/sim completed" in portal.log()


def test_stop_ends_a_running_run_as_stopped(portal, quickstart_fab):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    federation = FederationFactory(owner=alice, name="long", num_supernodes=2, members=[bob])
    client = signed_in(alice)
    run_id = launch(client, federation, quickstart_fab, "num-server-rounds=500")
    wait_for_run(alice, federation, run_id, {"running"}, timeout=120)
    runs_tab = client.get(reverse("runs:runs", kwargs=federation.url_kwargs()), {"show": "all"}).content.decode()
    assert 'hx-trigger="every 3s"' in runs_tab  # an active run keeps the list fresh

    stop_url = reverse("runs:stop_run", kwargs={**federation.url_kwargs(), "run_id": run_id})
    refused = signed_in(bob).post(stop_url)  # a member who did not launch it, and is not the owner
    assert refused.status_code == 403
    assert "Only whoever launched this run" in refused.content.decode()
    assert "Stop run" in client.get(stop_url).content.decode()
    assert client.post(stop_url).status_code == 302
    ended = {"finished:stopped", "finished:completed", "finished:failed"}
    run = wait_for_run(alice, federation, run_id, ended, timeout=60)
    assert f"{run.status.status}:{run.status.sub_status}" == "finished:stopped"


def test_deployment_run_on_two_real_supernodes(portal, superlink, quickstart_fab, supernodes, cli_for, tmp_path):
    alice = UserFactory(username="alice", has_deployment_access=True)
    bob = UserFactory(username="bob")
    federation = FederationFactory(owner=alice, name="hospitals", kind="deployment", members=[bob])
    as_alice, as_bob = signed_in(alice), signed_in(bob)

    # Each member registers a key through the web page and adds the node to the federation.
    keys = {}
    for user, client, name in ((alice, as_alice, "site-a"), (bob, as_bob, "site-b")):
        private, public = make_key(tmp_path, name)
        response = client.post(reverse("supernodes:register"), {"public_key": public, "name": name})
        assert response.status_code == 302, response.content.decode()[-1500:]
        (node,) = control_client.list_nodes(user)
        keys[name] = (private, node.node_id)
        page = client.get(
            reverse("supernodes:federation", kwargs=federation.url_kwargs()), {"show": "all"}
        ).content.decode()
        assert f"{name} ({node.node_id}, registered)" in page
        add = reverse("supernodes:add", kwargs=federation.url_kwargs())
        assert client.post(add, {"node_id": node.node_id}).status_code == 302
    assert FederationNode.objects.filter(federation=federation).count() == 2
    runs_tab = as_alice.get(reverse("runs:runs", kwargs=federation.url_kwargs()), {"show": "all"}).content.decode()
    assert "0 of 2 SuperNodes online" in runs_tab  # said before launching, not discovered by waiting
    listing = as_alice.get(reverse("supernodes:list"), {"show": "all"}).content.decode()
    assert "@alice/hospitals" in listing
    assert "SHA256:" in listing

    # A key nobody registered is refused by the SuperLink.
    stranger, _ = make_key(tmp_path, "stranger")
    process, log = supernodes(stranger)
    assert process.wait(timeout=60) != 0
    assert "Failed to activate SuperNode" in log.read_text()

    logs = []
    for partition, name in enumerate(("site-a", "site-b")):
        _, log = supernodes(keys[name][0], partition_id=partition)
        logs.append(log)
    wait_online(alice, {keys["site-a"][1]}, logs)
    wait_online(bob, {keys["site-b"][1]}, logs)
    tab = load_deferred(as_bob, reverse("supernodes:federation", kwargs=federation.url_kwargs()), "node-section")
    assert tab.content.decode().count("Online") == 2
    live = as_bob.get(reverse("runs:live", kwargs=federation.url_kwargs())).content.decode()
    assert "2 online" in live  # the Overview's lines, loaded after it
    assert "0 active, 0 in all" in live
    # The dashboard's Live column: every row in one call; the SuperLink itself leaves out federations
    # the caller does not belong to.
    private = FederationFactory(owner=alice, name="private", kind="deployment")
    cells = as_bob.get(f"{reverse('runs:dashboard_live')}?f={federation.pk}").content.decode()
    assert "2 online · 0 active runs" in cells
    assert set(control_client.federation_status(bob, [federation.handle, private.handle])) == {federation.handle}

    run_id = launch(as_alice, federation, quickstart_fab, "num-server-rounds=2")
    # Archived while the run is in flight: it finishes on its SuperNodes and stays readable.
    archive = reverse("federations:archive", kwargs=federation.url_kwargs())
    assert as_alice.post(archive, {"confirm": federation.handle}).status_code == 302
    run = wait_for_run(alice, federation, run_id, {"finished:completed", "finished:failed"}, timeout=240)
    assert f"{run.status.status}:{run.status.sub_status}" == "finished:completed", run.status.details
    # Its messages went to real SuperNodes and back, routed from memory: no SQL while serving them.
    for api in ("fleet", "serverappio"):
        assert superlink.metric("supergrid_superlink_messages_total", api=api, direction="pulled") > 0
        assert superlink.metric("supergrid_superlink_sql_statements_total", api=api) == 0, api
    assert superlink.metric("supergrid_superlink_federation_manager_calls_total", method="has_node") > 0
    assert superlink.metric("supergrid_superlink_sql_statements_total", api="other") > 0  # the count is live

    # Another member sees the same run and its logs, in the browser and in the CLI.
    page = as_bob.get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": run_id})).content.decode()
    assert "Final model" in page
    cli = cli_for(bob)
    listed = cli.json("ls", "grid", "--run-id", str(run_id))
    assert run_id in {int(run["run-id"]) for run in listed["runs"]}
    shown = cli("log", str(run_id), "grid", "--show")
    assert shown.returncode == 0, shown.text
    assert "Final model" in shown.stdout

    # A removed member's node leaves the federation: the SuperLink stops routing work to it.
    federation_services.unarchive_federation(federation=federation, operator=UserFactory(is_staff=True))
    remove = reverse("federations:remove_member", kwargs={**federation.url_kwargs(), "username": "bob"})
    assert as_alice.post(remove).status_code == 302
    assert not FederationNode.objects.filter(federation=federation, owner=bob).exists()
    nodes = control_client.show_federation(alice, federation.handle).nodes
    assert [node.node_id for node in nodes] == [keys["site-a"][1]]
