"""What federations count for /metrics (supergrid.metrics)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from supergrid.metrics import gauge

from .models import Federation, Invitation, Membership


def gauges() -> Iterator[Metric]:
    federations = GaugeMetricFamily("supergrid_federations", "Federations by kind and state.", labels=["kind", "state"])
    for kind, _ in Federation.Kind.choices:
        of_kind = Federation.objects.filter(kind=kind)
        federations.add_metric([kind, "active"], of_kind.filter(archived_at__isnull=True).count())
        federations.add_metric([kind, "archived"], of_kind.filter(archived_at__isnull=False).count())
    yield federations
    yield gauge("supergrid_memberships", "Memberships.", Membership.objects.count())
    yield gauge(
        "supergrid_pending_invitations", "Invitations waiting for an answer.", Invitation.objects.pending().count()
    )
