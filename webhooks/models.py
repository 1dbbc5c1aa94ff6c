"""A federation's webhooks and every delivery of an event to one of them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from federations.models import Federation

MAX_RESPONSE_BODY = 1024  # a receiver's answer is kept no longer than this (characters)


class Event(models.TextChoices):
    RUN_STARTED = "run.started", "Run started"
    RUN_FINISHED = "run.finished", "Run finished"
    RUN_FAILED = "run.failed", "Run failed"
    RUN_STOPPED = "run.stopped", "Run stopped"
    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_LEFT = "member.left", "Member left"
    MEMBER_REMOVED = "member.removed", "Member removed"
    SUPERNODE_ADDED = "supernode.added", "SuperNode added"
    SUPERNODE_REMOVED = "supernode.removed", "SuperNode removed"
    FEDERATION_ARCHIVED = "federation.archived", "Federation archived"


class Webhook(models.Model):
    """Where the owner wants a federation's events POSTed, signed with ``secret`` (docs/webhooks.md)."""

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("Payload URL", max_length=500)
    events = models.JSONField(default=list)  # Event values
    secret = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["federation", "url"], name="webhooks_one_per_url")]

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        return [label for value, label in Event.choices if value in self.events]


class Delivery(models.Model):
    """One event for one webhook: its exact body, and how sending it went. A redelivery is a new row
    with the same event id, so receivers can tell they have seen the event."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    event = models.CharField(max_length=40, choices=Event.choices)
    body = models.TextField()  # the JSON sent, byte for byte (the signature covers it)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)  # the last attempt's HTTP status
    error = models.CharField(max_length=300, blank=True)  # the last attempt's failure, when no status came
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempted_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="webhooks_delivery_recent")]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("response_body"), MAX_RESPONSE_BODY),
                name="webhooks_response_kept_short",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.webhook}"
