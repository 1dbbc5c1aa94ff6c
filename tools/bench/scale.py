"""Runs at scale: 1,000 simulated SuperNodes and 20 real `flower-supernode` processes, each run through our
SuperLink and through a stock one (its own `NoOpFederationManager`), and what routing their messages cost
ours: SQL statements and FederationManager calls per message, read from our SuperLink's /metrics.

The same example app, the same rounds (SCALE_ROUNDS) and the same certificates on both sides. The real
SuperNodes' keys are registered through the portal (the Control API's RegisterNode, as the SuperNodes page
does) and added to the federation through `supernodes.services`; stock registers the same keys (its
`--enable-supernode-auth`), so both SuperLinks authenticate every SuperNode.
"""

import contextlib
import hashlib
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import connection
from flwr.common.constant import SUPERLINK_NODE_ID
from flwr.common.serde import user_config_to_proto
from flwr.proto.control_pb2 import (
    ConfigureSimulationFederationRequest,
    ListNodesRequest,
    ListRunsRequest,
    RegisterNodeRequest,
    StartRunRequest,
)
from flwr.proto.fab_pb2 import Fab
from flwr.proto.federation_config_pb2 import SimulationConfig
from flwr.supercore.constant import NOOP_FEDERATION_ID
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import User
from federations import services as federation_services
from federations.models import Federation
from superlink import control_client
from superlink.hooks import NoNodeLinks
from superlink.node_directory import NodeDirectory
from supernodes import services as supernode_services
from supernodes.models import FederationNode
from tools.processes import BIN, FLWR_ENV, free_port, start, stop

from . import flower
from .seed import BIG_OWNER

SIMULATED = 1000
REAL = 20
SCALE_ROUNDS = 2  # num-server-rounds for the runs at scale: every node trains and evaluates each round
SIMULATION = f"bench-sim-{SIMULATED}"
GRID = f"bench-grid-{REAL}"
ONLINE_TIMEOUT_SECONDS = 180
# A run that did not finish in flower.RUN_TIMEOUT_SECONDS: its row fails and the bench goes on. On a slow
# 2-core machine, 20 SuperNodes and their ClientApps can starve the SuperLink's SQLite state (stock's too:
# "database is locked"), so a run may never finish; the table still shows everything else.
TIMED_OUT = "did not finish"


@dataclass
class Counted:
    """Our SuperLink's counters over one run (differences of /metrics)."""

    messages: dict[str, float] = field(default_factory=dict)  # by API: pushed + pulled
    sql: dict[str, float] = field(default_factory=dict)  # by API
    calls: dict[str, float] = field(default_factory=dict)  # FederationManager calls by method

    @property
    def routed(self) -> float:
        return sum(self.messages.values())

    @property
    def routing_calls(self) -> float:
        return self.calls.get("has_node", 0.0) + self.calls.get("filter_nodes", 0.0)

    @property
    def routing_sql(self) -> float:
        return self.sql.get("fleet", 0.0) + self.sql.get("serverappio", 0.0)


