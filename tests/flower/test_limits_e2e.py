"""Fair-share limits on the stock CLI's path and the web's, with the SuperLink's own refusals: the
operator's per-user overrides (the SuperLink process reads them from the shared database). A limit
reached is Flower's EntitlementError ("[code: 13] Entitlement error.") with the portal's words."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from accounts.models import User
from apps import services as hub_services
from federations.models import Federation

from ..apps.test_hub_api import example_files
from ..factories import FederationFactory, UserFactory
from ..support import folder_storage
from .test_cli_contract import refused
from .test_runs_e2e import make_key, signed_in, wait_for_run

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]

ENTITLEMENT = "Entitlement error"


def test_federations_and_simulated_supernodes_on_the_cli(portal, cli_for):
    alice = UserFactory(username="alice")
    User.objects.filter(pk=alice.pk).update(limit_federations=1, limit_simulated_supernodes=5)
    as_alice = cli_for(alice)  # `flwr login` made her workspace, which does not count
    created = as_alice("federation", "create", "lab", "grid", "--simulation")
    assert created.returncode == 0, created.text
    assert Federation.objects.get(owner=alice, name="lab").num_supernodes == 5  # the default, lowered to the limit
    result = as_alice("federation", "create", "second", "grid", "--simulation")
    refused(result, "You own 1 active federations, the most you may: archive one you no longer need")
    assert ENTITLEMENT in result.text
    refused(
        as_alice("federation", "simulation-config", "@alice/lab", "grid", "--num-supernodes", "6"),
        "A federation of yours may have at most 5 simulated SuperNodes",
    )
    assert as_alice("federation", "simulation-config", "@alice/lab", "grid", "--num-supernodes", "3").returncode == 0


def test_supernodes_registered_on_the_cli_and_the_web(portal, cli_for, tmp_path):
    bob = UserFactory(username="bob")
    User.objects.filter(pk=bob.pk).update(limit_supernodes=1)
    as_bob = cli_for(bob)
    for name in ("first", "second", "third"):
        (tmp_path / f"{name}.pub").write_text(make_key(tmp_path, name)[1])
    first = as_bob.json("supernode", "register", str(tmp_path / "first.pub"), "grid")["node-id"]
    result = as_bob("supernode", "register", str(tmp_path / "second.pub"), "grid")
    refused(result, "You have 1 SuperNodes registered, the most you may: unregister one")
    assert ENTITLEMENT in result.text
    page = signed_in(bob).post(
        reverse("supernodes:register"), {"public_key": (tmp_path / "third.pub").read_text(), "name": "third"}
    )
    assert "You have 1 SuperNodes registered, the most you may" in page.content.decode()
    profile = signed_in(bob).get(reverse("profile")).content.decode()
    assert re.search(r"SuperNodes you register</dt>\s*<dd>1 of 1</dd>", profile)
    assert as_bob("supernode", "unregister", str(first), "grid").returncode == 0
    assert as_bob("supernode", "register", str(tmp_path / "second.pub"), "grid").returncode == 0


def test_runs_at_once_per_user_and_per_federation(portal, cli_for, quickstart_app, quickstart_fab, settings, tmp_path):
    folder_storage(settings, "hub", tmp_path / "hub")
    alice = UserFactory(username="alice", has_deployment_access=True)
    bob = UserFactory(username="bob")
    federation = FederationFactory(owner=alice, name="hospitals", kind="deployment", members=[bob])
    User.objects.filter(pk=bob.pk).update(limit_runs=1)
    User.objects.filter(pk=alice.pk).update(limit_runs_per_federation=2)
    as_alice, as_bob = cli_for(alice), cli_for(bob)
    app = str(quickstart_app)
    # No SuperNode is in the federation: runs wait, pending or running, until stopped.
    first = as_bob.json("run", app, "grid", "--federation", "@alice/hospitals")["run-id"]
    result = as_bob("run", app, "grid", "--federation", "@alice/hospitals")
    refused(result, "You have 1 runs pending or running, the most you may at once: wait for one to finish")
    assert ENTITLEMENT in result.text
    launched = signed_in(bob).post(
        reverse("runs:launch_run", kwargs=federation.url_kwargs()), {"fab": _upload(quickstart_fab), "overrides": ""}
    )
    assert "You have 1 runs pending or running" in launched.content.decode()
    # The Hub's Run button, with the same words.
    version = hub_services.publish_files(account=alice, files=example_files())
    hub_services.add_to_federation(federation=federation, actor=alice, app=version.app)
    run_url = reverse("hub:run", kwargs={"owner": "alice", "name": version.app.name})
    hub_run = signed_in(bob).post(run_url, {"federation": "@alice/hospitals", "version": version.version})
    assert hub_run.status_code == 400
    assert "You have 1 runs pending or running, the most you may at once" in hub_run.content.decode()
    profile = signed_in(bob).get(reverse("profile")).content.decode()
    assert re.search(r"Your runs pending or running at once</dt>\s*<dd>1 of 1</dd>", profile)

    second = as_alice.json("run", app, "grid", "--federation", "@alice/hospitals")["run-id"]
    refused(
        as_alice("run", app, "grid", "--federation", "@alice/hospitals"),
        "@alice/hospitals has 2 runs pending or running, the most it may at once",
    )
    for run_id in (first, second):
        assert as_alice("stop", str(run_id), "grid").returncode == 0
        wait_for_run(alice, federation, int(run_id), {"finished:stopped"}, timeout=60)
    assert as_bob.json("run", app, "grid", "--federation", "@alice/hospitals")["run-id"]  # a slot is free again
    for run in as_alice.json("ls", "grid")["runs"]:
        if run["status"] in ("pending", "starting", "running"):
            as_alice("stop", str(run["run-id"]), "grid")


def test_two_launches_racing_for_the_last_slot_make_exactly_one_run(portal, quickstart_fab):
    from superlink import control_client

    alice = UserFactory(username="alice", has_deployment_access=True)
    federation = FederationFactory(owner=alice, name="hospitals", kind="deployment")
    User.objects.filter(pk=alice.pk).update(limit_runs=1)

    def launch(_):
        try:
            return control_client.start_run(alice, federation.handle, quickstart_fab, {})
        except control_client.ControlError as error:
            return error.message

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(launch, range(4)))
    started = [result for result in results if isinstance(result, int)]
    assert len(started) == 1, results
    assert all("runs pending or running" in result for result in results if not isinstance(result, int))
    control_client.stop_run(alice, started[0])


def _upload(fab: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("app.fab", fab)
