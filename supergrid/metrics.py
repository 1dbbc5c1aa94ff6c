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
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

REQUEST_SECONDS = Histogram(
    "supergrid_request_duration_seconds",
    "Time the portal took to answer a request, by view name and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


SIGN_INS = Counter(
    "supergrid_sign_ins",
    "Sign-ins to the portal, by result (ok, refused: a wrong password or a locked account).",
    ["result"],
)
for result in ("ok", "refused"):
    SIGN_INS.labels(result=result)  # both series exist (at 0) before the first sign-in
SUPERLINK_CHECK_SECONDS = 15


def tally(name: str, by: int = 1) -> None:
    """Add to a count kept in the database (any process: the worker's emails). Inside a transaction, it is
    rolled back with it."""
    from .models import Tally

    if Tally.objects.filter(name=name).update(count=F("count") + by):
        return
    try:
        with transaction.atomic():
            Tally.objects.create(name=name, count=by)
    except IntegrityError:  # another process created it first
        Tally.objects.filter(name=name).update(count=F("count") + by)


def tallies(prefix: str) -> dict[str, int]:
    from .models import Tally

    return {
        name.removeprefix(prefix): count
        for name, count in Tally.objects.filter(name__startswith=prefix).values_list("name", "count")
    }


def counter(name: str, documentation: str, label: str, values: dict[str, int]) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


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
        yield gauge(
            "supergrid_superlink_up",
            f"Whether the SuperLink's Control API accepts connections (1) or not (0), checked at most every "
            f"{SUPERLINK_CHECK_SECONDS} s.",
            1.0 if superlink_up() else 0.0,
        )


PORTAL_COLLECTOR = PortalCollector()
_superlink_checked: list[float] = [float("-inf"), 0.0]  # when, and what was found


def superlink_up() -> bool:
    from .views import superlink_listening

    checked_at, found = _superlink_checked
    if time.monotonic() - checked_at >= SUPERLINK_CHECK_SECONDS:
        found = 1.0 if superlink_listening() else 0.0
        _superlink_checked[:] = [time.monotonic(), found]
    return bool(found)


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
