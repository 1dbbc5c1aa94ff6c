"""The owner's Webhooks in a real browser: add one (its page shows the secret), see a delivery arrive at a
real receiver (the Settings tab shows it as the last one), redeliver it, remove the webhook after
confirming. Development's queue: deliveries go out from a thread."""

import pytest
from playwright.sync_api import expect

from federations import services
from webhooks.models import Delivery, Webhook

from ..factories import FederationFactory, UserFactory
from ..webhooks.receiving import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(tmp_path, settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    receiver = Receiver(tmp_path / "receiver")
    yield receiver
    receiver.stop()


def test_add_a_webhook_watch_a_delivery_redeliver_and_remove(page, sign_in, receiver):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    federation = FederationFactory(owner=alice, name="lab", members=[bob])
    sign_in(alice)
    page.goto("/@alice/lab/settings/")
    section = page.locator("#webhooks")
    expect(section.get_by_text("No webhooks yet.")).to_be_visible()
    section.get_by_label("Payload URL").fill("ftp://example.org/hook")
    section.get_by_role("button", name="Add webhook").click()
    expect(page.locator("#webhooks").get_by_text("Enter an https:// URL.")).to_be_visible()
    section = page.locator("#webhooks")
    section.get_by_label("Payload URL").fill(receiver.url)
    section.get_by_label("Member removed").check()
    section.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_text(f"Webhook added: events go to {receiver.url}")).to_be_visible()
    webhook = Webhook.objects.get(url=receiver.url)
    receiver.trust(webhook.secret)
    page.get_by_text("Signing secret").first.click()
    expect(page.get_by_text(webhook.secret)).to_be_visible()

    services.remove_member(federation=federation, actor=alice, username="bob")
    receiver.wait_for(lambda lines: any(line.get("event") == "member.removed" for line in lines))
    page.goto("/@alice/lab/settings/")
    hook = page.locator("#webhooks article").filter(has_text=receiver.url)
    expect(hook.get_by_text("Delivered")).to_be_visible()
    hook.get_by_role("link", name=f"Deliveries and signing secret of the webhook to {receiver.url}").click()
    row = page.locator("#webhook tr").filter(has_text="member.removed")
    expect(row.get_by_text("Delivered")).to_be_visible()
    expect(row.get_by_text("HTTP 200")).to_be_visible()
    row.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text(f"Sending member.removed again to {receiver.url}.")).to_be_visible()
    receiver.wait_for(lambda lines: len([line for line in lines if line.get("event") == "member.removed"]) == 2)
    first, second = receiver.received("member.removed")
    assert first["event_id"] == second["event_id"]
    assert second["verified"]

    page.get_by_role("button", name="Remove webhook").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(f"Remove the webhook to {receiver.url}?")).to_be_visible()
    dialog.get_by_role("button", name="Remove webhook").click()
    expect(page.get_by_text(f"Removed the webhook to {receiver.url}.")).to_be_visible()
    assert not Webhook.objects.filter(url=receiver.url).exists()
    assert not Delivery.objects.filter(webhook__url=receiver.url).exists()
