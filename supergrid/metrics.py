"""`/metrics` in Prometheus's text format (the standard prometheus-client library), for operators.

Never public: answered only with the bearer token in METRICS_TOKEN, or to an address in
METRICS_ALLOWED_IPS; with neither set it is a missing page. Gauges are read from the database when
scraped (one query each); request latencies are a histogram by view name (never by URL, which would make
a series per federation), kept across gunicorn's workers through PROMETHEUS_MULTIPROC_DIR
(``deploy/gunicorn.conf.py`` marks a finished worker's files dead).
"""

import hmac
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

REQUEST_SECONDS = Histogram(
    "supergrid_request_duration_seconds",
    "Time the portal took to answer a request, by view name and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


# Each app hands in what it counts (from its AppConfig.ready()): supergrid names no feature app.
gauge_sources: list[Callable[[], Iterable[Metric]]] = []


def add_gauges(source: Callable[[], Iterable[Metric]]) -> None:
    if source not in gauge_sources:
        gauge_sources.append(source)


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class PortalCollector(Collector):
    """What the portal holds, counted when Prometheus scrapes: the apps' gauges, and the task queue's."""

    def collect(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        for source in gauge_sources:
            yield from source()
        tasks = GaugeMetricFamily("supergrid_tasks", "Background tasks (emails, packing) by status.", labels=["status"])
        for row in DBTaskResult.objects.values("status").annotate(count=Count("pk")):
            tasks.add_metric([row["status"].lower()], row["count"])
        yield tasks
        oldest = DBTaskResult.objects.filter(status="READY").aggregate(oldest=Min("enqueued_at"))["oldest"]
        yield gauge(
            "supergrid_task_queue_oldest_seconds",
            "Age of the oldest task waiting for the worker (0 when none waits).",
            (timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )


PORTAL_COLLECTOR = PortalCollector()


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


def metrics(request: HttpRequest) -> HttpResponse:
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS) or not allowed(request):
        raise Http404("No such page.")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every worker's histograms, merged
    else:
        registry = REGISTRY
    output = generate_latest(registry) + generate_latest(portal_registry())
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)


def portal_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(PORTAL_COLLECTOR)
    return registry


class LatencyMiddleware:
    """Every answer's time, by the view that answered (``unmatched`` for URLs no view has)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None and match.view_name else "unmatched"
        if view != "metrics":
            REQUEST_SECONDS.labels(view=view, method=request.method).observe(time.perf_counter() - started)
        return response
