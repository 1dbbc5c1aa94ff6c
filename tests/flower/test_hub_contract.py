"""Apps in, with the stock CLI and a real SuperLink that fetches apps from the portal's Hub (a live server)."""

import shutil
import subprocess

import pytest
from django.db import connection
from flwr.proto.control_pb2 import AddAppRequest, ListAppAssociationsRequest, ListAppsRequest

from apps import services
from apps.models import AppVersion
from federations import services as federation_services
from federations.models import Federation
from superlink import control_client

from ..apps.test_hub_api import example_files
from ..factories import FederationFactory, UserFactory
from ..support import folder_storage
from .conftest import BIN, FlwrCli, running_superlink
from .test_cli_contract import refused
from .test_runs_e2e import wait_for_run

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hub(live_server, settings, tmp_path):
    """A SuperLink whose FLWR_SUPERGRID_API_URL is the live portal's Hub, and the portal pointed at it."""
    if connection.vendor != "postgresql":
        pytest.skip("the SuperLink subprocess shares the test database: run with DATABASE_URL=postgres://…")
    folder_storage(settings, "hub", tmp_path / "hub")
    api = f"{live_server.url}/api/hub/v1"
    settings.PORTAL_URL = live_server.url  # the fab_url the SuperLink downloads
    (tmp_path / "superlink").mkdir()
    with running_superlink(tmp_path / "superlink", HUB_API_URL=api, PORTAL_URL=live_server.url) as superlink:
        settings.SUPERLINK_ADDRESS = superlink.address
        settings.SUPERLINK_TLS_DIR = superlink.ca_certfile.parent
        yield superlink, api


def hub_cli(superlink, api: str, home, user) -> FlwrCli:
    from django.test import Client

    cli = FlwrCli(superlink, home, Client())
    # `flwr app publish` finds its login by this address; flwr run/new find the Hub at the API URL.
    cli.env |= {"FLWR_SUPERGRID_API_URL": api, "FLWR_SUPERGRID_ADDRESS": superlink.address}
    result = cli.login(user)
    assert result.returncode == 0, result.text
    return cli


