"""What accounts count for /metrics (supergrid.metrics)."""

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import Metric

from supergrid.metrics import counter, gauge, tallies

from .models import CliSession, User


def gauges() -> Iterator[Metric]:
    yield gauge("supergrid_accounts", "Active accounts.", User.objects.filter(is_active=True).count())
    active = CliSession.objects.filter(revoked_at__isnull=True, refresh_expires_at__gt=timezone.now())
    yield gauge("supergrid_cli_sessions_active", "flwr CLI sessions that are not revoked or expired.", active.count())
    yield from email_counts()


def email_counts() -> Iterator[Metric]:
    from django_tasks_db.models import DBTaskResult

    yield counter(
        "supergrid_emails",
        "Emails handed to the mail server (sent) and attempts the mail server refused (failed, tried again later).",
        "status",
        {"sent": 0, "failed": 0} | tallies("emails_"),
    )
    queued = DBTaskResult.objects.filter(status="READY", task_path__contains="email").count()
    yield gauge("supergrid_emails_queued", "Emails waiting in the queue for the worker.", queued)
