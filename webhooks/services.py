"""Webhooks: the owner's changes, the events turned into deliveries, and sending them (docs/webhooks.md).

An event becomes one Delivery row per webhook that wants it, in the transaction of the change that
caused it (a change rolled back sends nothing; a committed one is never lost). The row is sent by the
task worker after the commit, never inside the request, and tried again with backoff for a day.
Delivery is at least once: a worker killed mid-send has its task taken back by another worker
(supergrid's worker lease) and the event goes out again with the same event id, which receivers use to
recognise it.
"""

import http.client
import json
import logging
import secrets
import threading
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import close_old_connections, connection, transaction
from django.tasks import default_task_backend, task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from federations.models import Activity, Federation
from federations.rules import Action, FederationError
from federations.services import check_allowed, lock, record
from supergrid.links import absolute_url

from . import addresses, sending, signing
from .models import Delivery, Event, Webhook

logger = logging.getLogger(__name__)

MAX_WEBHOOKS = 5  # per federation
# Tries after the first, then given up: about a day in all.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=8),
    timedelta(hours=8),
]
GIVE_UP_AFTER = timedelta(hours=24)


# The owner's changes --------------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """The URL as saved, or FederationError (field ``url``) saying why it may not receive deliveries."""
    try:
        addresses.resolve(url)
    except addresses.AddressRefused as error:
        raise FederationError(error.message, field="url") from None
    return url.strip()


@transaction.atomic
def add_webhook(*, federation: Federation, actor: User, url: str, events: list[str]) -> Webhook:
    federation = lock(federation)
    check_allowed(federation, actor, Action.CHANGE_SETTINGS)
    url = check_url(url)
    wanted = [value for value in Event.values if value in events]
    if not wanted:
        raise FederationError(_("Choose at least one event."), field="events")
    if federation.webhooks.filter(url=url).exists():
        raise FederationError(_("This federation already sends to that URL."), field="url")
    if federation.webhooks.count() >= MAX_WEBHOOKS:
        message = ngettext(
            "A federation has at most %(count)s webhook; remove it first.",
            "A federation has at most %(count)s webhooks; remove one first.",
            MAX_WEBHOOKS,
        )
        raise FederationError(message % {"count": MAX_WEBHOOKS}, field="url")
    webhook = Webhook.objects.create(
        federation=federation, url=url, events=wanted, secret=secrets.token_urlsafe(32), created_by=actor
    )
    record(federation, actor, Activity.Verb.WEBHOOK_ADDED, receiver_host(url))
    return webhook


def receiver_host(url: str) -> str:
    """What the activity log says of a webhook: its host only (a path or query may carry a token)."""
    return urlsplit(url).hostname or "?"


@transaction.atomic
def remove_webhook(*, federation: Federation, actor: User, webhook_id: int) -> None:
    federation = lock(federation)
    check_allowed(federation, actor, Action.CHANGE_SETTINGS)
    webhook = federation.webhooks.filter(pk=webhook_id).first()
    if webhook is None:
        return
    webhook.delete()  # its deliveries with it
    record(federation, actor, Activity.Verb.WEBHOOK_REMOVED, receiver_host(webhook.url))


@transaction.atomic
def redeliver(*, federation: Federation, actor: User, delivery_id: int) -> Delivery:
    """The same event, body and event id, sent again as a new delivery."""
    federation = lock(federation)
    check_allowed(federation, actor, Action.CHANGE_SETTINGS)
    old = Delivery.objects.select_related("webhook").filter(pk=delivery_id, webhook__federation=federation).first()
    if old is None:
        raise FederationError(_("No such delivery."))
    delivery = Delivery.objects.create(webhook=old.webhook, event_id=old.event_id, event=old.event, body=old.body)
    send_after_commit(delivery.pk)
    return delivery


# Events -----------------------------------------------------------------------------------------------------


