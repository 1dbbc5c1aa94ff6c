"""A new user's first run, in the browser: in their workspace, download the example app, upload it, watch it
finish, take its model out."""

import re
import zipfile

import pytest
from playwright.sync_api import expect

from apps import services

from ..apps.test_hub_api import example_files
from ..factories import FederationFactory, UserFactory
from ..support import folder_storage

pytestmark = [pytest.mark.browser, pytest.mark.flower, pytest.mark.django_db(transaction=True)]


def test_a_first_run_in_the_workspace_and_its_artifacts_downloaded(page, sign_in, portal, tmp_path):
    alice = UserFactory(username="alice")
    sign_in(alice)
    page.goto("/federations/")
    page.get_by_role("table").get_by_role("link", name="@alice/workspace").click()
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    page.get_by_role("navigation", name="Federation").get_by_role("link", name="Runs").click()
    expect(page.get_by_text("No runs yet")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the example app").click()
    fab = tmp_path / "quickstart-numpy.fab"
    download.value.save_as(fab)

    page.get_by_label("Flower App bundle (.fab)").set_input_files(fab)
    page.get_by_label("Run config overrides").fill("num-server-rounds=2")
    page.get_by_role("button", name="Launch run").click()
    expect(page).to_have_url(re.compile(r"/@alice/workspace/runs/\d+/$"))
    expect(page.locator("#run-status")).to_contain_text("finished:completed", timeout=120_000)
    expect(page.locator("#run-logs")).to_contain_text("Final model", timeout=30_000)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    expect(page.locator("#run-status")).to_contain_text("Round 2 of 2, done")
    page.reload()  # a long finished log opens at its end, where the results are
    at_end = page.locator("#run-logs").evaluate("log => log.scrollTop + log.clientHeight >= log.scrollHeight - 2")
    assert at_end
    expect(page.get_by_role("img", name=re.compile(r"^train_loss"))).to_be_visible()

    # Its artifacts: listed once packed, one download with the model the ServerApp saved.
    artifacts = page.locator("#run-artifacts")
    expect(artifacts).to_contain_text("final_model.npz", timeout=30_000)
    expect(artifacts).to_contain_text("metrics.json")
    with page.expect_download() as download:
        artifacts.get_by_role("link", name=re.compile(r"^Download all")).click()
    zipped = tmp_path / "artifacts.zip"
    download.value.save_as(zipped)
    assert {"final_model.npz", "metrics.json"} <= set(zipfile.ZipFile(zipped).namelist())

    page.get_by_role("link", name="Runs of @alice/workspace").click()
    expect(page.locator("#run-list")).to_contain_text("finished:completed")
    expect(page.locator("#run-list")).to_contain_text("artifacts")

    # The header's Runs page lists it too.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    expect(page.get_by_role("heading", name="Runs")).to_be_visible()
    expect(page.locator("table")).to_contain_text("@alice/workspace")


def test_a_federations_app_runs_with_one_click_from_its_apps_tab(page, sign_in, portal, settings, tmp_path):
    """The consortium's standard app: the owner added it; a member opens the Apps tab, clicks Run, and
    lands on a run that finishes. The app page then says it ran, in that federation."""
    folder_storage(settings, "hub", tmp_path / "hub")
    alice, max_ = UserFactory(username="alice"), UserFactory(username="max")
    lab = FederationFactory(owner=alice, name="lab", members=[max_])
    version = services.publish_files(account=alice, files=example_files())
    services.add_to_federation(federation=lab, actor=alice, app=version.app)

    sign_in(max_)
    page.goto("/@alice/lab/apps/")
    page.get_by_role("link", name="Run @alice/quickstart-numpy").click()
    expect(page.get_by_label("Federation", exact=True)).to_have_value("@alice/lab")
    page.get_by_label("Run config overrides").fill("num-server-rounds=1")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page).to_have_url(re.compile(r"/@alice/lab/runs/\d+/$"))
    expect(page.locator("#run-status")).to_contain_text("finished:completed", timeout=120_000)

    page.goto("/apps/@alice/quickstart-numpy/")
    expect(page.get_by_text("Ran 1 time on this SuperGrid.")).to_be_visible()
    used = page.get_by_role("region", name="In your federations")
    expect(used).to_contain_text("@alice/lab")
    expect(used).to_contain_text("one of its apps · ran 1 time")
