import re

import pytest
from playwright.sync_api import expect

from accounts.models import User

from ..factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_user_signs_up_signs_out_and_signs_in_with_email(page):
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(re.compile(r"/federations/$"))
    expect(page.get_by_role("heading", name="Federations", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Your workspace is ready")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("link", name="@newcomer/workspace")).to_be_visible()
    assert User.objects.filter(username="newcomer").exists()
    page.wait_for_load_state("networkidle")  # the workspace row's live counts (SQLite: one shared connection)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()

    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill("newcomer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/federations/$"))
    page.wait_for_load_state("networkidle")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="newcomer").click()
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    expect(page.get_by_text("newcomer@example.com")).to_be_visible()


def test_refused_signup_shows_the_error_next_to_the_field(page):
    UserFactory(username="taken")
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("TAKEN")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_label("Password (again)").fill("password")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.locator("#id_username_error")).to_contain_text("That username is taken")
    expect(page.locator("#id_password1_error")).to_contain_text("too common")
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    assert User.objects.count() == 1
