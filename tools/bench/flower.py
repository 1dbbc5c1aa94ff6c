"""Our SuperLink (`manage.py superlink`) and a stock one (`flower-superlink --simulation`), side by side.

Measured here: a Flower run's wall time from StartRun to finished through each, and the time of the
Control API calls the portal's fragments make, answered by the stock SuperLink (their floor).
"""

import contextlib
import hashlib
import http.client
import os
import ssl
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from flwr.proto.control_pb2 import (
    ListFederationsRequest,
    ListNodesRequest,
    ListRunsRequest,
    ShowFederationRequest,
    StartRunRequest,
)
from flwr.proto.fab_pb2 import Fab
from flwr.supercore.constant import NOOP_FEDERATION_ID
from flwr.supercore.control.control_http_client import ControlHttpClient
from flwr.supercore.protobuf.constants import PROTOBUF_MEDIA_TYPE
from google.protobuf.message import Message

from accounts.models import User
from federations.models import Federation
from superlink import control_client
from tools.processes import BIN, FLWR_ENV, free_port, start, stop, stop_ray, wait_for_tls

from .seed import BIG_OWNER, FEDERATION_SIZES, RUNS_FEDERATION, federation_name, member_name

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_APP = ROOT / "examples" / "quickstart-numpy"
RUN_TIMEOUT_SECONDS = 300


def superlink_env(workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **FLWR_ENV, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "FLWR_HOME": str(workdir / "home")}


@dataclass(frozen=True)
class Link:
    address: str  # the Control API, and in flwr 1.42 the Fleet API too: where SuperNodes connect
    metrics_url: str = ""  # our SuperLink's own /metrics


@contextlib.contextmanager
def our_superlink(workdir: Path):
    """The portal's SuperLink on the bench database, at settings.SUPERLINK_ADDRESS, its /metrics on a free port."""
    log = workdir / "ours.log"
    metrics_port = free_port()
    command = [sys.executable, "manage.py", "superlink"]
    env = {**superlink_env(workdir), "SUPERLINK_METRICS_PORT": str(metrics_port)}
    process = start(command, env, log, ROOT)
    try:
        wait_for_tls(settings.SUPERLINK_ADDRESS, settings.SUPERLINK_TLS_DIR / "ca.pem", process, log)
        yield Link(settings.SUPERLINK_ADDRESS, f"http://127.0.0.1:{metrics_port}/metrics")
    finally:
        stop(process)
        stop_ray()


@contextlib.contextmanager
def stock_superlink(workdir: Path, *, simulation: bool = True):
    """Stock Flower with its own federation manager, on the same certificates: a simulation SuperLink, or a
    deployment one that authenticates SuperNodes (their keys registered over its Control API)."""
    tls = settings.SUPERLINK_TLS_DIR
    address = f"127.0.0.1:{free_port()}"
    host, port = address.rsplit(":", 1)
    kind = "simulation" if simulation else "deployment"
    log = workdir / f"stock-{kind}.log"
    command = [
        str(BIN / "flower-superlink"),
        "--simulation" if simulation else "--enable-supernode-auth",
        "--host",
        host,
        "--port",
        port,
        "--database",
        str(workdir / f"stock-{kind}-state.db"),
        "--disable-runtime-dependency-installation",
        "--ssl-ca-certfile",
        str(tls / "ca.pem"),
        "--ssl-certfile",
        str(tls / "server.pem"),
        "--ssl-keyfile",
        str(tls / "server.key"),
    ]
    process = start(command, superlink_env(workdir), log, workdir)
    try:
        wait_for_tls(address, tls / "ca.pem", process, log)
        yield Link(address)
    finally:
        stop(process)
        stop_ray()


def stock_client(address: str) -> ControlHttpClient:
    context = ssl.create_default_context(cafile=str(settings.SUPERLINK_TLS_DIR / "ca.pem"))
    return ControlHttpClient(f"https://{address}", interceptors=[], verify=context, timeout=30)


def median_ms(call: Callable, repeat: int) -> float:
    for _ in range(3):
        call()
    times = []
    for _ in range(repeat):
        start_at = time.perf_counter()
        call()
        times.append((time.perf_counter() - start_at) * 1000)
    return statistics.median(times)


