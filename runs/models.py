from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from federations.models import Federation


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
        return f"run {self.run_id} {self.sub_status}"


class RunEmailSetting(models.Model):
    """Whether someone wants an email when a run they launched ends; no row means yes (the default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="run_email_setting"
    )
    notify_run_finished = models.BooleanField(
        "email when my runs finish",
        default=True,
        help_text="An email when a run you launched finishes, fails or is stopped.",
    )

    def __str__(self) -> str:
        return f"run emails {'on' if self.notify_run_finished else 'off'}"


class RunArtifacts(models.Model):
    """What a run wrote into its artifacts folder, packed once into the "artifacts" storage when it ended."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be packed"
        PACKED = "packed", "Packed"
        EMPTY = "empty", "No artifacts"
        FAILED = "failed", "Could not be packed"
        DELETED = "deleted", "Deleted by an operator"

    outcome = models.OneToOneField(RunOutcome, on_delete=models.CASCADE, primary_key=True, related_name="artifacts")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.CharField(max_length=255, blank=True)  # the zip's name in the "artifacts" storage
    size = models.BigIntegerField(default=0)  # of the zip
    kept_bytes = models.BigIntegerField(default=0)  # of the files kept, uncompressed
    files = models.JSONField(default=list, blank=True)  # the manifest: [{"name", "size", "sha256"}], kept files
    left_out = models.JSONField(default=list, blank=True)  # what was not kept, and why: [{"name", "reason"}]
    left_out_count = models.IntegerField(default=0)  # all of them (the list above stops at 100)
    message = models.TextField(blank=True)  # why packing failed, for the run page
    attempts = models.IntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)  # one packer at a time (a lease)
    packed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "run artifacts"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="packed") | (~Q(file="") & Q(packed_at__isnull=False)),
                name="runs_artifacts_packed_has_file",
                violation_error_message="Packed artifacts have a file.",
            )
        ]

    def __str__(self) -> str:
        return f"artifacts of run {self.outcome.run_id}: {self.status}"
