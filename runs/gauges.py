"""What runs counts for /metrics (supergrid.metrics): runs the portal recorded as ended, by outcome."""

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import Metric

from supergrid.metrics import counter

from .models import RunOutcome

OUTCOMES = ("completed", "failed", "stopped")


def gauges() -> Iterator[Metric]:
    ended = dict(
        RunOutcome.objects.values_list("sub_status").annotate(count=Count("pk")).values_list("sub_status", "count")
    )
    yield counter(
        "supergrid_runs_finished",
        "Runs that ended, by outcome (completed, failed, stopped), as the portal recorded them.",
        "outcome",
        dict.fromkeys(OUTCOMES, 0) | ended,
    )
