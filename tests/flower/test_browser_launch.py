"""A new user's first run, in the browser: download the example app, upload it, watch it finish."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import FederationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.flower, pytest.mark.django_db(transaction=True)]


def test_launch_the_example_app_and_watch_it_finish(page, sign_in, portal, tmp_path):
    alice = UserFactory(username="alice")
    FederationFactory(owner=alice, name="first", num_supernodes=2)
    sign_in(alice)
    page.goto("/@alice/first/")
    page.get_by_role("navigation", name="Federation").get_by_role("link", name="Runs").click()
    expect(page.get_by_text("No runs yet")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the example app").click()
    fab = tmp_path / "quickstart-numpy.fab"
    download.value.save_as(fab)

    page.get_by_label("Flower App bundle (.fab)").set_input_files(fab)
    page.get_by_label("Run config overrides").fill("num-server-rounds=2")
    page.get_by_role("button", name="Launch run").click()
    expect(page).to_have_url(re.compile(r"/@alice/first/runs/\d+/$"))
    expect(page.locator("#run-status")).to_contain_text("finished:completed", timeout=120_000)
    expect(page.locator("#run-logs")).to_contain_text("Final model", timeout=30_000)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    expect(page.locator("#run-status")).to_contain_text("Round 2 of 2, done")
    page.reload()  # a long finished log opens at its end, where the results are
    at_end = page.locator("#run-logs").evaluate("log => log.scrollTop + log.clientHeight >= log.scrollHeight - 2")
    assert at_end
    expect(page.get_by_role("img", name=re.compile(r"^train_loss"))).to_be_visible()

    page.get_by_role("link", name="Runs of @alice/first").click()
    expect(page.locator("#run-list")).to_contain_text("finished:completed")

    # The header's Runs page lists it too.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    expect(page.get_by_role("heading", name="Runs")).to_be_visible()
    expect(page.locator("table")).to_contain_text("@alice/first")
