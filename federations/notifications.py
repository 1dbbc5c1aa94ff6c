"""Emails about invitations, sent after the change commits, through Django's tasks API.

A failing mail server is logged and never breaks the action that caused the email. With a queue
that can wait (production's database queue), a failed email is tried again later, a few times.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.urls import reverse

from accounts.notifications import has_verified_email, retry_later

logger = logging.getLogger(__name__)

INVITED = "invited"
ACCEPTED = "accepted"
DECLINED = "declined"


def after_commit(event: str, invitation) -> None:
    transaction.on_commit(lambda: enqueue(event, invitation.pk), robust=True)


def enqueue(event: str, invitation_id: int) -> None:
    try:
        send_invitation_email.enqueue(event, invitation_id)
    except Exception:
        logger.exception("Could not queue the %s email for invitation %s", event, invitation_id)


def after_commit_run_finished(outcome_id: int) -> None:
    def enqueue_run_email():
        try:
            send_run_finished_email.enqueue(outcome_id)
        except Exception:
            logger.exception("Could not queue the email for run outcome %s", outcome_id)

    transaction.on_commit(enqueue_run_email, robust=True)


@task
def send_run_finished_email(outcome_id: int, attempt: int = 1) -> None:
    from .models import RunOutcome

    outcome = RunOutcome.objects.select_related("federation__owner", "launched_by").get(pk=outcome_id)
    launcher, federation = outcome.launched_by, outcome.federation
    if launcher is None or not launcher.notify_run_finished or not has_verified_email(launcher):
        return
    page = reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": int(outcome.run_id)})
    subject = f"Run {outcome.run_id} in {federation.handle} {outcome.sub_status}"
    body = (
        f"Your run {outcome.run_id} in {federation.handle} finished: {outcome.sub_status}.\n"
        + (f"{outcome.details}\n" if outcome.details else "")
        + f"\nIts page, with metrics and logs: {settings.PORTAL_URL}{page}\n"
        + f"\nStop these emails on your profile: {settings.PORTAL_URL}{reverse('profile')}\n"
    )
    try:
        send_mail(subject, body, None, [launcher.email])
    except Exception:
        logger.exception("Could not send the email for run outcome %s", outcome_id)
        retry_later(send_run_finished_email, attempt, outcome_id)


@task
def send_invitation_email(event: str, invitation_id: int, attempt: int = 1) -> None:
    from .models import Invitation

    invitation = Invitation.objects.select_related("federation__owner", "invitee", "inviter").get(pk=invitation_id)
    federation = invitation.federation
    if event == INVITED:
        recipient = invitation.invitee
        subject = f"{invitation.inviter} invited you to {federation.handle}"
        body = (
            f"{invitation.inviter} invited you to join the federation {federation.handle} on SuperGrid.\n\n"
            f"Accept or decline on your profile: {settings.PORTAL_URL}{reverse('profile')}\n"
            f"The invitation expires on {invitation.expires_at:%d %b %Y}.\n"
        )
    else:
        recipient = federation.owner
        subject = f"{invitation.invitee} {event} your invitation to {federation.handle}"
        members = reverse("federations:members", kwargs=federation.url_kwargs())
        body = (
            f"{invitation.invitee} {event} your invitation to join {federation.handle}.\n\n"
            f"Members: {settings.PORTAL_URL}{members}\n"
        )
    if not has_verified_email(recipient):
        return
    try:
        send_mail(subject, body, None, [recipient.email])
    except Exception:
        logger.exception("Could not send the %s email for invitation %s", event, invitation_id)
        retry_later(send_invitation_email, attempt, event, invitation_id)
