"""What the portal keeps for the Flower CLI: device logins and the sessions they create."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceAuthorization(models.Model):
    """One `flwr login`: the CLI polls with the secret device code while a person approves the user code."""

    device_code_hash = models.CharField(max_length=64, unique=True)
    user_code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="flower_bridge_device_approval_complete",
            ),
            models.CheckConstraint(
                condition=Q(consumed_at__isnull=True) | Q(approved_at__isnull=False),
                name="flower_bridge_device_consumed_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"flwr login {self.user_code}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())


class CliSession(models.Model):
    """Tokens of one signed-in `flwr` CLI (or the portal acting for its user); only hashes are stored."""

    class Kind(models.TextChoices):
        CLI = "cli", "flwr CLI"
        PORTAL = "portal", "Portal"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cli_sessions")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CLI)
    access_token_hash = models.CharField(max_length=64, unique=True)
    refresh_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "revoked_at"], name="flower_bridge_session_owner")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} session of {self.user}"
