"""Runs: the SuperLink holds them; the portal records how each ended, once, and tells whoever launched it."""

from collections.abc import Sequence

from django.core.files.storage import storages
from django.db import transaction

from accounts.models import User
from accounts.notifications import enqueue_after_commit
from federations.models import Activity, Federation
from federations.signals import run_ended
from supergrid.db import fetch_one
from superlink import control_client
from superlink.hooks import FinishedRun

from . import artifacts as artifacts_module  # beside arguments named artifacts
from . import notifications
from .models import RunArtifacts, RunEmailSetting, RunOutcome


def active_runs(user: User) -> int | None:
    """The user's runs pending or running (a fair-share limit's use, on the profile); None: SuperLink away."""
    try:
        return len(control_client.member_runs(user, status="active", mine=True, limit=1000))
    except control_client.SuperLinkTrouble:
        return None


# The setting by its primary key, the user's id. Every profile shows it: prepared, it costs the page
# 0.04 ms, where the queryset's exists() cost 0.2.
RUN_EMAILS_SQL = f"SELECT notify_run_finished FROM {RunEmailSetting._meta.db_table} WHERE user_id = %(user_id)s"  # noqa: S608


def wants_run_emails(user_id: int) -> bool:
    """Whether someone wants an email when a run they launched ends (yes unless they turned it off)."""
    row = fetch_one(RUN_EMAILS_SQL, {"user_id": user_id})
    return row is None or bool(row["notify_run_finished"])


def set_run_emails(*, user: User, wanted: bool) -> None:
    RunEmailSetting.objects.update_or_create(user=user, defaults={"notify_run_finished": wanted})


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
        if created and launcher is not None and wants_run_emails(launcher.pk):
            enqueue_after_commit(notifications.send_run_finished_email, outcome.pk)
        if created:
            enqueue_after_commit(artifacts_module.pack_run_artifacts, outcome.pk)
            run_ended.send(
                RunOutcome,
                federation=federation,
                run_id=int(run_id),
                launcher=launcher,
                status=outcome.sub_status,
                details=outcome.details,
            )
    return outcome if created else None


def delete_artifacts(*, artifacts: RunArtifacts, operator: User) -> None:
    """An operator's action (the admin): the zip leaves the storage; the run page and the activity log say so."""
    with transaction.atomic():
        artifacts = RunArtifacts.objects.select_for_update().select_related("outcome__federation").get(pk=artifacts.pk)
        if artifacts.status == RunArtifacts.Status.DELETED:
            return
        name = artifacts.file
        artifacts.status, artifacts.file, artifacts.files, artifacts.left_out = RunArtifacts.Status.DELETED, "", [], []
        artifacts.size = artifacts.kept_bytes = artifacts.left_out_count = 0
        artifacts.save()
        Activity.objects.create(
            federation=artifacts.outcome.federation,
            actor=operator,
            verb=Activity.Verb.ARTIFACTS_DELETED,
            target=f"run {artifacts.outcome.run_id}",
        )
        if name:
            transaction.on_commit(lambda: storages["artifacts"].delete(name), robust=True)


def pack_again(*, artifacts: RunArtifacts) -> None:
    """An operator's action for a pack that failed (the storage was full, say): try once more."""
    updated = RunArtifacts.objects.filter(pk=artifacts.pk, status=RunArtifacts.Status.FAILED).update(
        status=RunArtifacts.Status.PENDING, attempts=0, claimed_until=None, message=""
    )
    if updated:
        enqueue_after_commit(artifacts_module.pack_run_artifacts, artifacts.pk)


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
    # Runs whose artifacts still wait (the packer stopped mid-way, the storage was full): try again.
    for outcome_id in artifacts_module.unpacked_outcomes():
        enqueue_after_commit(artifacts_module.pack_run_artifacts, outcome_id)
