"""Webhooks: the owner's Settings tab, events turned into signed deliveries, retries, and where a
delivery may go (SSRF). Deliveries go to a real local HTTP receiver in a subprocess (receiver.py)."""

import socket
import uuid
from datetime import timedelta

import pytest
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone

from federations import services as federation_services
from federations.signals import run_ended, run_started
from webhooks import sending, signing
from webhooks.models import Delivery, Event, Webhook
from webhooks.services import add_webhook, deliver

from ..factories import FederationFactory
from .receiving import Receiver

pytestmark = pytest.mark.django_db

ALL_EVENTS = [value for value, _ in Event.choices]


@pytest.fixture
def queue(settings):
    """A queue that keeps what is enqueued (as the worker's database queue would), run by hand."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the receiver runs on this machine
    default_task_backend.clear()
    return default_task_backend


@pytest.fixture
def receiver(tmp_path):
    receiver = Receiver(tmp_path / "receiver")
    yield receiver
    receiver.stop()


@pytest.fixture
def hook(queue, receiver, federation, owner, django_capture_on_commit_callbacks):
    webhook = add_webhook(federation=federation, actor=owner, url=receiver.url, events=ALL_EVENTS)
    receiver.trust(webhook.secret)
    return webhook


def run_queue(queue) -> int:
    """Run what the queue holds now (once each), as the worker would; returns how many ran."""
    results = list(queue.results)
    queue.clear()
    for result in results:
        result.task.call(*result.args, **result.kwargs)
    return len(results)


def settings_url(federation) -> str:
    return reverse("federations:settings", kwargs=federation.url_kwargs())


# The Settings tab ------------------------------------------------------------------------------------------


def test_the_owner_adds_a_webhook_and_sees_its_secret_and_deliveries(client, queue, receiver, federation, owner):
    client.force_login(owner)
    page = client.get(settings_url(federation))
    assert "No webhooks yet." in page.text
    added = client.post(
        reverse("webhooks:add", kwargs=federation.url_kwargs()),
        {"url": receiver.url, "events": ["run.finished", "member.left"]},
        follow=True,
    )
    webhook = Webhook.objects.get(federation=federation)
    assert f"Webhook added: events go to {receiver.url}" in added.text
    assert webhook.events == ["run.finished", "member.left"]
    assert len(webhook.secret) >= 40
    assert webhook.secret in added.text
    assert "Run finished, Member left" in added.text
    assert "No deliveries yet" in added.text
    assert added.redirect_chain == [(webhook_url(federation, webhook), 302)]  # its own page, with the secret


def test_only_the_owner_manages_webhooks(client, queue, receiver, federation, member, hook):
    client.force_login(member)
    assert client.get(settings_url(federation)).status_code == 403
    url = reverse("webhooks:add", kwargs=federation.url_kwargs())
    assert client.post(url, {"url": receiver.url + "2", "events": ["run.finished"]}).status_code == 403
    remove = reverse("webhooks:remove", kwargs={**federation.url_kwargs(), "webhook_id": hook.pk})
    assert client.post(remove).status_code == 403
    assert Webhook.objects.filter(federation=federation).count() == 1


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://93.184.216.34/hook", "Webhook URLs must start with https://."),
        ("ftp://93.184.216.34/hook", "Enter an https:// URL."),
        ("https://127.0.0.1/hook", "resolves to a loopback address"),
        ("https://localhost:8443/hook", "resolves to a loopback address"),
        ("https://169.254.169.254/latest/meta-data", "resolves to a link-local address"),
        ("https://10.0.0.7/hook", "resolves to a private address"),
        ("https://192.168.1.20/hook", "resolves to a private address"),
        ("https://[::1]/hook", "resolves to a loopback address"),
        ("https://[::ffff:127.0.0.1]/hook", "resolves to a loopback address"),
        ("https://0.0.0.0/hook", "resolves to a reserved address"),
        ("https://user:pw@93.184.216.34/hook", "Leave the user name and password out of the URL"),
        ("https://no-such-host.invalid/hook", "The host no-such-host.invalid could not be found."),
    ],
)
def test_unsafe_urls_are_refused_when_saved(client, settings, federation, owner, url, words):
    settings.WEBHOOKS_ALLOW_HTTP = False  # production
    client.force_login(owner)
    response = client.post(
        reverse("webhooks:add", kwargs=federation.url_kwargs()), {"url": url, "events": ["run.finished"]}
    )
    assert response.status_code == 200
    assert words in response.text
    assert not Webhook.objects.exists()


def test_a_public_https_url_is_accepted(client, settings, federation, owner):
    settings.WEBHOOKS_ALLOW_HTTP = False
    client.force_login(owner)
    url = reverse("webhooks:add", kwargs=federation.url_kwargs())
    assert client.post(url, {"url": "https://93.184.216.34/hook", "events": ["run.finished"]}).status_code == 302
    assert client.post(url, {"url": "https://93.184.216.35/hook", "events": []}).status_code == 200
    assert Webhook.objects.count() == 1


def test_the_owner_removes_a_webhook_after_confirming(client, hook, federation, owner):
    client.force_login(owner)
    remove = reverse("webhooks:remove", kwargs={**federation.url_kwargs(), "webhook_id": hook.pk})
    confirm = client.get(remove)
    assert f"Remove the webhook to {hook.url}?" in confirm.text
    assert Webhook.objects.exists()
    assert client.post(remove).status_code == 302
    assert not Webhook.objects.exists()


def test_an_archived_federation_shows_its_webhooks_without_changes(client, hook, federation, owner):
    delivery = Delivery.objects.create(webhook=hook, event="run.finished", body="{}", status="delivered")
    federation_services.archive_federation(federation=federation, actor=owner)
    client.force_login(owner)
    page = client.get(settings_url(federation))
    assert hook.url in page.text
    assert "Add a webhook" not in page.text
    assert "Remove webhook" not in page.text
    its_page = client.get(webhook_url(federation, hook)).text
    assert "run.finished" in its_page
    assert "Redeliver" not in its_page
    assert "Remove webhook" not in its_page
    redeliver = reverse("webhooks:redeliver", kwargs={**federation.url_kwargs(), "delivery_id": delivery.pk})
    assert client.post(redeliver).status_code == 403


# Deliveries ------------------------------------------------------------------------------------------------


def test_a_delivery_is_signed_with_the_documented_recipe(
    hook, queue, receiver, federation, owner, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        federation_services.remove_member(federation=federation, actor=owner, username=member.username)
    assert run_queue(queue) == 1
    (received,) = receiver.received()
    assert received["verified"] is True
    assert received["event"] == "member.removed"
    body = received["body"]
    assert body["event"] == "member.removed"
    assert body["member"] == "max"
    assert body["actor"] == "olivia"
    assert body["federation"]["id"] == "@olivia/fedavg-lab"
    assert body["federation"]["url"].endswith("/@olivia/fedavg-lab/")
    assert received["event_id"] == body["id"]
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered"
    assert delivery.status_code == 200
    assert delivery.response_body == "thanks"


def test_signatures_are_refused_when_altered_or_old():
    body, now = b'{"id":"1"}', 1_800_000_000
    header = signing.signature("s3cret", body, now)
    assert signing.verify("s3cret", body, header, now=now + 299)
    assert not signing.verify("s3cret", body, header, now=now + 301)  # replayed after the window
    assert not signing.verify("other", body, header, now=now)
    assert not signing.verify("s3cret", body + b" ", header, now=now)
    assert not signing.verify("s3cret", body, "v1=" + header.partition("v1=")[2], now=now)


def test_a_receiver_answering_500_then_200_gets_one_success_after_a_retry(
    hook, queue, receiver, federation, owner, django_capture_on_commit_callbacks
):
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        run_ended.send(None, federation=federation, run_id=42, launcher=owner, status="completed", details="")
    before = timezone.now()
    assert run_queue(queue) == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "retrying"
    assert delivery.status_code == 500
    assert delivery.attempts == 1
    assert len(delivery.response_body) == 1024  # a long answer is cut
    assert timedelta(seconds=50) < delivery.next_attempt_at - before < timedelta(seconds=70)
    (retry,) = queue.results
    assert retry.task.run_after == delivery.next_attempt_at
    assert run_queue(queue) == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery.attempts == 2
    assert delivery.status_code == 200
    first, second = receiver.received()
    assert first["event_id"] == second["event_id"]  # the same event, so the receiver can tell
    assert second["body"]["run"]["status"] == "completed"
    assert second["body"]["event"] == "run.finished"
    assert not queue.results  # nothing more


def test_retries_stop_after_a_day(hook, queue, receiver, federation, owner, django_capture_on_commit_callbacks):
    receiver.answer(*[503] * 20)
    with django_capture_on_commit_callbacks(execute=True):
        run_ended.send(None, federation=federation, run_id=7, launcher=owner, status="failed", details="boom")
    tries = 0
    while run_queue(queue):
        tries += 1
        assert tries < 20
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == 8
    assert delivery.next_attempt_at is None
    assert delivery.event == "run.failed"


def test_a_receiver_that_does_not_answer_times_out(
    hook, queue, receiver, federation, owner, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.5)
    receiver.hold(True)
    with django_capture_on_commit_callbacks(execute=True):
        run_started.send(None, federation=federation, run_id=9, launcher=owner)
    run_queue(queue)
    receiver.hold(False)
    delivery = Delivery.objects.get()
    assert delivery.status == "retrying"
    assert delivery.status_code is None
    assert delivery.error == "No answer within 0.5 seconds."


def test_rebinding_resolve_once_and_connect_to_that_address(
    hook, queue, receiver, federation, owner, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The host is looked up once per attempt and the connection goes to the address checked."""
    real = socket.getaddrinfo
    looked_up = []

    def answers(host, port, *args, **kwargs):
        looked_up.append(host)
        if host == "hooks.example.test":
            first = looked_up.count(host) == 1
            return real("127.0.0.1" if first else "10.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", answers)
    hook.url = f"http://hooks.example.test:{receiver.port}/hooks"
    hook.save()
    with django_capture_on_commit_callbacks(execute=True):
        run_started.send(None, federation=federation, run_id=9, launcher=owner)
    run_queue(queue)
    (received,) = receiver.received()
    assert received["host"] == f"hooks.example.test:{receiver.port}"
    assert received["verified"]
    assert looked_up.count("hooks.example.test") == 1  # (the connection "looks up" only the address itself)
    # The name now points inside the network (rebinding): the next delivery is refused before connecting.
    with django_capture_on_commit_callbacks(execute=True):
        run_started.send(None, federation=federation, run_id=10, launcher=owner)
    run_queue(queue)
    refused = Delivery.objects.order_by("-pk").first()
    assert refused.status == "retrying"
    assert refused.status_code is None
    assert "resolves to a private address (10.0.0.1)" in refused.error
    assert len(receiver.received()) == 1


