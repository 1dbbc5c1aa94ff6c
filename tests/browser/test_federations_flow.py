import re

import pytest
from playwright.sync_api import expect

from federations.models import Federation

from ..factories import FederationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_simulation_federation_and_change_its_count(page, sign_in):
    sign_in(UserFactory(username="alice"))
    page.get_by_role("link", name="New Federation").first.click()
    page.get_by_label("Simulation").check()
    page.get_by_label("Federation name").fill("mnist-sim")
    page.get_by_label("Number of simulated SuperNodes").fill("5")
    page.get_by_label("Description").fill("Digits, simulated.")
    page.get_by_role("button", name="Create").click()

    expect(page).to_have_url(re.compile(r"/@alice/mnist-sim/$"))
    expect(page.get_by_role("heading", name="@alice/mnist-sim")).to_be_visible()
    expect(page.get_by_text("5 simulated SuperNodes")).to_be_visible()

    page.get_by_role("link", name="Federations", exact=True).click()
    row = page.get_by_role("row").filter(has_text="@alice/mnist-sim")
    expect(row.get_by_text("Simulation", exact=True)).to_be_visible()
    expect(row.get_by_text("5 simulated")).to_be_visible()

    row.get_by_role("link", name="@alice/mnist-sim").click()
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/@alice/mnist-sim/settings/$"))
    page.get_by_label("Number of simulated SuperNodes").fill("10")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    assert Federation.objects.get(name="mnist-sim").num_supernodes == 10

    page.get_by_role("link", name="Activity").click()
    expect(page.get_by_text("set the number of simulated SuperNodes to 10")).to_be_visible()


def test_tabs_swap_in_place_and_push_history(page, sign_in):
    owner = UserFactory(username="alice")
    FederationFactory(owner=owner, name="tabs")
    sign_in(owner)
    page.goto("/@alice/tabs/")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Members").click()
    expect(page).to_have_url(re.compile(r"/@alice/tabs/members/$"))
    expect(page.get_by_role("link", name="Members")).to_have_attribute("aria-current", "page")
    assert page.evaluate("window.notReloaded") is True
    page.go_back()
    expect(page).to_have_url(re.compile(r"/@alice/tabs/$"))
    expect(page.get_by_text("No description yet.")).to_be_visible()


def test_deployment_needs_access_which_an_operator_grants(page, sign_in):
    bob = UserFactory(username="bob")
    UserFactory(username="operator", is_staff=True, is_superuser=True)
    sign_in(bob)
    page.goto("/federations/new/")
    # Said at the choice, which cannot be picked yet; simulation settings show only for simulations.
    expect(page.get_by_label("Deployment")).to_be_disabled()
    expect(page.get_by_text("Needs deployment access")).to_be_visible()
    expect(page.get_by_text("Its id will be @bob/name.")).to_be_visible()
    expect(page.get_by_label("Number of simulated SuperNodes")).to_be_visible()

    page.get_by_role("link", name="request it on your profile").click()
    page.get_by_label("Reason").fill("Three hospitals want to train together.")
    page.get_by_role("button", name="Request deployment access").click()
    expect(page.get_by_text("is waiting for an operator")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in_operator = page
    sign_in_operator.goto("/accounts/login/")
    page.get_by_label("Username or email").fill("operator")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/federations/")
    page.wait_for_load_state("networkidle")  # the dashboard's live counts (the operator's workspace has a row)
    page.goto("/admin/accounts/deploymentaccessrequest/")
    page.get_by_role("row").filter(has_text="bob").get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Approve selected requests (grant deployment access)"
    )
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("Approved 1 request(s).")).to_be_visible()
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()

    sign_in(bob)
    page.goto("/profile/")
    expect(page.get_by_text("You can create deployment federations")).to_be_visible()
    page.goto("/federations/new/")
    page.get_by_label("Deployment").check()
    page.get_by_label("Federation name").fill("hospitals")
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/@bob/hospitals/$"))
    expect(page.locator(".page-header").get_by_text("Deployment")).to_be_visible()


def test_archive_from_the_dashboard_with_confirmation(page, sign_in):
    owner = UserFactory(username="alice")
    FederationFactory(owner=owner, name="done")
    sign_in(owner)
    page.get_by_role("button", name="Archive @alice/done").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Federation name").fill("done")
    dialog.get_by_role("button", name="Archive federation").click()
    expect(page.locator("#id_confirm_error")).to_contain_text("Type @alice/done exactly")
    assert not Federation.objects.get(name="done").is_archived

    page.get_by_label("Federation name").fill("@alice/done")
    page.get_by_role("button", name="Archive federation").click()
    expect(page.get_by_role("heading", name="Archived federations")).to_be_visible()
    expect(page.get_by_role("link", name="@alice/done")).to_be_visible()

    page.get_by_role("link", name="@alice/done").click()
    expect(page.get_by_text("It is read-only")).to_be_visible()
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_text("can no longer change")).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    forged_post = """async () => {
        const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
        const body = new URLSearchParams({num_supernodes: "3"});
        return (await fetch(location.pathname, {method: "POST", headers: {"X-CSRFToken": token}, body})).status;
    }"""
    status = page.evaluate(forged_post)
    assert status == 403
