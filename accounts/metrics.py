"""What accounts count for /metrics (supergrid.metrics)."""

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import Metric

from supergrid.metrics import gauge

from .models import CliSession, User


def gauges() -> Iterator[Metric]:
    yield gauge("supergrid_accounts", "Active accounts.", User.objects.filter(is_active=True).count())
    active = CliSession.objects.filter(revoked_at__isnull=True, refresh_expires_at__gt=timezone.now())
    yield gauge("supergrid_cli_sessions_active", "flwr CLI sessions that are not revoked or expired.", active.count())
