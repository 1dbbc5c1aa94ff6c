"""The private Flower Hub: apps (``@owner/name``) and their immutable versions, each a FAB."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# Flower's app names: what `flwr new`/`flwr build` accept for a project (letters, digits, - and _).
APP_NAME_REGEX = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"


class App(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hub_apps")
    name = models.CharField(max_length=64)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["owner__username", "name"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="hub_app_name_unique_per_owner_ci"),
            models.CheckConstraint(condition=models.Q(name__regex=APP_NAME_REGEX), name="hub_app_name_format"),
        ]

    def __str__(self) -> str:
        return self.handle

    @property
    def handle(self) -> str:
        return f"@{self.owner.username}/{self.name}"


class FederationApp(models.Model):
    """An app a federation uses: listed on its Apps tab with a Run each (the owner adds and removes them)."""

    federation = models.ForeignKey("federations.Federation", on_delete=models.CASCADE, related_name="hub_apps")
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="federations")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["app__owner__username", "app__name"]
        constraints = [models.UniqueConstraint("federation", "app", name="hub_federationapp_unique")]

    def __str__(self) -> str:
        return f"{self.app} in {self.federation_id}"


class AppVersion(models.Model):
    """One published version: its FAB (in the "hub" storage), never changed once published."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=32)
    fab_file = models.CharField(max_length=255)  # name in the "hub" storage
    sha256 = models.CharField(max_length=64)
    size = models.IntegerField()
    run_config = models.JSONField(default=dict, blank=True)  # the defaults, flattened to dotted keys
    readme = models.TextField(blank=True)  # the FAB's README.md, shown as text on the app's page
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    hidden = models.BooleanField(default=False, help_text="Hidden versions can no longer be launched or fetched.")

    class Meta:
        ordering = ["app", "-published_at"]
        constraints = [models.UniqueConstraint("app", "version", name="hub_appversion_unique")]

    def __str__(self) -> str:
        return f"{self.app.handle}=={self.version}"