# The Control API calls the CLI makes that do real work in the FederationManager, ours against stock
# Flower's answering the same call about its one federation with its one member, each over one kept
# connection. The same calls at our large sizes are shown against the same floor.
SHOW_FEDERATION = "ShowFederation"
LIST_FEDERATIONS = "ListFederations"
LIST_NODES = "ListNodes"
LIST_RUNS = "ListRuns"
SAME_SIZE = {
    "ShowFederation of a federation with 1 member": SHOW_FEDERATION,
    "ListFederations of a member of 1 federation": LIST_FEDERATIONS,
}
LARGER = {
    "ShowFederation of a federation with 1,000 members": SHOW_FEDERATION,
    "ListFederations of a member of 100 federations": LIST_FEDERATIONS,
}


def interleaved_ms(ours: Callable, stock: Callable, repeat: int) -> tuple[float, float]:
    """The median of each call, asked in turn, so both medians come from the same moments of a shared,
    noisy machine (as the pages alternate with the floor)."""
    for _ in range(3):
        ours()
        stock()
    ours_times, stock_times = [], []
    for _ in range(repeat):
        start_at = time.perf_counter()
        ours()
        middle = time.perf_counter()
        stock()
        stock_times.append((time.perf_counter() - middle) * 1000)
        ours_times.append((middle - start_at) * 1000)
    return statistics.median(ours_times), statistics.median(stock_times)