@dataclass
class ScaleRun:
    label: str
    ours: list[float]
    stock: list[float]
    outcomes: set[str]
    counted: Counted

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.stock)


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    text = httpx.get(url, timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def counted_between(before: dict, after: dict) -> Counted:
    counted = Counted()
    for (name, labels), value in after.items():
        delta = value - before.get((name, labels), 0.0)
        label = dict(labels)
        if name == "supergrid_superlink_messages_total":
            counted.messages[label["api"]] = counted.messages.get(label["api"], 0.0) + delta
        elif name == "supergrid_superlink_sql_statements_total":
            counted.sql[label["api"]] = counted.sql.get(label["api"], 0.0) + delta
        elif name == "supergrid_superlink_federation_manager_calls_total":
            counted.calls[label["method"]] = counted.calls.get(label["method"], 0.0) + delta
    return counted


def add(total: Counted, more: Counted) -> None:
    for mine, theirs in ((total.messages, more.messages), (total.sql, more.sql), (total.calls, more.calls)):
        for key, value in theirs.items():
            mine[key] = mine.get(key, 0.0) + value


# Our side ---------------------------------------------------------------------------------------------------


def simulation_federation(owner: User) -> Federation:
    """A simulation federation of SIMULATED SuperNodes, one CPU each, set as the CLI sets it."""
    federation = Federation.objects.filter(owner=owner, name=SIMULATION).first()
    if federation is None:
        federation = federation_services.create_federation(
            owner=owner, name=SIMULATION, kind=Federation.Kind.SIMULATION, num_supernodes=SIMULATED
        )
    with control_client.connect(owner) as control:
        control.ConfigureSimulationFederation(
            ConfigureSimulationFederationRequest(
                federation_name=federation.handle,
                config=SimulationConfig(num_supernodes=SIMULATED, client_resources_num_cpus=1),
            )
        )
    return federation


def grid_federation(owner: User) -> Federation:
    federation = Federation.objects.filter(owner=owner, name=GRID).first()
    if federation is None:
        federation = federation_services.create_federation(owner=owner, name=GRID, kind=Federation.Kind.DEPLOYMENT)
    FederationNode.objects.filter(federation=federation).delete()  # a reused database: last time's keys
    return federation


def make_keys(directory: Path, count: int) -> list[tuple[Path, bytes]]:
    """SuperNode key pairs: the private key file (OpenSSH, as ssh-keygen writes it) and the public PEM."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = []
    for number in range(count):
        key = ec.generate_private_key(ec.SECP384R1())
        private = directory / f"node-{number}"
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
            )
        )
        private.chmod(0o600)
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        keys.append((private, public))
    return keys


def register_ours(owner: User, federation: Federation, keys: list[tuple[Path, bytes]]) -> set[int]:
    nodes = set()
    for number, (_, public) in enumerate(keys):
        node_id = control_client.register_node(owner, public, f"bench-{number}")
        supernode_services.add_supernode(
            federation=federation, actor=owner, node_id=node_id, owner_aid=owner.flwr_aid, name=f"bench-{number}"
        )
        nodes.add(node_id)
    return nodes


@contextlib.contextmanager
def supernodes(address: str, keys: list[tuple[Path, bytes]], workdir: Path) -> Iterator[None]:
    """One stock `flower-supernode` per key, partitioned like the tests' sites; all stopped afterwards."""
    ca = settings.SUPERLINK_TLS_DIR / "ca.pem"
    started: list[subprocess.Popen] = []
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    try:
        for number, (private, _) in enumerate(keys):
            home = workdir / f"home-{number}"
            node_env = {**env, **FLWR_ENV, "FLWR_HOME": str(home), "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}
            command = [
                str(BIN / "flower-supernode"),
                "--superlink",
                address,
                "--root-certificates",
                str(ca),
                "--auth-supernode-private-key",
                str(private),
                "--node-config",
                f"partition-id={number} num-partitions={len(keys)}",
                "--port",
                str(free_port()),
            ]
            started.append(start(command, node_env, workdir / f"supernode-{number}.log", workdir))
        yield
    finally:
        for process in started:
            stop(process)


def wait_online(count_online: Callable[[], int], expected: int) -> None:
    deadline = time.monotonic() + ONLINE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if count_online() >= expected:
                return
        except (control_client.SuperLinkUnavailable, httpx.HTTPError):
            pass  # twenty SuperNodes starting at once on two cores: the SuperLink may answer late
        time.sleep(1)
    raise RuntimeError(f"{expected} SuperNodes were not online in {ONLINE_TIMEOUT_SECONDS} s")


def our_run(owner: User, handle: str, content: bytes, metrics_url: str) -> tuple[float, str, Counted]:
    before = scrape(metrics_url)
    started = time.perf_counter()
    run_id = control_client.start_run(owner, handle, content, {"num-server-rounds": SCALE_ROUNDS})

    def status() -> str:
        try:
            run = control_client.get_run(owner, handle, run_id)
        except control_client.SuperLinkUnavailable:
            return ""  # busy routing twenty SuperNodes' messages on two cores: ask again
        return run.status.status if run else ""

    try:
        seconds = flower.wait_until_finished(status, started)
    except flower.RunTimedOut:
        return flower.RUN_TIMEOUT_SECONDS, TIMED_OUT, counted_between(before, scrape(metrics_url))
    counted = counted_between(before, scrape(metrics_url))
    run = control_client.get_run(owner, handle, run_id)
    assert run is not None  # it has just finished
    return seconds, run.status.sub_status, counted


# Stock's side -----------------------------------------------------------------------------------------------


def stock_run(client, content: bytes) -> tuple[float, str]:
    request = StartRunRequest(
        fab=Fab(hash_str=hashlib.sha256(content).hexdigest(), content=content),
        federation=NOOP_FEDERATION_ID,
        override_config=user_config_to_proto({"num-server-rounds": SCALE_ROUNDS}),
    )
    started = time.perf_counter()
    run_id = client.StartRun(request).run_id

    def status() -> str:
        try:
            runs = client.ListRuns(ListRunsRequest(run_id=run_id)).run_dict
        except httpx.HTTPError:
            return ""
        return runs[run_id].status.status if run_id in runs else ""

    try:
        seconds = flower.wait_until_finished(status, started)
    except flower.RunTimedOut:
        return flower.RUN_TIMEOUT_SECONDS, TIMED_OUT
    return seconds, client.ListRuns(ListRunsRequest(run_id=run_id)).run_dict[run_id].status.sub_status


def online(nodes) -> int:
    return sum(1 for node in nodes if node.status == "online")


# The runs ---------------------------------------------------------------------------------------------------


def runs_through_ours(label: str, owner: User, handle: str, content: bytes, link, runs: int) -> tuple:
    """``runs`` runs of the example app in ``handle``: their times, outcomes and our SuperLink's counts."""
    times, outcomes, total = [], set(), Counted()
    for number in range(runs):
        print(f"{label} through our SuperLink ({number + 1} of {runs})…", flush=True)
        seconds, outcome, counted = our_run(owner, handle, content, link.metrics_url)
        print(f"  {seconds:.1f} s, {outcome}", flush=True)
        times.append(seconds)
        outcomes.add(outcome)
        add(total, counted)
        if outcome == TIMED_OUT:
            break  # its ServerApp may still be running: the next run would not be measured alone
    return times, outcomes, total


def measure_ours(link, workdir: Path, content: bytes, runs: int) -> dict[str, tuple[list[float], set[str], Counted]]:
    """Through our SuperLink (already up): the simulation of SIMULATED nodes, then REAL real SuperNodes."""
    owner = User.objects.get(username=BIG_OWNER)
    found = {}
    simulation = simulation_federation(owner)
    found["simulation"] = runs_through_ours(
        f"{SIMULATED} simulated SuperNodes", owner, simulation.handle, content, link, runs
    )
    grid = grid_federation(owner)
    keys = make_keys(workdir / "keys", REAL)
    register_ours(owner, grid, keys)
    with supernodes(link.address, keys, workdir / "ours-nodes"):
        wait_online(lambda: online(control_client.list_nodes(owner)), REAL)
        found["deployment"] = runs_through_ours(f"{REAL} real SuperNodes", owner, grid.handle, content, link, runs)
    return found


def measure_stock_simulation(address: str, content: bytes, runs: int) -> list[tuple[float, str]]:
    """On the stock simulation SuperLink, after its 2-node runs: its one federation set to SIMULATED nodes."""
    client = flower.stock_client(address)
    try:
        client.ConfigureSimulationFederation(
            ConfigureSimulationFederationRequest(
                federation_name=NOOP_FEDERATION_ID,
                config=SimulationConfig(num_supernodes=SIMULATED, client_resources_num_cpus=1),
            )
        )
        results = []
        for number in range(runs):
            print(f"{SIMULATED} simulated SuperNodes through a stock SuperLink ({number + 1} of {runs})…", flush=True)
            results.append(stock_run(client, content))
        return results
    finally:
        client.close()


def measure_stock_deployment(workdir: Path, content: bytes, runs: int) -> list[tuple[float, str]]:
    """A stock deployment SuperLink (SuperNode authentication on), the same keys registered, REAL nodes."""
    keys = make_keys(workdir / "stock-keys", REAL)
    with flower.stock_superlink(workdir, simulation=False) as stock:
        client = flower.stock_client(stock.address)
        try:
            for number, (_, public) in enumerate(keys):
                client.RegisterNode(RegisterNodeRequest(public_key=public, name=f"bench-{number}"))
            results = []
            with supernodes(stock.address, keys, workdir / "stock-nodes"):
                wait_online(lambda: online(client.ListNodes(ListNodesRequest()).nodes_info), REAL)
                for number in range(runs):
                    print(f"{REAL} real SuperNodes through a stock SuperLink ({number + 1} of {runs})…", flush=True)
                    results.append(stock_run(client, content))
                    if results[-1][1] == TIMED_OUT:
                        break
            return results
        finally:
            client.close()


class FixedLinks(NoNodeLinks):
    """One federation's links, as the directory reads them, without a database."""

    def __init__(self, links: list[tuple[str, int]]):
        self.links = links

    def signature(self) -> object:
        return len(self.links)

    def all_links(self) -> list[tuple[str, int]]:
        return self.links


def routing_in_memory(repeat: int = 5000) -> list[tuple[int, float, float, int]]:
    """What the SuperLink asks per message, timed in process on a warm directory holding a federation of 20
    and of 1,000 SuperNodes: (size, has_node µs, filter_nodes of a message's two nodes µs, SQL statements)."""
    from superlink.federation_manager import PortalFederationManager

    figures = []
    for size in (REAL, SIMULATED):
        node_ids = [10_000 + number for number in range(size)]
        directory = NodeDirectory(interval=3600, links=FixedLinks([("@bench/routing", node) for node in node_ids]))
        directory.reload()
        manager = PortalFederationManager(directory=directory)
        statements: list[str] = []

        def counted(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            started = time.perf_counter()
            for number in range(repeat):
                manager.has_node(node_ids[number % size], "@bench/routing")
            has_node_us = (time.perf_counter() - started) / repeat * 1e6
            started = time.perf_counter()
            for number in range(repeat):
                manager.filter_nodes({node_ids[number % size], SUPERLINK_NODE_ID}, "@bench/routing")
            filter_us = (time.perf_counter() - started) / repeat * 1e6
        figures.append((size, has_node_us, filter_us, len(statements)))
    return figures
