"""The email telling whoever launched a run how it ended, sent after the outcome commits."""

import logging

from django.core.mail import send_mail
from django.tasks import task
from django.utils.translation import gettext as _

from accounts.languages import override_for
from accounts.notifications import has_verified_email, retry_later, sent
from supergrid.links import absolute_url

from .listing import sub_status_text

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
    with override_for(launcher):  # in the recipient's language
        values = {
            "run_id": outcome.run_id,
            "federation": federation.handle,
            "outcome": sub_status_text(outcome.sub_status),
        }
        subject = _("Run %(run_id)s in %(federation)s %(outcome)s") % values
        body = (
            _("Your run %(run_id)s in %(federation)s finished: %(outcome)s.") % values
            + "\n"
            + (f"{outcome.details}\n" if outcome.details else "")
            + "\n"
            + _("Its page, with metrics and logs: %(url)s") % {"url": page}
            + "\n\n"
            + _("Stop these emails on your profile: %(url)s") % {"url": absolute_url("profile")}
            + "\n"
        )
    try:
        send_mail(subject, body, None, [launcher.email])
        sent()
    except Exception:
        logger.exception("Could not send the email for run outcome %s", outcome_id)
        retry_later(send_run_finished_email, attempt, outcome_id)
