"""Which changes are webhook events: the activity log's rows (members, SuperNodes, archiving) and the
runs' signals (started in the SuperLink, ended when their outcome is recorded)."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from federations.models import Activity, Federation
from federations.signals import run_ended, run_started
from supergrid.links import absolute_url

from .models import Event
from .services import emit

ACTIVITY_EVENTS = {
    Activity.Verb.INVITATION_ACCEPTED: (Event.MEMBER_JOINED, "member"),
    Activity.Verb.MEMBER_LEFT: (Event.MEMBER_LEFT, "member"),
    Activity.Verb.MEMBER_REMOVED: (Event.MEMBER_REMOVED, "member"),
    Activity.Verb.SUPERNODE_ADDED: (Event.SUPERNODE_ADDED, "supernode"),
    Activity.Verb.SUPERNODE_REMOVED: (Event.SUPERNODE_REMOVED, "supernode"),
    Activity.Verb.ARCHIVED: (Event.FEDERATION_ARCHIVED, None),
}
RUN_ENDINGS = {"completed": Event.RUN_FINISHED, "failed": Event.RUN_FAILED, "stopped": Event.RUN_STOPPED}


@receiver(post_save, sender=Activity, dispatch_uid="webhooks-activity")
def activity_recorded(sender, instance: Activity, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw or instance.verb not in ACTIVITY_EVENTS:
        return
    event, subject = ACTIVITY_EVENTS[Activity.Verb(instance.verb)]
    data = {subject: instance.target} if subject else {}
    emit(instance.federation, event, instance.actor, **data)


def run_data(federation: Federation, run_id: int, launcher, **more: Any) -> dict:
    return {
        "run": {
            "id": str(run_id),
            "launcher": launcher.username if launcher is not None else None,
            **more,
            "url": absolute_url("runs:run", **federation.url_kwargs(), run_id=int(run_id)),
        }
    }


@receiver(run_started, dispatch_uid="webhooks-run-started")
def run_was_started(sender, federation: Federation, run_id: int, launcher=None, **kwargs: Any) -> None:
    emit(federation, Event.RUN_STARTED, launcher, **run_data(federation, run_id, launcher, status="pending"))


@receiver(run_ended, dispatch_uid="webhooks-run-ended")
def run_has_ended(
    sender, federation: Federation, run_id: int, status: str, launcher=None, details: str = "", **kwargs: Any
) -> None:
    event = RUN_ENDINGS.get(status, Event.RUN_FAILED)
    emit(federation, event, launcher, **run_data(federation, run_id, launcher, status=status, details=details))
