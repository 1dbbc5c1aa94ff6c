"""Emails about invitations, sent after the change commits, through Django's tasks API.

A failing mail server is logged and never breaks the action that caused the email. With a queue
that can wait (production's database queue), a failed email is tried again later, a few times.
"""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import default_task_backend, task
from django.urls import reverse
from django.utils import timezone

logger = logging.getLogger(__name__)

RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
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


def is_verified(user) -> bool:
    """Mail goes only to an address its owner has confirmed, never to one anybody typed in."""
    return bool(user.email) and EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def retry_later(event: str, invitation_id: int, attempt: int) -> None:
    if attempt > len(RETRY_DELAYS) or not default_task_backend.supports_defer:
        logger.error("Gave up on the %s email for invitation %s after %s attempt(s)", event, invitation_id, attempt)
        return
    run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
    send_invitation_email.using(run_after=run_after).enqueue(event, invitation_id, attempt + 1)


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
    if not is_verified(recipient):
        return
    try:
        send_mail(subject, body, None, [recipient.email])
    except Exception:
        logger.exception("Could not send the %s email for invitation %s", event, invitation_id)
        retry_later(event, invitation_id, attempt)
