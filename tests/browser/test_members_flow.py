import re

import pytest
from playwright.sync_api import expect

from federations.models import Invitation, Membership

from ..factories import FederationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_accept_and_leave(page, sign_in):
    alice = UserFactory(username="alice")
    carol = UserFactory(username="carol")
    UserFactory(username="dave")
    federation = FederationFactory(owner=alice, name="lab")

    sign_in(alice)
    page.goto("/@alice/lab/members/")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Invite User").click()
    page.get_by_label("Username").fill("nobody")
    page.get_by_role("button", name="Send Invitation").click()
    expect(page.locator("#id_username_error")).to_contain_text("There is no account with the username")

    page.get_by_label("Username").fill(" Carol ")
    page.get_by_role("button", name="Send Invitation").click()
    expect(page.get_by_text("Invitation sent to carol.")).to_be_visible()
    invitations = page.locator("#invitation-list")
    expect(invitations.get_by_role("row").filter(has_text="carol").get_by_text("Pending")).to_be_visible()

    page.get_by_role("button", name="Invite User").click()
    page.get_by_label("Username").fill("dave")
    page.get_by_role("button", name="Send Invitation").click()
    page.get_by_role("button", name="Revoke invitation for dave").click()
    expect(page.get_by_text("Revoked the invitation for dave.")).to_be_visible()
    expect(page.get_by_role("button", name="Revoke invitation for dave")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    page.get_by_role("button", name="Sign out").click()

    sign_in(carol)
    expect(page.locator("#nav-profile")).to_contain_text("1 pending invitation")
    page.locator("#nav-profile").click()
    inbox = page.locator("#invitation-inbox")
    expect(inbox.get_by_text("@alice/lab")).to_be_visible()
    expect(inbox.get_by_text("Invited by alice")).to_be_visible()
    inbox.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("You joined @alice/lab.")).to_be_visible()
    expect(page.locator("#nav-profile")).not_to_contain_text("pending invitation")
    assert Membership.objects.filter(federation=federation, user=carol).exists()

    page.get_by_role("link", name="Federations", exact=True).click()
    page.get_by_role("link", name="@alice/lab").click()
    page.get_by_role("link", name="Members").click()
    page.get_by_role("button", name="Leave federation").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Leave @alice/lab?")).to_be_visible()
    dialog.get_by_role("button", name="Leave federation").click()
    expect(page.get_by_text("You left @alice/lab.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/federations/$"))
    assert not Membership.objects.filter(federation=federation, user=carol).exists()
    assert page.request.get("/@alice/lab/").status == 404


def test_owner_removes_a_member_after_confirming(page, sign_in):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    federation = FederationFactory(owner=alice, name="lab", members=[bob])
    sign_in(alice)
    page.goto("/@alice/lab/members/")
    page.get_by_role("button", name="Remove bob").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Membership.objects.filter(federation=federation, user=bob).exists()
    page.get_by_role("button", name="Remove bob").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove bob").click()
    expect(page.get_by_text("Removed bob from @alice/lab.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove bob")).to_have_count(0)
    assert not Membership.objects.filter(federation=federation, user=bob).exists()
    assert Invitation.objects.count() == 0
