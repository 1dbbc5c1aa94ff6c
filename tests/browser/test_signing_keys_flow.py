import pytest
from playwright.sync_api import expect

from accounts import services
from accounts.models import SigningKey

from ..factories import UserFactory
from ..signing import new_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_removing_a_signing_key_asks_in_the_profiles_one_dialog(page, sign_in):
    alice = UserFactory(username="alice")
    laptop = services.add_signing_key(user=alice, name="laptop", public_key=new_key()[1])
    desk = services.add_signing_key(user=alice, name="desk", public_key=new_key()[1])
    sign_in(alice)
    page.goto("/profile/")
    page.get_by_role("button", name="Remove the signing key laptop").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Remove the signing key “laptop”?")).to_be_visible()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Remove the signing key desk").click()
    expect(dialog.get_by_role("heading", name="Remove the signing key “desk”?")).to_be_visible()
    dialog.get_by_role("button", name="Remove key").click()
    expect(page.get_by_text("Removed the signing key “desk”. Its reviews no longer count.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove the signing key desk")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove the signing key laptop")).to_be_visible()
    assert SigningKey.objects.get(pk=desk.pk).is_removed
    assert not SigningKey.objects.get(pk=laptop.pk).is_removed
