"""Emails from the accounts room: allauth's own (verification, password reset) and the deployment
access decision, and the queueing and retries every app's emails use. Every email goes through the task
queue, never out inside the request.

A failing mail server is logged and never breaks the action that caused the email. With a queue that
can wait (production's database queue), a failed email is tried again later, a few times.
"""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.db import transaction
from django.tasks import Task, TaskContext, default_task_backend, task
from django.utils import timezone
from django.utils.translation import gettext as _

from supergrid.links import absolute_url
from supergrid.metrics import tally

from .languages import override_for

logger = logging.getLogger(__name__)

RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]


def enqueue_after_commit(email_task: Task, *args) -> None:
    """Queue the task once the transaction commits (at once outside one); rolled back, nothing is sent.

    A queue that refuses it is logged and never undoes the change that asked for the email. The log
    names the plain arguments (ids, events), never an email's contents (a password reset link, say).
    """

    def enqueue() -> None:
        try:
            email_task.enqueue(*args)
        except Exception:
            named = [arg for arg in args if isinstance(arg, int | str)]
            logger.exception("Could not queue %s %s", email_task.name, named)

    transaction.on_commit(enqueue, robust=True)


def sent() -> None:
    """One email handed to the mail server (/metrics: supergrid_emails_total{status="sent"})."""
    tally("emails_sent")


def retry_later(email_task, attempt: int, *args) -> None:
    """Queue the email task again later, a few times, when the queue can wait (not in development).
    Counts the failed attempt (/metrics: supergrid_emails_total{status="failed"})."""
    tally("emails_failed")
    if attempt > len(RETRY_DELAYS) or not default_task_backend.supports_defer:
        logger.error("Gave up on the email %s after %s attempt(s)", email_task.name, attempt)
        return
    run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
    email_task.using(run_after=run_after).enqueue(*args, attempt + 1)


def queue_email(message: EmailMessage) -> None:
    """Send a message rendered in the request (allauth's) from the queue, once the request commits."""
    payload = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "content_subtype": message.content_subtype,
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }
    enqueue_after_commit(send_email, payload)


@task(takes_context=True)
def send_email(context: TaskContext, payload: dict, attempt: int = 1) -> None:
    message = EmailMultiAlternatives(payload["subject"], payload["body"], payload["from_email"], payload["to"])
    message.content_subtype = payload["content_subtype"]
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    try:
        message.send()
        sent()
    except Exception:
        logger.exception("Could not send the email %r", payload["subject"])
        retry_later(send_email, attempt, payload)  # the retry keeps the body; this row need not
    forget_contents(context)


def forget_contents(context: TaskContext) -> None:
    """A sent email's body (a password reset link, say) does not stay in the task table."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=context.task_result.id).update(args_kwargs={"args": ["(sent)"], "kwargs": {}})


def has_verified_email(user) -> bool:
    """Mail goes only to an address its owner has confirmed, never to one anybody typed in."""
    return bool(user.email) and EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


@task
def send_access_decision_email(request_id: int) -> None:
    from .models import DeploymentAccessRequest

    access_request = DeploymentAccessRequest.objects.select_related("user").get(pk=request_id)
    user = access_request.user
    if not has_verified_email(user):
        return
    profile = absolute_url("profile") + "#deployment-access"
    with override_for(user):  # in the recipient's language
        if access_request.status == access_request.Status.APPROVED:
            subject = _("Deployment access granted")
            body = _("You can now create deployment federations with real SuperNodes.\n\nYour profile: %(profile)s\n")
        else:
            subject = _("Deployment access request denied")
            body = _(
                "An operator denied your request for deployment access. You can ask again with more detail: "
                "%(profile)s\n"
            )
        body %= {"profile": profile}
    try:
        send_mail(subject, body, None, [user.email])
        sent()
    except Exception:
        tally("emails_failed")
        logger.exception("Could not send the decision email for access request %s", request_id)
