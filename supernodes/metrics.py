"""What supernodes counts for /metrics (supergrid.metrics)."""

from collections.abc import Iterator

from prometheus_client.core import Metric

from supergrid.metrics import gauge

from .models import FederationNode


def gauges() -> Iterator[Metric]:
    yield gauge("supergrid_federation_supernodes", "SuperNodes added to federations.", FederationNode.objects.count())
