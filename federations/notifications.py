"""Emails about invitations, sent after the change commits, through Django's tasks API.

A failing mail server is logged and never breaks the action that caused the email. With a queue
that can wait (production's database queue), a failed email is tried again later, a few times.
"""

import logging

from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.languages import override_for
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
    recipient = invitation.invitee if event == INVITED else federation.owner
    if not has_verified_email(recipient):
        return
    # In the recipient's language (their profile's choice, else English), never the sender's.
    with override_for(recipient):
        if event == INVITED:
            words = {"inviter": str(invitation.inviter), "federation": federation.handle}
            subject = _("%(inviter)s invited you to %(federation)s") % words
            body = (
                _("%(inviter)s invited you to join the federation %(federation)s on SuperGrid.") % words
                + "\n\n"
                + _("Accept or decline on your profile: %(url)s") % {"url": absolute_url("profile")}
                + "\n"
                + _("The invitation expires on %(day)s.")
                % {"day": date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")}
                + "\n"
            )
        else:
            words = {"invitee": str(invitation.invitee), "federation": federation.handle}
            members = absolute_url("federations:members", **federation.url_kwargs())
            if event == ACCEPTED:
                subject = _("%(invitee)s accepted your invitation to %(federation)s") % words
                said = _("%(invitee)s accepted your invitation to join %(federation)s.") % words
            else:
                subject = _("%(invitee)s declined your invitation to %(federation)s") % words
                said = _("%(invitee)s declined your invitation to join %(federation)s.") % words
            body = said + "\n\n" + _("Members: %(url)s") % {"url": members} + "\n"
    try:
        send_mail(subject, body, None, [recipient.email])
        sent()
    except Exception:
        logger.exception("Could not send the %s email for invitation %s", event, invitation_id)
        retry_later(send_invitation_email, attempt, event, invitation_id)
