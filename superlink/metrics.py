"""The SuperLink process's own /metrics, on a local port of its own (SUPERLINK_METRICS_PORT): how long
each Control call took, by method (stock handlers and the portal's, over gRPC and HTTP alike), what the
FederationManager was asked and how it answered, the messages routed to and from SuperNodes and ServerApps,
the SQL statements the portal's code sent while serving them (0 per message is the goal: routing reads
memory), and the runs the SuperLink holds by status and federation kind, counted at most once per
RUN_COUNTS_SECONDS however often Prometheus scrapes."""

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import wraps
from types import ModuleType
from typing import Any

from flwr.supercore.error import FlowerError
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

RUN_COUNTS_SECONDS = 15
REGISTRY = CollectorRegistry()
CONTROL_SECONDS = Histogram(
    "supergrid_superlink_control_duration_seconds",
    "Time the SuperLink took to answer a Control call (flwr CLI and portal), by method and outcome.",
    ["method", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
MANAGER_CALLS = Counter(
    "supergrid_superlink_federation_manager_calls",
    "Calls of the portal's FederationManager by the SuperLink, by method and outcome (ok, refused, error).",
    ["method", "outcome"],
    registry=REGISTRY,
)

MESSAGES = Counter(
    "supergrid_superlink_messages",
    "Messages through the SuperLink, by API (fleet: SuperNodes; serverappio: ServerApps) and direction "
    "(pushed to the SuperLink, pulled from it).",
    ["api", "direction"],
    registry=REGISTRY,
)
SQL_STATEMENTS = Counter(
    "supergrid_superlink_sql_statements",
    "SQL statements the portal's code sent to its database from the SuperLink process, by the API the thread "
    "was serving (fleet, serverappio; other: the Control API, its login and background work).",
    ["api"],
    registry=REGISTRY,
)
serving = threading.local()  # .api: the message API this thread is answering, if any


def outcome_of(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    return "refused" if isinstance(error, FlowerError) else "error"


def timed(method: str, function: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(function, "_timed", False):
        return function

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, error = time.perf_counter(), None
        try:
            return function(*args, **kwargs)
        except BaseException as raised:
            error = raised
            raise
        finally:
            CONTROL_SECONDS.labels(method=method, outcome=outcome_of(error)).observe(time.perf_counter() - started)

    wrapper._timed = True  # type: ignore[attr-defined]
    return wrapper


def time_control_handlers(handlers: ModuleType) -> None:
    """Every Control handler (a function taking the request first), as both transports call them by name."""
    for name, function in list(vars(handlers).items()):
        if name.startswith("_") or not inspect.isfunction(function):
            continue
        parameters = list(inspect.signature(function).parameters)
        if parameters[:1] == ["request"]:
            setattr(handlers, name, timed(name, function))


def count_manager_calls(manager: Any, methods: list[str]) -> None:
    for name in methods:
        bound = getattr(manager, name)

        def counted(*args: Any, __name: str = name, __bound: Callable[..., Any] = bound, **kwargs: Any) -> Any:
            error = None
            try:
                return __bound(*args, **kwargs)
            except BaseException as raised:
                error = raised
                raise
            finally:
                MANAGER_CALLS.labels(method=__name, outcome=outcome_of(error)).inc()

        setattr(manager, name, wraps(bound)(counted))


def count_messages(handlers: ModuleType, api: str) -> None:
    """Every handler of a message API (the Fleet API's, the ServerAppIo API's: the module's own public
    functions, looked up by name at call time) marks its thread as serving ``api`` while it runs, so the SQL
    it causes is counted under that API; ``push_messages`` and ``pull_messages`` count what they carry."""
    for name, function in list(vars(handlers).items()):
        own = inspect.isfunction(function) and function.__module__ == handlers.__name__
        if own and not name.startswith("_") and not getattr(function, "_serving", False):
            setattr(handlers, name, serving_api(api, name, function))


def serving_api(api: str, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        before = getattr(serving, "api", "other")
        serving.api = api
        try:
            response = function(*args, **kwargs)
        finally:
            serving.api = before
        if name == "push_messages":
            request = kwargs["request"] if "request" in kwargs else args[0]
            MESSAGES.labels(api=api, direction="pushed").inc(len(request.messages_list))
        elif name == "pull_messages":
            MESSAGES.labels(api=api, direction="pulled").inc(len(response.messages_list))
        return response

    wrapper._serving = True  # type: ignore[attr-defined]
    return wrapper


def count_statement(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """A database execute wrapper (Django's, also run by ``supergrid.db`` for its prepared statements)."""
    SQL_STATEMENTS.labels(api=getattr(serving, "api", "other")).inc()
    return execute(sql, params, many, context)


def count_sql(connection: Any, **_: Any) -> None:
    """Count every statement on ``connection`` (a thread's; called again as each thread connects)."""
    if count_statement not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, count_statement)


class StateCounts(Collector):
    """Runs by status and federation kind, and SuperNodes by status, read from the SuperLink's state
    through ``count`` at most once per RUN_COUNTS_SECONDS."""

    def __init__(self, count: Callable[[], "Counts"]):
        self.count = count
        self.lock = threading.Lock()
        self.cached = Counts()
        self.counted_at = float("-inf")

    def collect(self) -> Iterator[Metric]:
        with self.lock:
            if time.monotonic() - self.counted_at >= RUN_COUNTS_SECONDS:
                try:
                    self.cached = self.count()
                except Exception:
                    logger.exception("Could not count the runs and SuperNodes for /metrics")
                self.counted_at = time.monotonic()
            counts = self.cached
        runs = GaugeMetricFamily(
            "supergrid_runs",
            "Runs the SuperLink holds, by status (pending, starting, running, completed, failed, stopped) and "
            "federation kind (simulation, deployment).",
            labels=["status", "kind"],
        )
        for (status, kind), value in sorted(counts.runs.items()):
            runs.add_metric([status, kind], value)
        yield runs
        nodes = GaugeMetricFamily(
            "supergrid_supernodes",
            "SuperNodes registered with the SuperLink, by status (online, offline, …).",
            labels=["status"],
        )
        for status, value in sorted(counts.nodes.items()):
            nodes.add_metric([status], value)
        yield nodes


@dataclass
class Counts:
    runs: dict[tuple[str, str], int] = field(default_factory=dict)
    nodes: dict[str, int] = field(default_factory=dict)


def serve(port: int, count: Callable[[], Counts], address: str = "127.0.0.1") -> None:
    REGISTRY.register(StateCounts(count))
    start_http_server(port, addr=address, registry=REGISTRY)
    logger.info("SuperLink metrics on http://%s:%s/metrics", address, port)
