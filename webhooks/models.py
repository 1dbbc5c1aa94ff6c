"""A federation's webhooks and every delivery of an event to one of them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from federations.models import Federation

MAX_RESPONSE_BODY = 1024  # a receiver's answer is kept no longer than this (characters)


class Event(models.TextChoices):
    RUN_STARTED = "run.started", _("Run started")
    RUN_FINISHED = "run.finished", _("Run finished")
    RUN_FAILED = "run.failed", _("Run failed")
    RUN_STOPPED = "run.stopped", _("Run stopped")
    MEMBER_JOINED = "member.joined", _("Member joined")
    MEMBER_LEFT = "member.left", _("Member left")
    MEMBER_REMOVED = "member.removed", _("Member removed")
    SUPERNODE_ADDED = "supernode.added", _("SuperNode added")
    SUPERNODE_REMOVED = "supernode.removed", _("SuperNode removed")
    FEDERATION_ARCHIVED = "federation.archived", _("Federation archived")


class Webhook(models.Model):
    """Where the owner wants a federation's events POSTed, signed with ``secret`` (docs/webhooks.md)."""

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("federation")
    )
    url = models.URLField(_("Payload URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)  # Event values
    secret = models.CharField(_("secret"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["federation", "url"], name="webhooks_one_per_url")]

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        return [str(label) for value, label in Event.choices if value in self.events]


class Delivery(models.Model):
    """One event for one webhook: its exact body, and how sending it went. A redelivery is a new row
    with the same event id, so receivers can tell they have seen the event."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
        RETRYING = "retrying", pgettext_lazy("webhook delivery", "Retrying")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, db_index=True)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    body = models.TextField(_("body"))  # the JSON sent, byte for byte (the signature covers it)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # The last attempt's HTTP status.
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    # The last attempt's failure, when no status came.
    error = models.CharField(_("error"), max_length=300, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempted_at = models.DateTimeField(_("attempted at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
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
