"""The email telling whoever launched a run how it ended, sent after the outcome commits."""

import logging

from django.core.mail import send_mail
from django.tasks import task

from accounts.notifications import has_verified_email, retry_later, sent
from supergrid.links import absolute_url

logger = logging.getLogger(__name__)


@task
def send_run_finished_email(outcome_id: int, attempt: int = 1) -> None:
    from .models import RunOutcome
    from .services import wants_run_emails

    outcome = RunOutcome.objects.select_related("federation__owner", "launched_by").get(pk=outcome_id)
    launcher, federation = outcome.launched_by, outcome.federation
    if launcher is None or not wants_run_emails(launcher.pk) or not has_verified_email(launcher):
        return
    page = absolute_url("runs:run", **federation.url_kwargs(), run_id=int(outcome.run_id))
    subject = f"Run {outcome.run_id} in {federation.handle} {outcome.sub_status}"
    body = (
        f"Your run {outcome.run_id} in {federation.handle} finished: {outcome.sub_status}.\n"
        + (f"{outcome.details}\n" if outcome.details else "")
        + f"\nIts page, with metrics and logs: {page}\n"
        + f"\nStop these emails on your profile: {absolute_url('profile')}\n"
    )
    try:
        send_mail(subject, body, None, [launcher.email])
        sent()
    except Exception:
        logger.exception("Could not send the email for run outcome %s", outcome_id)
        retry_later(send_run_finished_email, attempt, outcome_id)