def emit(federation: Federation, event: Event, actor: User | None = None, **data: Any) -> list[Delivery]:
    """Queue ``event`` for every webhook of the federation that wants it, in the caller's transaction.

    An archived federation sends its "archived" event and then nothing."""
    if federation.is_archived and event != Event.FEDERATION_ARCHIVED:
        return []
    webhooks = [hook for hook in Webhook.objects.filter(federation=federation) if event in hook.events]
    if not webhooks:
        return []
    event_id, now = uuid.uuid4(), timezone.now()
    payload = {
        "id": str(event_id),
        "event": str(event),
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "federation": {
            "id": federation.handle,
            "url": absolute_url("federations:overview", **federation.url_kwargs()),
        },
        "actor": actor.username if actor is not None else None,
        **data,
    }
    body = json.dumps(payload, separators=(",", ":"))
    deliveries = Delivery.objects.bulk_create(
        Delivery(webhook=hook, event_id=event_id, event=event, body=body, created_at=now) for hook in webhooks
    )
    for delivery in deliveries:
        send_after_commit(delivery.pk)
    return deliveries


def send_after_commit(delivery_id: int) -> None:
    """To the worker once the change commits. Development's queue runs tasks at once, so there the
    delivery goes out from a thread of its own: the request never waits for a receiver."""

    def start() -> None:
        try:
            if default_task_backend.supports_defer:
                deliver.enqueue(delivery_id)
            else:
                threading.Thread(target=deliver_in_thread, args=(delivery_id,), daemon=True).start()
        except Exception:
            logger.exception("Could not queue webhook delivery %s", delivery_id)

    transaction.on_commit(start, robust=True)


def deliver_in_thread(delivery_id: int) -> None:
    try:
        close_old_connections()
        deliver.call(delivery_id)
    finally:
        connection.close()


# Sending ----------------------------------------------------------------------------------------------------


@task
def deliver(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (Delivery.Status.DELIVERED, Delivery.Status.FAILED):
        return  # removed with its webhook, or done (a task run twice after its worker died)
    attempt(delivery)


def attempt(delivery: Delivery) -> None:
    now = timezone.now()
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SuperGrid-Webhooks/1",
        "X-SuperGrid-Event": delivery.event,
        "X-SuperGrid-Event-Id": str(delivery.event_id),
        "X-SuperGrid-Signature": signing.signature(delivery.webhook.secret, body, int(now.timestamp())),
    }
    answer, error = None, ""
    try:
        with translation.override(None):  # kept in the database: the refusal's English words
            target = addresses.resolve(delivery.webhook.url)
        answer = sending.post(target, body, headers, sending.TIMEOUT_SECONDS)
    except addresses.AddressRefused as refused:
        error = refused.message
    except TimeoutError:
        error = f"No answer within {sending.TIMEOUT_SECONDS} seconds."
    except (OSError, http.client.HTTPException) as failure:
        error = f"Could not deliver: {failure.__class__.__name__}: {failure}"[:300]
    delivery.attempts += 1
    delivery.attempted_at = now
    delivery.status_code = answer.status_code if answer else None
    delivery.response_body = answer.body if answer else ""
    delivery.error = error
    if answer is not None and 200 <= answer.status_code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = Delivery.Status.DELIVERED, now, None
        delivery.save()
        return
    retry_at = next_attempt(delivery, now)
    delivery.status = Delivery.Status.RETRYING if retry_at else Delivery.Status.FAILED
    delivery.next_attempt_at = retry_at
    delivery.save()
    if retry_at is not None:
        deliver.using(run_after=retry_at).enqueue(delivery.pk)


def next_attempt(delivery: Delivery, now):
    """When to try again (backoff, within a day of the event), or None: give up."""
    if not default_task_backend.supports_defer or delivery.attempts > len(RETRY_DELAYS):
        return None
    at = now + RETRY_DELAYS[delivery.attempts - 1]
    return at if at <= delivery.created_at + GIVE_UP_AFTER else None
