from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from federations.models import Federation

from . import wording


class RunOutcome(models.Model):
    """How a run ended, recorded once when the SuperLink reports it (the SuperLink keeps the run itself).

    Moved here from ``federations`` (state only, then the table renamed); its constraint name still says
    where it was born.
    """

    run_id = models.CharField(max_length=20, unique=True)  # Flower run ids are unsigned 64-bit integers
    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="run_outcomes")
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sub_status = models.CharField(max_length=16)  # completed, failed or stopped
    details = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(run_id__regex=r"^[0-9]{1,20}$"), name="federations_outcome_run_id_digits"
            )
        ]

    def __str__(self) -> str:
        from .listing import sub_status_text  # not at import: it brings the SuperLink client (flwr) along

        return gettext("run %(run_id)s %(outcome)s") % {
            "run_id": self.run_id,
            "outcome": sub_status_text(self.sub_status),
        }


class RunEmailSetting(models.Model):
    """Whether someone wants an email when a run they launched ends; no row means yes (the default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="run_email_setting"
    )
    notify_run_finished = models.BooleanField(
        gettext_lazy("email when my runs finish"),
        default=True,
        help_text=gettext_lazy("An email when a run you launched finishes, fails or is stopped."),
    )

    def __str__(self) -> str:
        return f"run emails {'on' if self.notify_run_finished else 'off'}"


class RunArtifacts(models.Model):
    """What a run wrote into its artifacts folder, packed once into the "artifacts" storage when it ended."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting to be packed")
        PACKED = "packed", gettext_lazy("Packed")
        EMPTY = "empty", gettext_lazy("No artifacts")
        FAILED = "failed", gettext_lazy("Could not be packed")
        DELETED = "deleted", gettext_lazy("Deleted by an operator")

    outcome = models.OneToOneField(
        RunOutcome,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="artifacts",
        verbose_name=gettext_lazy("outcome"),
    )
    status = models.CharField(gettext_lazy("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # The zip's name in the "artifacts" storage.
    file = models.CharField(gettext_lazy("file"), max_length=255, blank=True)
    size = models.BigIntegerField(gettext_lazy("size"), default=0)  # of the zip
    kept_bytes = models.BigIntegerField(gettext_lazy("kept bytes"), default=0)  # of the files kept, uncompressed
    # The manifest of the files kept: [{"name", "size", "sha256"}].
    files = models.JSONField(gettext_lazy("files"), default=list, blank=True)
    # What was not kept, and why: [{"name", "reason"}].
    left_out = models.JSONField(gettext_lazy("left out"), default=list, blank=True)
    # All of them (the list above stops at 100).
    left_out_count = models.IntegerField(gettext_lazy("left out count"), default=0)
    message = models.TextField(gettext_lazy("message"), blank=True)  # why packing failed, for the run page
    attempts = models.IntegerField(gettext_lazy("attempts"), default=0)
    # One packer at a time (a lease).
    claimed_until = models.DateTimeField(gettext_lazy("claimed until"), null=True, blank=True)
    packed_at = models.DateTimeField(gettext_lazy("packed at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("run artifacts")
        verbose_name_plural = gettext_lazy("run artifacts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="packed") | (~Q(file="") & Q(packed_at__isnull=False)),
                name="runs_artifacts_packed_has_file",
                violation_error_message="Packed artifacts have a file.",
            )
        ]

    def __str__(self) -> str:
        return gettext("artifacts of run %(run_id)s: %(status)s") % {
            "run_id": self.outcome.run_id,
            "status": self.get_status_display(),
        }

    @property
    def message_text(self) -> str:
        """Why packing failed (kept in English), in the reader's language."""
        return wording.shown(self.message)

    @property
    def left_out_shown(self) -> list[dict[str, str]]:
        """What was left out, each reason (kept in English) in the reader's language."""
        return [{**item, "reason": wording.shown(item.get("reason", ""))} for item in self.left_out]