def control_ms(stock_address: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Each of our Control calls (``SAME_SIZE``, ``LARGER``) and stock's same kind of call, in turn: both
    SuperLinks are up. By label: (ours, stock) in ms."""
    owner = User.objects.get(username=BIG_OWNER)
    handles = {size: f"@{BIG_OWNER}/{federation_name(size)}" for size in (1, max(FEDERATION_SIZES))}
    stock = stock_client(stock_address)
    stock_calls = {
        SHOW_FEDERATION: lambda: stock.ShowFederation(ShowFederationRequest(federation_name=NOOP_FEDERATION_ID)),
        LIST_FEDERATIONS: lambda: stock.ListFederations(ListFederationsRequest()),
    }
    calls = {}
    try:
        with control_client.connect(owner) as as_owner:
            for label, size in (
                ("ShowFederation of a federation with 1 member", 1),
                ("ShowFederation of a federation with 1,000 members", max(FEDERATION_SIZES)),
            ):
                request = ShowFederationRequest(federation_name=handles[size])
                ours = partial(as_owner.ShowFederation, request)
                calls[label] = interleaved_ms(ours, stock_calls[SHOW_FEDERATION], repeat)
        for label, size in (
            ("ListFederations of a member of 1 federation", 1),
            ("ListFederations of a member of 100 federations", 100),
        ):
            with control_client.connect(User.objects.get(username=member_name(size))) as as_member:
                ours = partial(as_member.ListFederations, ListFederationsRequest())
                calls[label] = interleaved_ms(ours, stock_calls[LIST_FEDERATIONS], repeat)
    finally:
        stock.close()
    return calls


def stock_control_ms(address: str, repeat: int) -> dict[str, float]:
    client = stock_client(address)
    try:
        show = ShowFederationRequest(federation_name=NOOP_FEDERATION_ID)
        return {
            SHOW_FEDERATION: median_ms(lambda: client.ShowFederation(show), repeat),
            LIST_FEDERATIONS: median_ms(lambda: client.ListFederations(ListFederationsRequest()), repeat),
            LIST_NODES: median_ms(lambda: client.ListNodes(ListNodesRequest()), repeat),
            LIST_RUNS: median_ms(lambda: client.ListRuns(ListRunsRequest()), repeat),
        }
    finally:
        client.close()


def stock_control_under_load(address: str, clients: int, seconds: float) -> dict[str, float]:
    """The p95 of each call the live sections make, asked of the stock SuperLink by ``clients`` threads at
    once, each on a kept HTTPS connection of its own: the same plain driver (``http.client``) that asks
    gunicorn for the pages under load, so both sides pay the same client-side costs."""
    from .pages import percentile

    calls: dict[str, tuple[str, Message]] = {
        SHOW_FEDERATION: ("/v1/control/show-federation", ShowFederationRequest(federation_name=NOOP_FEDERATION_ID)),
        LIST_NODES: ("/v1/control/list-nodes", ListNodesRequest()),
        LIST_RUNS: ("/v1/control/list-runs", ListRunsRequest()),
    }
    return {
        name: percentile(concurrent_ms(address, path, request.SerializeToString(), clients, seconds), 0.95)
        for name, (path, request) in calls.items()
    }


def concurrent_ms(address: str, path: str, body: bytes, clients: int, seconds: float) -> list[float]:
    host, port = address.rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(settings.SUPERLINK_TLS_DIR / "ca.pem"))
    headers = {"Content-Type": PROTOBUF_MEDIA_TYPE, "Accept": PROTOBUF_MEDIA_TYPE}
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def ask(connection: http.client.HTTPSConnection) -> None:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"The stock SuperLink answered {path} with HTTP {response.status}")

    def work() -> None:
        connection, mine = http.client.HTTPSConnection(host, int(port), context=context, timeout=30), []
        try:
            ask(connection)  # connected first
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                ask(connection)
                mine.append((time.perf_counter() - started) * 1000)
        finally:
            connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


class RunTimedOut(RuntimeError):
    """A run that did not finish in RUN_TIMEOUT_SECONDS."""


def wait_until_finished(status: Callable[[], str], started: float) -> float:
    while time.perf_counter() - started < RUN_TIMEOUT_SECONDS:
        if status() == "finished":
            return time.perf_counter() - started
        time.sleep(0.1)
    raise RunTimedOut(f"The run did not finish in {RUN_TIMEOUT_SECONDS} s")


def fab() -> bytes:
    return control_client.build_fab(EXAMPLE_APP)


def our_run_seconds(content: bytes) -> tuple[float, str]:
    owner = User.objects.get(username=BIG_OWNER)
    handle = Federation.objects.get(owner=owner, name=RUNS_FEDERATION).handle
    started = time.perf_counter()
    run_id = control_client.start_run(owner, handle, content, {})

    def status() -> str:
        run = control_client.get_run(owner, handle, run_id)
        return run.status.status if run else ""

    seconds = wait_until_finished(status, started)
    run = control_client.get_run(owner, handle, run_id)
    assert run is not None  # it has just finished
    return seconds, run.status.sub_status


def publish_example() -> str:
    """The example app on the bench's Hub as the big owner's (published once), as `flwr run` names it."""
    from apps import services

    owner = User.objects.get(username=BIG_OWNER)
    try:
        version = services.publish_upload(account=owner, fab=control_client.build_fab(EXAMPLE_APP))  # stamped
    except services.HubError:
        version = services.find_version(f"@{BIG_OWNER}/quickstart-numpy", None, owner)
    return version.app.handle


def our_hub_run_seconds(app_id: str) -> tuple[float, str]:
    """`flwr run @owner/app` as the CLI sends it: an app spec, no FAB; the SuperLink fetches it from the Hub."""
    owner = User.objects.get(username=BIG_OWNER)
    handle = Federation.objects.get(owner=owner, name=RUNS_FEDERATION).handle
    started = time.perf_counter()
    with control_client.connect(owner) as control:
        run_id = control.StartRun(StartRunRequest(app_spec=app_id, federation=handle)).run_id
    if not run_id:
        raise RuntimeError(f"The SuperLink did not start {app_id}")

    def status() -> str:
        run = control_client.get_run(owner, handle, run_id)
        return run.status.status if run else ""

    seconds = wait_until_finished(status, started)
    run = control_client.get_run(owner, handle, run_id)
    assert run is not None  # it has just finished
    return seconds, run.status.sub_status


def stock_run_seconds(address: str, content: bytes) -> tuple[float, str]:
    client = stock_client(address)
    try:
        started = time.perf_counter()
        request = StartRunRequest(
            fab=Fab(hash_str=hashlib.sha256(content).hexdigest(), content=content), federation=NOOP_FEDERATION_ID
        )
        run_id = client.StartRun(request).run_id

        def status() -> str:
            runs = client.ListRuns(ListRunsRequest(run_id=run_id)).run_dict
            return runs[run_id].status.status if run_id in runs else ""

        seconds = wait_until_finished(status, started)
        return seconds, client.ListRuns(ListRunsRequest(run_id=run_id)).run_dict[run_id].status.sub_status
    finally:
        client.close()
