"""The Hub in the browser: publish an app by upload, read its page, add it to a federation, Run from there."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from superlink.control_client import build_fab

from ..factories import FederationFactory, UserFactory
from ..support import folder_storage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart-numpy"


@pytest.fixture(autouse=True)
def _hub_storage(settings, tmp_path):
    folder_storage(settings, "hub", tmp_path / "hub")


def test_publish_by_upload_then_run_it_from_a_federations_apps(page, sign_in, tmp_path):
    olivia = UserFactory(username="olivia")
    FederationFactory(owner=olivia, name="lab", num_supernodes=2)
    fab = tmp_path / "quickstart-numpy.fab"
    fab.write_bytes(build_fab(EXAMPLE))
    sign_in(olivia)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Apps").click()
    expect(page.get_by_role("heading", name="No apps yet")).to_be_visible()
    page.get_by_label("Flower App bundle (.fab)").set_input_files(fab)
    page.get_by_role("button", name="Publish").click()

    expect(page).to_have_url(re.compile(r"/apps/@olivia/quickstart-numpy/$"))
    expect(page.get_by_text("Published @olivia/quickstart-numpy==1.0.0.")).to_be_visible()
    expect(page.get_by_role("heading", name="README")).to_be_visible()
    expect(page.get_by_text("federated linear regression with NumPy").first).to_be_visible()
    expect(page.get_by_role("cell", name="1.0.0 latest")).to_be_visible()

    page.goto("/@olivia/lab/")
    page.get_by_role("navigation", name="Federation").get_by_role("link", name="Apps").click()
    expect(page.get_by_text("No apps yet.")).to_be_visible()
    page.get_by_label("Add an app").select_option(label="@olivia/quickstart-numpy")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("@olivia/quickstart-numpy is one of @olivia/lab's apps now")).to_be_visible()

    page.get_by_role("link", name="Run @olivia/quickstart-numpy").click()
    expect(page).to_have_url(re.compile(r"/apps/@olivia/quickstart-numpy/\?federation="))
    expect(page.get_by_label("Federation", exact=True)).to_have_value("@olivia/lab")
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()