def test_member_and_supernode_events(
    hook, queue, receiver, federation, owner, invitee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = federation_services.invite(federation=federation, inviter=owner, username=invitee.username)
    with django_capture_on_commit_callbacks(execute=True):
        federation_services.accept_invitation(user=invitee, invitation_id=invitation.pk)
    with django_capture_on_commit_callbacks(execute=True):
        federation_services.leave_federation(federation=federation, user=invitee)
    run_queue(queue)
    events = [(line["event"], line["body"]["member"], line["body"]["actor"]) for line in receiver.received()]
    assert events == [("member.joined", "ivy", "ivy"), ("member.left", "ivy", "ivy")]  # invitations are not events


def test_only_the_events_wanted_are_sent(
    queue, receiver, federation, owner, member, django_capture_on_commit_callbacks
):
    add_webhook(federation=federation, actor=owner, url=receiver.url, events=["run.finished"])
    with django_capture_on_commit_callbacks(execute=True):
        run_started.send(None, federation=federation, run_id=1, launcher=owner)
        run_ended.send(None, federation=federation, run_id=1, launcher=owner, status="stopped", details="")
        federation_services.remove_member(federation=federation, actor=owner, username=member.username)
    assert not Delivery.objects.exists()


def test_an_archived_federation_sends_archived_then_nothing(
    hook, queue, receiver, federation, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        federation_services.archive_federation(federation=federation, actor=owner)
    federation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        run_ended.send(None, federation=federation, run_id=3, launcher=owner, status="completed", details="")
    run_queue(queue)
    assert [line["event"] for line in receiver.received()] == ["federation.archived"]


def test_a_change_rolled_back_sends_nothing(hook, queue, federation, owner, member):
    from django.db import transaction

    def change_that_fails_after_the_event():
        with transaction.atomic():
            federation_services.remove_member(federation=federation, actor=owner, username=member.username)
            raise RuntimeError("the change fails after the event")

    with pytest.raises(RuntimeError):
        change_that_fails_after_the_event()
    assert not Delivery.objects.exists()
    assert not queue.results


def test_redeliver_sends_the_same_event_again(
    client, hook, queue, receiver, federation, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_ended.send(None, federation=federation, run_id=5, launcher=owner, status="completed", details="")
    run_queue(queue)
    first = Delivery.objects.get()
    client.force_login(owner)
    page = client.get(settings_url(federation))
    assert "run.finished" in page.text
    assert "Delivered" in page.text
    assert "HTTP 200" in page.text
    url = reverse("webhooks:redeliver", kwargs={**federation.url_kwargs(), "delivery_id": first.pk})
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url)
    assert answer.url == webhook_url(federation, hook)  # back to its deliveries, the new one on top
    run_queue(queue)
    again = Delivery.objects.exclude(pk=first.pk).get()
    assert again.event_id == first.event_id
    assert again.body == first.body
    assert again.status == "delivered"
    a, b = receiver.received()
    assert a["event_id"] == b["event_id"]
    assert a["body"] == b["body"]


def test_a_delivery_already_delivered_is_not_sent_again(
    hook, queue, receiver, federation, owner, django_capture_on_commit_callbacks
):
    """A task run twice (its worker died after sending, before the queue recorded it) sends once."""
    with django_capture_on_commit_callbacks(execute=True):
        run_started.send(None, federation=federation, run_id=11, launcher=owner)
    delivery = Delivery.objects.get()
    deliver.call(delivery.pk)
    deliver.call(delivery.pk)
    assert len(receiver.received()) == 1


def test_a_run_event_links_to_the_run(hook, queue, receiver, federation, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_started.send(None, federation=federation, run_id=12345, launcher=owner)
    run_queue(queue)
    run = receiver.received()[0]["body"]["run"]
    assert run["url"] == "http://127.0.0.1:8000/@olivia/fedavg-lab/runs/12345/"  # PORTAL_URL's, for a receiver
    assert run | {"url": ""} == {"id": "12345", "launcher": "olivia", "status": "pending", "url": ""}
    assert uuid.UUID(receiver.received()[0]["event_id"])


def test_adding_and_removing_a_webhook_is_in_the_activity_log_by_host_only(client, queue, federation, owner, member):
    from federations.models import Activity

    client.force_login(owner)
    url = "https://93.184.216.34/hooks?token=s3cret"
    added = client.post(
        reverse("webhooks:add", kwargs=federation.url_kwargs()), {"url": url, "events": ["run.finished"]}
    )
    assert added.status_code == 302
    webhook = Webhook.objects.get()
    remove = reverse("webhooks:remove", kwargs={**federation.url_kwargs(), "webhook_id": webhook.pk})
    assert client.post(remove, follow=True).status_code == 200  # (the owner reads the messages)
    rows = list(Activity.objects.filter(federation=federation, verb__startswith="webhook").order_by("pk"))
    assert [(row.verb, row.target, row.source) for row in rows] == [
        ("webhook_added", "93.184.216.34", "web"),
        ("webhook_removed", "93.184.216.34", "web"),
    ]
    client.force_login(member)
    log = client.get(reverse("federations:activity", kwargs=federation.url_kwargs())).text
    assert "added a webhook sending to 93.184.216.34" in log
    assert "s3cret" not in log


def webhook_url(federation, webhook) -> str:
    return reverse("webhooks:detail", kwargs={**federation.url_kwargs(), "webhook_id": webhook.pk})


def deliveries(webhook, count, now, **fields) -> list[Delivery]:
    """``count`` deliveries a minute apart, the newest ``now``."""
    fields = {"event": "run.finished", "body": "{}", "status": "delivered", "status_code": 200, "attempts": 1} | fields
    return [
        Delivery.objects.create(webhook=webhook, created_at=now - timedelta(minutes=count - 1 - number), **fields)
        for number in range(count)
    ]


def test_the_settings_tab_shows_each_webhooks_last_delivery_and_one_remove_dialog(client, federation, owner):
    busy = Webhook.objects.create(federation=federation, url="https://a.example.org/hook", events=["run.finished"])
    quiet = Webhook.objects.create(federation=federation, url="https://b.example.org/hook", events=["run.started"])
    silent = Webhook.objects.create(federation=federation, url="https://c.example.org/hook", events=["run.failed"])
    now = timezone.now()
    deliveries(busy, 30, now - timedelta(minutes=1))
    deliveries(busy, 1, now, status="failed", status_code=None, error="Connection refused", attempts=3)
    deliveries(quiet, 1, now, event="run.started", status="retrying", status_code=503)
    client.force_login(owner)
    page = client.get(settings_url(federation)).text
    busy_part = page[page.index("https://a.example.org/hook") : page.index("https://b.example.org/hook")]
    quiet_part = page[page.index("https://b.example.org/hook") : page.index("https://c.example.org/hook")]
    silent_part = page[page.index("https://c.example.org/hook") : page.index("</section>")]
    # Each webhook's last delivery only: however long its history, the tab stays short.
    assert busy_part.count("<time ") == 1
    assert "Failed" in busy_part
    assert "Delivered" not in busy_part
    assert "Retrying" in quiet_part
    assert "HTTP 503" in quiet_part
    assert "No deliveries yet" in silent_part
    assert "Redeliver" not in page  # on each webhook's own page
    for hook in (busy, quiet, silent):
        assert f'href="{webhook_url(federation, hook)}"' in page
    # One dialog for the Remove buttons; without JavaScript each leads to its webhook's confirmation page.
    assert page.count("<dialog") == 1
    for hook in (busy, quiet, silent):
        remove = reverse("webhooks:remove", kwargs={**federation.url_kwargs(), "webhook_id": hook.pk})
        assert f'<form method="get" action="{remove}"' in page
        assert f'data-fill-action="{remove}" data-fill-url="{hook.url}"' in page
        assert f"Remove the webhook to {hook.url}?" in client.get(remove).text


def test_a_webhooks_page_shows_its_secret_and_its_deliveries_a_page_at_a_time(client, federation, owner, member):
    import re

    from webhooks.views import DELIVERIES_PAGE_SIZE

    hook = Webhook.objects.create(federation=federation, url="https://a.example.org/hook", events=["run.finished"])
    other = Webhook.objects.create(federation=federation, url="https://b.example.org/hook", events=["run.started"])
    now = timezone.now()
    older = deliveries(hook, DELIVERIES_PAGE_SIZE + 3, now - timedelta(minutes=1))
    newest = deliveries(hook, 1, now, status="retrying", status_code=503, next_attempt_at=now + timedelta(minutes=5))[0]
    deliveries(other, 2, now, event="run.started")
    client.force_login(owner)
    first = client.get(webhook_url(federation, hook)).text
    assert hook.secret in first
    assert "Run finished" in first
    assert "run.started" not in first  # another webhook's
    for words in ("Retrying", "HTTP 503", "Next try"):
        assert words in first

    def shown(page: str) -> list[int]:
        return [int(pk) for pk in re.findall(r'action="[^"]*/deliveries/(\d+)/redeliver/"', page)]

    newest_first = [newest.pk] + [delivery.pk for delivery in reversed(older)]
    assert shown(first) == newest_first[:DELIVERIES_PAGE_SIZE]
    assert 'rel="next"' in first
    second = client.get(webhook_url(federation, hook), {"page": 2}).text
    assert shown(second) == newest_first[DELIVERIES_PAGE_SIZE:]  # the oldest four
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second
    assert "No more deliveries." in client.get(webhook_url(federation, hook), {"page": 9}).text
    assert shown(client.get(webhook_url(federation, hook), {"page": "x"}).text) == shown(first)  # page 1
    # The tabs swap the federation's body with htmx: the page answers with that part alone.
    swapped = client.get(webhook_url(federation, hook), headers={"HX-Request": "true", "HX-Target": "federation-body"})
    assert "<html" not in swapped.text
    assert shown(swapped.text) == shown(first)
    # Only the owner sees it; another federation's webhook is not found under this one.
    client.force_login(member)
    assert client.get(webhook_url(federation, hook)).status_code == 403
    elsewhere = Webhook.objects.create(
        federation=FederationFactory(owner=owner, name="elsewhere"), url="https://c.example.org/hook", events=[]
    )
    client.force_login(owner)
    assert client.get(webhook_url(federation, elsewhere)).status_code == 404
