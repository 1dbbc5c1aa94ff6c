"""The seed guide's flows for Korean readers, in Chromium: create, invite, accept on the profile, archive.

The words are the catalogue's own (``ko``), so a button without its Korean fails here. With
SCREENSHOT_DIR set, each step's page is saved there to be looked at.
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from federations.models import Federation

from ..factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ko(english: str, **values: str) -> str:
    with translation.override("ko"):
        words = gettext(english)
    assert words != english, f"no Korean for {english!r}"
    return words % values if values else words


@pytest.fixture
def korean_page(browser, live_server, tmp_path):
    """A Korean browser (Accept-Language: ko-KR) and a way to keep what it shows."""
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="ko-KR")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.shoot = lambda name: page.screenshot(path=str(shots / f"ko-{name}.png"), full_page=True)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in_korean(page, user):
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.get_by_label(ko("Username or email")).fill(user.username)
    page.get_by_label(ko("Password")).fill(PASSWORD)
    page.get_by_role("button", name=ko("Sign In")).click()
    page.wait_for_url("**/federations/")
    page.wait_for_load_state("networkidle")


def test_a_korean_consortium_creates_invites_accepts_and_archives(korean_page):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    page = korean_page()
    sign_in_korean(page, alice)
    page.shoot("1-dashboard")

    page.get_by_role("link", name=ko("New Federation")).first.click()
    page.get_by_role("radio", name=ko("Simulation")).check()
    page.get_by_label(ko("Federation name")).fill("hospitals")
    page.shoot("2-new-federation")
    page.get_by_role("button", name=ko("Create")).click()
    expect(page).to_have_url(re.compile(r"/@alice/hospitals/$"))
    expect(page.get_by_role("heading", name="@alice/hospitals")).to_be_visible()

    page.get_by_role("navigation", name=ko("Federation")).get_by_role("link", name=ko("Members")).click()
    page.get_by_role("button", name=ko("Invite User")).click()
    page.get_by_label(ko("Username")).fill("bob")
    page.get_by_role("button", name=ko("Send Invitation")).click()
    expect(page.get_by_text(ko("Invitation sent to %(username)s.", username="bob"))).to_be_visible()
    page.shoot("3-invited")

    guest = korean_page()
    sign_in_korean(guest, bob)
    nav_profile = guest.locator("#nav-profile")  # the username in the header, with the invitation count
    expect(nav_profile.locator(".nav-count")).to_have_text("1")
    nav_profile.click()
    inbox = guest.locator("#invitation-inbox")
    expect(inbox.get_by_text(ko("Invited by %(inviter)s", inviter="alice"))).to_be_visible()
    guest.shoot("4-profile-invitation")
    inbox.get_by_role("button", name=ko("Accept invitation to %(handle)s", handle="@alice/hospitals")).click()
    expect(guest.get_by_text(ko("You joined %(federation)s.", federation="@alice/hospitals"))).to_be_visible()
    guest.shoot("5-joined")

    page.goto("/federations/")
    page.get_by_role("button", name=ko("Archive %(handle)s", handle="@alice/hospitals")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.shoot("6-archive-dialog")
    dialog.get_by_label(ko("Federation name")).fill("@alice/hospitals")
    dialog.get_by_role("button", name=ko("Archive federation")).click()
    expect(page.get_by_role("heading", name=ko("Archived federations"))).to_be_visible()
    page.shoot("7-archived")
    assert Federation.objects.get(name="hospitals").is_archived


def test_the_footer_switches_language_and_the_profile_keeps_it(korean_page):
    alice = UserFactory(username="alice")
    page = korean_page()
    page.goto("/accounts/login/")
    footer = page.locator("footer")
    footer.get_by_label(ko("Language")).select_option("en")
    footer.get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()
    page.get_by_label("Username or email").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/federations/")
    page.goto("/profile/")
    page.locator("#language").get_by_label("Language").select_option("ko")
    page.get_by_role("button", name="Save language").click()
    expect(page.get_by_text(ko("Language saved."))).to_be_visible()
    alice.refresh_from_db()
    assert alice.language == "ko"
