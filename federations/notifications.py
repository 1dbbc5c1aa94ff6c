"""Emails about invitations, sent after the change commits, through Django's tasks API.

A failing mail server is logged and never breaks the action that caused the email. With a queue
that can wait (production's database queue), a failed email is tried again later, a few times.
"""

import logging

from django.core.mail import send_mail
from django.tasks import task

from accounts.notifications import has_verified_email, retry_later, sent
from supergrid.links import absolute_url

logger = logging.getLogger(__name__)

INVITED = "invited"
ACCEPTED = "accepted"
DECLINED = "declined"


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
            f"Accept or decline on your profile: {absolute_url('profile')}\n"
            f"The invitation expires on {invitation.expires_at:%d %b %Y}.\n"
        )
    else:
        recipient = federation.owner
        subject = f"{invitation.invitee} {event} your invitation to {federation.handle}"
        members = absolute_url("federations:members", **federation.url_kwargs())
        body = f"{invitation.invitee} {event} your invitation to join {federation.handle}.\n\nMembers: {members}\n"
    if not has_verified_email(recipient):
        return
    try:
        send_mail(subject, body, None, [recipient.email])
        sent()
    except Exception:
        logger.exception("Could not send the %s email for invitation %s", event, invitation_id)
        retry_later(send_invitation_email, attempt, event, invitation_id)
