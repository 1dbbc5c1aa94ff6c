"""The email telling a user how operators decided their deployment access request."""

import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.urls import reverse

logger = logging.getLogger(__name__)


def has_verified_email(user) -> bool:
    """Mail goes only to an address its owner has confirmed, never to one anybody typed in."""
    return bool(user.email) and EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def after_commit_access_decided(request_id: int) -> None:
    def enqueue():
        try:
            send_access_decision_email.enqueue(request_id)
        except Exception:
            logger.exception("Could not queue the decision email for access request %s", request_id)

    transaction.on_commit(enqueue, robust=True)


@task
def send_access_decision_email(request_id: int) -> None:
    from .models import DeploymentAccessRequest

    access_request = DeploymentAccessRequest.objects.select_related("user").get(pk=request_id)
    user = access_request.user
    if not has_verified_email(user):
        return
    profile = f"{settings.PORTAL_URL}{reverse('profile')}#deployment-access"
    if access_request.status == access_request.Status.APPROVED:
        subject = "Deployment access granted"
        body = f"You can now create deployment federations with real SuperNodes.\n\nYour profile: {profile}\n"
    else:
        subject = "Deployment access request denied"
        body = f"An operator denied your request for deployment access. You can ask again with more detail: {profile}\n"
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:
        logger.exception("Could not send the decision email for access request %s", request_id)
