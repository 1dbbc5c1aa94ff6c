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
