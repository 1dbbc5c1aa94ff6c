"""The private Flower Hub: apps (``@owner/name``) and their immutable versions, each a FAB."""

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Now
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Flower's app names: what `flwr new`/`flwr build` accept for a project (letters, digits, - and _).
APP_NAME_REGEX = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"


class AppQuerySet(models.QuerySet["App"]):
    def visible_to(self, user) -> Self:
        """Public apps, and private ones to their owner and the members of federations that use them."""
        if not getattr(user, "is_authenticated", False):
            return self.filter(private=False)
        used_by_member = FederationApp.objects.filter(federation__memberships__user=user).values("app_id")
        return self.filter(Q(private=False) | Q(owner=user) | Q(pk__in=used_by_member))


class App(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hub_apps", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=64)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    private = models.BooleanField(
        _("private"),
        default=False,
        db_default=False,
        help_text=_("Private apps are seen and run only by their owner and the members of federations that use them."),
    )
    run_count = models.PositiveIntegerField(_("run count"), default=0, db_default=0)  # its AppRun rows, counted
    # Its latest version's publishing.
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_default=Now())

    objects = AppQuerySet.as_manager()

    reviewed: bool  # set by ``lists.app_page`` for the app's page: whether any version has a review

    class Meta:
        verbose_name = _("app")
        verbose_name_plural = _("apps")
        ordering = ["owner__username", "name"]
        indexes = [
            models.Index(F("updated_at").desc(), name="hub_app_newest"),
            models.Index(F("run_count").desc(), F("updated_at").desc(), name="hub_app_most_run"),
        ]
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

    federation = models.ForeignKey(
        "federations.Federation", on_delete=models.CASCADE, related_name="hub_apps", verbose_name=_("federation")
    )
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="federations", verbose_name=_("app"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("federation app")
        verbose_name_plural = _("federation apps")
        ordering = ["app__owner__username", "app__name"]
        constraints = [models.UniqueConstraint("federation", "app", name="hub_federationapp_unique")]

    def __str__(self) -> str:
        return gettext("%(app)s in %(federation)s") % {"app": self.app, "federation": self.federation_id}


class AppVersion(models.Model):
    """One published version: its FAB (in the "hub" storage), never changed once published."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="versions", verbose_name=_("app"))
    version = models.CharField(_("version"), max_length=32)
    fab_file = models.CharField(_("fab file"), max_length=255)  # name in the "hub" storage
    sha256 = models.CharField(_("sha256"), max_length=64)
    size = models.IntegerField(_("size"))
    run_config = models.JSONField(_("run config"), default=dict, blank=True)  # the defaults, flattened to dotted keys
    readme = models.TextField(_("readme"), blank=True)  # the FAB's README.md, shown as text on the app's page
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    hidden = models.BooleanField(
        _("hidden"), default=False, help_text=_("Hidden versions can no longer be launched or fetched.")
    )

    class Meta:
        verbose_name = _("app version")
        verbose_name_plural = _("app versions")
        ordering = ["app", "-published_at"]
        constraints = [models.UniqueConstraint("app", "version", name="hub_appversion_unique")]

    def __str__(self) -> str:
        return f"{self.app.handle}=={self.version}"


class AppRun(models.Model):
    """A run launched of a Hub version (`flwr run @owner/app`, the Run button, or that version's FAB): the
    app page's "how often it ran" and the federations that ran it."""

    version = models.ForeignKey(AppVersion, on_delete=models.CASCADE, related_name="runs")
    federation = models.ForeignKey("federations.Federation", on_delete=models.CASCADE, related_name="hub_runs")
    run_id = models.CharField(max_length=20, unique=True)
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    launched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-launched_at"]
        indexes = [models.Index(fields=["federation", "version"], name="hub_apprun_federation")]

    def __str__(self) -> str:
        return gettext("run %(run_id)s of %(version)s") % {"run_id": self.run_id, "version": self.version}


class Review(models.Model):
    """A signature of a version's FAB by a reviewer's key (`flwr app review`), checked when it came in.

    It counts (for SuperNodes that trust the reviewer, and federations that require their review) while
    its key is in use; a removed key's reviews stay, marked."""

    version = models.ForeignKey(AppVersion, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("version"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reviewer")
    )
    key = models.ForeignKey(
        "accounts.SigningKey", on_delete=models.PROTECT, related_name="reviews", verbose_name=_("key")
    )
    signature = models.CharField(_("signature"), max_length=100)  # URL-safe base64 of 64 bytes, unpadded
    signed_at = models.BigIntegerField(_("signed at"))  # Unix seconds, part of the signed message
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint("version", "key", name="hub_review_once_per_key")]

    def __str__(self) -> str:
        return gettext("review of %(version)s by %(reviewer)s") % {
            "version": self.version_id,
            "reviewer": self.reviewer_id,
        }
