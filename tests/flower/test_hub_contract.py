"""Apps in, with the stock CLI and a real SuperLink that fetches apps from the portal's Hub (a live server)."""

import shutil
import subprocess

import pytest
from django.db import connection

from apps.models import AppVersion
from federations.models import Federation

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