def test_publish_run_and_new_from_the_portals_hub(hub, quickstart_app, tmp_path):
    superlink, api = hub
    alice = UserFactory(username="alice")
    federation = FederationFactory(owner=alice, name="lab", num_supernodes=2)
    as_alice = hub_cli(superlink, api, tmp_path / "flwr-alice", alice)

    published = as_alice("app", "publish", str(quickstart_app), timeout=120)
    assert published.returncode == 0, published.text
    assert "Upload successful" in published.text
    version = AppVersion.objects.get(app__owner=alice, app__name="quickstart-numpy")
    assert version.version == "1.0.0"

    # The SuperLink downloads the app from the portal's Hub itself.
    started = as_alice.json(
        "run", "@alice/quickstart-numpy", "grid", "--federation", "@alice/lab", "--run-config", "num-server-rounds=1"
    )
    assert "run-id" in started, (started, superlink.log()[-3000:])
    run = wait_for_run(alice, federation, int(started["run-id"]), {"finished:completed", "finished:failed"})
    assert run.status.sub_status == "completed", superlink.log()[-3000:]
    assert run.fab_id == "alice/quickstart-numpy"  # Flower writes a FAB id as publisher/name

    # The Run button on the app's page: the same app, launched from the browser, lands on its run page.
    from django.test import Client
    from django.urls import reverse

    browser = Client()
    browser.force_login(alice)
    clicked = browser.post(
        reverse("hub:run", kwargs={"owner": "alice", "name": "quickstart-numpy"}),
        {"federation": "@alice/lab", "version": "1.0.0", "overrides": "num-server-rounds=1"},
    )
    assert clicked.status_code == 302, clicked.content.decode()[-2000:]
    run_id = int(clicked["Location"].rstrip("/").rsplit("/", 1)[1])
    assert clicked["Location"] == f"/@alice/lab/runs/{run_id}/"
    run = wait_for_run(alice, federation, run_id, {"finished:completed", "finished:failed"})
    assert run.status.sub_status == "completed", superlink.log()[-3000:]

    refused(
        as_alice("run", "@alice/quickstart-numpy==9.9.9", "grid", "--federation", "@alice/lab"),
        "Failed to request FAB download link",
    )

    # `flwr new` makes the app's folder, which `flwr build` accepts.
    workdir = tmp_path / "new"
    workdir.mkdir()
    made = subprocess.run(
        [str(BIN / "flwr"), "new", "@alice/quickstart-numpy"],
        cwd=workdir,
        env=as_alice.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    built = subprocess.run(
        [str(BIN / "flwr"), "build"],
        cwd=workdir / "quickstart-numpy",
        env=as_alice.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert list((workdir / "quickstart-numpy").glob("*.fab"))
    assert Federation.objects.filter(owner=alice).count() == 2  # the workspace and lab
    shutil.rmtree(workdir)


def test_a_federations_apps_private_apps_and_only_its_apps_through_the_stock_cli(hub, quickstart_app, tmp_path):
    """The stock app routes answer from the portal's list; a private app runs for the members of a federation
    that uses it (the SuperLink fetches it as the launcher); "only its apps" refuses `flwr run .` in words."""
    superlink, api = hub
    alice, max_, oscar = UserFactory(username="alice"), UserFactory(username="max"), UserFactory(username="oscar")
    federation = FederationFactory(owner=alice, name="lab", num_supernodes=2, members=[max_])
    version = services.publish_files(account=alice, files=example_files(), private=True)
    federation_services.update_settings(federation=federation, actor=alice, only_its_apps=True)
    as_max = hub_cli(superlink, api, tmp_path / "flwr-max", max_)
    as_oscar = hub_cli(superlink, api, tmp_path / "flwr-oscar", oscar)

    # Not yet one of lab's apps: private to alice, so to max it does not exist; other code is refused too.
    refused(
        as_max("run", "@alice/quickstart-numpy", "grid", "--federation", "@alice/lab"), "No app @alice/quickstart-numpy"
    )
    refused(
        as_max("run", str(quickstart_app), "grid", "--federation", "@alice/lab"),
        "Only this federation's apps may run here",
    )

    # The stock add-app / list-apps / list-app-associations routes, with the Apps tab's rules.
    with (
        pytest.raises(control_client.ControlError, match="Only the owner can add apps"),
        control_client.connect(max_) as control,
    ):
        control.AddApp(AddAppRequest(federation_id="@alice/lab", app_id="@alice/quickstart-numpy"))
    with control_client.connect(alice) as control:
        control.AddApp(AddAppRequest(federation_id="@alice/lab", app_id="@alice/quickstart-numpy"))
    with control_client.connect(max_) as control:
        listed = control.ListApps(ListAppsRequest(federation_id="@alice/lab"))
        associations = control.ListAppAssociations(ListAppAssociationsRequest(app_id="@alice/quickstart-numpy"))
    assert [(app.app_id, app.fab_hash) for app in listed.apps] == [("@alice/quickstart-numpy", version.sha256)]
    assert list(associations.federation_ids) == ["@alice/lab"]

    # Now max sees it and runs it: the SuperLink fetches the private app from the Hub as max.
    started = as_max.json(
        "run", "@alice/quickstart-numpy", "grid", "--federation", "@alice/lab", "--run-config", "num-server-rounds=1"
    )
    assert "run-id" in started, (started, superlink.log()[-3000:])
    run = wait_for_run(max_, federation, int(started["run-id"]), {"finished:completed", "finished:failed"})
    assert run.status.sub_status == "completed", superlink.log()[-3000:]
    version.app.refresh_from_db()
    assert version.app.run_count == 1

    # Oscar belongs to no federation that uses it: in his own workspace, the app does not exist.
    refused(as_oscar("run", "@alice/quickstart-numpy", "grid"), "No app @alice/quickstart-numpy")
