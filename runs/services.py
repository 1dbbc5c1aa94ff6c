"""Runs: the SuperLink holds them; the portal records how each ended, once, and tells whoever launched it."""

from collections.abc import Sequence

from django.db import transaction

from accounts.models import User
from accounts.notifications import enqueue_after_commit
from federations.models import Federation
from superlink.hooks import FinishedRun

from . import notifications
from .models import RunOutcome


def record_run_outcome(
    *, run_id: int, federation_id: str, launched_by_aid: str, sub_status: str, details: str = ""
) -> RunOutcome | None:
    """Record how a run ended; the first time only, email whoever launched it. Returns the outcome or None."""
    federation = Federation.objects.by_handle(federation_id).first()
    if federation is None:
        return None
    launcher = User.objects.filter(flwr_aid=launched_by_aid).first()
    with transaction.atomic():
        outcome, created = RunOutcome.objects.get_or_create(
            run_id=str(run_id),
            defaults={
                "federation": federation,
                "launched_by": launcher,
                "sub_status": sub_status,
                "details": details[:2000],
            },
        )
        if created and launcher is not None and launcher.notify_run_finished:
            enqueue_after_commit(notifications.send_run_finished_email, outcome.pk)
    return outcome if created else None


def record_finished_runs(runs: Sequence[FinishedRun]) -> None:
    """The SuperLink's most recent finished runs (``RunInfo``): record those not recorded yet."""
    recorded = RunOutcome.objects.filter(run_id__in=[str(run.run_id) for run in runs])
    known = set(recorded.values_list("run_id", flat=True))
    for run in runs:
        if str(run.run_id) not in known:
            record_run_outcome(
                run_id=run.run_id,
                federation_id=run.federation_id,
                launched_by_aid=run.flwr_aid,
                sub_status=run.status.sub_status,
                details=run.status.details,
            )
